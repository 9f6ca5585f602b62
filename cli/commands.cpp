/// @file extra_commands.cpp
/// The list of cgsim's subcommands, in help order.
#include "cli/commands.hpp"

namespace cgsim::cli {

std::vector<Command> add_commands(CLI::App& app) {
  std::vector<Command> commands;
  commands.push_back(add_run_command(app));
  commands.push_back(add_schema_command(app));
  commands.push_back(add_assign_command(app));
#ifdef CGSIM_HAVE_LIVE
  commands.push_back(add_validate_command(app));
#endif
  commands.push_back(add_sweep_command(app));
  commands.push_back(add_plan_command(app));
  commands.push_back(add_merge_command(app));
  commands.push_back(add_report_command(app));
  commands.push_back(add_compare_command(app));
  return commands;
}

}  // namespace cgsim::cli
