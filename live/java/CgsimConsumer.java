// One consumer of a live cgsim run, on Kafka's own Java client (org.apache.kafka:kafka-clients).
//
// cgsim starts one JVM per consumer, so that a crash is SIGKILL of the process: no commit, no
// LeaveGroup, no close. The JVM builds its KafkaConsumer at once and waits for "go", so that JVM
// start-up and class loading are not counted in the group's rebalances; what the client itself does
// before its first JoinGroup (metadata, FindCoordinator, the member-id round trip) is.
//
// Arguments, each key=value:
//   topic=NAME          a topic to subscribe to (repeatable; lines name topics by their index here)
//   commit=auto|after_batch|none
//   prop.KEY=VALUE      a consumer property (bootstrap.servers, group.id, the assignor, timeouts...)
//
// Commands on stdin, one a line:
//   pt NS NS ...        processing times of the next records, in nanoseconds (cgsim draws them from
//                       the scenario's distribution, so that the simulator and both clients share
//                       one implementation of it)
//   go                  subscribe and start consuming
//   slow FACTOR UNTIL   processing takes FACTOR times longer until System.nanoTime() reaches UNTIL
//   close | finish      stop after the record in hand, commit what was processed (as the commit
//                       mode says) and close the consumer (LeaveGroup unless static membership)
//   end of input        cgsim is gone: exit at once
//
// Lines on stdout (times are System.nanoTime(), the same monotonic clock as cgsim's steady clock on
// Linux; a partition list is TOPIC:PARTITION,... or "-"):
//   hello PID NOW                         the JVM runs
//   ready                                 the consumer is built; waiting for go
//   started T TID                         subscribed; TID is the Linux id of the thread that polls
//                                         and processes (-1 when unknown), whose CPU wait cgsim
//                                         measures
//   a T GENERATION MEMBER CURRENT         partitions assigned; CURRENT is the whole assignment
//   v T REVOKED CURRENT                   partitions revoked (or lost); CURRENT is what is left
//   r TOPIC PARTITION OFFSET PRODUCED DONE IDLE
//                                         a record processed; PRODUCED is the producer's cgsim-t
//                                         header (-1 if none), IDLE 1 when a poll ran dry before it
//   c T TOPIC:PARTITION=OFFSET,...        offsets committed (auto or explicit), as the broker acked
//   stopped T                             the consumer is closed
//   warn TEXT | fatal TEXT                a problem (fatal: the worker exits with status 1)
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

public final class CgsimConsumer {
  private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
  private static final List<String> TOPICS = new ArrayList<>();
  private static final Map<String, Integer> TOPIC_INDEX = new HashMap<>();

  /** Writes one line and flushes it: a SIGKILL must not lose what was already reported. */
  static synchronized void emit(String line) {
    try {
      OUT.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      OUT.flush();
    } catch (Exception e) {
      Runtime.getRuntime().halt(3);  // cgsim is gone
    }
  }

  static String part(TopicPartition tp) {
    Integer i = TOPIC_INDEX.get(tp.topic());
    return (i == null ? -1 : i) + ":" + tp.partition();
  }

  static String parts(Collection<TopicPartition> tps) {
    if (tps.isEmpty()) return "-";
    StringBuilder b = new StringBuilder();
    for (TopicPartition tp : tps) {
      if (b.length() > 0) b.append(',');
      b.append(part(tp));
    }
    return b.toString();
  }

  /** Reports every commit the broker acknowledged, auto-commits included. */
  public static final class Commits implements ConsumerInterceptor<byte[], byte[]> {
    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
      return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
      if (offsets.isEmpty()) return;
      StringBuilder b = new StringBuilder();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
        if (b.length() > 0) b.append(',');
        b.append(part(e.getKey())).append('=').append(e.getValue().offset());
      }
      emit("c " + System.nanoTime() + " " + b);
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  // State shared with the command thread, guarded by LOCK; CHANGED is signalled on every command.
  // (A Condition, not Object.wait: Object.wait rounds a sub-millisecond wait up to a millisecond.)
  private static final ReentrantLock LOCK = new ReentrantLock();
  private static final Condition CHANGED = LOCK.newCondition();
  private static final ArrayDeque<Long> processing = new ArrayDeque<>();
  private static boolean go = false;
  private static boolean stopping = false;  // close or finish asked
  private static double slowFactor = 1;
  private static long slowUntil = Long.MIN_VALUE;

