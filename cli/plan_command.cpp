/// @file plan_command.cpp
/// `cgsim plan scenario.yaml --slo NAME=VALUE ... [--failures N] [--partitions LIST]`: the smallest
/// consumer (and partition) count meeting every SLO, with failures at peak load. Exit 1 when no
/// candidate meets them.
#include <filesystem>
#include <iostream>
#include <memory>

#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/plan_family.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/family_output.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report.hpp"
#include "analysis/output/trace.hpp"
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "cli/option_flags.hpp"
#include "cli/plan_command.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {


void add_plan_options(CLI::App* cmd, PlanCommandOptions& o) {
  cmd->add_option("scenario", o.file, "Scenario file (YAML or JSON)")->required();
  cmd->add_option("--slo", o.slo,
                  "An SLO NAME=VALUE (repeatable): p50/p90/p99/p999_latency=500ms, max_latency=2s, max_lag=100000, "
                  "max_lag_seconds=30s, recovery=60s, ordering_violations=0")
      ->required();
  cmd->add_option("--failures", o.failures,
                  "Simultaneous consumer crashes at the start of peak load (default: the scenario's crash count)")
      ->check(integer_in(0, 100'000));
  cmd->add_option("--partitions", o.partitions, "Candidate partition counts, e.g. 12,24,48 (default: the scenario's)");
  cmd->add_option("--consumers", o.consumers, "Candidate consumer counts (default: a search bracketed by the analytic models)");
  cmd->add_option("--group", o.group, "The consumer group to plan (default: the first)");
  cmd->add_option("--vary", o.vary, "Plan separately for each value of another field: PATH=v1,v2 (repeatable)");
  cmd->add_option("--set", o.set, "Override a scenario field: PATH=VALUE (repeatable)");
  cmd->add_option("--seeds", o.seeds, "Replications per configuration; SLOs are judged on the worst seed")
      ->check(integer_in(1, 1'000'000));
  cmd->add_option("--jobs,-j", o.jobs, "Worker threads (default: all cores)")->check(integer_in(1, 1024));
  cmd->add_option("--out", o.out, "Write plan.json and the recommended configuration's run (summary.json, CSVs) here");
  cmd->add_option("--trace", o.trace, "Write the recommended configuration's run as Chrome trace-event JSON");
  cmd->add_flag("--report", o.report, "Also write report.html and report.md into --out");
  cmd->add_flag("--latency-under-failure", o.latency_under_failure,
                "Hold latency SLOs on the runs with failures too (default: failure-free runs only)");
  cmd->add_flag("--json", o.json, "Print plan.json instead of the table");
  cmd->add_flag("-q,--quiet", o.quiet, "No progress bar and no table");
  add_budget_flags(cmd, o.budget);
  cmd->add_option("--shard", o.shard,
                  "Run only shard K of N of the plan's next round (after --state's rounds) and write a partial "
                  "result (shard.json) to --out; `cgsim merge` combines the shards (docs/cluster.md)");
  cmd->add_option("--state", o.state, "plan-state.json written by `cgsim merge`: the rounds run so far (with --shard)");
  cmd->add_flag("--check-state", o.check_state,
                "Do not run: check that --state belongs to this plan and print `next ROUND STATE_HASH` or "
                "`complete STATUS` (for the round drivers, docs/cluster.md)");
  add_emit_flags(cmd, o.emit);
}

/// The plan's arguments as the batch scripts repeat them: the scenario (absolute), then every
/// option that defines the units, values as given.
std::vector<std::string> plan_arguments(const PlanCommandOptions& o) {
  std::vector<std::string> a{absolute_path(o.file)};
  for (const auto& s : o.slo) a.insert(a.end(), {"--slo", s});
  if (o.failures >= 0) a.insert(a.end(), {"--failures", std::to_string(o.failures)});
  if (!o.partitions.empty()) a.insert(a.end(), {"--partitions", o.partitions});
  if (!o.consumers.empty()) a.insert(a.end(), {"--consumers", o.consumers});
  if (!o.group.empty()) a.insert(a.end(), {"--group", o.group});
  for (const auto& v : o.vary) a.insert(a.end(), {"--vary", v});
  for (const auto& s : o.set) a.insert(a.end(), {"--set", s});
  a.insert(a.end(), {"--seeds", std::to_string(o.seeds)});
  if (o.latency_under_failure) a.emplace_back("--latency-under-failure");
  append_budget_arguments(a, o.budget);
  return a;
}

/// Parses "12,24,36" into counts; throws InputError naming @p flag.
std::vector<std::int32_t> parse_counts(const std::string& flag, const std::string& text) {
  std::vector<std::int32_t> out;
  if (text.empty()) return out;
  analysis::VaryAxis axis = analysis::parse_vary("x=" + text);
  for (const auto& v : axis.values) {
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 100000) {
      throw InputError(flag + ": expected a comma-separated list of counts from 1 to 100000, got \"" + v + "\"");
    }
    out.push_back(static_cast<std::int32_t>(n));
  }
  return out;
}

}  // namespace

analysis::PlanOptions plan_options(const PlanCommandOptions& o) {
  analysis::PlanOptions po;
  po.scenario_file = o.file;
  for (const auto& s : o.set) po.base_overrides.push_back(scenarios::parse_override(s));
  for (const auto& v : o.vary) {
    po.axes.push_back(analysis::parse_vary(v));
    po.axes.back().option = "--vary";
  }
  for (const auto& s : o.slo) po.slos.push_back(analysis::parse_slo(s));
  if (o.failures >= 0) po.failures = o.failures;
  po.partitions = parse_counts("--partitions", o.partitions);
  po.consumers = parse_counts("--consumers", o.consumers);
  po.group = o.group;
  po.seeds = o.seeds;
  po.jobs = o.jobs;
  po.progress = (!o.quiet && !o.json) || o.budget.progress;
  po.progress_anywhere = o.budget.progress;
  po.budget = o.budget.budget;
  po.latency_under_failure = o.latency_under_failure;
  return po;
}

