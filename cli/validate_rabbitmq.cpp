#include "cli/validate_rabbitmq.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/output/atomic_file.hpp"
#include "live/host.hpp"
#include "live/progress.hpp"
#include "live/rabbitmq/backend.hpp"
#include "live/rabbitmq/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace cgsim::cli {

namespace {

nlohmann::json run_json(const live::rabbitmq::RabbitRun& r) {
  nlohmann::json j = analysis::to_json(r.family);
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& f : r.fault_redeliveries)
    faults.push_back({{"group", f.group}, {"kind", f.kind}, {"subject", f.subject}, {"at_s", f.at_s}, {"redelivered", f.redelivered}});
  j["fault_redeliveries"] = faults;
  j["redelivered_after_nack"] = r.redelivered_after_nack;
  j["final_depth"] = r.final_depth;
  j["mean_overshoot_us"] = r.mean_overshoot_us;
  j["median_ack_to_delivery_us"] = r.median_ack_to_delivery_us;
  return j;
}

}  // namespace

int validate_rabbitmq(const RabbitValidateArgs& a) {
  namespace lr = live::rabbitmq;
  const auto sc = scenarios::load_rabbitmq_scenario_file(a.file);
  lr::RabbitOptions o;
  if (!a.url.empty()) {
    o.url = a.url;
  } else if (const char* env = std::getenv("CGSIM_RABBITMQ_URL"); env && *env) {
    o.url = env;
  }
  if (a.time_scale > 0) o.time_scale = a.time_scale;
  if (!a.quiet) o.log = [](const std::string& m) { std::cerr << "cgsim: " << m << "\n"; };
  const std::size_t repeat = std::max<std::size_t>(1, a.repeat), seeds = std::max<std::size_t>(1, a.seeds);
  // The board notes the consumer threads, whose CPU wait the host checks measure.
  live::ProgressBoard board;
  o.progress = &board;

  // Each repetition is a run of its own: its own run id, queues and exchanges. A repetition the
  // host could not keep up with makes the run inconclusive whatever follows, so none follows.
  std::vector<lr::RabbitRun> lives;
  std::vector<lr::RabbitDetails> details;
  std::vector<live::HostFigures> host;
  for (std::size_t k = 0; k < repeat; ++k) {
    board.begin_repetition(k, repeat);
    o.run_id = a.run_id.empty() || repeat == 1 ? a.run_id : a.run_id + "-" + std::to_string(k + 1);
    live::HostMonitor monitor(board);
    lr::RabbitmqBackend backend(o);
    // The live clients draw arrivals, keys and processing times from the model's streams of the
    // scenario's seed; repetition k replays seed + k (modulo the seeds simulated), so the live
    // repetitions sample the draws the simulated seeds do instead of repeating one of them.
    auto replayed = sc;
    replayed.seed += k % seeds;
    try {
      lives.push_back(backend.run(replayed));
    } catch (...) {
      for (const auto& l : backend.details().leftovers) std::cerr << "cgsim: left on the broker: " << l << "\n";
      throw;
    }
    const live::HostLoad load = monitor.stop();
    details.push_back(backend.details());
    const auto& d = details.back();
    host.push_back(lr::host_figures(d.scheduled, d.published, d.late, load));
    if (!a.quiet && repeat > 1) std::cerr << "cgsim: repetition " << k + 1 << " of " << repeat << " done\n";
    if (lr::host_inconclusive(host.back()) && k + 1 < repeat) {
      if (!a.quiet)
        std::cerr << "cgsim: the host could not keep up with repetition " << k + 1 << "; the run is inconclusive, "
                  << repeat - k - 1 << " repetition(s) not run\n";
      break;
    }
  }
  const auto& d = details.front();
  if (!a.quiet) std::cerr << "cgsim: live run done; simulating the same scenario\n";
  std::vector<lr::RabbitRun> sims;
  for (std::size_t s = 0; s < seeds; ++s) {
    auto eff = d.effective;  // the first repetition's: the scenario's own seed
    eff.seed += s;
    sims.push_back(lr::simulate_for_validation(eff));
  }
  std::vector<lr::LiveRepetition> reps;
  for (std::size_t k = 0; k < lives.size(); ++k) reps.push_back({&lives[k], details[k].round_trip_ms, true, host[k], k % seeds});
  live::ValidationReport rep = lr::compare_rabbitmq_runs(d.effective, sims, reps);
  if (lives.size() < repeat)
    rep.notes.push_back("repetitions stopped after " + std::to_string(lives.size()) + " of " + std::to_string(repeat) +
                        ": the host could not keep up with the last one");
  const live::Verdict verdict = rep.verdict();

  std::vector<std::vector<std::string>> warnings_of;
  for (const auto& x : details) warnings_of.push_back(x.warnings);
  nlohmann::json j =
      live::validation_json_head({sc.name, a.file, d.time_scale, "rabbitmq " + d.broker, d.run_id, repeat, seeds}, rep, warnings_of);
  const nlohmann::json warnings = j["warnings"];
  j["live"] = run_json(lives.front());
  j["simulator"] = run_json(sims.front());
  j["live_details"] = lr::to_json(d);
  j["live_repetitions"] = nlohmann::json::array();
  for (std::size_t k = 0; k < lives.size(); ++k)
    j["live_repetitions"].push_back({{"run_id", details[k].run_id}, {"seed", details[k].effective.seed}, {"summary", run_json(lives[k])}, {"details", lr::to_json(details[k])}});
  j["simulator_seeds"] = nlohmann::json::array();
  for (std::size_t s = 0; s < sims.size(); ++s)
    j["simulator_seeds"].push_back({{"seed", d.effective.seed + s}, {"summary", run_json(sims[s])}});
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    analysis::write_file_atomically(std::filesystem::path(a.out) / "validation.json", j.dump(2) + "\n");
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "validation of " << sc.name << " (time scale " << d.time_scale << ") on RabbitMQ " << d.broker << ", run "
              << d.run_id;
    if (lives.size() > 1) std::cout << " (and " << lives.size() - 1 << " more repetition(s))";
    std::cout << ", " << seeds << " simulated seed(s)\n\n";
    std::cout << rep.table();
    for (const auto& w : warnings) std::cout << "warning: " << w.get<std::string>() << "\n";
    if (!a.out.empty()) std::cout << "validation.json written to " << a.out << "/\n";
  }
  return live::exit_code_of(verdict);
}

}  // namespace cgsim::cli
