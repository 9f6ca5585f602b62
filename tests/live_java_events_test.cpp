// The line protocol of the Java consumer worker (live/java/CgsimConsumer.java): every line it
// writes is parsed into the event cgsim feeds to the recorder, and a line it does not write is an
// error naming the line.
#include <gtest/gtest.h>

#include "live/java/java_consumer.hpp"
#include "live/java/worker_events.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"

namespace {

using namespace cgsim;
using live::java::parse_worker_line;
using live::java::WorkerEvent;
using live::java::WorkerPartition;
using K = WorkerEvent::Kind;

TEST(JavaWorkerEvents, HelloReadyStartedStopped) {
  auto h = parse_worker_line("hello 4207 11611504499264");
  EXPECT_EQ(h.kind, K::Hello);
  EXPECT_EQ(h.pid, 4207);
  EXPECT_EQ(h.t, 11611504499264);
  EXPECT_EQ(parse_worker_line("ready").kind, K::Ready);
  auto s = parse_worker_line("started 12 4231");
  EXPECT_EQ(s.kind, K::Started);
  EXPECT_EQ(s.t, 12);
  EXPECT_EQ(s.tid, 4231);
  EXPECT_EQ(parse_worker_line("started 12 -1").tid, -1);
  auto t = parse_worker_line("stopped 99\r");
  EXPECT_EQ(t.kind, K::Stopped);
  EXPECT_EQ(t.t, 99);
}

TEST(JavaWorkerEvents, AssignmentCarriesGenerationMemberAndWholeAssignment) {
  auto a = parse_worker_line("a 1000 3 g-1-4f1c2d 0:2,1:0,1:3");
  EXPECT_EQ(a.kind, K::Assigned);
  EXPECT_EQ(a.t, 1000);
  EXPECT_EQ(a.generation, 3);
  EXPECT_EQ(a.member_id, "g-1-4f1c2d");
  ASSERT_EQ(a.parts.size(), 3u);
  EXPECT_EQ(a.parts[0], (WorkerPartition{0, 2}));
  EXPECT_EQ(a.parts[2], (WorkerPartition{1, 3}));
  // An empty assignment and a member id not known yet.
  auto e = parse_worker_line("a 5 -1 - -");
  EXPECT_EQ(e.generation, -1);
  EXPECT_EQ(e.member_id, "");
  EXPECT_TRUE(e.parts.empty());
}

TEST(JavaWorkerEvents, RevocationCarriesRevokedAndWhatIsLeft) {
  auto v = parse_worker_line("v 77 0:1 0:0,0:2");
  EXPECT_EQ(v.kind, K::Revoked);
  EXPECT_EQ(v.t, 77);
  ASSERT_EQ(v.parts.size(), 1u);
  EXPECT_EQ(v.parts[0], (WorkerPartition{0, 1}));
  EXPECT_EQ(v.current.size(), 2u);
  auto all = parse_worker_line("v 78 0:0,0:2 -");
  EXPECT_EQ(all.parts.size(), 2u);
  EXPECT_TRUE(all.current.empty());
}

TEST(JavaWorkerEvents, RecordAndCommit) {
  auto r = parse_worker_line("r 1 4 1234 -1 998877 1");
  EXPECT_EQ(r.kind, K::Record);
  EXPECT_EQ(r.record, (WorkerPartition{1, 4}));
  EXPECT_EQ(r.offset, 1234);
  EXPECT_EQ(r.produced_ns, -1);
  EXPECT_EQ(r.t, 998877);
  EXPECT_TRUE(r.after_idle);
  EXPECT_FALSE(parse_worker_line("r 0 0 0 5 6 0").after_idle);
  auto c = parse_worker_line("c 42 0:1=17,1:0=3");
  EXPECT_EQ(c.kind, K::Commit);
  EXPECT_EQ(c.t, 42);
  ASSERT_EQ(c.commits.size(), 2u);
  EXPECT_EQ(c.commits[0].first, (WorkerPartition{0, 1}));
  EXPECT_EQ(c.commits[0].second, 17);
  EXPECT_EQ(c.commits[1].second, 3);
}

TEST(JavaWorkerEvents, WarningsKeepTheirText) {
  auto w = parse_worker_line("warn commit failed: CommitFailedException: the group rebalanced");
  EXPECT_EQ(w.kind, K::Warn);
  EXPECT_EQ(w.text, "commit failed: CommitFailedException: the group rebalanced");
  auto f = parse_worker_line("fatal org.apache.kafka.common.config.ConfigException: bad");
  EXPECT_EQ(f.kind, K::Fatal);
  EXPECT_EQ(f.text, "org.apache.kafka.common.config.ConfigException: bad");
}

TEST(JavaWorkerEvents, MalformedLinesAreErrorsNamingTheLine) {
  for (const char* bad : {"", "x 1", "hello 1", "a 1 2 m 0:x", "a 1 2 m 0", "r 0 0 0 0 0 2", "r 0 0 0 0 0",
                          "c 1 0:1", "c 1 0:1=", "v 1 0:1", "started", "started 1", "started 1 2 3", "a 1 2 m 0:1,,0:2"}) {
    try {
      parse_worker_line(bad);
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("Java consumer worker"), std::string::npos) << e.what();
    }
  }
}

