#pragma once
/// @file pulsar_loader.hpp
/// Reads Pulsar scenario files (`broker: {kind: pulsar, ...}`; YAML or JSON) into a validated
/// models::pulsar::ScenarioFile. The format is documented in docs/scenario-format.md ("Pulsar").
///
/// Every problem is an InputError (exit 2) naming the file, line and column, the field path
/// (e.g. `subscriptions[0].consumers.receiver_queue_size`) and what was expected. Unknown keys are
/// errors; keys of Kafka or RabbitMQ scenarios are reported as belonging to that broker.
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "models/pulsar/scenario_file.hpp"

namespace cgsim::scenarios {

/// True when the scenario text's top-level `broker` mapping has `kind: pulsar`.
bool is_pulsar_scenario_text(const std::string& text);
/// Loads and validates a Pulsar scenario file, after applying @p overrides
/// (`--set PATH=VALUE`, as for Kafka scenarios). Throws cgsim::InputError.
models::pulsar::ScenarioFile load_pulsar_scenario_file(const std::string& path,
                                            const std::vector<Override>& overrides = {});
/// Loads and validates a Pulsar scenario from text; @p origin names it in messages.
models::pulsar::ScenarioFile load_pulsar_scenario_text(const std::string& text, const std::string& origin,
                                            const std::vector<Override>& overrides = {});

}  // namespace cgsim::scenarios
