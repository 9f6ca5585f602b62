#include "cli/commands.hpp"
#include "cli/planning_commands.hpp"

namespace cgsim::cli {

void register_extra_commands(CLI::App& app) {
  register_sweep_command(app);
  register_plan_command(app);
  register_report_command(app);
}

}  // namespace cgsim::cli
