// Live runs of KIP-848's consumer protocol: Kafka's Java client (kafka-clients 3.9.1, one JVM per
// consumer, `group.protocol=consumer`) against a real Apache Kafka 3.9.1 broker on 127.0.0.1 whose
// group coordinator serves the consumer protocol (tests/kafka/kafka-local.sh sets
// group.coordinator.rebalance.protocols=classic,consumer, a 2 s group.consumer.session.timeout.ms
// and a 250 ms group.consumer.heartbeat.interval.ms), compared with the simulator's KIP-848 model.
//
// librdkafka is not driven here: the Debian librdkafka cgsim builds with is 2.0.2, which speaks
// only the classic protocol (its KIP-848 support starts with 2.4's preview).
//
// The broker: CGSIM_KAFKA_BOOTSTRAP when set, otherwise one started by this test process with the
// script (and stopped at its end). The tests fail, never skip, when no broker can be started.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "tests/live_fixture.hpp"

namespace {

using namespace cgsim;
using live_testing::lost_of;
using live_testing::shared_broker;
using live_testing::shared_broker_options;
using live_testing::simulate_bounded;

/// Three consumers on 7 partitions with the broker's uniform assignor; a fourth joins, one leaves,
/// one is killed (SIGKILL), each off the heartbeat and commit grids and after the previous
/// rebalance has settled.
const char* kScenario = R"(
name: live-kip848
duration: 20s
client: java
topics: [{name: a, partitions: 7}]
producers:
  - {topic: a, rate: {kind: poisson, per_second: 300}, keys: {kind: uniform, cardinality: 100}}
groups:
  - {id: g, topics: [a], protocol: consumer, assignor: uniform, session_timeout: 2s, heartbeat_interval: 250ms,
     max_poll_interval: 10s, commit: {kind: auto, interval: 1s},
     consumers: {count: 3, processing_time: {kind: constant, value: 500us}}}
faults:
  - {at: 6.3s, join: g}
  - {at: 10.7s, leave: g/0}
  - {at: 14.2s, crash: g/1}
)";

TEST(LiveKip848, JoinLeaveAndCrashSettleLikeTheSimulator) {
  ASSERT_SHARED_BROKER();
  auto sc = scenarios::load_scenario_text(kScenario, "kip848.yaml");
  live::KafkaBackend b(shared_broker_options());
  auto s = b.run(sc);
  const auto& d = b.details();
  ASSERT_TRUE(d.limits.consumer_protocol) << "the broker does not serve the consumer protocol";
  // The simulation uses the broker's consumer-protocol settings, which Kafka 3.9 imposes.
  EXPECT_EQ(d.effective.groups.at(0).session_timeout, d.limits.consumer_session_timeout_ms * sim::kMillisecond);
  EXPECT_EQ(d.effective.groups.at(0).heartbeat_interval, d.limits.consumer_heartbeat_interval_ms * sim::kMillisecond);
  const auto sim_run = simulate_bounded(d.effective);
  const auto rep = live::compare_runs(d.effective, sim_run, s, {});
  std::cerr << rep.table();

  // A rebalance per fault after the start-up, and every settled epoch's balance, exactly.
  std::size_t assignments = 0;
  for (const auto& c : rep.checks) {
    if (c.kind == "assignment" || c.kind == "rebalances" || c.kind == "live_conservation" ||
        c.kind == "rebalance_unmatched") {
      assignments += c.kind == "assignment";
      if (!c.informational) {
        EXPECT_TRUE(c.ok) << c.kind << " " << c.subject << "\n  simulator: " << c.simulator << "\n  live:      " << c.live;
      }
    }
    // Reconciliation times and duplicates per fault: one run against one seed is a single draw
    // of figures that follow heartbeat and commit phases; validate --repeat/--seeds judges them.
    if (c.kind == "rebalance_duration_s" || c.kind == "rebalance_start_s" || c.kind == "fault_duplicates") {
      std::cout << "validate: " << c.kind << " " << c.subject << ": simulator " << c.simulator << ", live " << c.live
                << ", " << c.tolerance << (c.ok ? " (within)" : " (outside)") << "\n";
    }
  }
  EXPECT_EQ(assignments, 4u);  // start-up, join, leave, crash

  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[2].kind, "crash");
  // A SIGKILL loses what the member processed since its last auto-commit, on both sides.
  EXPECT_GT(s.faults[2].duplicates, 0u);
  ASSERT_EQ(sim_run.faults.size(), 3u);
  EXPECT_GT(sim_run.faults[2].duplicates, 0u);
  const auto& g = s.groups.at(0);
  EXPECT_EQ(lost_of(g), 0u);
  EXPECT_EQ(g.consumed - g.duplicates, g.produced - g.final_lag - lost_of(g));
  // After the crash is noticed the two survivors hold every partition.
  const auto& last = s.generations.back().assignment;
  std::size_t owned = 0;
  for (const auto& [name, parts] : last) owned += parts.size();
  EXPECT_EQ(owned, 7u);
  EXPECT_EQ(last.size(), 2u);
  EXPECT_EQ(last.count("g/0") + last.count("g/1"), 0u);
  // Nothing of this run is left on the cluster.
  EXPECT_EQ(d.topics_deleted.size(), d.topics_created.size());
  EXPECT_EQ(d.groups_deleted.size(), d.groups_created.size());
}

