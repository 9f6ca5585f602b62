#include "cli/validate_pulsar.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <vector>

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
  if (!a.quiet) o.log = [](const std::string& m) { std::cerr << "cgsim: " << m << "\n"; };
  const std::size_t repeat = std::max<std::size_t>(1, a.repeat), seeds = std::max<std::size_t>(1, a.seeds);

  // Each repetition is a run of its own: its own run id, its topics created and deleted.
  std::vector<live::pulsar::PulsarRun> lives;
  std::vector<live::pulsar::PulsarDetails> details;
  std::vector<live::pulsar::HostFigures> host;
  for (std::size_t k = 0; k < repeat; ++k) {
    o.run_id = a.run_id.empty() || repeat == 1 ? a.run_id : a.run_id + "-" + std::to_string(k + 1);
    live::pulsar::PulsarBackend backend(o);
    try {
      lives.push_back(backend.run(sc));
    } catch (...) {
      for (const auto& l : backend.details().leftovers) std::cerr << "cgsim: left on the broker; remove with: " << l << "\n";
      throw;
    }
    details.push_back(backend.details());
    host.push_back(details.back().host);
    if (!a.quiet && repeat > 1) std::cerr << "cgsim: repetition " << k + 1 << " of " << repeat << " done\n";
  }
  const auto& d = details.front();
  if (!a.quiet) std::cerr << "cgsim: live run done; simulating the same scenario\n";
  std::vector<live::pulsar::PulsarRun> sims;
  for (std::size_t s = 0; s < seeds; ++s) {
    auto eff = d.effective;
    eff.seed += s;
    sims.push_back(live::pulsar::simulate_for_validation(eff));
  }
  const live::ValidationReport rep = live::pulsar::compare_pulsar_runs(d.effective, sims, lives, host);
  const live::Verdict verdict = rep.verdict();

  std::vector<std::vector<std::string>> warnings_of;
  for (const auto& x : details) warnings_of.push_back(x.warnings);
  nlohmann::json j = live::validation_json_head({sc.name, a.file, d.time_scale, "pulsar " + d.broker, d.run_id, repeat, seeds}, rep,
                                                warnings_of);
  const nlohmann::json warnings = j["warnings"];
  j["live"] = analysis::to_json(lives.front().family);
  j["simulator"] = analysis::to_json(sims.front().family);
  j["live_details"] = live::pulsar::to_json(d);
  j["live_repetitions"] = nlohmann::json::array();
  for (std::size_t k = 0; k < lives.size(); ++k)
    j["live_repetitions"].push_back(
        {{"run_id", details[k].run_id}, {"summary", analysis::to_json(lives[k].family)}, {"details", live::pulsar::to_json(details[k])}});
  j["simulator_seeds"] = nlohmann::json::array();
  for (std::size_t s = 0; s < sims.size(); ++s)
    j["simulator_seeds"].push_back({{"seed", d.effective.seed + s}, {"summary", analysis::to_json(sims[s].family)}});
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    const std::filesystem::path dir(a.out);
    analysis::write_file_atomically(dir / "validation.json", j.dump(2) + "\n");
    for (std::size_t k = 0; k < lives.size(); ++k)
      analysis::write_file_atomically(dir / (k == 0 ? std::string("live_processed.csv") : "live_processed_" + std::to_string(k + 1) + ".csv"),
                                      processed_csv(lives[k]));
    analysis::write_file_atomically(dir / "simulated_processed.csv", processed_csv(sims.front()));
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "validation of " << sc.name << " (time scale " << d.time_scale << ") on Pulsar " << d.broker << ", run " << d.run_id;
    if (repeat > 1) std::cout << " (and " << repeat - 1 << " more repetition(s))";
    std::cout << ", " << seeds << " simulated seed(s)\n\n";
    std::cout << rep.table();
    for (const auto& w : warnings) std::cout << "warning: " << w.get<std::string>() << "\n";
    if (!a.out.empty())
      std::cout << "validation.json, live_processed*.csv (one per repetition) and simulated_processed.csv (the scenario's seed) written to "
                << a.out << "/\n";
  }
  return live::exit_code_of(verdict);
}

}  // namespace cgsim::cli
