#pragma once
/// @file backend.hpp
/// Backends that run a scenario and return its RunSummary: the simulator, and a live Kafka
/// cluster driven through real clients: librdkafka producers in threads, and consumers on the
/// scenario's client, Kafka's Java client (one process each) or librdkafka (a thread each).
///
/// The live backend creates its own topics and groups under the prefix `cgsim.<run id>.`, refuses to
/// run when a topic or consumer group of that name exists already (before touching anything), and
/// deletes what it created, and nothing else, at the end, on error and on SIGINT/SIGTERM, retrying
/// a few times; what it cannot delete it names, with the command that removes it.
/// With no bootstrap address it starts librdkafka's in-process mock cluster.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/metrics/summary.hpp"
#include "models/common/scenario.hpp"

struct rd_kafka_mock_cluster_s;

namespace cgsim::live {

class ProgressBoard;

/// Client properties passed to every librdkafka client, in order (later ones win).
using ClientProperties = std::vector<std::pair<std::string, std::string>>;

/// Parses one `key=value` pair (as given to `-X`). Throws InputError when there is no '=' or the
/// key is empty.
std::pair<std::string, std::string> parse_property(const std::string& text);
/// Reads a Java-style properties file: `key=value` or `key: value` lines, `#` and `!` comments,
/// blank lines. Throws InputError naming the file and line on a malformed line.
ClientProperties read_properties_file(const std::string& path);

/// @p t multiplied by @p scale, rounded to the nearest nanosecond: a product that should be
/// whole (3 s x 0.1) can land a hair below it in floating point, and truncating would then
/// shorten it by a nanosecond. kNever and negative values (never a duration) are kept as they are.
/// Every live backend scales its scenario's times with this.
sim::Time scale_time(sim::Time t, double scale);

/// Multiplies the durations of @p scenario's timeline by @p scale: the run, producer start/stop
/// and rate step times, group timeouts and intervals (session, heartbeat, max poll, auto-commit),
/// fault times, downtimes and gaps, the initial rebalance delay and the sample interval. Rates,
/// processing times, network latency and the produce tick are kept, so per-record load and
/// latency stay those of the scenario while the run gets shorter.
/// The result has time_scale = 1. Throws InputError unless 0 < scale <= 1.
models::Scenario scale_scenario(const models::Scenario& scenario, double scale);

/// Group settings of the broker that matter for a live run.
struct BrokerLimits {
  std::int64_t initial_rebalance_delay_ms = 3000;  ///< group.initial.rebalance.delay.ms
  std::int64_t min_session_timeout_ms = 6000;      ///< group.min.session.timeout.ms
  std::int64_t max_session_timeout_ms = 1800000;   ///< group.max.session.timeout.ms
  /// group.coordinator.rebalance.protocols lists "consumer" (KIP-848 groups are served).
  bool consumer_protocol = false;
  /// The consumer protocol's session timeout and heartbeat interval: on Kafka 3.9 they are the
  /// broker's (group.consumer.session.timeout.ms, group.consumer.heartbeat.interval.ms) for
  /// every consumer-protocol group; the client's own settings are ignored.
  std::int64_t consumer_session_timeout_ms = 45000;
  std::int64_t consumer_heartbeat_interval_ms = 5000;
  bool from_broker = false;  ///< read with DescribeConfigs (false: Kafka's defaults were assumed)
};

/// Gives every consumer-protocol (KIP-848) group of the scaled scenario @p sc the broker's session
/// timeout and heartbeat interval, which Kafka 3.9 applies to every such group whatever the client
/// asks; a scenario that said otherwise gets a warning. Throws InputError when the broker does not
/// serve the consumer protocol.
void use_broker_consumer_settings(models::Scenario& sc, const BrokerLimits& limits, std::vector<std::string>& warnings);

/// Checks a (scaled) scenario against what the broker and librdkafka accept.
/// Returns warnings; throws InputError for settings librdkafka itself rejects
/// (e.g. max.poll.interval.ms below session.timeout.ms).
std::vector<std::string> check_live_settings(const models::Scenario& scaled, const BrokerLimits& limits, bool mock);

/// Options of a live run.
struct LiveOptions {
  std::string bootstrap;          ///< host:port[,host:port...]; empty: in-process mock cluster
  ClientProperties properties;    ///< passed to every client (security, SASL, TLS, tuning)
  std::optional<double> time_scale;  ///< overrides scenario.time_scale
  std::string run_id;             ///< empty: generated (UTC time and random suffix)
  int mock_brokers = 1;           ///< brokers of the mock cluster
  double connect_timeout_s = 15;  ///< how long to wait for the broker at start
  double broker_loss_timeout_s = 5;  ///< broker unreachable this long mid-run: BrokerError
  bool record_placements = false; ///< keep the partitions each key was written to (tests)
  bool client_logs = false;       ///< forward the clients' own logs (librdkafka's; the Java client's warnings and errors)
  /// Replay with this client instead of the scenario's `client` (java: Kafka's Java client, one
  /// process per consumer; librdkafka: librdkafka in threads). The mock cluster always runs
  /// librdkafka.
  std::optional<models::ClientFlavor> client;
  /// Progress messages and warnings; null: quiet.
  std::function<void(const std::string&)> log;
  /// Phase and record counts of the run as it goes (live/progress.hpp); null: none kept.
  ProgressBoard* progress = nullptr;
  /// Called once, @p hook_at_s seconds after the run starts, on the scheduling thread, with the
  /// mock cluster (nullptr on a real cluster). Tests use it to stop a mock broker.
  std::function<void(rd_kafka_mock_cluster_s*)> hook;
  double hook_at_s = 0;
};

/// What a live run saw beyond its summary.
struct LiveDetails {
  std::string run_id;
  std::string bootstrap;  ///< the address used (the mock cluster's when embedded)
  bool mock = false;
  double time_scale = 1;
  BrokerLimits limits;
  /// The scenario as it ran: scaled, the client that ran its consumers, and the broker's initial
  /// rebalance delay. Simulating this scenario gives the run to compare with.
  models::Scenario effective;
  std::vector<std::string> topics_created;
  std::vector<std::string> topics_deleted;
  std::vector<std::string> groups_created;
  std::vector<std::string> groups_deleted;
  /// What the run created and could not delete, each with the command that removes it (also
  /// among the warnings).
  std::vector<std::string> leftovers;
  std::vector<std::string> warnings;
  /// With record_placements: scenario topic -> key -> partitions its records were written to.
  std::map<std::string, std::map<std::string, std::set<std::int32_t>>> placements;
  /// Records produced per scenario topic partition ("topic-p").
  std::map<std::string, std::uint64_t> produced_per_partition;
};

nlohmann::json to_json(const LiveDetails& d);

/// A way to run a scenario.
class Backend {
 public:
  virtual ~Backend() = default;
  /// "simulator", "kafka" or "kafka-mock".
  virtual std::string name() const = 0;
  /// Runs @p scenario and summarises it. Throws cgsim::Error (InputError, BrokerError, ...).
  virtual analysis::RunSummary run(const models::Scenario& scenario) = 0;
};

/// The simulator (analysis::simulate).
std::unique_ptr<Backend> make_simulator_backend();

/// The live backend (librdkafka or Java consumers, as LiveOptions::client or the scenario says).
/// After run(), details() describes what it did.
class KafkaBackend : public Backend {
 public:
  explicit KafkaBackend(LiveOptions options);
  ~KafkaBackend() override;
  std::string name() const override;
  analysis::RunSummary run(const models::Scenario& scenario) override;
  const LiveDetails& details() const { return details_; }

 private:
  LiveOptions options_;
  LiveDetails details_;
};

/// A run id: UTC date and time plus a random suffix, e.g. "20250101T120000-3f9a1c".
std::string make_run_id();
/// librdkafka's partition.assignment.strategy for a scenario assignor name; throws InputError
/// for assignors librdkafka does not implement.
std::string librdkafka_strategy(const std::string& assignor);

}  // namespace cgsim::live
