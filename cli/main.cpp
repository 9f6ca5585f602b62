/// @file main.cpp
/// The cgsim command: subcommands are registered here; every error is caught once, printed,
/// and turned into the exit code of its class (see models/common/error.hpp).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "analysis/experiments/shard.hpp"
#include "analysis/output/atomic_file.hpp"
#include "cli/commands.hpp"
#include "models/common/error.hpp"

namespace {

/// The first argument that is not an option must name a subcommand: CLI11 would otherwise treat
/// an unknown one as a stray positional and act on the options after it (`cgsim import --help`
/// printing the main help and exiting 0).
void check_subcommand_name(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return;
  const std::string name = argv[1];
  std::string names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (s->check_name(name)) return;
    names += (names.empty() ? "" : ", ") + s->get_name();
  }
  throw cgsim::InputError("unknown command \"" + name + "\" (expected one of: " + names + ")");
}

}  // namespace

int main(int argc, char** argv) {
  cgsim::analysis::capture_stdout();
  CLI::App app{"cgsim: a deterministic simulator of Kafka consumer groups"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("cgsim ") + cgsim::analysis::kCgsimVersion);
  const std::vector<cgsim::cli::Command> commands = cgsim::cli::add_commands(app);
  int code = 0;
  try {
    check_subcommand_name(app, argc, argv);
    app.parse(argc, argv);
    for (const auto& c : commands)
      if (c.app->parsed()) code = c.run();
  } catch (const CLI::ParseError& e) {
    code = app.exit(e) == 0 ? 0 : cgsim::kExitInput;
  } catch (const cgsim::Error& e) {
    std::cerr << "cgsim: error: " << cgsim::escape_bytes(e.what(), true) << "\n";
    code = e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "cgsim: internal error: " << cgsim::escape_bytes(e.what(), true) << "\n";
    code = cgsim::kExitInternal;
  }
  // Whatever a command printed must have reached standard output: a write that failed (a full
  // disk, /dev/full) is an error, not a silent success.
  try {
    cgsim::analysis::check_stdout();
  } catch (const cgsim::WriteError& e) {
    std::cerr << "cgsim: error: " << e.what() << "\n";
    if (code == cgsim::kExitOk || code == cgsim::kExitMismatch) code = e.exit_code();
  }
  return code;
}
