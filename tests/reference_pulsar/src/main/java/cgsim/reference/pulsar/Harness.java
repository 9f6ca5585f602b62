package cgsim.reference.pulsar;

import static org.mockito.Mockito.CALLS_REAL_METHODS;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.service.AbstractDispatcherSingleActiveConsumer;
import org.apache.pulsar.broker.service.ConsistentHashingStickyKeyConsumerSelector;
import org.apache.pulsar.broker.service.Consumer;
import org.apache.pulsar.broker.service.HashRangeAutoSplitStickyKeyConsumerSelector;
import org.apache.pulsar.broker.service.HashRangeExclusiveStickyKeyConsumerSelector;
import org.apache.pulsar.broker.service.StickyKeyConsumerSelector;
import org.apache.pulsar.broker.service.TransportCnx;
import org.apache.pulsar.client.api.HashingScheme;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageRouter;
import org.apache.pulsar.client.api.TopicMetadata;
import org.apache.pulsar.client.impl.JavaStringHash;
import org.apache.pulsar.client.impl.Murmur3Hash32;
import org.apache.pulsar.client.impl.RoundRobinPartitionMessageRouterImpl;
import org.apache.pulsar.client.impl.SinglePartitionMessageRouterImpl;
import org.apache.pulsar.common.api.proto.CommandSubscribe.SubType;
import org.apache.pulsar.common.api.proto.KeySharedMeta;
import org.apache.pulsar.common.api.proto.KeySharedMode;
import org.apache.pulsar.common.util.Murmur3_32Hash;

/**
 * Runs Apache Pulsar 4.2.4's own consumer selection and producer routing on cgsim's random cases.
 *
 * <p>Reads a JSON array of cases on stdin and writes a JSON array of answers, one per case, on
 * stdout. Keys are hex-encoded bytes. A consumer is a Mockito stand-in for the broker's Consumer
 * (as in Pulsar's own selector tests) answering its name, priority level and Key_Shared ranges;
 * consumers are reported by the case's integer ids, -1 for none. Case kinds:
 * <ul>
 *   <li>hash: the broker's Murmur3_32Hash, the client's JavaStringHash and Murmur3Hash32 of keys;
 *   <li>auto_split, consistent, sticky: a Key_Shared selector through consumer adds and removes;
 *       after each operation whether it succeeded and the consumer each key selects;
 *   <li>failover: one Failover dispatcher per partition (or one for a non-partitioned topic)
 *       through adds and removes; after each operation the active consumer of each;
 *   <li>route: a partitioned producer's message router over a sequence of messages.
 * </ul>
 */
public final class Harness {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  public static void main(String[] args) throws Exception {
    JsonNode cases = JSON.readTree(System.in);
    ArrayNode out = JSON.createArrayNode();
    for (JsonNode c : cases) {
      String kind = c.get("kind").asText();
      switch (kind) {
        case "hash" -> out.add(hashes(c));
        case "auto_split", "consistent", "sticky" -> out.add(selector(c));
        case "failover" -> out.add(failover(c));
        case "route" -> out.add(route(c));
        default -> throw new IllegalArgumentException("unknown case kind " + kind);
      }
    }
    BufferedOutputStream stdout = new BufferedOutputStream(System.out, 1 << 20);
    JSON.writeValue(stdout, out);
    stdout.flush();
  }

  private static byte[] bytes(JsonNode hex) {
    return HEX.parseHex(hex.asText());
  }

  private static ObjectNode hashes(JsonNode c) {
    ObjectNode r = JSON.createObjectNode();
    ArrayNode murmur = r.putArray("murmur");
    ArrayNode java = r.putArray("java");
    ArrayNode clientMurmur = r.putArray("client_murmur");
    for (JsonNode k : c.get("keys")) {
      byte[] b = bytes(k);
      murmur.add(Murmur3_32Hash.getInstance().makeHash(b));
      java.add(JavaStringHash.getInstance().makeHash(b));
      clientMurmur.add(Murmur3Hash32.getInstance().makeHash(new String(b, StandardCharsets.UTF_8)));
    }
    return r;
  }

  private static Consumer consumer(JsonNode op) {
    Consumer consumer = mock(Consumer.class);
    when(consumer.consumerName()).thenReturn(op.path("name").asText(""));
    when(consumer.getPriorityLevel()).thenReturn(op.path("priority").asInt(0));
    if (op.has("ranges")) {
      KeySharedMeta meta = new KeySharedMeta().setKeySharedMode(KeySharedMode.STICKY);
      for (JsonNode range : op.get("ranges")) {
        meta.addHashRange().setStart(range.get(0).asInt()).setEnd(range.get(1).asInt());
      }
      when(consumer.getKeySharedMeta()).thenReturn(meta);
      // A connected consumer whose connection answers: a range conflict with it is final.
      TransportCnx cnx = mock(TransportCnx.class);
      when(cnx.checkConnectionLiveness()).thenReturn(CompletableFuture.completedFuture(Optional.of(true)));
      when(consumer.cnx()).thenReturn(cnx);
    }
    return consumer;
  }

