#pragma once
/// @file planning_commands.hpp
/// The capacity-planning subcommands: `cgsim sweep`, `cgsim plan` and `cgsim report`.
/// Each registers itself on the top-level app; register_extra_commands() calls them.
#include <CLI/CLI.hpp>

namespace cgsim::cli {

/// `cgsim sweep scenario.yaml --vary PATH=v1,v2 --seeds N --jobs J --out DIR`: the cross product
/// of the varied fields, each point replicated over seeds, mean and 95% CI of every metric.
void register_sweep_command(CLI::App& app);
/// `cgsim plan scenario.yaml --slo NAME=VALUE ... [--failures N] [--partitions LIST]`: the smallest
/// consumer (and partition) count meeting every SLO, with failures at peak load. Exit 1 when no
/// candidate meets them.
void register_plan_command(CLI::App& app);
/// `cgsim report DIR [--trace FILE]`: report.html and report.md from a run, sweep or plan
/// directory.
void register_report_command(CLI::App& app);

}  // namespace cgsim::cli