TEST(JavaWorkerEvents, ProcessingCommand) {
  EXPECT_EQ(live::java::processing_command({100, 0, 2500000}), "pt 100 0 2500000\n");
}

TEST(JavaWorkerArguments, ClassicAndConsumerProtocols) {
  auto sc = scenarios::load_scenario_text(R"(
name: args
duration: 10s
topics: [{name: a, partitions: 3}]
producers: [{topic: a, rate: {kind: constant, per_second: 10}}]
groups:
  - {id: g, topics: [a], assignor: sticky, session_timeout: 2s, heartbeat_interval: 200ms,
     max_poll_records: 50, commit: {kind: auto, interval: 500ms},
     consumers: {count: 2, static: true, processing_time: {kind: constant, value: 1ms}}}
  - {id: k, topics: [a], assignor: uniform, protocol: consumer, commit: {kind: after_batch},
     consumers: {count: 1, processing_time: {kind: constant, value: 1ms}}}
)",
                                          "args.yaml");
  auto layout = live::kafka::build_layout(sc, "R");
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto a = live::java::worker_arguments(sc, 0, 1, "cgsim.R.g", layout, "127.0.0.1:9092", {{"client.id", "theirs"}});
  EXPECT_TRUE(has(a, "topic=cgsim.R.a"));
  EXPECT_TRUE(has(a, "commit=auto"));
  EXPECT_TRUE(has(a, "prop.bootstrap.servers=127.0.0.1:9092"));
  EXPECT_TRUE(has(a, "prop.group.id=cgsim.R.g"));
  EXPECT_TRUE(has(a, "prop.partition.assignment.strategy=org.apache.kafka.clients.consumer.StickyAssignor"));
  EXPECT_TRUE(has(a, "prop.session.timeout.ms=2000"));
  EXPECT_TRUE(has(a, "prop.heartbeat.interval.ms=200"));
  EXPECT_TRUE(has(a, "prop.max.poll.records=50"));
  EXPECT_TRUE(has(a, "prop.auto.commit.interval.ms=500"));
  EXPECT_TRUE(has(a, "prop.group.instance.id=g-1"));
  // cgsim's own client.id comes after the user's, so it wins.
  auto user = std::find(a.begin(), a.end(), "prop.client.id=theirs");
  auto ours = std::find(a.begin(), a.end(), "prop.client.id=g-1");
  ASSERT_NE(ours, a.end());
  EXPECT_LT(user, ours);
  auto k = live::java::worker_arguments(sc, 1, 0, "cgsim.R.k", layout, "b:1", {});
  EXPECT_TRUE(has(k, "prop.group.protocol=consumer"));
  EXPECT_TRUE(has(k, "prop.group.remote.assignor=uniform"));
  EXPECT_TRUE(has(k, "commit=after_batch"));
  EXPECT_TRUE(has(k, "prop.enable.auto.commit=false"));
  for (const auto& s : k) EXPECT_EQ(s.find("session.timeout.ms"), std::string::npos) << s;
  EXPECT_THROW(live::java::java_assignor_class("uniform"), InputError);
}

}  // namespace
