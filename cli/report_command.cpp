/// @file report_command.cpp
/// `cgsim report DIR [--trace FILE]`: report.html and report.md from a run, sweep or plan
/// directory.
#include <iostream>
#include <memory>

#include "analysis/output/report.hpp"
#include "cli/commands.hpp"
#include "cli/option_flags.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

struct ReportCommandOptions {
  std::string dir;
  std::string trace;
  bool quiet = false;
};

int run_report(const ReportCommandOptions& o) {
  analysis::ReportOptions ro;
  ro.trace_file = o.trace;
  const analysis::ReportFiles f = with_flag_names([&] { return analysis::write_report(o.dir, ro); });
  if (!o.quiet) {
    std::cout << "wrote " << f.html << " and " << f.markdown << " (" << f.plots.size() << " plots)\n";
    if (!o.trace.empty()) std::cout << "wrote " << o.trace << " (open it in Perfetto UI or chrome://tracing)\n";
  }
  return kExitOk;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportCommandOptions>();
  auto* cmd = app.add_subcommand("report", "Write report.html and report.md from a run, sweep or plan output directory");
  cmd->add_option("dir", o->dir, "Directory written by cgsim run --out, sweep --out or plan --out")->required();
  cmd->add_option("--trace", o->trace, "Also write the rebalance and fault timeline as Chrome trace-event JSON");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing");
  return {cmd, [o] { return run_report(*o); }};
}

}  // namespace cgsim::cli
