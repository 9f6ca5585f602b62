#pragma once
/// @file scenario.hpp
/// The scenario: everything a run needs, as parsed from a YAML or JSON file
/// (format documented in docs/scenario-format.md; `cgsim schema` prints its JSON Schema).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/common/types.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models {

struct TopicSpec {
  std::string name;
  std::int32_t partitions = 1;
};

/// Arrival process of a producer.
struct RateSpec {
  enum class Kind { Constant, Poisson, Steps };
  Kind kind = Kind::Constant;
  double per_second = 0;  ///< constant and poisson
  /// steps: (from time, rate per second) pairs, ascending in time; Poisson arrivals within a step
  /// when `poisson_steps` is true, evenly spaced otherwise.
  std::vector<std::pair<sim::Time, double>> steps;
  bool poisson_steps = true;
  /// Rate in force at time @p t.
  double rate_at(sim::Time t) const;
};

/// How record keys are drawn.
struct KeySpec {
  enum class Kind { None, Uniform, Zipf, Sequential };
  Kind kind = Kind::None;
  std::uint64_t cardinality = 0;  ///< uniform, zipf (and sequential wraps after it when > 0)
  double exponent = 1.0;          ///< zipf
  std::string prefix = "key-";    ///< key bytes are prefix + decimal index
};

struct ProducerSpec {
  std::string topic;
  RateSpec rate;
  KeySpec keys;
  std::string partitioner = "default";
  std::int32_t record_bytes = 512;
  std::int32_t count = 1;  ///< identical producer instances, each with this rate
  sim::Time start = 0;
  sim::Time stop = sim::kNever;
  /// metadata.max.age.ms (Java) / topic.metadata.refresh.interval.ms (librdkafka): a topic's new
  /// partitions are routed to only after the producer's next metadata refresh.
  sim::Time metadata_max_age = 5 * sim::kMinute;
};

struct CommitSpec {
  enum class Kind { Auto, AfterBatch, None };
  Kind kind = Kind::Auto;
  sim::Time interval = 5 * sim::kSecond;  ///< auto.commit.interval.ms
};

struct ConsumerSpec {
  std::int32_t count = 1;
  sim::Distribution processing_time;  ///< seconds per record
  std::optional<std::string> rack;
  bool static_membership = false;  ///< give members group.instance.id = <group>-<index>
};

struct GroupSpec {
  std::string id;
  std::vector<std::string> topics;
  std::string assignor = "range";
  std::string protocol = "eager";  ///< eager | cooperative | consumer (KIP-848)
  sim::Time session_timeout = 45 * sim::kSecond;
  sim::Time heartbeat_interval = 3 * sim::kSecond;
  sim::Time max_poll_interval = 5 * sim::kMinute;
  std::int32_t max_poll_records = 500;
  CommitSpec commit;
  std::string auto_offset_reset = "earliest";  ///< earliest | latest
  /// metadata.max.age.ms (Java) / topic.metadata.refresh.interval.ms (librdkafka): how often a
  /// consumer refreshes its metadata, where it first sees a topic's new partitions.
  sim::Time metadata_max_age = 5 * sim::kMinute;
  /// The group's initial consumers start at times drawn uniformly over this window, each from
  /// its own random stream.
  sim::Time start_spread = sim::kSecond;
  /// Whether each consumer process starts cold (a new process: for the Java client a JVM that
  /// still has to load and compile the client's classes) or warm (the client library already
  /// loaded and exercised in the process, as cgsim validate's prepared Java workers are); it sets
  /// the bootstrap cost a consumer pays before its first JoinGroup (ClientPolicy).
  enum class ClientStart { Cold, Warm };
  ClientStart client_start = ClientStart::Cold;
  ConsumerSpec consumers;
};

/// A scheduled failure or membership change.
struct FaultSpec {
  enum class Kind { Crash, Leave, Join, Slow, Restart, RollingRestart, AddPartitions };
  Kind kind = Kind::Crash;
  sim::Time at = 0;
  std::string group;          ///< empty for add_partitions
  std::string topic;          ///< add_partitions: the topic that grows
  std::int32_t member = -1;   ///< consumer index within the group (crash, leave, slow, restart)
  std::int32_t count = 1;     ///< join: consumers; add_partitions: partitions added
  double factor = 1.0;        ///< slow
  sim::Time duration = 0;     ///< slow: how long; restart: downtime
  sim::Time gap = 0;          ///< rolling_restart: gap between members
  std::string source;         ///< "file:line" for messages
};

/// The scenario-file name of a fault kind: crash, leave, join, slow, restart, rolling_restart,
/// add_partitions.
const char* to_string(FaultSpec::Kind kind);

/// Broker and network settings.
struct BrokerSpec {
  sim::Time request_latency = 500 * sim::kMicrosecond;  ///< one-way client<->broker delay
  sim::Time initial_rebalance_delay = 3 * sim::kSecond;  ///< group.initial.rebalance.delay.ms
  sim::Time produce_tick = 10 * sim::kMillisecond;       ///< production is generated in windows of this length
};

/// Output settings.
struct OutputSpec {
  sim::Time sample_interval = sim::kSecond;
  /// Start-up to leave out of the steady-state figures: a fixed time from the run's start, or
  /// (nullopt, `warmup: auto`) until each group's initial backlog has drained (docs/model.md,
  /// "Warm-up").
  std::optional<sim::Time> warmup;
};

struct Scenario {
  std::string name;
  std::string source_file;  ///< path it was loaded from (for messages)
  std::uint64_t seed = 1;
  sim::Time duration = sim::kMinute;
  ClientFlavor client = ClientFlavor::Java;
  double time_scale = 1.0;  ///< live validation: scenario durations are multiplied by this
  BrokerSpec broker;
  std::vector<TopicSpec> topics;
  std::vector<ProducerSpec> producers;
  std::vector<GroupSpec> groups;
  std::vector<FaultSpec> faults;
  OutputSpec output;

  const TopicSpec* topic(const std::string& name) const;
  const GroupSpec* group(const std::string& id) const;
};

}  // namespace cgsim::models
