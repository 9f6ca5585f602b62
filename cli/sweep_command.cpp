/// @file sweep_command.cpp
/// `cgsim sweep scenario.yaml --vary PATH=v1,v2 --seeds N --jobs J --out DIR`: the cross product
/// of the varied fields, each point replicated over seeds, mean and 95% CI of every metric.
#include <cmath>
#include <iostream>
#include <memory>

#include "analysis/experiments/sweep.hpp"
#include "analysis/experiments/sweep_shard.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report.hpp"
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "cli/option_flags.hpp"
#include "cli/slurm_emit.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

struct SweepCommandOptions {
  std::string file;
  std::string out;
  std::vector<std::string> vary;
  std::vector<std::string> set;
  std::size_t seeds = 1;
  unsigned jobs = 0;
  bool quiet = false;
  bool report = false;
  BudgetFlags budget;
  std::string shard;
  EmitFlags emit;
};

void add_sweep_options(CLI::App* cmd, SweepCommandOptions& o) {
  cmd->add_option("scenario", o.file, "Scenario file (YAML or JSON)")->required();
  cmd->add_option("--vary", o.vary, "A field and its values: PATH=v1,v2,... (repeatable; cross product)");
  cmd->add_option("--set", o.set, "Override a field for every point: PATH=VALUE (repeatable)");
  cmd->add_option("--seeds", o.seeds, "Replications per point; run i uses the scenario seed + i")
      ->check(integer_in(1, 1'000'000));
  cmd->add_option("--jobs,-j", o.jobs, "Worker threads (default: all cores)")->check(integer_in(1, 1024));
  cmd->add_option("--out", o.out, "Write sweep.json, sweep.csv, runs.csv and timing.json here")->required();
  cmd->add_flag("-q,--quiet", o.quiet, "No progress bar and no table");
  cmd->add_flag("--report", o.report, "Also write report.html and report.md into the output directory");
  add_budget_flags(cmd, o.budget);
  cmd->add_option("--shard", o.shard,
                  "Run only shard K of N (units u with u mod N = K) and write a partial result (shard.json) to "
                  "--out; `cgsim merge` combines the N partial results (docs/cluster.md)");
  add_emit_flags(cmd, o.emit);
}

analysis::SweepOptions sweep_options(const SweepCommandOptions& o) {
  analysis::SweepOptions so;
  so.scenario_file = o.file;
  for (const auto& s : o.set) so.base_overrides.push_back(scenarios::parse_override(s));
  for (const auto& v : o.vary) {
    so.axes.push_back(analysis::parse_vary(v));
    so.axes.back().option = "--vary";
  }
  so.seeds = o.seeds;
  so.jobs = o.jobs;
  so.progress = !o.quiet || o.budget.progress;
  so.progress_anywhere = o.budget.progress;
  so.budget = o.budget.budget;
  return so;
}

int run_sweep_shard_command(const SweepCommandOptions& o) {
  if (o.report) throw InputError("--report: a shard has no report; give --report to `cgsim merge`");
  const analysis::Shard shard = with_flag_names([&] { return analysis::parse_shard(o.shard); });
  double wall = 0;
  const nlohmann::json doc = with_flag_names([&] { return analysis::run_sweep_shard(sweep_options(o), shard, wall); });
  analysis::write_shard_dir(o.out, doc, wall);
  if (!o.quiet) {
    std::cout << "shard " << shard.text() << ": " << doc.at("runs").size() << " of "
              << doc.at("manifest").at("units").at("total").get<std::size_t>() << " runs in "
              << analysis::format_number(std::round(wall * 10) / 10) << " s; partial result written to " << o.out
              << "/shard.json\n";
  }
  return kExitOk;
}

/// The sweep's arguments as the batch scripts repeat them: the scenario (absolute), then every
/// option that defines the units, values as given.
std::vector<std::string> sweep_arguments(const SweepCommandOptions& o) {
  std::vector<std::string> a{absolute_path(o.file)};
  for (const auto& s : o.set) a.insert(a.end(), {"--set", s});
  for (const auto& v : o.vary) a.insert(a.end(), {"--vary", v});
  a.insert(a.end(), {"--seeds", std::to_string(o.seeds)});
  append_budget_arguments(a, o.budget);
  return a;
}

/// `--emit slurm DIR`: checks the sweep (its scenario and options load) and writes the scripts.
int emit_sweep_command(const SweepCommandOptions& o) {
  const SlurmJob job = slurm_job(o.emit, o.out, o.jobs, o.report, o.shard);
  with_flag_names([&] {
    analysis::SweepScenarios scenarios;
    return analysis::sweep_skeleton(sweep_options(o), scenarios);
  });
  const auto written = emit_slurm_sweep(job, sweep_arguments(o));
  if (!o.quiet) {
    for (const auto& w : written) std::cout << w << "\n";
    std::cout << "submit with: bash " << shell_quote(job.dir + "/submit.sh") << "   (merged outputs in " << job.out
              << "/)\n";
  }
  return kExitOk;
}

int run_sweep_command(const SweepCommandOptions& o) {
  if (o.emit.given()) return emit_sweep_command(o);
  if (o.emit.shards != 0 || !o.emit.sbatch.empty()) throw InputError("--shards, --sbatch: only with --emit slurm DIR");
  if (!o.shard.empty()) return run_sweep_shard_command(o);
  analysis::SweepResult r = with_flag_names([&] { return analysis::run_sweep(sweep_options(o)); });
  analysis::write_sweep_outputs(o.out, r);
  if (o.report) analysis::write_report(o.out);
  if (!o.quiet) {
    std::cout << analysis::format_sweep_table(r);
    std::cout << "\n" << r.points.size() << " points x " << r.seeds << " seeds in "
              << analysis::format_number(std::round(r.wall_seconds * 10) / 10) << " s on " << r.jobs
              << " threads; outputs written to " << o.out << "/\n";
  }
  return kExitOk;
}

}  // namespace

Command add_sweep_command(CLI::App& app) {
  auto o = std::make_shared<SweepCommandOptions>();
  auto* cmd = app.add_subcommand("sweep", "Run a scenario over the cross product of field values, with replications");
  add_sweep_options(cmd, *o);
  return {cmd, [o] { return run_sweep_command(*o); }};
}

}  // namespace cgsim::cli
