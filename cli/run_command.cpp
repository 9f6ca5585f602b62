/// @file run_command.cpp
/// `cgsim run` (simulate a scenario and print or write what the group did) and `cgsim schema`.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/experiments/simulate.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/family_output.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report.hpp"
#include "analysis/output/trace.hpp"
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
  std::vector<std::string> set;
  bool report = false;
  bool timings = false;
  std::string trace;
};

void add_run_options(CLI::App* run, RunOptions& o) {
  run->add_option("scenario", o.file, "Scenario file (YAML or JSON)")->required();
  run->add_option("--out", o.out, "Write summary.json and CSV time series into this directory");
  run->add_flag("--json", o.json, "Print the summary JSON instead of the table");
  run->add_option("--seed", o.seed, "Override the scenario's seed")->check(integer_in(0));
  run->add_flag("-q,--quiet", o.quiet, "Print nothing (with --out)");
  run->add_flag("--report", o.report, "Also write report.html and report.md into the --out directory");
  run->add_option("--trace", o.trace, "Write the rebalance and fault timeline as Chrome trace-event JSON (Perfetto)");
  run->add_flag("--timings", o.timings,
                "Include wall_seconds in --json and summary.json (it differs run to run, so those outputs "
                "are then no longer byte-identical)");
  run->add_option("--set", o.set, "Override a scenario field: path=value (e.g. groups.0.consumers.count=8)");
}

/// The broker family a scenario file names in `broker.kind` ("kafka" when it names none or the
/// file cannot be read: the Kafka loader then reports what is wrong with it).
std::string family_of(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "kafka";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return "kafka";
  if (scenarios::is_rabbitmq_scenario_text(text.str())) return "rabbitmq";
  if (scenarios::is_pulsar_scenario_text(text.str())) return "pulsar";
  return "kafka";
}

/// `cgsim run` of a RabbitMQ or Pulsar scenario: the shared summary and the family's own counts.
int run_family(const RunOptions& o, const std::string& family) {
  const char* name = family == "rabbitmq" ? "RabbitMQ" : "Pulsar";
  if (!o.set.empty()) throw InputError(std::string("--set: not available for ") + name + " scenarios yet");
  if (o.report) throw InputError(std::string("--report: not available for ") + name + " scenarios yet");
  if (!o.trace.empty()) throw InputError(std::string("--trace: not available for ") + name + " scenarios yet");
  analysis::FamilyRun r;
  if (family == "rabbitmq") {
    auto sc = scenarios::load_rabbitmq_scenario_file(o.file);
    if (o.seed >= 0) sc.seed = static_cast<std::uint64_t>(o.seed);
    r = analysis::simulate_rabbitmq(sc);
  } else {
    auto sc = scenarios::load_pulsar_scenario_file(o.file);
    if (o.seed >= 0) sc.seed = static_cast<std::uint64_t>(o.seed);
    r = analysis::simulate_pulsar(sc);
  }
  const std::string json = analysis::to_json(r).dump(2) + "\n";
  if (!o.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    analysis::write_file_atomically(std::filesystem::path(o.out) / "summary.json", json);
  }
  if (o.json) {
    std::cout << json;
  } else if (!o.quiet) {
    std::cout << analysis::format_family_text(r);
    if (!o.out.empty()) std::cout << "\nsummary.json written to " << o.out << "/\n";
  }
  return kExitOk;
}

int run_run(const RunOptions& o) {
  if (o.report && o.out.empty()) throw InputError("--report: needs --out DIR");
  if (const std::string family = family_of(o.file); family != "kafka") return run_family(o, family);
  std::vector<scenarios::Override> overrides;
  for (const auto& s : o.set) overrides.push_back(scenarios::parse_override(s));
  models::Scenario sc = scenarios::load_scenario_file(o.file, overrides);
  if (o.seed >= 0) sc.seed = static_cast<std::uint64_t>(o.seed);
  analysis::SimulateOptions opts;
  opts.series = !o.out.empty();
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
    std::cout << analysis::format_text_summary(sc, r);
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
  auto* s = app.add_subcommand("schema", "Print the JSON Schema of scenario files");
  return {s, [] {
            std::cout << scenarios::scenario_json_schema().dump(2) << "\n";
            return kExitOk;
          }};
}

}  // namespace cgsim::cli