/// What every plan ends with, whatever the broker: plan.json (and the report) in --out, then the
/// result printed or as --json; the exit code says whether a configuration met the SLOs.
int output_plan(const PlanCommandOptions& o, const analysis::PlanResult& r) {
  if (!o.out.empty()) {
    // A plan that simulated nothing (infeasible SLOs) has no run to create the folder.
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) throw WriteError(escape_bytes(o.out) + ": cannot create output directory: " + ec.message());
    analysis::write_file_atomically(o.out + "/plan.json", analysis::to_json(r).dump(2) + "\n");
    if (o.report) analysis::write_report(o.out);
  }
  if (o.json) {
    std::cout << analysis::to_json(r).dump(2) << "\n";
  } else if (!o.quiet) {
    std::cout << analysis::format_plan(r);
    if (!o.out.empty()) std::cout << "\noutputs written to " << o.out << "/\n";
  }
  return r.ok() ? kExitOk : kExitMismatch;
}

int finish_plan(const PlanCommandOptions& o, const analysis::PlanOptions& po, const analysis::PlanResult& r) {
  if (!o.out.empty() || !o.trace.empty()) {
    if (auto run = analysis::rerun_recommended(po, r)) {
      if (!o.out.empty()) {
        analysis::write_run_outputs(o.out, *run);
        analysis::write_latency_cdf(o.out, *run);
      }
      if (!o.trace.empty()) analysis::write_chrome_trace(o.trace, *run);
    }
  }
  return output_plan(o, r);
}

analysis::PlanOptions any_plan_options(const PlanCommandOptions& o) {
  if (analysis::scenario_family(o.file) == "kafka") return plan_options(o);
  PlanCommandOptions rest = o;
  rest.slo.clear();
  analysis::PlanOptions p = plan_options(rest);
  for (const auto& s : o.slo) p.slos.push_back(analysis::parse_family_slo(s));
  return p;
}

analysis::PlanResult run_any_plan(const analysis::PlanOptions& po, analysis::PlanRounds* rounds) {
  if (analysis::scenario_family(po.scenario_file) == "kafka") return analysis::run_plan(po, rounds);
  return analysis::run_family_plan(po, rounds);
}

int finish_any_plan(const PlanCommandOptions& o, const analysis::PlanOptions& po, const analysis::PlanResult& r) {
  if (analysis::scenario_family(po.scenario_file) == "kafka") return finish_plan(o, po, r);
  if (!o.out.empty()) {
    if (auto run = analysis::rerun_family_recommended(po, r)) analysis::write_family_run_outputs(o.out, *run);
  }
  return output_plan(o, r);
}

namespace {

/// `cgsim plan` of a RabbitMQ or Pulsar scenario (plan_family.hpp): the same options, outputs and
/// exit codes, without --trace.
int run_family_plan_command(const PlanCommandOptions& o) {
  if (!o.shard.empty()) return run_plan_shard(o);
  if (!o.state.empty()) throw InputError("--state: only with --shard K/N");
  if (!o.trace.empty()) throw InputError("--trace: not available for RabbitMQ and Pulsar plans");
  if (o.report && o.out.empty()) throw InputError("--report: needs --out DIR");
  const analysis::PlanOptions po = with_flag_names([&] { return any_plan_options(o); });
  const analysis::PlanResult r = with_flag_names([&] { return analysis::run_family_plan(po); });
  return finish_any_plan(o, po, r);
}

/// `--emit slurm DIR`: checks the options and writes the round script and its driver.
int emit_plan_command(const PlanCommandOptions& o) {
  const SlurmJob job = slurm_job(o.emit, o.out, o.jobs, o.report, o.shard);
  if (!o.state.empty() || !o.trace.empty() || o.json) {
    throw InputError("--emit: --state, --trace and --json are not available for a plan run by the scripts");
  }
  with_flag_names([&] { return any_plan_options(o); });
  const auto written = emit_slurm_plan(job, plan_arguments(o));
  if (!o.quiet) {
    for (const auto& w : written) std::cout << w << "\n";
    std::cout << "run the rounds with: bash " << shell_quote(job.dir + "/submit.sh") << "   (outputs in " << job.out
              << "/)\n";
  }
  return kExitOk;
}

int run_plan_command(const PlanCommandOptions& o) {
  if (o.check_state) return check_plan_state(o);
  if (o.emit.given()) return emit_plan_command(o);
  if (o.emit.shards != 0 || !o.emit.sbatch.empty()) throw InputError("--shards, --sbatch: only with --emit slurm DIR");
  if (analysis::scenario_family(o.file) != "kafka") return run_family_plan_command(o);
  if (!o.shard.empty()) return run_plan_shard(o);
  if (!o.state.empty()) throw InputError("--state: only with --shard K/N");
  const analysis::PlanOptions po = with_flag_names([&] { return plan_options(o); });
  if (o.report && o.out.empty()) throw InputError("--report: needs --out DIR");
  const analysis::PlanResult r = with_flag_names([&] { return analysis::run_plan(po); });
  return finish_plan(o, po, r);
}

}  // namespace

Command add_plan_command(CLI::App& app) {
  auto o = std::make_shared<PlanCommandOptions>();
  auto* cmd = app.add_subcommand(
      "plan", "Find the fewest consumers (and partitions) that meet SLOs, with consumer crashes at peak load");
  add_plan_options(cmd, *o);
  return {cmd, [o] { return run_plan_command(*o); }};
}

}  // namespace cgsim::cli
