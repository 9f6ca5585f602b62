#pragma once
/// @file commands.hpp
/// cgsim's subcommands. Each is options (a struct), setup (its flags registered on the app) and
/// run (the command itself, returning its exit code); failures are thrown as cgsim::Error and
/// turned into exit codes in main().
#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace cgsim::cli {

/// A registered subcommand.
struct Command {
  CLI::App* app = nullptr;   ///< the subcommand, its flags bound to the command's options
  std::function<int()> run;  ///< runs it once the command line is parsed; returns the exit code
};

Command add_run_command(CLI::App& app);
Command add_schema_command(CLI::App& app);
Command add_assign_command(CLI::App& app);
#ifdef CGSIM_HAVE_LIVE
Command add_validate_command(CLI::App& app);
#endif
Command add_sweep_command(CLI::App& app);
Command add_plan_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_merge_command(CLI::App& app);
Command add_compare_command(CLI::App& app);

/// Every subcommand, in help order.
std::vector<Command> add_commands(CLI::App& app);

}  // namespace cgsim::cli
