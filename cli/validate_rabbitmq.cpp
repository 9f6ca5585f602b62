#include "cli/validate_rabbitmq.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/output/atomic_file.hpp"
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
  const auto sc = scenarios::load_rabbitmq_scenario_file(a.file);
  live::rabbitmq::RabbitOptions o;
  if (!a.url.empty()) {
    o.url = a.url;
  } else if (const char* env = std::getenv("CGSIM_RABBITMQ_URL"); env && *env) {
    o.url = env;
  }
  if (a.time_scale > 0) o.time_scale = a.time_scale;
  o.run_id = a.run_id;
  if (!a.quiet) o.log = [](const std::string& m) { std::cerr << "cgsim: " << m << "\n"; };

  live::rabbitmq::RabbitmqBackend backend(o);
  live::rabbitmq::RabbitRun live_run;
  try {
    live_run = backend.run(sc);
  } catch (...) {
    for (const auto& l : backend.details().leftovers) std::cerr << "cgsim: left on the broker: " << l << "\n";
    throw;
  }
  const auto& d = backend.details();
  if (!a.quiet) std::cerr << "cgsim: live run done; simulating the same scenario\n";
  const auto sim_run = live::rabbitmq::simulate_for_validation(d.effective);
  const live::ValidationReport rep = live::rabbitmq::compare_rabbitmq_runs(d.effective, sim_run, live_run, d.round_trip_ms);

  nlohmann::json j;
  j["scenario"] = sc.name;
  j["scenario_file"] = a.file;
  j["time_scale"] = d.time_scale;
  j["broker"] = "rabbitmq " + d.broker;
  j["run_id"] = d.run_id;
  j["ok"] = rep.ok();
  auto rj = rep.to_json();
  j["checks"] = rj["checks"];
  j["notes"] = rj["notes"];
  j["warnings"] = d.warnings;
  j["live"] = run_json(live_run);
  j["simulator"] = run_json(sim_run);
  j["live_details"] = live::rabbitmq::to_json(d);
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    analysis::write_file_atomically(std::filesystem::path(a.out) / "validation.json", j.dump(2) + "\n");
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "validation of " << sc.name << " (time scale " << d.time_scale << ") on RabbitMQ " << d.broker << ", run "
              << d.run_id << "\n\n";
    std::cout << rep.table();
    for (const auto& w : d.warnings) std::cout << "warning: " << w << "\n";
    if (!a.out.empty()) std::cout << "validation.json written to " << a.out << "/\n";
  }
  return rep.ok() ? kExitOk : kExitMismatch;
}

}  // namespace cgsim::cli
