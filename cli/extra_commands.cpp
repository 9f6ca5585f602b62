#include "cli/commands.hpp"
#include "cli/assign_command.hpp"
#include "cli/planning_commands.hpp"
#ifdef CGSIM_HAVE_LIVE
#include "cli/validate_command.hpp"
#endif

namespace cgsim::cli {

void register_extra_commands(CLI::App& app) {
  register_assign_command(app);
#ifdef CGSIM_HAVE_LIVE
  register_validate_command(app);
#endif
  register_sweep_command(app);
  register_plan_command(app);
  register_report_command(app);
}

}  // namespace cgsim::cli
