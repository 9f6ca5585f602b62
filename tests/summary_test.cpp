// The run summary's per-fault accounting, shared by the simulator and the live recorder.
#include <gtest/gtest.h>

#include <string>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/summary.hpp"
#include "scenarios/loader.hpp"

namespace {

using namespace cgsim;

TEST(FaultDuplicates, ChargesReprocessingOfWhatWasProcessedBeforeTheLatestFault) {
  analysis::FaultDuplicates fd;
  // Group 0 reads partitions 0 and 1; at the crash it had processed offsets 0-9 and 0-4.
  fd.fault(0, {"g", "crash", "g/1", 2.0, 0}, {10, 5, 0});
  fd.duplicate(0, 0, 9);   // processed before the crash: charged
  fd.duplicate(0, 1, 4);   // charged
  fd.duplicate(0, 1, 5);   // first processed after the crash: not this crash's doing
  fd.duplicate(0, 2, 0);   // a partition the group did not read at the crash
  fd.duplicate(1, 0, 0);   // another group, without faults
  fd.fault(0, {"g", "join", "g", 5.0, 0}, {20, 9, 0});
  fd.duplicate(0, 1, 8);   // after the join: charged to it, not to the crash
  const auto r = fd.records();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, "crash");
  EXPECT_EQ(r[0].duplicates, 2u);
  EXPECT_EQ(r[1].kind, "join");
  EXPECT_EQ(r[1].duplicates, 1u);
  analysis::RunSummary summary;
  summary.faults = r;
  const auto j = analysis::to_json(summary, false);
  ASSERT_EQ(j["faults"].size(), 2u);
  EXPECT_EQ(j["faults"][0]["subject"], "g/1");
  EXPECT_EQ(j["faults"][0]["duplicates"], 2);
  EXPECT_DOUBLE_EQ(j["faults"][1]["at_s"].get<double>(), 5.0);
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

TEST(FaultDuplicates, TheSimulatorChargesACrashWithWhatItLeftUncommitted) {
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

}  // namespace
