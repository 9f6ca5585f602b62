#pragma once
/// @file backend.hpp
/// The live Pulsar backend of `cgsim validate`: it replays a Pulsar scenario on a real broker
/// through Pulsar's Java client (one JVM per producer instance and per consumer, live/pulsar/
/// worker.hpp) and summarises the run with the simulator's summary builder (run.hpp).
///
/// Every topic it needs is created in public/default under the run's own prefix
/// `cgsim-<run id>-`, and its subscriptions carry the same prefix; before creating anything it
/// lists the namespace and refuses to run if one of those names exists. At the end, on error and
/// on SIGINT/SIGTERM it deletes the topics it created (with their subscriptions), and nothing
/// else, retrying; for what it cannot delete it prints the pulsar-admin command that would.
/// The producers replay the arrivals and keys the simulator draws (the same named random
/// streams), the consumers' processing times are the simulator's draws, and each consumer has
/// the model's name, priority level and receiver queue, so Key_Shared's hash ring and Failover's
/// ordering are the model's.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "live/pulsar/run.hpp"
#include "models/pulsar/scenario_file.hpp"

namespace cgsim::live::pulsar {

struct PulsarOptions {
  std::string url = "pulsar://127.0.0.1:6650";  ///< the broker's service URL
  std::string admin_url = "http://127.0.0.1:8080";
  std::optional<double> time_scale;  ///< multiplies the scenario's timeline (0 < x <= 1)
  std::string run_id;                ///< empty: generated
  double start_timeout_s = 180;      ///< for the JVMs to build their clients
  /// Progress messages and warnings; null: quiet.
  std::function<void(const std::string&)> log;
};

/// How the host kept up.
struct HostFigures {
  std::uint64_t scheduled = 0;    ///< messages the scenario asks for
  std::uint64_t sent = 0;         ///< handed to the client before the run's end
  std::uint64_t late = 0;         ///< of those, sent more than 100 ms after their time
  /// The consumers' processing threads (one per consumer JVM: it receives, processes and acks):
  /// the share of a thread's lifetime it was runnable but waited for a CPU, worst thread and all
  /// threads together (waiting summed over lifetime summed); -1: not measured.
  double cpu_wait_max = -1;
  double cpu_wait_mean = -1;
};

struct PulsarDetails {
  std::string run_id;
  std::string broker;
  double time_scale = 1;
  /// The scenario as it ran (scaled); simulating it gives the run to compare with.
  models::pulsar::ScenarioFile effective;
  std::vector<std::string> created;  ///< topic names
  std::vector<std::string> deleted;
  std::vector<std::string> leftovers;  ///< pulsar-admin commands that would remove them
  std::vector<std::string> warnings;
  HostFigures host;
  double wall_s = 0;
};

nlohmann::json to_json(const PulsarDetails& d);

/// Multiplies @p sc's timeline by @p scale: duration, producer start/stop and rate step times,
/// fault times and durations, and the sample interval. Rates, processing times, latencies and the
/// broker's failover delay are kept. Throws InputError unless 0 < scale <= 1.
models::pulsar::ScenarioFile scale_pulsar_scenario(const models::pulsar::ScenarioFile& sc, double scale);

/// Settings the live backend cannot reproduce on a default Pulsar 4.2 standalone broker: why
/// (empty when it can run @p sc).
std::vector<std::string> unsupported_live_settings(const models::pulsar::ScenarioFile& sc);

class PulsarBackend {
 public:
  explicit PulsarBackend(PulsarOptions options);
  /// Runs @p scenario (scaled by the options) on the broker. Throws InputError (a name exists,
  /// an unsupported setting) or BrokerError.
  PulsarRun run(const models::pulsar::ScenarioFile& scenario);
  const PulsarDetails& details() const { return details_; }

 private:
  PulsarOptions options_;
  PulsarDetails details_;
};

}  // namespace cgsim::live::pulsar
