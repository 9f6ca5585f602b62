package cgsim.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.GroupSubscription;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.coordinator.group.api.assignor.ConsumerGroupPartitionAssignor;
import org.apache.kafka.coordinator.group.api.assignor.GroupAssignment;
import org.apache.kafka.coordinator.group.api.assignor.MemberAssignment;
import org.apache.kafka.coordinator.group.api.assignor.SubscriptionType;
import org.apache.kafka.coordinator.group.assignor.UniformAssignor;
import org.apache.kafka.coordinator.group.modern.GroupSpecImpl;
import org.apache.kafka.coordinator.group.modern.MemberSubscriptionAndAssignmentImpl;
import org.apache.kafka.coordinator.group.modern.SubscribedTopicDescriberImpl;
import org.apache.kafka.coordinator.group.modern.TopicIds;
import org.apache.kafka.coordinator.group.modern.TopicMetadata;
import org.apache.kafka.image.TopicImage;
import org.apache.kafka.image.TopicsImage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs Apache Kafka's own partition assignors on the JSON input of `cgsim assign`.
 *
 * <p>Input (stdin): one case object or an array of them, each with "assignor", "topics" and
 * "members" as documented in docs/assignors.md. Output (stdout): a JSON array with one object per
 * case, {"assignment": {memberId: ["topic-partition", ...]}} in the order Kafka's assignor produced
 * the partitions, or {"error": "..."} when Kafka's assignor threw.
 *
 * <p>The inputs are handed to Kafka as a real group would hand them over:
 * <ul>
 * <li>client assignors: every member's Subscription is built the way ConsumerCoordinator builds it
 * (user data from a per-member assignor instance that saw the member's previous assignment and
 * generation; owned partitions only for the cooperative protocol), serialized with
 * ConsumerProtocol and read back, and the leader's map of subscriptions is a HashMap filled in
 * the members' input order, as onLeaderElected fills it from the JoinGroup response;</li>
 * <li>server assignors: the group spec is built as TargetAssignmentBuilder builds it (a HashMap
 * of members in input order, subscriptions resolved through a topics image, the previous target
 * assignment as Assignment.fromRecord loads it), with topic ids derived from topic names.</li>
 * </ul>
 *
 * <p>With "--time N" the harness instead builds each case's inputs once, runs Kafka's assignor at
 * least N times (and "--warmup-ms" milliseconds) to warm up, then times "--repetitions" blocks of at
 * least N runs (and "--min-time-ms" milliseconds) and prints per case {"micros": the median over the
 * blocks of the mean time of one assignment}.
 */
public final class Harness {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws IOException {
        Timing timing = new Timing();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--time") && i + 1 < args.length) timing.iterations = Integer.parseInt(args[++i]);
            else if (args[i].equals("--warmup-ms") && i + 1 < args.length) timing.warmupMillis = Long.parseLong(args[++i]);
            else if (args[i].equals("--min-time-ms") && i + 1 < args.length) timing.minTimeMillis = Long.parseLong(args[++i]);
            else if (args[i].equals("--repetitions") && i + 1 < args.length) timing.repetitions = Integer.parseInt(args[++i]);
        }
        JsonNode input = MAPPER.readTree(readAll(System.in));
        List<JsonNode> cases = new ArrayList<>();
        if (input.isArray()) input.forEach(cases::add);
        else cases.add(input);

