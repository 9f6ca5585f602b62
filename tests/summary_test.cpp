// The run summary's per-fault accounting, shared by the simulator and the live recorder.
#include <gtest/gtest.h>

#include <string>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/fault_ledger.hpp"
#include "analysis/metrics/summary.hpp"
#include "scenarios/loader.hpp"

namespace {

using namespace cgsim;

TEST(FaultLedger, ChargesWhatFollowsAFaultToItUntilTheGroupsNextFault) {
  analysis::FaultLedger fl;
  fl.lag_sample(0, 0.5, 100, 0.1);  // before any fault: the pre-fault level of the crash
  fl.duplicate(0, 0, 0, analysis::DuplicateReason::Uncommitted);  // before any fault: charged to none
  fl.fault(0, {"g", "crash", "g/1", 2.0, 0});
  fl.duplicate(0, 0, 0, analysis::DuplicateReason::Uncommitted);
  fl.duplicate(0, 0, 0, analysis::DuplicateReason::InFlight);
  fl.duplicate(1, 0, 0, analysis::DuplicateReason::Uncommitted);  // another group, without faults
  fl.out_of_order(0, 3, 7);
  fl.out_of_order(0, 3, 7);   // the same key again: one key affected
  fl.out_of_order(0, 3, -1);  // a partition-scope violation: no key
  fl.overlapping(0, 4);
  fl.lag_sample(0, 3.0, 500, 2.0);  // the peak
  fl.lag_sample(0, 4.0, 300, 1.0);
  fl.fault(0, {"g", "join", "g", 5.0, 0});
  fl.lag_sample(0, 6.0, 90, 0.5);   // back under 100: the crash recovered 4 s after it
  fl.out_of_order(0, 3, 7);         // the same key in the join's window
  // With a frontier (RabbitMQ, Pulsar): only positions processed before the fault are charged.
  fl.fault(1, {"h", "crash", "h/0", 7.0, 0}, {10});
  fl.duplicate(1, 0, 9, analysis::DuplicateReason::Uncommitted);   // charged
  fl.duplicate(1, 0, 10, analysis::DuplicateReason::Uncommitted);  // first processed after it
  const std::vector<analysis::RebalanceRecord> rebalances{
      {"g", 1.0, 1.5, 1, "initial", "eager", 1, 4, 0, 4, 2.0},          // before the crash
      {"g", 2.5, 3.0, 2, "session_timeout", "eager", 1, 2, 0, 2, 1.5},  // the crash's
      {"h", 2.5, 3.0, 2, "join", "eager", 1, 9, 0, 9, 9.0}};            // another group's
  const auto r = fl.records(rebalances, {"g", "h"});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].duplicates, 1u);
  EXPECT_EQ(r[0].duplicates, 2u);
  EXPECT_EQ(r[0].duplicates_uncommitted, 1u);
  EXPECT_EQ(r[0].duplicates_in_flight, 1u);
  EXPECT_EQ(r[0].out_of_order, 3u);
  EXPECT_EQ(r[0].keys_affected, 1u);
  EXPECT_EQ(r[0].overlapping, 1u);
  EXPECT_EQ(r[0].peak_lag, 500u);
  EXPECT_DOUBLE_EQ(r[0].peak_lag_seconds, 2.0);
  EXPECT_DOUBLE_EQ(r[0].recovery_s, 4.0);
  EXPECT_EQ(r[0].rebalances, 1);
  EXPECT_EQ(r[0].partitions_moved, 2);
  EXPECT_DOUBLE_EQ(r[0].stop_the_world_partition_s, 1.5);
  EXPECT_EQ(r[1].out_of_order, 1u);
  EXPECT_EQ(r[1].keys_affected, 1u);  // counted again for the join's window
  EXPECT_DOUBLE_EQ(r[1].recovery_s, 0.0);  // its peak (90) stayed under its level (500)
  const auto o = fl.ordering(0);
  EXPECT_EQ(o.out_of_order, 4u);
  EXPECT_EQ(o.keys_affected, 1u);  // once for the group
  EXPECT_EQ(o.overlapping, 1u);
  EXPECT_EQ(o.partitions_affected, 2u);
}

const char* kCrash = R"(
name: t
seed: 3
duration: 60s
broker: {initial_rebalance_delay: 0s}
topics: [{name: a, partitions: 4}]
producers:
  - {topic: a, rate: {kind: poisson, per_second: 400}, keys: {kind: uniform, cardinality: 100}}
groups:
  - id: g
    topics: [a]
    session_timeout: 6s
    heartbeat_interval: 1s
    commit: {kind: auto, interval: 5s}
    consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}
faults:
  - {at: 20s, crash: g/1}
  - {at: 40s, join: g}
)";

