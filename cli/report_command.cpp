#include <iostream>
#include <memory>

#include "analysis/output/report.hpp"
#include "cli/commands.hpp"
#include "cli/planning_commands.hpp"

namespace cgsim::cli {

void register_report_command(CLI::App& app) {
  struct Opts {
    std::string dir;
    std::string trace;
    bool quiet = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("report", "Write report.html and report.md from a run, sweep or plan output directory");
  cmd->add_option("dir", o->dir, "Directory written by cgsim run --out, sweep --out or plan --out")->required();
  cmd->add_option("--trace", o->trace, "Also write the rebalance and fault timeline as Chrome trace-event JSON");
  cmd->add_flag("-q,--quiet", o->quiet, "Print nothing");
  cmd->callback([o] {
    analysis::ReportOptions ro;
    ro.trace_file = o->trace;
    analysis::ReportFiles f = analysis::write_report(o->dir, ro);
    if (!o->quiet) {
      std::cout << "wrote " << f.html << " and " << f.markdown << " (" << f.plots.size() << " plots)\n";
      if (!o->trace.empty()) std::cout << "wrote " << o->trace << " (open it in Perfetto UI or chrome://tracing)\n";
    }
  });
}

}  // namespace cgsim::cli
