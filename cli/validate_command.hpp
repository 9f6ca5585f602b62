#pragma once
/// @file validate_command.hpp
/// `cgsim validate`: runs a scenario on a live Kafka cluster (or librdkafka's mock cluster) and on
/// the simulator, and compares the two (see docs/validation.md).
#include <CLI/CLI.hpp>

namespace cgsim::cli {

/// Adds the `validate` subcommand to @p app. Its exit status is 0 when every check is within
/// tolerance and 1 when one is not; errors are thrown as cgsim::Error (broker problems exit 3).
void register_validate_command(CLI::App& app);

}  // namespace cgsim::cli
