// Live runs on librdkafka's in-process mock cluster: partitioner placement, assignments against the
// simulator, a crash, and a broker that goes away mid-run. Each run lasts a few seconds.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <iostream>

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"
#include "tests/live_fixture.hpp"

namespace {

using namespace cgsim;
using live_testing::lost_of;
using live_testing::simulate_bounded;

live::LiveOptions quiet() {
  live::LiveOptions o;
  o.log = [](const std::string& m) {
    if (m.rfind("warning", 0) != 0) std::cerr << "[live] " << m << "\n";
  };
  return o;
}

TEST(LiveMock, KeyedRecordsLandWhereTheModelPartitionerSays) {
  auto sc = scenarios::load_scenario_text(R"(
name: placement
duration: 4s
client: librdkafka
topics: [{name: a, partitions: 7}, {name: b, partitions: 5}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 300}, keys: {kind: uniform, cardinality: 60}, partitioner: consistent_random}
  - {topic: b, rate: {kind: constant, per_second: 300}, keys: {kind: uniform, cardinality: 60}, partitioner: murmur2_random}
groups:
  - {id: g, topics: [a, b], session_timeout: 6s, heartbeat_interval: 1s, max_poll_interval: 10s,
     consumers: {count: 1, processing_time: {kind: constant, value: 100us}}}
)",
                                          "placement.yaml");
  auto o = quiet();
  o.record_placements = true;
  live::KafkaBackend b(o);
  auto s = b.run(sc);
  EXPECT_GT(s.produced, 1500u);
  const auto& pl = b.details().placements;
  using K = models::partitioners::Partitioner::Kind;
  for (auto [topic, kind, parts] : {std::tuple{"a", K::ConsistentRandom, 7}, std::tuple{"b", K::Murmur2Random, 5}}) {
    ASSERT_TRUE(pl.count(topic)) << topic;
    EXPECT_EQ(pl.at(topic).size(), 60u) << topic;
    models::partitioners::Partitioner model(kind, models::ClientFlavor::Librdkafka, parts, sim::Rng(1));
    for (const auto& [key, seen] : pl.at(topic)) {
      ASSERT_EQ(seen.size(), 1u) << topic << " " << key;
      EXPECT_EQ(*seen.begin(), model.keyed_partition(key)) << topic << " key " << key;
    }
  }
  EXPECT_EQ(s.consumed - s.duplicates, s.produced - s.final_lag - lost_of(s));
}

class LiveMockAssignor : public ::testing::TestWithParam<const char*> {};

TEST_P(LiveMockAssignor, FirstGenerationMatchesTheSimulatorUpToMemberOrder) {
  std::string text = R"(
name: assign
duration: 26s
client: librdkafka
topics: [{name: a, partitions: 3}, {name: b, partitions: 4}]
producers:
  - {topic: a, rate: {kind: poisson, per_second: 100}, keys: {kind: uniform, cardinality: 50}}
  - {topic: b, rate: {kind: poisson, per_second: 100}, keys: {kind: uniform, cardinality: 50}}
groups:
  - {id: g, topics: [a, b], assignor: ASSIGNOR, session_timeout: 10s, heartbeat_interval: 1s, max_poll_interval: 10s,
     consumers: {count: 3, processing_time: {kind: constant, value: 200us}}}
)";
  text.replace(text.find("ASSIGNOR"), 8, GetParam());
  // 26 s: the mock's first join phase lasts 3 s, and a member that reaches it late is only taken in
  // by a later join phase of session.timeout.ms - 1 s; the comparison starts at the first
  // generation that has every member. On a loaded machine a member has been seen to miss the
  // second phase too, so the run leaves room for a third (3 + 9 + 9 s and the syncs). A 10 s
  // session keeps members of a CPU-starved test machine from being expired by the mock while they
  // wait in the first join.
  auto sc = scenarios::load_scenario_text(text, "assign.yaml");
  live::KafkaBackend b(quiet());
  auto live_run = b.run(sc);
  auto sim_run = simulate_bounded(b.details().effective);
  live::CompareOptions co;
  co.mock = true;
  auto rep = live::compare_runs(b.details().effective, sim_run, live_run, co);
  std::cerr << rep.table();
  auto gens = live::settled_generations(live_run, sc.groups[0]);
  ASSERT_FALSE(gens.empty());
  EXPECT_EQ(gens.front().assignment.size(), 3u);
  std::size_t total = 0;
  for (const auto& [name, parts] : gens.front().assignment) total += parts.size();
  EXPECT_EQ(total, 7u);
  bool saw = false;
  for (const auto& c : rep.checks) {
    if (c.kind == "assignment" || c.kind == "rebalances") {
      saw = true;
      EXPECT_TRUE(c.ok) << c.kind << " " << c.subject << ": simulator " << c.simulator << " live " << c.live;
    }
  }
  EXPECT_TRUE(saw);
}

INSTANTIATE_TEST_SUITE_P(Assignors, LiveMockAssignor, ::testing::Values("range", "roundrobin", "cooperative-sticky"));

