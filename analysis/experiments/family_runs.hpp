#pragma once
/// @file family_runs.hpp
/// One simulated run of a RabbitMQ or Pulsar scenario, rolled up by the same SummaryBuilder as a
/// Kafka run: one group per consumer group (RabbitMQ) or subscription (Pulsar), its consumers,
/// latency percentiles from the shared histogram, duplicates and the fault each is owed to. What
/// only that family has (requeues, dead letters, per-key ordering violations, redeliveries) is
/// counted beside it.
///
/// Per group, final_lag is the messages waiting for a first completed processing, lost those
/// settled without one, and final_committed_lag the broker's backlog (which also holds processed
/// messages whose ack is on its way); produced = consumed - duplicates + final_lag + lost is
/// checked after every run (an internal error, exit 4, when it fails).
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics/summary.hpp"
#include "models/pulsar/scenario_file.hpp"
#include "models/rabbitmq/scenario.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::models::rabbitmq {
class World;
}
namespace cgsim::models::pulsar {
class World;
}

namespace cgsim::analysis {

/// A group's backlog (RabbitMQ: its queue's ready + unacknowledged messages; Pulsar: the
/// subscription's unsettled messages) at one output sample.
struct BacklogSample {
  double time_s = 0;
  std::int32_t group = 0;
  std::uint64_t backlog = 0;
};

/// The run: its summary, and (as FamilyFields) the family, each group's source, the family's own
/// counts and its per-key ordering violations.
struct FamilyRun : FamilyFields {
  RunSummary summary;
  /// Every group's backlog at every output sample, in time order (not in summary.json).
  std::vector<BacklogSample> backlog;
};

/// @p attach, when given, is called with the model before it starts, so that a caller can
/// subscribe to more of its signals (`cgsim validate` counts redeliveries per fault, and which
/// consumer processed which key).
FamilyRun simulate_rabbitmq(const models::rabbitmq::Scenario& scenario,
                            const std::function<void(models::rabbitmq::World&)>& attach = {});
FamilyRun simulate_pulsar(const models::pulsar::ScenarioFile& scenario,
                          const std::function<void(models::pulsar::World&)>& attach = {});

/// The broker family a scenario file names in `broker.kind`: "rabbitmq", "pulsar", or "kafka" when
/// it names none or cannot be read (the Kafka loader then reports what is wrong with it).
std::string scenario_family(const std::string& path);

/// A loaded RabbitMQ or Pulsar scenario: what the commands that run any family (sweep, plan) hold
/// per point.
struct FamilyScenario {
  std::variant<models::rabbitmq::Scenario, models::pulsar::ScenarioFile> scenario;
  const std::string& broker() const;  ///< "rabbitmq" or "pulsar"
  const std::string& name() const;
  std::uint64_t seed() const;
  void set_seed(std::uint64_t seed);
};

/// Loads @p path (a scenario of @p family, "rabbitmq" or "pulsar") with @p overrides applied.
/// Throws InputError.
FamilyScenario load_family_scenario(const std::string& path, const std::string& family,
                                    const std::vector<scenarios::Override>& overrides = {});
/// Runs @p scenario with its own seed.
FamilyRun simulate_family(const FamilyScenario& scenario);

/// summary.json of such a run: the shared summary and the family's fields (summary.hpp).
nlohmann::json to_json(const FamilyRun& run);

}  // namespace cgsim::analysis
