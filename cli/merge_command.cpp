/// @file merge_command.cpp
/// `cgsim merge DIR... --out OUT`: combines the partial results of `sweep --shard K/N` (and of a
/// plan round, `plan --shard`) into what the unsharded command writes. Refuses shards that do
/// not belong together or do not cover every unit exactly once (exit 2, naming them).
#include <cmath>
#include <iostream>
#include <memory>

#include "analysis/experiments/shard.hpp"
#include "analysis/experiments/sweep_shard.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report.hpp"
#include "cli/commands.hpp"
#include "cli/plan_command.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

struct MergeCommandOptions {
  std::vector<std::string> dirs;
  std::string out;
  unsigned jobs = 0;
  bool quiet = false;
  bool report = false;
};

int run_merge_command(const MergeCommandOptions& o) {
  const auto shards = analysis::read_shard_dirs(o.dirs);
  analysis::check_shards(shards);
  const std::string command = shards.front().doc.at("manifest").at("command").get<std::string>();
  if (command == "plan") return merge_plan_shards(shards, o.out, o.report, o.quiet, o.jobs);
  if (command != "sweep") throw InputError("merge: " + shards.front().dir + ": unknown shard command \"" + command + "\"");
  const analysis::SweepResult r = analysis::merge_sweep_shards(shards);
  analysis::write_sweep_outputs(o.out, r);
  if (o.report) analysis::write_report(o.out);
  if (!o.quiet) {
    std::cout << analysis::format_sweep_table(r);
    std::cout << "\n" << r.points.size() << " points x " << r.seeds << " seeds merged from " << shards.size()
              << " shards (" << analysis::format_number(std::round(r.wall_seconds * 10) / 10)
              << " s of shard wall time); outputs written to " << o.out << "/\n";
  }
  return kExitOk;
}

}  // namespace

Command add_merge_command(CLI::App& app) {
  auto o = std::make_shared<MergeCommandOptions>();
  auto* cmd = app.add_subcommand(
      "merge", "Combine the partial results of `sweep --shard` or `plan --shard` into the unsharded outputs");
  cmd->add_option("dirs", o->dirs, "Partial result directories, one per shard (any order)")->required();
  cmd->add_option("--out", o->out, "Write the merged outputs here")->required();
  cmd->add_option("--jobs,-j", o->jobs, "Worker threads for the plan's re-run of its answer (default: all cores)");
  cmd->add_flag("--report", o->report, "Also write report.html and report.md into the output directory");
  cmd->add_flag("-q,--quiet", o->quiet, "No table");
  return {cmd, [o] { return run_merge_command(*o); }};
}

}  // namespace cgsim::cli
