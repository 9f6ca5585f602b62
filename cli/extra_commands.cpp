#include "cli/commands.hpp"

namespace cgsim::cli {

void register_extra_commands(CLI::App&) {}

}  // namespace cgsim::cli
