// One producer or consumer of a live cgsim run on Apache Pulsar, on Pulsar's own Java client
// (org.apache.pulsar:pulsar-client-original).
//
// cgsim starts one JVM per producer instance and per consumer, so that a crash is SIGKILL of the
// process: no acknowledgement, no close. The JVM builds its PulsarClient at once and waits for
// "go", so that JVM start-up and class loading are not counted in the run.
//
// Arguments, each key=value:
//   mode=produce|consume|admin
//   url=pulsar://HOST:PORT   the broker's service URL (admin: admin_url=http://HOST:PORT instead)
//   topic=NAME               the topic (persistent://public/default/...)
//   produce: schedule=FILE   one line per message, "AT_NS ID KEY" (KEY "-": no key), in send order;
//                            AT_NS is nanoseconds after the run's start, ID unique over the run
//            name=NAME routing=RoundRobinPartition|SinglePartition hashing=JavaStringHash|Murmur3_32Hash
//            batching=0|1 batch_delay_us=N batch_messages=N batch_bytes=N bytes=N
//            switch_frequency=N
//   consume: subscription=NAME type=Exclusive|Failover|Shared|Key_Shared key_shared_mode=AUTO_SPLIT
//            name=NAME priority=N receiver_queue=N ack=individual|cumulative
//            ack_timeout_ms=N (0: none) nack_delay_ms=N ack_group_us=N (0: each at once)
//            earliest=0|1
//            processing=FILE     processing times in nanoseconds, one a line, used in turn (cgsim
//                                draws them from the scenario's distribution)
//
// Admin mode answers one line per command, "ok", "error TEXT" or as said:
//   list                     "topics NAME ..." : every persistent topic of public/default, with
//                            the partitioned topics' own names and their partitions'
//   create NAME PARTITIONS   creates a topic (0 partitions: non-partitioned)
//   delete NAME PARTITIONS   deletes it, with its subscriptions (force)
//
// Commands on stdin, one a line:
//   go T0                    produce: send each message at T0 + AT_NS (System.nanoTime());
//                            consume: subscribe and start consuming
//   close                    consume: close the consumer after the message in hand (a leave)
//   stop                     finish: producer flushes and closes, consumer closes; then exit
//   end of input             cgsim is gone: exit at once (unless stopping)
//
// Lines on stdout (times are System.nanoTime(), the same monotonic clock as cgsim's steady clock
// on Linux):
//   hello PID NOW            the JVM runs
//   ready                    the client (and producer) is built; waiting for go
//   subscribed T             the consumer is subscribed
//   p ID T                   message ID handed to the client
//   m PARTITION LEDGER ENTRY BATCH ID PUBLISHED REDELIVERIES DONE KEY
//                            a message processed and acknowledged; ID and PUBLISHED come from the
//                            producer's cgsim-id and cgsim-t properties
//   closed T                 the consumer is closed (after close or stop)
//   sent N FAILED            the producer has flushed: N messages acknowledged, FAILED failed
//   stopped T                the worker is done
//   warn TEXT | fatal TEXT   a problem (fatal: the worker exits with status 1)
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.HashingScheme;
import org.apache.pulsar.client.api.KeySharedPolicy;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageIdAdv;
import org.apache.pulsar.client.api.MessageRoutingMode;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientSharedResources;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;

public final class CgsimPulsarWorker {
  private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
  private static final Map<String, String> ARGS = new HashMap<>();
  private static volatile boolean closing = false;
  private static volatile boolean stopping = false;
  private static volatile long goAt = -1;

  /** Writes one line and flushes it: a SIGKILL must not lose what was already reported. */
  static synchronized void emit(String line) {
    try {
      OUT.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      OUT.flush();
    } catch (Exception e) {
      Runtime.getRuntime().halt(3);  // cgsim is gone
    }
  }

  static String arg(String key) {
    String v = ARGS.get(key);
    if (v == null) fatal("missing argument " + key + "=");
    return v;
  }

  static long num(String key) { return Long.parseLong(arg(key)); }

  static void fatal(String text) {
    emit("fatal " + text.replace('\n', ' '));
    Runtime.getRuntime().halt(1);
  }