  private static ObjectNode selector(JsonNode c) {
    String kind = c.get("kind").asText();
    StickyKeyConsumerSelector selector = switch (kind) {
      case "auto_split" -> new HashRangeAutoSplitStickyKeyConsumerSelector(c.get("range_size").asInt(), false);
      case "consistent" -> new ConsistentHashingStickyKeyConsumerSelector(c.get("points").asInt(), false,
          c.get("range_max").asInt());
      default -> new HashRangeExclusiveStickyKeyConsumerSelector(c.get("range_size").asInt());
    };
    List<byte[]> keys = new ArrayList<>();
    for (JsonNode k : c.get("keys")) {
      keys.add(bytes(k));
    }
    Map<Consumer, Integer> idOf = new HashMap<>();
    Map<Integer, Consumer> byId = new HashMap<>();
    ObjectNode r = JSON.createObjectNode();
    ArrayNode steps = r.putArray("steps");
    for (JsonNode op : c.get("ops")) {
      int id = op.get("id").asInt();
      boolean ok = true;
      if (op.get("op").asText().equals("add")) {
        Consumer consumer = consumer(op);
        try {
          selector.addConsumer(consumer).get();
          idOf.put(consumer, id);
          byId.put(id, consumer);
        } catch (Exception e) {
          ok = false;
        }
      } else {
        Consumer consumer = byId.remove(id);
        if (consumer != null) {
          selector.removeConsumer(consumer);
        }
      }
      ObjectNode step = steps.addObject();
      step.put("ok", ok);
      ArrayNode select = step.putArray("select");
      for (byte[] key : keys) {
        Consumer chosen = selector.select(key);
        select.add(chosen == null ? -1 : idOf.get(chosen));
      }
    }
    return r;
  }

  private static ObjectNode failover(JsonNode c) {
    int partitions = c.get("partitions").asInt();
    String topic = c.get("topic").asText();
    ServiceConfiguration conf = new ServiceConfiguration();
    conf.setActiveConsumerFailoverConsistentHashing(c.path("consistent").asBoolean(false));
    List<AbstractDispatcherSingleActiveConsumer> dispatchers = new ArrayList<>();
    for (int p = 0; p < Math.max(1, partitions); p++) {
      int index = partitions == 0 ? -1 : p;
      String name = partitions == 0 ? topic : topic + "-partition-" + p;
      dispatchers.add(mock(AbstractDispatcherSingleActiveConsumer.class, withSettings()
          .useConstructor(SubType.Failover, index, name, null, conf, null)
          .defaultAnswer(CALLS_REAL_METHODS)));
    }
    Map<Consumer, Integer> idOf = new HashMap<>();
    Map<Integer, Consumer> byId = new HashMap<>();
    ObjectNode r = JSON.createObjectNode();
    ArrayNode steps = r.putArray("steps");
    for (JsonNode op : c.get("ops")) {
      int id = op.get("id").asInt();
      try {
        if (op.get("op").asText().equals("add")) {
          Consumer consumer = consumer(op);
          idOf.put(consumer, id);
          byId.put(id, consumer);
          for (AbstractDispatcherSingleActiveConsumer d : dispatchers) {
            d.addConsumer(consumer).get();
          }
        } else {
          Consumer consumer = byId.remove(id);
          for (AbstractDispatcherSingleActiveConsumer d : dispatchers) {
            if (consumer != null) {
              d.removeConsumer(consumer);
            }
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException("failover case: " + e, e);
      }
      ArrayNode active = steps.addArray();
      for (AbstractDispatcherSingleActiveConsumer d : dispatchers) {
        Consumer a = d.getActiveConsumer();
        active.add(a == null ? -1 : idOf.get(a));
      }
    }
    return r;
  }

  /** A clock whose time the harness sets before each message. */
  private static final class SettableClock extends Clock {
    long millis;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
      return millis;
    }
  }

  @SuppressWarnings("unchecked")
  private static Message<byte[]> message(String key) {
    return (Message<byte[]>) Proxy.newProxyInstance(Message.class.getClassLoader(), new Class<?>[] {Message.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "hasKey" -> key != null;
          case "getKey" -> key;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static ObjectNode route(JsonNode c) {
    HashingScheme scheme = c.get("scheme").asText().equals("murmur") ? HashingScheme.Murmur3_32Hash
        : HashingScheme.JavaStringHash;
    int partitions = c.get("partitions").asInt();
    TopicMetadata metadata = () -> partitions;
    SettableClock clock = new SettableClock();
    MessageRouter router = c.get("mode").asText().equals("single")
        ? new SinglePartitionMessageRouterImpl(c.get("start").asInt(), scheme)
        : new RoundRobinPartitionMessageRouterImpl(scheme, c.get("start").asInt(), c.get("batching").asBoolean(),
            c.get("switch_ms").asLong(), clock);
    ObjectNode r = JSON.createObjectNode();
    ArrayNode chosen = r.putArray("partitions");
    for (JsonNode m : c.get("messages")) {
      clock.millis = m.get("t").asLong();
      String key = m.get("key").isNull() ? null : new String(bytes(m.get("key")), StandardCharsets.UTF_8);
      chosen.add(router.choosePartition(message(key), metadata));
    }
    return r;
  }

  private Harness() {}
}