        ArrayNode out = MAPPER.createArrayNode();
        for (JsonNode c : cases) {
            if (timing.iterations > 0) {
                out.add(timeCase(c, timing));
            } else {
                out.add(runCase(c));
            }
        }
        System.out.println(MAPPER.writeValueAsString(out));
    }

    /** How --time measures: the same scheme Google Benchmark applies to cgsim's side. */
    static final class Timing {
        /** Least number of warm-up runs, and of runs per timed repetition. */
        int iterations = 0;
        /** Warm-up lasts at least this long, so the JIT has compiled the assignor's hot paths. */
        long warmupMillis = 0;
        /** A timed repetition lasts at least this long (Google Benchmark's min_time). */
        long minTimeMillis = 0;
        /** Timed repetitions; the median of their means is reported. */
        int repetitions = 1;
    }

    /**
     * Wall time of Kafka's assignor on one case, in microseconds: the inputs are built once; the
     * assignor runs at least {@code iterations} times and {@code warmupMillis} to warm up, then
     * {@code repetitions} times at least {@code iterations} runs and {@code minTimeMillis}, each
     * repetition giving the mean time of one run. "micros" is the median of those means.
     */
    static ObjectNode timeCase(JsonNode c, Timing timing) {
        ObjectNode result = MAPPER.createObjectNode();
        try {
            Runnable run = prepare(c);
            long warmupEnd = System.nanoTime() + timing.warmupMillis * 1_000_000L;
            for (int i = 0; i < timing.iterations || System.nanoTime() < warmupEnd; i++) run.run();
            double[] means = new double[Math.max(1, timing.repetitions)];
            for (int r = 0; r < means.length; r++) {
                long start = System.nanoTime();
                long minEnd = start + timing.minTimeMillis * 1_000_000L;
                int runs = 0;
                long now;
                do {
                    run.run();
                    runs++;
                    now = System.nanoTime();
                } while (runs < timing.iterations || now < minEnd);
                means[r] = (now - start) / 1000.0 / runs;
            }
            java.util.Arrays.sort(means);
            result.put("micros", means[means.length / 2]);
        } catch (RuntimeException e) {
            result.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return result;
    }

    /** The assignor call for a case, with its inputs built once. */
    static Runnable prepare(JsonNode c) {
        String assignor = c.path("assignor").asText();
        switch (assignor) {
            case "range":
            case "roundrobin":
            case "sticky":
            case "cooperative-sticky": {
                ClientInputs in = clientInputs(assignor, c);
                return () -> {
                    // Kafka's sticky assignors read the user data buffers; start each run at their beginning.
                    in.subscriptions.values().forEach(s -> { if (s.userData() != null) s.userData().rewind(); });
                    in.assignor.assign(in.cluster, new GroupSubscription(in.subscriptions));
                };
            }
            case "uniform":
            case "server-range": {
                ServerInputs in = serverInputs(assignor, c);
                return () -> in.assignor.assign(in.spec, in.describer);
            }
            default:
                throw new IllegalArgumentException("unknown assignor " + assignor);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }

    static ObjectNode runCase(JsonNode c) {
        ObjectNode result = MAPPER.createObjectNode();
        try {
            String assignor = c.path("assignor").asText();
            Map<String, List<TopicPartition>> assignment;
            switch (assignor) {
                case "range":
                case "roundrobin":
                case "sticky":
                case "cooperative-sticky":
                    assignment = runClient(assignor, c);
                    break;
                case "uniform":
                case "server-range":
                    assignment = runServer(assignor, c);
                    break;
                default:
                    throw new IllegalArgumentException("unknown assignor " + assignor);
            }
            ObjectNode a = result.putObject("assignment");
            for (JsonNode m : c.path("members")) {
                String id = m.path("member_id").asText();
                ArrayNode list = a.putArray(id);
                List<TopicPartition> parts = assignment.get(id);
                if (parts != null) for (TopicPartition tp : parts) list.add(tp.topic() + "-" + tp.partition());
            }
        } catch (RuntimeException e) {
            result.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return result;
    }

    // ---- input helpers ------------------------------------------------------------------------

    /** The partitions listed in "owned": strings "topic-N" or objects {"topic", "partitions"}. */
    static List<TopicPartition> owned(JsonNode member) {
        List<TopicPartition> out = new ArrayList<>();
        for (JsonNode o : member.path("owned")) {
            if (o.isTextual()) {
                String s = o.asText();
                int dash = s.lastIndexOf('-');
                out.add(new TopicPartition(s.substring(0, dash), Integer.parseInt(s.substring(dash + 1))));
            } else {
                String topic = o.path("topic").asText();
                for (JsonNode p : o.path("partitions")) out.add(new TopicPartition(topic, p.asInt()));
            }
        }
        return out;
    }

    static List<String> topics(JsonNode member) {
        List<String> out = new ArrayList<>();
        for (JsonNode t : member.path("topics")) out.add(t.asText());
        return out;
    }

    static Optional<String> optText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    static int generation(JsonNode member) {
        JsonNode g = member.get("generation");
        return g == null || g.isNull() ? -1 : g.asInt();
    }

    // ---- client-side assignors ------------------------------------------------------------------

    static final class ClientInputs {
        Cluster cluster;
        Map<String, Subscription> subscriptions;
        ConsumerPartitionAssignor assignor;
    }

    static Map<String, List<TopicPartition>> runClient(String name, JsonNode c) {
        ClientInputs in = clientInputs(name, c);
        Map<String, Assignment> result = in.assignor.assign(in.cluster, new GroupSubscription(in.subscriptions)).groupAssignment();
        Map<String, List<TopicPartition>> out = new HashMap<>();
        result.forEach((member, a) -> out.put(member, a.partitions()));
        return out;
    }

    static ClientInputs clientInputs(String name, JsonNode c) {
        Cluster cluster = cluster(c);
        Map<String, Subscription> subscriptions = new HashMap<>();
        for (JsonNode m : c.path("members")) {
            String memberId = m.path("member_id").asText();
            Optional<String> instance = optText(m, "group_instance_id");
            int generation = generation(m);
            List<TopicPartition> owned = owned(m);
            List<String> topics = topics(m);
            ByteBuffer userData = null;
            List<TopicPartition> protocolOwned = Collections.emptyList();
            ConsumerGroupMetadata metadata = new ConsumerGroupMetadata("group", generation, memberId, instance);
            if (name.equals("sticky")) {
                // StickyAssignor (eager) carries the previous assignment in its user data; the member
                // revoked everything before joining, so the protocol's owned partitions are empty.
                if (generation >= 0 || !owned.isEmpty()) {
                    StickyAssignor a = new StickyAssignor();
                    a.onAssignment(roundTrip(new Assignment(owned)), metadata);
                    userData = a.subscriptionUserData(new HashSet<>(topics));
                }
            } else if (name.equals("cooperative-sticky")) {
                CooperativeStickyAssignor a = new CooperativeStickyAssignor();
                a.onAssignment(roundTrip(new Assignment(owned)), metadata);
                userData = a.subscriptionUserData(new HashSet<>(topics));
                protocolOwned = owned;
            }
            Subscription s = new Subscription(topics, userData, protocolOwned, generation, optText(m, "rack"));
            Subscription received = ConsumerProtocol.deserializeSubscription(ConsumerProtocol.serializeSubscription(s));
            received.setGroupInstanceId(instance);
            subscriptions.put(memberId, received);
        }
        ConsumerPartitionAssignor assignor;
        switch (name) {
            case "range": assignor = new RangeAssignor(); break;
            case "roundrobin": assignor = new RoundRobinAssignor(); break;
            case "sticky": assignor = new StickyAssignor(); break;
            default: assignor = new CooperativeStickyAssignor(); break;
        }
        ClientInputs in = new ClientInputs();
        in.cluster = cluster;
        in.subscriptions = subscriptions;
        in.assignor = assignor;
        return in;
    }

    /** What a member reads back from the SyncGroup response. */
    static Assignment roundTrip(Assignment a) {
        return ConsumerProtocol.deserializeAssignment(ConsumerProtocol.serializeAssignment(a));
    }

    /** A cluster whose partitions have one replica per listed rack (one broker per rack name). */
    static Cluster cluster(JsonNode c) {
        Map<String, Node> brokers = new LinkedHashMap<>();
        List<PartitionInfo> partitions = new ArrayList<>();
        for (JsonNode t : c.path("topics")) {
            String topic = t.path("name").asText();
            int n = t.path("partitions").asInt();
            JsonNode racks = t.path("replica_racks");
            for (int p = 0; p < n; p++) {
                List<Node> replicas = new ArrayList<>();
                if (racks.isArray() && p < racks.size()) {
                    for (JsonNode r : racks.get(p)) {
                        String rack = r.asText();
                        Node node = brokers.computeIfAbsent(rack, k -> new Node(brokers.size(), "broker-" + k, 9092, k));
                        if (!replicas.contains(node)) replicas.add(node);
                    }
                }
                Node[] arr = replicas.toArray(new Node[0]);
                partitions.add(new PartitionInfo(topic, p, arr.length > 0 ? arr[0] : null, arr, arr));
            }
        }
        return new Cluster("cluster", new ArrayList<>(brokers.values()), partitions, Collections.emptySet(), Collections.emptySet());
    }

    // ---- server-side (KIP-848) assignors -----------------------------------------------------------

    /** The topic's id: "id" when given, else derived from the name. */
    static Uuid topicId(JsonNode topic) {
        JsonNode id = topic.get("id");
        return id != null && !id.isNull() ? Uuid.fromString(id.asText()) : topicId(topic.path("name").asText());
    }

    /**
     * The topic id cgsim derives from a topic name: FNV-1a (64 bit) over the UTF-8 bytes is the most
     * significant half; the same hash continued over one 0xFF byte is the least significant half.
     */
    static Uuid topicId(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        long msb = h;
        h ^= 0xff;
        h *= 0x100000001b3L;
        return new Uuid(msb, h);
    }

    static final class ServerInputs {
        ConsumerGroupPartitionAssignor assignor;
        GroupSpecImpl spec;
        SubscribedTopicDescriberImpl describer;
        Map<Uuid, String> names;
    }

    static Map<String, List<TopicPartition>> runServer(String name, JsonNode c) {
        ServerInputs in = serverInputs(name, c);
        GroupAssignment result = in.assignor.assign(in.spec, in.describer);
        Map<Uuid, String> names = in.names;
        // Server assignments are sets; report each member's partitions sorted by topic name, then
        // partition, which is also how cgsim reports them.
        Map<String, List<TopicPartition>> out = new HashMap<>();
        for (Map.Entry<String, MemberAssignment> e : result.members().entrySet()) {
            TreeSet<TopicPartition> sorted = new TreeSet<>((a, b) -> {
                int r = a.topic().compareTo(b.topic());
                return r != 0 ? r : Integer.compare(a.partition(), b.partition());
            });
            e.getValue().partitions().forEach((id, parts) -> parts.forEach(p -> sorted.add(new TopicPartition(names.get(id), p))));
            out.put(e.getKey(), new ArrayList<>(sorted));
        }
        return out;
    }

    static ServerInputs serverInputs(String name, JsonNode c) {
        TopicsImage image = TopicsImage.EMPTY;
        Map<Uuid, TopicMetadata> topicMetadata = new HashMap<>();
        Map<Uuid, String> names = new HashMap<>();
        Map<String, Uuid> ids = new HashMap<>();
        for (JsonNode t : c.path("topics")) {
            String topic = t.path("name").asText();
            Uuid id = topicId(t);
            ids.put(topic, id);
            image = image.including(new TopicImage(topic, id, Collections.emptyMap()));
            topicMetadata.put(id, new TopicMetadata(id, topic, t.path("partitions").asInt(), Collections.emptyMap()));
            names.put(id, topic);
        }

        Map<String, MemberSubscriptionAndAssignmentImpl> members = new HashMap<>();
        Map<String, Integer> subscribedTopicNames = new HashMap<>();
        Map<Uuid, Map<Integer, String>> inverted = new HashMap<>();
        int numMembers = 0;
        for (JsonNode m : c.path("members")) {
            String memberId = m.path("member_id").asText();
            Set<String> subscribed = new HashSet<>(topics(m));
            subscribed.forEach(t -> subscribedTopicNames.merge(t, 1, Integer::sum));
            numMembers++;

            // The previous target assignment, as Assignment.fromRecord rebuilds it: one entry per
            // topic in record order, each a HashSet of the listed partitions.
            Map<Uuid, List<Integer>> grouped = new LinkedHashMap<>();
            for (TopicPartition tp : owned(m)) {
                Uuid id = ids.containsKey(tp.topic()) ? ids.get(tp.topic()) : topicId(tp.topic());
                grouped.computeIfAbsent(id, k -> new ArrayList<>()).add(tp.partition());
            }
            Map<Uuid, Set<Integer>> previous = new HashMap<>();
            grouped.forEach((id, parts) -> previous.put(id, new HashSet<>(parts)));
            previous.forEach((id, parts) -> parts.forEach(p -> inverted.computeIfAbsent(id, k -> new HashMap<>()).put(p, memberId)));

            members.put(memberId, new MemberSubscriptionAndAssignmentImpl(
                optText(m, "rack"),
                optText(m, "group_instance_id"),
                new TopicIds(subscribed, image),
                new org.apache.kafka.coordinator.group.modern.Assignment(previous)));
        }
        SubscriptionType type = SubscriptionType.HOMOGENEOUS;
        for (int count : subscribedTopicNames.values()) {
            if (count != numMembers) type = SubscriptionType.HETEROGENEOUS;
        }

        ConsumerGroupPartitionAssignor assignor = name.equals("uniform")
            ? new UniformAssignor()
            : new org.apache.kafka.coordinator.group.assignor.RangeAssignor();
        ServerInputs in = new ServerInputs();
        in.assignor = assignor;
        in.spec = new GroupSpecImpl(Collections.unmodifiableMap(members), type, inverted);
        in.describer = new SubscribedTopicDescriberImpl(topicMetadata);
        in.names = names;
        return in;
    }
}