  public static void main(String[] argv) {
    for (String a : argv) {
      int eq = a.indexOf('=');
      if (eq <= 0) fatal("argument without '=': " + a);
      ARGS.put(a.substring(0, eq), a.substring(eq + 1));
    }
    emit("hello " + ProcessHandle.current().pid() + " " + System.nanoTime());
    if (ARGS.getOrDefault("mode", "").equals("admin")) {
      try {
        admin();
      } catch (Throwable t) {
        fatal(t.toString());
      }
      System.exit(0);
    }
    try {
      // One I/O and one listener thread, one connection, no periodic client statistics: the
      // fewest threads and the least work per message the client allows. The client's timer ticks
      // every 10 ms instead of every 1 ms: its thread wakes at each tick whether or not a timeout
      // is due, and a host running several worker JVMs would spend its CPU on those wake-ups. A
      // timeout on it fires up to 10 ms later (docs/validation-pulsar.md, "The host check").
      PulsarClientSharedResources timer = PulsarClientSharedResources.builder()
          .resourceTypes(PulsarClientSharedResources.SharedResource.Timer)
          .configureTimer(t -> t.name("pulsar-timer").tickDuration(10, TimeUnit.MILLISECONDS)).build();
      PulsarClient client = PulsarClient.builder().serviceUrl(arg("url")).ioThreads(1).listenerThreads(1)
          .connectionsPerBroker(1).statsInterval(0, TimeUnit.SECONDS).sharedResources(timer)
          .operationTimeout(30, TimeUnit.SECONDS).build();
      if (arg("mode").equals("produce")) {
        produce(client);
      } else if (arg("mode").equals("consume")) {
        consume(client);
      } else {
        fatal("unknown mode " + arg("mode"));
      }
      client.close();
      timer.close();
      emit("stopped " + System.nanoTime());
      System.exit(0);
    } catch (Throwable t) {
      fatal(t.toString());
    }
  }

