#pragma once
/// @file backend.hpp
/// The live RabbitMQ backend of `cgsim validate`: it replays a RabbitMQ scenario on a real broker
/// through rabbitmq-c and summarises the run with the simulator's summary builder.
///
/// Every exchange and queue it needs is declared under the run's own prefix `cgsim.<run id>.`;
/// before declaring anything it checks with passive declares that none of those names exists and
/// refuses to run if one does. At the end, on error and on SIGINT/SIGTERM it deletes what it
/// declared, and nothing else, retrying; what it cannot delete it names.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "live/progress.hpp"
#include "live/rabbitmq/recorder.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

struct RabbitOptions {
  std::string url = "amqp://guest:guest@127.0.0.1:5672/";
  std::optional<double> time_scale;  ///< multiplies the scenario's durations (0 < x <= 1)
  std::string run_id;                ///< empty: generated
  double connect_timeout_s = 15;
  /// Progress messages and warnings; null: quiet.
  std::function<void(const std::string&)> log;
  /// Counts the run's publishes and processings and notes its consumer threads (for the host
  /// checks, live/host.hpp); null: none.
  ProgressBoard* progress = nullptr;
};

struct RabbitDetails {
  std::string run_id;
  std::string broker;  ///< host:port
  double time_scale = 1;
  /// The scenario as it ran (scaled); simulating it gives the run to compare with.
  models::rabbitmq::Scenario effective;
  /// Median round trip of a passive queue.declare on the broker, milliseconds.
  double round_trip_ms = 0;
  std::vector<std::string> created;  ///< "queue NAME" / "exchange NAME"
  std::vector<std::string> deleted;
  std::vector<std::string> leftovers;
  std::vector<std::string> warnings;
  /// Messages the scenario scheduled before its end, those published, and those published more
  /// than 100 ms after their time (the host checks' figures).
  std::uint64_t scheduled = 0;
  std::uint64_t published = 0;
  std::uint64_t late = 0;
};

nlohmann::json to_json(const RabbitDetails& d);

/// Multiplies @p sc's timeline by @p scale: duration, producer start/stop and rate step times,
/// fault times, downtimes, gaps and slow periods, and the sample interval. Rates, processing
/// times, network latency, the consumer timeout and the reconnect delay are kept, so per-message
/// load and latency stay those of the scenario while the run gets shorter. Throws InputError
/// unless 0 < scale <= 1.
models::rabbitmq::Scenario scale_rabbitmq_scenario(const models::rabbitmq::Scenario& sc, double scale);

/// Settings the live backend cannot reproduce: returns why (empty when it can run @p sc).
std::vector<std::string> unsupported_live_settings(const models::rabbitmq::Scenario& sc);

class RabbitmqBackend {
 public:
  explicit RabbitmqBackend(RabbitOptions options);
  /// Runs @p scenario (scaled by the options or its own time scale) on the broker. Throws
  /// InputError (a name exists, an unsupported setting) or BrokerError.
  RabbitRun run(const models::rabbitmq::Scenario& scenario);
  const RabbitDetails& details() const { return details_; }

 private:
  RabbitOptions options_;
  RabbitDetails details_;
};

/// The simulator's side of a validation: analysis::simulate_rabbitmq of @p sc, with the same
/// per-fault redelivery attribution and final depths as the live recorder.
RabbitRun simulate_for_validation(const models::rabbitmq::Scenario& sc);

}  // namespace cgsim::live::rabbitmq
