#pragma once
/// @file rabbitmq_loader.hpp
/// Reads RabbitMQ scenario files (`broker: {kind: rabbitmq, ...}`; YAML or JSON) into a validated
/// models::rabbitmq::Scenario. The format is documented in docs/scenario-format.md ("RabbitMQ").
///
/// Every problem is an InputError (exit 2) naming the file, line and column, the field path
/// (e.g. `queues[1].overflow`) and what was expected. Unknown keys are errors; Kafka-only keys
/// (topics, groups, client, partitioner, ...) are reported as such.
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::scenarios {

/// True when the scenario text's top-level `broker` mapping has `kind: rabbitmq`.
bool is_rabbitmq_scenario_text(const std::string& text);
/// Loads and validates a RabbitMQ scenario file, after applying @p overrides
/// (`--set PATH=VALUE`, as for Kafka scenarios). Throws cgsim::InputError.
models::rabbitmq::Scenario load_rabbitmq_scenario_file(const std::string& path,
                                            const std::vector<Override>& overrides = {});
/// Loads and validates a RabbitMQ scenario from text; @p origin names it in messages.
models::rabbitmq::Scenario load_rabbitmq_scenario_text(const std::string& text, const std::string& origin,
                                            const std::vector<Override>& overrides = {});

}  // namespace cgsim::scenarios