  private static KafkaConsumer<byte[], byte[]> consumer;
  // Next offset to process per owned partition (poll thread only): what a clean stop may commit.
  private static final Map<TopicPartition, Long> next = new HashMap<>();

  public static void main(String[] args) throws Exception {
    emit("hello " + ProcessHandle.current().pid() + " " + System.nanoTime());
    Properties props = new Properties();
    String commit = "auto";
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) fatal("argument without '=': " + a);
      String k = a.substring(0, eq);
      String v = a.substring(eq + 1);
      if (k.equals("topic")) {
        TOPIC_INDEX.put(v, TOPICS.size());
        TOPICS.add(v);
      } else if (k.equals("commit")) {
        commit = v;
      } else if (k.startsWith("prop.")) {
        props.setProperty(k.substring(5), v);
      } else {
        fatal("unknown argument " + k);
      }
    }
    props.setProperty("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    props.setProperty("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    props.setProperty("interceptor.classes", Commits.class.getName());
    Thread commands = new Thread(CgsimConsumer::readCommands, "cgsim-commands");
    commands.setDaemon(true);
    commands.start();
    warmUp(props);
    try {
      consumer = new KafkaConsumer<>(props);
    } catch (Exception e) {
      fatal("cannot create the consumer: " + e);
    }
    emit("ready");
    LOCK.lock();
    try {
      while (!go && !stopping) CHANGED.await();
      if (!go) {
        emit("stopped " + System.nanoTime());
        Runtime.getRuntime().halt(0);
      }
    } finally {
      LOCK.unlock();
    }
    try {
      run(commit);
    } catch (Exception e) {
      fatal(e.toString());
    }
    Runtime.getRuntime().halt(0);
  }

  /**
   * Runs the client's code once before the consumer starts, with a throwaway consumer outside any
   * group: metadata, offsets and an empty fetch at the end of the run's first topic. A fresh JVM
   * loads and compiles the client's classes on first use, which on a busy machine takes seconds;
   * that is JVM start-up, not the group protocol, and must not delay the real consumer's first
   * JoinGroup or first records. The real consumer still makes its own connections and its own
   * metadata, FindCoordinator and JoinGroup requests.
   */
  static void warmUp(Properties props) {
    Properties w = new Properties();
    w.putAll(props);
    for (String k : new String[] {"group.id", "group.instance.id", "group.remote.assignor", "interceptor.classes",
                                  "client.rack", "partition.assignment.strategy", "session.timeout.ms",
                                  "heartbeat.interval.ms", "auto.commit.interval.ms"}) {
      w.remove(k);
    }
    w.setProperty("group.protocol", "classic");
    w.setProperty("enable.auto.commit", "false");
    w.setProperty("client.id", props.getProperty("client.id", "cgsim") + "-warmup");
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(w)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (org.apache.kafka.common.PartitionInfo p : c.partitionsFor(TOPICS.get(0), Duration.ofSeconds(30))) {
        tps.add(new TopicPartition(p.topic(), p.partition()));
      }
      c.assign(tps);
      c.seekToEnd(tps);
      c.poll(Duration.ofMillis(100));
    } catch (Exception e) {
      emit("warn warm-up failed: " + e.toString().replace('\n', ' '));
    }
  }

  static void fatal(String m) {
    emit("fatal " + m.replace('\n', ' '));
    Runtime.getRuntime().halt(1);
  }

  static void readCommands() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        line = line.trim();
        if (line.isEmpty()) continue;
        String[] w = line.split(" ");
        LOCK.lock();
        try {
          switch (w[0]) {
            case "pt":
              for (int i = 1; i < w.length; ++i) processing.add(Long.parseLong(w[i]));
              break;
            case "go":
              go = true;
              break;
            case "slow":
              slowFactor = Double.parseDouble(w[1]);
              slowUntil = Long.parseLong(w[2]);
              break;
            case "close":
            case "finish":
              stopping = true;  // the poll loop notices within one poll (20 ms)
              break;
            default:
              emit("warn unknown command " + w[0]);
          }
          CHANGED.signalAll();
        } finally {
          LOCK.unlock();
        }
      }
    } catch (Exception e) {
      // fall through: no more commands
    }
    Runtime.getRuntime().halt(0);  // cgsim is gone (or closed our input): nothing more to do
  }

  /** Waits until System.nanoTime() reaches @p deadline; false when asked to stop meanwhile. */
  static boolean waitUntil(long deadline) throws InterruptedException {
    LOCK.lock();
    try {
      while (!stopping) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return true;
        CHANGED.awaitNanos(left);
      }
      return false;
    } finally {
      LOCK.unlock();
    }
  }

  /** The next record's processing time; waits for cgsim to send more when none is left. */
  static long nextProcessing(long now) throws InterruptedException {
    LOCK.lock();
    try {
      while (processing.isEmpty() && !stopping) CHANGED.await(10, TimeUnit.MILLISECONDS);
      long ns = processing.isEmpty() ? 0 : processing.poll();
      if (now < slowUntil) ns = Math.round(ns * slowFactor);
      return ns;
    } finally {
      LOCK.unlock();
    }
  }

  static boolean stopping() {
    LOCK.lock();
    try {
      return stopping;
    } finally {
      LOCK.unlock();
    }
  }

  static long produced(ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader("cgsim-t");
    if (h == null || h.value() == null || h.value().length != 8) return -1;
    return ByteBuffer.wrap(h.value()).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static void run(String commit) throws Exception {
    ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        Set<TopicPartition> left = new HashSet<>(consumer.assignment());
        left.removeAll(revoked);
        for (TopicPartition tp : revoked) next.remove(tp);
        emit("v " + System.nanoTime() + " " + parts(revoked) + " " + parts(left));
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        String member = consumer.groupMetadata().memberId();
        emit("a " + System.nanoTime() + " " + consumer.groupMetadata().generationId() + " "
            + (member == null || member.isEmpty() ? "-" : member) + " " + parts(consumer.assignment()));
      }
    };
    consumer.subscribe(TOPICS, listener);
    emit("started " + System.nanoTime() + " " + CgsimThreads.linuxThreadId());
    // Processing starts when the previous record's ended or, after an idle wait for records, when
    // this one arrived; a wake-up a little late is absorbed instead of adding up (as in cgsim's
    // librdkafka worker).
    final long wakeSlack = 500_000;
    long busyUntil = 0;
    boolean ranDry = true;
    boolean interrupted = false;
    while (!interrupted && !stopping()) {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
      if (records.isEmpty()) {
        ranDry = true;
        continue;
      }
      int done = 0;
      for (ConsumerRecord<byte[], byte[]> r : records) {
        long received = System.nanoTime();
        long ns = nextProcessing(received);
        long start = received - busyUntil <= wakeSlack ? busyUntil : received;
        busyUntil = start + ns;
        if (!waitUntil(busyUntil)) {
          interrupted = true;
          break;
        }
        emit("r " + TOPIC_INDEX.getOrDefault(r.topic(), -1) + " " + r.partition() + " " + r.offset() + " "
            + produced(r) + " " + System.nanoTime() + " " + (ranDry ? 1 : 0));
        ranDry = false;
        next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        ++done;
      }
      if (!interrupted && commit.equals("after_batch") && done > 0) {
        try {
          consumer.commitSync();
        } catch (Exception e) {
          emit("warn commit failed: " + e.toString().replace('\n', ' '));
        }
      }
    }
    // A clean stop: the records handed out but not processed are given back (their partitions
    // rewound to the next unprocessed offset), so that close() commits only what was processed.
    try {
      for (TopicPartition tp : consumer.assignment()) {
        Long off = next.get(tp);
        if (off != null && consumer.position(tp) > off) consumer.seek(tp, off);
      }
      if (commit.equals("after_batch") && !consumer.assignment().isEmpty()) consumer.commitSync();
    } catch (Exception e) {
      emit("warn commit at close failed: " + e.toString().replace('\n', ' '));
    }
    try {
      consumer.close(Duration.ofSeconds(10));
    } catch (Exception e) {
      emit("warn close failed: " + e.toString().replace('\n', ' '));
    }
    emit("stopped " + System.nanoTime());
  }
}