TEST(LiveMock, CrashedMembersPartitionsAreReprocessedAndCounted) {
  auto sc = scenarios::load_scenario_text(R"(
name: crash
duration: 17s
client: librdkafka
topics: [{name: a, partitions: 4}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 200}, keys: {kind: uniform, cardinality: 100}}
groups:
  - {id: g, topics: [a], assignor: range, session_timeout: 5s, heartbeat_interval: 500ms, max_poll_interval: 10s,
     commit: {kind: auto, interval: 1s},
     consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}}
faults:
  - {at: 4s, crash: g/1}
)",
                                          "crash.yaml");
  // 17 s: the mock notices the crash between 9 and 10 s (5 s session, checked once a second) and
  // then waits session.timeout.ms - 1 s = 4 s before assigning.
  live::KafkaBackend b(quiet());
  auto s = b.run(sc);
  ASSERT_EQ(s.groups.size(), 1u);
  const auto& g = s.groups[0];
  ASSERT_EQ(g.consumers.size(), 2u);
  EXPECT_EQ(g.consumers[1].state, "Stopped");
  ASSERT_GE(s.generations.size(), 2u);
  const auto& last = s.generations.back().assignment;
  ASSERT_EQ(last.count("g/0"), 1u);
  EXPECT_EQ(last.at("g/0").size(), 4u);
  EXPECT_EQ(last.count("g/1"), 0u);
  // Duplicates: what g/1 processed after its last commit, at most one commit interval of its
  // share (2 partitions of 200 records/s) plus one batch in flight.
  // The crash is charged with what g/1 had processed before it and g/0 processed again. On the
  // mock g/0 was also seen to process records of its own partitions again after the rebalance,
  // records it had first processed after the crash: those are not charged to it.
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, "crash");
  EXPECT_LE(s.faults[0].duplicates, s.duplicates);
  EXPECT_LE(s.duplicates, 100u + 500u);
  EXPECT_EQ(g.consumers[0].duplicates, s.duplicates);
  EXPECT_EQ(g.consumed - g.duplicates, g.produced - g.final_lag - lost_of(g));
  EXPECT_LE(lost_of(g), 2u);
}

TEST(LiveMock, ARollingRestartIsOneFaultAsInTheSimulation) {
  auto sc = scenarios::load_scenario_text(R"(
name: rolling
duration: 7s
client: librdkafka
topics: [{name: a, partitions: 2}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 100}, keys: {kind: uniform, cardinality: 10}}
groups:
  - {id: g, topics: [a], assignor: range, session_timeout: 5s, heartbeat_interval: 500ms, max_poll_interval: 10s,
     consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}}
faults:
  - {at: 4s, rolling_restart: g, downtime: 500ms, gap: 500ms}
)",
                                          "rolling.yaml");
  live::KafkaBackend b(quiet());
  auto s = b.run(sc);
  const auto sim_run = simulate_bounded(b.details().effective);
  // Both members restart (at 4 s and 5 s) under one fault, which both sides report once.
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, "rolling_restart");
  EXPECT_EQ(s.faults[0].subject, "g");
  EXPECT_NEAR(s.faults[0].at_s, 4.0, 0.1);
  ASSERT_EQ(sim_run.faults.size(), 1u);
  EXPECT_EQ(sim_run.faults[0].kind, s.faults[0].kind);
  EXPECT_EQ(sim_run.faults[0].subject, s.faults[0].subject);
}

TEST(LiveMock, BrokerGoingAwayMidRunIsABrokerError) {
  auto sc = scenarios::load_scenario_text(R"(
name: broker-down
duration: 30s
client: librdkafka
topics: [{name: a, partitions: 2}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 100}}
groups:
  - {id: g, topics: [a], session_timeout: 6s, heartbeat_interval: 1s, max_poll_interval: 10s,
     consumers: {count: 1, processing_time: {kind: constant, value: 1ms}}}
)",
                                          "down.yaml");
  auto o = quiet();
  o.broker_loss_timeout_s = 2;
  o.hook_at_s = 4;
  o.hook = [](rd_kafka_mock_cluster_s* mc) {
    ASSERT_NE(mc, nullptr);
    rd_kafka_mock_broker_set_down(mc, 1);
  };
  live::KafkaBackend b(o);
  auto t0 = std::chrono::steady_clock::now();
  try {
    b.run(sc);
    FAIL() << "the run should have failed";
  } catch (const BrokerError& e) {
    EXPECT_EQ(e.exit_code(), kExitBroker);
    EXPECT_NE(std::string(e.what()).find("lost the Kafka broker"), std::string::npos) << e.what();
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 25.0) << "a lost broker must end the run promptly, not at the scenario's end";
}

TEST(LiveMock, IllegalTopicNamesAreRefused) {
  // A topic name outside Kafka's alphabet is refused before anything is created.
  auto sc = scenarios::load_scenario_text(R"(
name: bad-topic
duration: 2s
topics: [{name: "a b", partitions: 1}]
groups:
  - {id: g, topics: ["a b"], session_timeout: 6s, heartbeat_interval: 1s, max_poll_interval: 10s,
     consumers: {count: 1, processing_time: {kind: constant, value: 1ms}}}
)",
                                          "bad.yaml");
  live::KafkaBackend b(quiet());
  EXPECT_THROW(b.run(sc), InputError);
  EXPECT_TRUE(b.details().topics_created.empty());
}

}  // namespace
