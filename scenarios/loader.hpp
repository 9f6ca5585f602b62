#pragma once
/// @file loader.hpp
/// Reads scenario files (YAML or JSON, one schema) into a validated Scenario.
///
/// Every problem is reported as an InputError naming the file, line, column, the field path
/// (e.g. `groups[0].session_timeout`) and what was expected. Unknown keys are errors, so a typo
/// never silently falls back to a default.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/common/scenario.hpp"

namespace cgsim::scenarios {

/// A change to apply to the scenario tree before validation: a dotted field path such as
/// `groups.0.consumers.count` and a YAML scalar or flow value such as `8`, `250ms` or `[a, b]`.
struct Override {
  std::string path;
  std::string value;
  std::string option = "--set";  ///< the command-line option it came from, named in messages
};

/// Loads and validates a scenario file. Throws cgsim::InputError.
models::Scenario load_scenario_file(const std::string& path, const std::vector<Override>& overrides = {});
/// Loads and validates a scenario from text; @p origin names it in messages.
models::Scenario load_scenario_text(const std::string& text, const std::string& origin,
                                    const std::vector<Override>& overrides = {});
/// Parses "path=value" (as given to --vary or --set); throws InputError when malformed.
Override parse_override(const std::string& text);
/// Parses a duration such as "250ms", "45s", "5m", "1h", "1m30s", "150us", "0".
/// Returns false when @p text is not a duration; when it is one too long for the clock (over
/// 2562047h), also sets @p error to a message that gives the maximum.
bool parse_duration(const std::string& text, sim::Time& out, std::string* error = nullptr);
/// The JSON Schema (draft 2020-12) of scenario files: with @p family empty, of every file, its
/// `broker.kind` selecting the family (none: Kafka); else of one family's files ("kafka",
/// "rabbitmq" or "pulsar"; another name is an InputError).
nlohmann::json scenario_json_schema(const std::string& family = "");

}  // namespace cgsim::scenarios
