/// @file run_command.cpp
/// `cgsim run` (simulate a scenario and print or write what the group did) and `cgsim schema`.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "analysis/experiments/cost.hpp"
#include "analysis/experiments/family_runs.hpp"
#include "analysis/experiments/simulate.hpp"
#include "analysis/experiments/sweep.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/family_output.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report.hpp"
#include "analysis/output/trace.hpp"
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace cgsim::cli {

namespace {

struct RunOptions {
  std::string file;
  std::string out;
  bool json = false;
  bool quiet = false;
  long long seed = -1;
  int seeds = 1;
  std::vector<std::string> set;
  bool report = false;
  bool timings = false;
  bool all_consumers = false;
  std::string trace;
  BudgetFlags budget;
};

void add_run_options(CLI::App* run, RunOptions& o) {
  run->add_option("scenario", o.file, "Scenario file (YAML or JSON)")->required();
  run->add_option("--out", o.out, "Write summary.json and CSV time series into this directory");
  run->add_flag("--json", o.json, "Print the summary JSON instead of the table");
  run->add_option("--seed", o.seed, "Override the scenario's seed")->check(integer_in(0));
  run->add_option("--seeds", o.seeds,
                  "Also run the next M-1 seeds and print the mean, min and max over all M of the figures that "
                  "depend on the clients' drawn start and timer phases (duplicates, rebalance durations)")
      ->check(integer_in(1));
  run->add_flag("-q,--quiet", o.quiet, "Print nothing (with --out)");
  run->add_flag("--report", o.report, "Also write report.html and report.md into the --out directory");
  run->add_option("--trace", o.trace, "Write the rebalance and fault timeline as Chrome trace-event JSON (Perfetto)");
  run->add_flag("--timings", o.timings,
                "Include wall_seconds in --json and summary.json (it differs run to run, so those outputs "
                "are then no longer byte-identical)");
  run->add_flag("--all-consumers", o.all_consumers,
                "List every consumer in the table (a group of more than 20 gets the distribution of the "
                "per-consumer figures and the consumers at its extremes otherwise)");
  run->add_option("--set", o.set, "Override a scenario field: path=value (e.g. groups.0.consumers.count=8)");
  add_budget_flags(run, o.budget);
}

/// Mean, smallest and largest of @p v as "mean (min - max)".
std::string spread(std::vector<double> v, const char* f) {
  if (v.empty()) return "-";
  double sum = 0;
  for (double x : v) sum += x;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  char buf[128];
  std::string fmt = std::string(f) + " (" + f + " - " + f + ")";
  std::snprintf(buf, sizeof buf, fmt.c_str(), sum / static_cast<double>(v.size()), *lo, *hi);
  return buf;
}

/// The phase-dependent figures of @p runs (one per seed): total and per-fault duplicates, and each
/// rebalance's duration, rebalances paired by group, trigger and occurrence (never by index).
std::string format_seed_spread(const std::vector<analysis::RunSummary>& runs) {
  std::ostringstream o;
  o << "\nover " << runs.size() << " seeds (" << runs.front().seed << ".." << runs.back().seed
    << "): mean (min - max)\n";
  std::vector<double> dup;
  for (const auto& r : runs) dup.push_back(static_cast<double>(r.duplicates));
  o << "  duplicates (records)          " << spread(dup, "%.0f") << "\n";
  for (std::size_t i = 0; i < runs.front().faults.size(); ++i) {
    const auto& f = runs.front().faults[i];
    std::vector<double> v;
    for (const auto& r : runs)
      if (i < r.faults.size()) v.push_back(static_cast<double>(r.faults[i].duplicates));
    char head[96];
    std::snprintf(head, sizeof head, "  fault %s %s at %.3f s", f.kind.c_str(), f.subject.c_str(), f.at_s);
    o << head << ": duplicates (records) " << spread(v, "%.0f") << "\n";
  }
  // key: group, trigger, occurrence -> durations (s) and starts (s)
  std::map<std::tuple<std::string, std::string, int>, std::pair<std::vector<double>, std::vector<double>>> rb;
  std::vector<std::tuple<std::string, std::string, int>> order;
  for (const auto& r : runs) {
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const auto& x : r.rebalances) {
      if (x.end_s < 0) continue;
      auto key = std::make_tuple(x.group, x.trigger, seen[{x.group, x.trigger}]++);
      auto& e = rb[key];
      if (e.first.empty()) order.push_back(key);
      e.first.push_back(x.end_s - x.start_s);
      e.second.push_back(x.start_s);
    }
  }
  for (const auto& key : order) {
    const auto& [group, trigger, k] = key;
    const auto& e = rb[key];
    o << "  rebalance " << group << " " << trigger << " #" << (k + 1) << " (in " << e.first.size() << " of "
      << runs.size() << "): start s " << spread(e.second, "%.3f") << ", duration s " << spread(e.first, "%.3f")
      << "\n";
  }
  return o.str();
}

/// `cgsim run` of a RabbitMQ or Pulsar scenario: the shared summary and the family's own counts.
int run_family(const RunOptions& o, const std::string& family) {
  std::vector<scenarios::Override> overrides;
  for (const auto& s : o.set) overrides.push_back(scenarios::parse_override(s));
  analysis::FamilyScenario sc = analysis::load_family_scenario(o.file, family, overrides);
  if (o.seed >= 0) sc.set_seed(static_cast<std::uint64_t>(o.seed));
  analysis::check_budget(analysis::estimate_cost(sc), o.budget.budget, o.file);
  const analysis::FamilyRun r = analysis::simulate_family(sc);
  const std::string json = analysis::to_json(r).dump(2) + "\n";
  if (!o.out.empty()) analysis::write_family_run_outputs(o.out, r);
  if (o.report) analysis::write_report(o.out);
  if (!o.trace.empty()) analysis::write_family_trace(o.trace, r);
  if (o.json) {
    std::cout << json;
  } else if (!o.quiet) {
    std::cout << analysis::format_family_text(r);
    if (o.seeds > 1) {
      std::vector<analysis::RunSummary> runs{r.summary};
      for (int k = 1; k < o.seeds; ++k) {
        analysis::FamilyScenario next = sc;
        next.set_seed(sc.seed() + static_cast<std::uint64_t>(k));
        runs.push_back(analysis::simulate_family(next).summary);
      }
      std::cout << format_seed_spread(runs);
    }
    if (!o.out.empty()) std::cout << "\noutputs written to " << o.out << "/\n";
  }
  return kExitOk;
}

int run_run(const RunOptions& o) {
  if (o.report && o.out.empty()) throw InputError("--report: needs --out DIR");
  if (const std::string family = analysis::scenario_family(o.file); family != "kafka") return run_family(o, family);
  std::vector<scenarios::Override> overrides;
  for (const auto& s : o.set) overrides.push_back(scenarios::parse_override(s));
  models::Scenario sc = scenarios::load_scenario_file(o.file, overrides);
  if (o.seed >= 0) sc.seed = static_cast<std::uint64_t>(o.seed);
  analysis::SimulateOptions opts;
  opts.series = !o.out.empty();
  // Refuse a run beyond the budget before anything is allocated; draw progress on a long one.
  const analysis::CostEstimate cost = analysis::estimate_cost(sc, opts.series);
  analysis::check_budget(cost, o.budget.budget, o.file);
  opts.progress = o.budget.progress || (!o.quiet && cost.cpu_seconds > 5 && analysis::stderr_is_tty());
  opts.model = true;
  analysis::SimulationResult r = analysis::simulate_full(sc, opts);
  if (!o.out.empty()) {
    analysis::write_run_outputs(o.out, r, o.timings);
    analysis::write_latency_cdf(o.out, r);
  }
  if (o.report) analysis::write_report(o.out);
  if (!o.trace.empty()) analysis::write_chrome_trace(o.trace, r);
  if (o.json) {
    std::cout << analysis::to_json(r.summary, o.timings).dump(2) << "\n";
  } else if (!o.quiet) {
    std::cout << analysis::format_text_summary(
        sc, r, o.all_consumers ? std::numeric_limits<std::size_t>::max() : analysis::kFullConsumerTable);
    std::cout << "\n  note: each client's start and timer phases are drawn from the seed, so duplicates and rebalance\n"
                 "  durations are one draw of a distribution; --seeds M prints their spread over M seeds\n";
    if (o.seeds > 1) {
      std::vector<analysis::RunSummary> runs{r.summary};
      for (int k = 1; k < o.seeds; ++k) {
        models::Scenario next = sc;
        next.seed = sc.seed + static_cast<std::uint64_t>(k);
        runs.push_back(analysis::simulate_full(next, analysis::SimulateOptions{}).summary);
      }
      std::cout << format_seed_spread(runs);
    }
    if (!o.out.empty()) std::cout << "\noutputs written to " << o.out << "/\n";
  }
  return kExitOk;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  auto* run = app.add_subcommand("run", "Simulate a scenario and print what the consumer group did");
  add_run_options(run, *o);
  return {run, [o] { return run_run(*o); }};
}

Command add_schema_command(CLI::App& app) {
  auto* s = app.add_subcommand("schema", "Print the JSON Schema of scenario files (all broker families by default)");
  auto broker = std::make_shared<std::string>();
  s->add_option("--broker", *broker, "Print only one family's schema: kafka, rabbitmq or pulsar")
      ->check(CLI::IsMember({"kafka", "rabbitmq", "pulsar"}));
  return {s, [broker] {
            std::cout << scenarios::scenario_json_schema(*broker).dump(2) << "\n";
            return kExitOk;
          }};
}

}  // namespace cgsim::cli
