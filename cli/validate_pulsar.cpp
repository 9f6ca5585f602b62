#include "cli/validate_pulsar.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/output/atomic_file.hpp"
#include "live/pulsar/backend.hpp"
#include "live/pulsar/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/pulsar_loader.hpp"

namespace cgsim::cli {

namespace {

/// One line per processing: what the key mapping and switch-time checks read.
std::string processed_csv(const live::pulsar::PulsarRun& r) {
  std::string out = "subscription,consumer,partition,position,key,published_ns,done_ns,batch_leader,duplicate\n";
  for (const auto& p : r.processed) {
    out += std::to_string(p.subscription) + "," + std::to_string(p.consumer) + "," + std::to_string(p.partition) + "," +
           std::to_string(p.position) + "," + (p.key == ~std::uint64_t{0} ? std::string("-") : std::to_string(p.key)) + "," +
           std::to_string(p.published_ns) + "," + std::to_string(p.done_ns) + "," + (p.batch_leader ? "1" : "0") + "," +
           (p.duplicate ? "1" : "0") + "\n";
  }
  return out;
}

std::string from_env(const std::string& given, const char* var, const char* fallback) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv(var); env && *env) return env;
  return fallback;
}

}  // namespace

int validate_pulsar(const PulsarValidateArgs& a) {
  const auto sc = scenarios::load_pulsar_scenario_file(a.file);
  live::pulsar::PulsarOptions o;
  o.url = from_env(a.url, "CGSIM_PULSAR_URL", "pulsar://127.0.0.1:6650");
  o.admin_url = from_env(a.admin_url, "CGSIM_PULSAR_ADMIN_URL", "http://127.0.0.1:8080");
  if (a.time_scale > 0) o.time_scale = a.time_scale;
  o.run_id = a.run_id;
  if (!a.quiet) o.log = [](const std::string& m) { std::cerr << "cgsim: " << m << "\n"; };

  live::pulsar::PulsarBackend backend(o);
  live::pulsar::PulsarRun live_run;
  try {
    live_run = backend.run(sc);
  } catch (...) {
    for (const auto& l : backend.details().leftovers) std::cerr << "cgsim: left on the broker; remove with: " << l << "\n";
    throw;
  }
  const auto& d = backend.details();
  if (!a.quiet) std::cerr << "cgsim: live run done; simulating the same scenario\n";
  const auto sim_run = live::pulsar::simulate_for_validation(d.effective);
  const live::ValidationReport rep = live::pulsar::compare_pulsar_runs(d.effective, sim_run, live_run, d.host);
  const live::Verdict verdict = rep.verdict();

  nlohmann::json j;
  j["scenario"] = sc.name;
  j["scenario_file"] = a.file;
  j["time_scale"] = d.time_scale;
  j["broker"] = "pulsar " + d.broker;
  j["run_id"] = d.run_id;
  j["ok"] = rep.ok();
  auto rj = rep.to_json();
  j["verdict"] = rj["verdict"];
  j["checks"] = rj["checks"];
  j["notes"] = rj["notes"];
  j["warnings"] = d.warnings;
  j["live"] = analysis::to_json(live_run.family);
  j["simulator"] = analysis::to_json(sim_run.family);
  j["live_details"] = live::pulsar::to_json(d);
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    analysis::write_file_atomically(std::filesystem::path(a.out) / "validation.json", j.dump(2) + "\n");
    analysis::write_file_atomically(std::filesystem::path(a.out) / "live_processed.csv", processed_csv(live_run));
    analysis::write_file_atomically(std::filesystem::path(a.out) / "simulated_processed.csv", processed_csv(sim_run));
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "validation of " << sc.name << " (time scale " << d.time_scale << ") on Pulsar " << d.broker << ", run " << d.run_id
              << "\n\n";
    std::cout << rep.table();
    for (const auto& w : d.warnings) std::cout << "warning: " << w << "\n";
    if (!a.out.empty()) std::cout << "validation.json, live_processed.csv and simulated_processed.csv written to " << a.out << "/\n";
  }
  return live::exit_code_of(verdict);
}

}  // namespace cgsim::cli