  static void admin() throws Exception {
    try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(arg("admin_url"))
             .requestTimeout(30, TimeUnit.SECONDS).build();
         BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      emit("ready");
      String line;
      while ((line = in.readLine()) != null) {
        String[] f = line.trim().split(" ");
        try {
          switch (f[0]) {
            case "list" -> {
              TreeSet<String> names = new TreeSet<>(admin.topics().getList("public/default"));
              names.addAll(admin.topics().getPartitionedTopicList("public/default"));
              emit("topics" + (names.isEmpty() ? "" : " " + String.join(" ", names)));
            }
            case "create" -> {
              int parts = Integer.parseInt(f[2]);
              if (parts > 0) admin.topics().createPartitionedTopic(f[1], parts);
              else admin.topics().createNonPartitionedTopic(f[1]);
              emit("ok");
            }
            case "delete" -> {
              if (Integer.parseInt(f[2]) > 0) admin.topics().deletePartitionedTopic(f[1], true);
              else admin.topics().delete(f[1], true);
              emit("ok");
            }
            case "stop" -> { return; }
            default -> emit("error unknown command " + f[0]);
          }
        } catch (Exception e) {
          emit("error " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
      }
    }
  }

  /** Reads stdin in the background: go, close, stop; end of input halts. */
  static void readCommands() {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("go ")) {
            goAt = Long.parseLong(line.substring(3).trim());
          } else if (line.equals("close")) {
            closing = true;
          } else if (line.equals("stop")) {
            stopping = true;
          } else {
            emit("warn unknown command " + line);
          }
        }
      } catch (Exception e) {
        // fall through: cgsim is gone
      }
      if (!stopping) Runtime.getRuntime().halt(2);
    }, "cgsim-stdin");
    t.setDaemon(true);
    t.start();
  }

  static void waitForGo() {
    while (goAt < 0 && !stopping) LockSupport.parkNanos(1_000_000);
  }

  static void produce(PulsarClient client) throws Exception {
    List<String> lines = Files.readAllLines(Paths.get(arg("schedule")), StandardCharsets.UTF_8);
    long[] at = new long[lines.size()];
    String[] ids = new String[lines.size()];
    String[] keys = new String[lines.size()];
    for (int i = 0; i < lines.size(); ++i) {
      String[] f = lines.get(i).split(" ", 3);
      if (f.length != 3) fatal("schedule line " + (i + 1) + " is not AT_NS ID KEY");
      at[i] = Long.parseLong(f[0]);
      ids[i] = f[1];
      keys[i] = f[2].equals("-") ? null : f[2];
    }
    ProducerBuilder<byte[]> b = client.newProducer().topic(arg("topic")).producerName(arg("name"))
        .compressionType(CompressionType.NONE).blockIfQueueFull(true).maxPendingMessages(0)
        .sendTimeout(30, TimeUnit.SECONDS)
        .messageRoutingMode(arg("routing").equals("SinglePartition") ? MessageRoutingMode.SinglePartition
                                                                     : MessageRoutingMode.RoundRobinPartition)
        .hashingScheme(arg("hashing").equals("Murmur3_32Hash") ? HashingScheme.Murmur3_32Hash
                                                               : HashingScheme.JavaStringHash);
    if (num("batching") != 0) {
      b.enableBatching(true).batchingMaxPublishDelay(num("batch_delay_us"), TimeUnit.MICROSECONDS)
          .batchingMaxMessages((int) num("batch_messages")).batchingMaxBytes((int) num("batch_bytes"))
          .roundRobinRouterBatchingPartitionSwitchFrequency((int) num("switch_frequency"));
    } else {
      b.enableBatching(false);
    }
    Producer<byte[]> producer = b.create();
    byte[] body = new byte[(int) Math.max(1, num("bytes"))];
    readCommands();
    emit("ready");
    waitForGo();
    AtomicLong acked = new AtomicLong(), failed = new AtomicLong();
    for (int i = 0; i < at.length && !stopping; ++i) {
      long due = goAt + at[i];
      long now;
      while ((now = System.nanoTime()) < due && !stopping) LockSupport.parkNanos(due - now);
      if (stopping) break;
      TypedMessageBuilder<byte[]> m = producer.newMessage().value(body)
          .property("cgsim-id", ids[i]).property("cgsim-t", Long.toString(System.nanoTime()));
      if (keys[i] != null) m.key(keys[i]);
      m.sendAsync().whenComplete((id, err) -> {
        if (err == null) acked.incrementAndGet(); else failed.incrementAndGet();
      });
      emit("p " + ids[i] + " " + System.nanoTime());
    }
    producer.flush();
    producer.close();
    emit("sent " + acked.get() + " " + failed.get());
  }

  static void consume(PulsarClient client) throws Exception {
    List<String> pt = Files.readAllLines(Paths.get(arg("processing")), StandardCharsets.UTF_8);
    long[] processing = new long[pt.size()];
    for (int i = 0; i < processing.length; ++i) processing[i] = Long.parseLong(pt.get(i).trim());
    String type = arg("type");
    SubscriptionType st = switch (type) {
      case "Exclusive" -> SubscriptionType.Exclusive;
      case "Failover" -> SubscriptionType.Failover;
      case "Shared" -> SubscriptionType.Shared;
      case "Key_Shared" -> SubscriptionType.Key_Shared;
      default -> { fatal("unknown subscription type " + type); yield null; }
    };
    ConsumerBuilder<byte[]> b = client.newConsumer().topic(arg("topic")).subscriptionName(arg("subscription"))
        .subscriptionType(st).consumerName(arg("name")).priorityLevel((int) num("priority"))
        .receiverQueueSize((int) num("receiver_queue"))
        .negativeAckRedeliveryDelay(num("nack_delay_ms"), TimeUnit.MILLISECONDS)
        .acknowledgmentGroupTime(num("ack_group_us"), TimeUnit.MICROSECONDS)
        .subscriptionInitialPosition(num("earliest") != 0 ? SubscriptionInitialPosition.Earliest
                                                          : SubscriptionInitialPosition.Latest);
    if (num("ack_timeout_ms") > 0) b.ackTimeout(num("ack_timeout_ms"), TimeUnit.MILLISECONDS);
    if (st == SubscriptionType.Key_Shared) {
      if (!arg("key_shared_mode").equals("AUTO_SPLIT")) fatal("key_shared_mode " + arg("key_shared_mode") + " is not supported");
      b.keySharedPolicy(KeySharedPolicy.autoSplitHashRange());
    }
    readCommands();
    emit("tid " + CgsimThreads.linuxThreadId());
    emit("ready");
    waitForGo();
    if (stopping) return;
    Consumer<byte[]> consumer = b.subscribe();
    emit("subscribed " + System.nanoTime());
    final boolean cumulative = arg("ack").equals("cumulative");
    int next = 0;
    while (!closing && !stopping) {
      Message<byte[]> m = consumer.receive(50, TimeUnit.MILLISECONDS);
      if (m == null) continue;
      long start = System.nanoTime();
      long d = processing.length == 0 ? 0 : processing[next++ % processing.length];
      long due = start + d;
      long now;
      while ((now = System.nanoTime()) < due) LockSupport.parkNanos(due - now);
      if (cumulative) consumer.acknowledgeCumulative(m); else consumer.acknowledge(m);
      long done = System.nanoTime();
      MessageIdAdv id = (MessageIdAdv) m.getMessageId();
      String cid = m.getProperty("cgsim-id"), ct = m.getProperty("cgsim-t");
      emit("m " + Math.max(0, id.getPartitionIndex()) + " " + id.getLedgerId() + " " + id.getEntryId() + " "
           + id.getBatchIndex() + " " + (cid == null ? "-1" : cid) + " " + (ct == null ? "-1" : ct) + " "
           + m.getRedeliveryCount() + " " + done + " " + (m.hasKey() ? m.getKey() : "-"));
    }
    consumer.close();
    emit("closed " + System.nanoTime());
    while (!stopping) LockSupport.parkNanos(10_000_000);
  }
}