TEST(FaultLedger, TheSimulatorChargesACrashWithWhatItLeftUncommitted) {
  for (auto flavor : {models::ClientFlavor::Java, models::ClientFlavor::Librdkafka}) {
    auto sc = scenarios::load_scenario_text(kCrash, "t.yaml");
    sc.client = flavor;
    const auto s = analysis::simulate(sc);
    ASSERT_EQ(s.faults.size(), 2u);
    EXPECT_EQ(s.faults[0].kind, "crash");
    EXPECT_EQ(s.faults[0].subject, "g/1");
    EXPECT_DOUBLE_EQ(s.faults[0].at_s, 20.0);
    EXPECT_EQ(s.faults[1].kind, "join");
    EXPECT_EQ(s.faults[1].subject, "g");
    // The crash reprocesses what g/1 processed since its last commit: some, at most one commit
    // interval of its 200 records/s.
    EXPECT_GT(s.faults[0].duplicates, 0u);
    EXPECT_LE(s.faults[0].duplicates, 1000u + 200u);
    // An eager join commits before revoking: nothing reprocessed. Every duplicate is charged.
    EXPECT_EQ(s.faults[1].duplicates, 0u);
    EXPECT_EQ(s.faults[0].duplicates + s.faults[1].duplicates, s.duplicates);
    EXPECT_EQ(s.faults[0].duplicates_uncommitted, s.faults[0].duplicates);
    EXPECT_TRUE(s.faults[0].detected);
    // Uniform keys over 100 with about 1,000 records reprocessed: most keys recur later in the
    // window, so most duplicates are out of order; no member overlapped another.
    EXPECT_EQ(s.groups[0].ordering.scope, "key");
    EXPECT_GT(s.faults[0].out_of_order, s.faults[0].duplicates / 2);
    EXPECT_LE(s.faults[0].out_of_order, s.faults[0].duplicates);
    EXPECT_GT(s.faults[0].keys_affected, 0u);
    EXPECT_LE(s.faults[0].keys_affected, 100u);
    EXPECT_EQ(s.ordering.overlapping, 0u);
    EXPECT_EQ(s.faults[0].rebalances, 1);
    // Latency: g/1's two partitions stall from the crash until the session times out (6 s), so
    // about 200 records/s x 6 s wait seconds; the others are served in milliseconds.
    EXPECT_EQ(s.stalled.records + s.latency_steady_ms.count, s.latency_ms.count);
    EXPECT_GT(s.stalled.records, 1000u);
    EXPECT_GT(s.stalled.mean_ms, 1000);
    EXPECT_GT(s.latency_ms.p99, 1000);
    EXPECT_LT(s.latency_steady_ms.p99, 50);
    EXPECT_EQ(s.groups[0].stalled.records, s.stalled.records);
  }
}

// A consumer slowed far past max.poll.interval.ms is evicted while its batch is in hand and
// keeps processing it: a zombie beside the partition's new owner.
const char* kZombie = R"(
name: z
seed: 3
duration: 5m
topics: [{name: jobs, partitions: 6}]
producers:
  - {topic: jobs, rate: {kind: poisson, per_second: 40}, keys: {kind: uniform, cardinality: 500}}
groups:
  - id: w
    topics: [jobs]
    max_poll_interval: 20s
    consumers: {count: 3, processing_time: {kind: exponential, mean: 30ms}}
faults:
  - {at: 60s, slow: w/0, factor: 40, for: 2m}
)";

TEST(Ordering, AZombieOverlapsTheNewOwnerAndItsDuplicatesAreInFlight) {
  const auto s = analysis::simulate(scenarios::load_scenario_text(kZombie, "z.yaml"));
  ASSERT_EQ(s.faults.size(), 1u);
  const auto& f = s.faults[0];
  EXPECT_GT(s.ordering.overlapping, 0u);
  EXPECT_EQ(f.overlapping, s.ordering.overlapping);
  EXPECT_EQ(f.duplicates, s.duplicates);
  EXPECT_GT(f.duplicates_in_flight, 0u);
  EXPECT_EQ(f.duplicates_in_flight + f.duplicates_uncommitted, f.duplicates);
  EXPECT_GT(f.rebalances, 0);
  EXPECT_GE(s.groups[0].ordering.partitions_affected, 1u);
}

TEST(Ordering, ACrashTheRunEndsBeforeNoticingIsFlagged) {
  std::string text = kCrash;
  text.replace(text.find("{at: 20s, crash: g/1}"), 21, "{at: 57s, crash: g/1}");
  text.replace(text.find("  - {at: 40s, join: g}\n"), 23, "");
  const auto s = analysis::simulate(scenarios::load_scenario_text(text, "t.yaml"));
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_FALSE(s.faults[0].detected);
  EXPECT_EQ(s.faults[0].duplicates, 0u);
}

TEST(Ordering, KeylessRecordsAreOrderedPerPartition) {
  std::string text = kCrash;
  text.replace(text.find("keys: {kind: uniform, cardinality: 100}"), 39, "keys: {kind: none}");
  const auto s = analysis::simulate(scenarios::load_scenario_text(text, "t.yaml"));
  EXPECT_EQ(s.groups[0].ordering.scope, "partition");
  EXPECT_EQ(s.ordering.keys_affected, 0u);
  EXPECT_GT(s.ordering.out_of_order, 0u);
  EXPECT_LE(s.ordering.out_of_order, s.duplicates);
}

}  // namespace
