#pragma once
/// @file assign_command.hpp
/// `cgsim assign`: run a partition assignor on a JSON description of a group and report the
/// assignment with its balance, moves and withheld partitions; with `--churn N` replay N random
/// membership changes and compare every assignor with the optimum at each step.
#include <CLI/CLI.hpp>

namespace cgsim::cli {

void register_assign_command(CLI::App& app);

}  // namespace cgsim::cli
