/// @file main.cpp
/// The cgsim command: subcommands are registered here; every error is caught once, printed,
/// and turned into the exit code of its class (see models/common/error.hpp).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "models/common/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"cgsim: a deterministic simulator of Kafka consumer groups"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cgsim 0.1.0");
  cgsim::cli::register_run_command(app);
  cgsim::cli::register_schema_command(app);
  cgsim::cli::register_extra_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : cgsim::kExitInput;
  } catch (const cgsim::Error& e) {
    std::cerr << "cgsim: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "cgsim: internal error: " << e.what() << "\n";
    return cgsim::kExitInternal;
  }
  return cgsim::cli::exit_status();
}