/// The KIP-848 announcement's experiment in small (docs/validation-kip848.md): partitions added
/// to a group's topic. Under the classic protocol the Java leader notices them at its metadata
/// refresh (here every 8 s from its start: at 16 s for a fault at 10 s); under the consumer
/// protocol the coordinator bumps the epoch at the next heartbeat. Either way validate must see
/// one `metadata` rebalance, paired with the simulated one by trigger, and every partition,
/// old and new, handed out after it; the producer routes to the new ones after its own refresh.
std::string grow_scenario(const std::string& protocol) {
  const bool classic = protocol != "consumer";
  return std::string(R"(
name: live-add-partitions
duration: 24s
client: java
topics: [{name: a, partitions: 6}]
producers:
  - {topic: a, rate: {kind: poisson, per_second: 200}, keys: {kind: uniform, cardinality: 100}, metadata_max_age: 4s}
groups:
  - {id: g, topics: [a], )") +
         (classic ? "assignor: range, protocol: eager, session_timeout: 3s, heartbeat_interval: 500ms, metadata_max_age: 8s,"
                  : "assignor: uniform, protocol: consumer,") +
         R"(
     max_poll_interval: 10s, commit: {kind: auto, interval: 1s},
     consumers: {count: 3, processing_time: {kind: constant, value: 500us}}}
faults:
  - {at: 10s, add_partitions: a, count: 12}
)";
}

void expect_metadata_rebalance(const std::string& protocol) {
  auto sc = scenarios::load_scenario_text(grow_scenario(protocol), "grow.yaml");
  live::KafkaBackend b(shared_broker_options());
  auto s = b.run(sc);
  const auto& d = b.details();
  const auto sim_run = simulate_bounded(d.effective);
  const auto rep = live::compare_runs(d.effective, sim_run, s, {});
  std::cerr << rep.table();
  for (const auto& c : rep.checks) {
    if (c.kind == "rebalances" || c.kind == "rebalance_unmatched" || c.kind == "assignment" ||
        c.kind == "live_conservation") {
      if (!c.informational) {
        EXPECT_TRUE(c.ok) << c.kind << " " << c.subject << "\n  simulator: " << c.simulator << "\n  live:      " << c.live;
      }
    }
    if (c.kind == "rebalance_duration_s" || c.kind == "rebalance_start_s") {
      std::cout << "validate: " << c.kind << " " << c.subject << ": simulator " << c.simulator << ", live " << c.live
                << ", " << c.tolerance << (c.ok ? " (within)" : " (outside)") << "\n";
    }
  }
  const analysis::RebalanceRecord* grown = nullptr;
  for (const auto& r : s.rebalances)
    if (r.trigger == "metadata") grown = &r;
  ASSERT_NE(grown, nullptr) << "no live rebalance attributed to the metadata change";
  EXPECT_GT(grown->start_s, 10.0);
  EXPECT_GT(grown->end_s, 0.0);
  std::cout << "validate: fault to end of the metadata rebalance (" << protocol << "): live " << grown->end_s - 10.0;
  for (const auto& r : sim_run.rebalances)
    if (r.trigger == "metadata") std::cout << ", simulated " << r.end_s - 10.0;
  std::cout << " s\n";
  std::size_t owned = 0;
  for (const auto& [name, parts] : s.generations.back().assignment) owned += parts.size();
  EXPECT_EQ(owned, 18u);
  // The producer's refresh at 12 s routes records to the 12 new partitions.
  std::uint64_t to_new = 0;
  for (const auto& [name, n] : d.produced_per_partition) {
    const int p = std::stoi(name.substr(name.rfind('-') + 1));
    if (p >= 6) to_new += n;
  }
  EXPECT_GT(to_new, 0u);
  EXPECT_EQ(d.topics_deleted.size(), d.topics_created.size());
}

TEST(LiveKip848, AddedPartitionsRebalanceTheClassicGroupAtTheLeadersRefresh) {
  ASSERT_SHARED_BROKER();
  expect_metadata_rebalance("eager");
}

TEST(LiveKip848, AddedPartitionsRebalanceTheConsumerProtocolGroupAtAHeartbeat) {
  ASSERT_SHARED_BROKER();
  expect_metadata_rebalance("consumer");
}

TEST(LiveKip848, LibrdkafkaIsRefusedWithAReason) {
  ASSERT_SHARED_BROKER();
  auto sc = scenarios::load_scenario_text(kScenario, "kip848.yaml");
  auto o = shared_broker_options();
  o.client = models::ClientFlavor::Librdkafka;
  live::KafkaBackend b(o);
  try {
    b.run(sc);
    FAIL() << "a consumer-protocol group ran on librdkafka 2.0.2";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("librdkafka"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(b.details().topics_created.empty());
}

}  // namespace
