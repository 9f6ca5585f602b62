#pragma once
/// @file family_runs.hpp
/// One simulated run of a RabbitMQ or Pulsar scenario, rolled up by the same SummaryBuilder as a
/// Kafka run: one group per consumer group (RabbitMQ) or subscription (Pulsar), its consumers,
/// latency percentiles from the shared histogram, duplicates and the fault each is owed to. What
/// only that family has (requeues, dead letters, per-key ordering violations, redeliveries) is
/// counted beside it.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics/summary.hpp"
#include "models/pulsar/scenario_file.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::models::rabbitmq {
class World;
}
namespace cgsim::models::pulsar {
class World;
}

namespace cgsim::analysis {

struct FamilyRun {
  std::string broker;  ///< "rabbitmq" or "pulsar"
  RunSummary summary;
  /// Per group (same order as summary.groups): what it consumes from ("queue mail_jobs",
  /// "Key_Shared subscription scores on player_events").
  std::vector<std::string> sources;
  /// The family's own totals over the run, in the order they are printed.
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  /// Records processed after a later record of the same key had been (first processings only).
  std::uint64_t ordering_violations = 0;
};

/// @p attach, when given, is called with the model before it starts, so that a caller can
/// subscribe to more of its signals (`cgsim validate` counts redeliveries per fault, and which
/// consumer processed which key).
FamilyRun simulate_rabbitmq(const models::rabbitmq::Scenario& scenario,
                            const std::function<void(models::rabbitmq::World&)>& attach = {});
FamilyRun simulate_pulsar(const models::pulsar::ScenarioFile& scenario,
                          const std::function<void(models::pulsar::World&)>& attach = {});

/// summary.json of such a run: the shared summary, plus "broker", "sources", "counts" and
/// "ordering_violations".
nlohmann::json to_json(const FamilyRun& run);

}  // namespace cgsim::analysis
