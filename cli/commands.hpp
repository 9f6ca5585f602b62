#pragma once
/// @file commands.hpp
/// Registration of cgsim's subcommands. Each command runs inside CLI11's callback and reports
/// failures by throwing cgsim::Error; its exit status is set with set_exit_status().
#include <CLI/CLI.hpp>

namespace cgsim::cli {

void register_run_command(CLI::App& app);
void register_schema_command(CLI::App& app);
/// Commands defined in their own files (assign, validate, sweep, plan, report) when built.
void register_extra_commands(CLI::App& app);

/// Exit status of a command that completed without throwing (e.g. 1 for "outside tolerance").
void set_exit_status(int code);
int exit_status();

}  // namespace cgsim::cli
