#pragma once
/// @file live_small_scenario.hpp
/// The small Kafka scenario the validation tests without a broker compare and judge: one topic
/// of four partitions at 100 records/s, a group of two consumers, consumer 1 crashing at 20 s.
/// Processing times vary (exponential), so a Java heartbeat that falls due while a record is
/// processed waits for the next poll() and the members' heartbeat phases drift apart, as live.
#include "models/common/scenario.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::live_testing {

inline constexpr const char* kSmallScenario = R"(
name: t
seed: 1
duration: 60s
topics: [{name: a, partitions: 4}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 100}, keys: {kind: uniform, cardinality: 10}}
groups:
  - id: g
    topics: [a]
    session_timeout: 10s
    heartbeat_interval: 1s
    max_poll_interval: 30s
    commit: {kind: auto, interval: 5s}
    consumers: {count: 2, processing_time: {kind: exponential, mean: 2ms}}
faults:
  - {at: 20s, crash: g/1}
)";

/// kSmallScenario, loaded as "test.yaml".
inline models::Scenario small_scenario() { return scenarios::load_scenario_text(kSmallScenario, "test.yaml"); }

}  // namespace cgsim::live_testing
