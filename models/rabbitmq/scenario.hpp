#pragma once
/// @file scenario.hpp
/// A RabbitMQ scenario: exchanges, queues, bindings, producers publishing to exchanges, and
/// groups of competing consumers on queues, as parsed by scenarios/rabbitmq_loader.hpp (format in
/// docs/scenario-format.md, "RabbitMQ"). Arrival processes, key distributions, processing-time
/// distributions and faults are the shared types of models/common/scenario.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common/scenario.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models::rabbitmq {

/// An exchange and its type.
struct ExchangeSpec {
  enum class Kind { Direct, Fanout, Topic, ConsistentHash };
  std::string name;
  Kind kind = Kind::Direct;
};

/// A queue and its arguments (x-queue-type, x-max-length, x-max-length-bytes, x-overflow,
/// x-message-ttl, x-dead-letter-exchange, x-dead-letter-routing-key, x-delivery-limit,
/// x-single-active-consumer).
struct QueueSpec {
  enum class Type { Classic, Quorum };
  enum class Overflow { DropHead, RejectPublish };
  std::string name;
  Type type = Type::Classic;
  std::int64_t max_length = -1;        ///< ready messages; -1: no limit
  std::int64_t max_length_bytes = -1;  ///< ready message bytes; -1: no limit
  Overflow overflow = Overflow::DropHead;
  sim::Time message_ttl = -1;          ///< -1: messages never expire
  std::optional<std::string> dead_letter_exchange;  ///< absent: dropped messages are discarded
  std::optional<std::string> dead_letter_routing_key;  ///< absent: the message's own key
  std::int32_t delivery_limit = -1;    ///< quorum only; -1: unlimited
  bool single_active_consumer = false;
};

/// A binding from an exchange to a queue. For a consistent-hash exchange the key is the
/// binding's weight (a positive decimal integer), as the plugin reads it.
struct BindingSpec {
  std::string exchange;
  std::string queue;
  std::string key;
};

/// Producers publishing to an exchange. The routing key of a message is the key distribution's
/// key (prefix + index); with keys of kind none it is `routing_key`.
struct ProducerSpec {
  std::string exchange;  ///< "" is the default exchange (routes to the queue named by the key)
  std::string routing_key;
  RateSpec rate;
  KeySpec keys;
  std::int32_t message_bytes = 512;
  std::int32_t count = 1;
  sim::Time start = 0;
  sim::Time stop = sim::kNever;
};

/// How a consumer settles what it processed.
struct AckSpec {
  bool automatic = false;      ///< auto-ack (no_ack): settled on delivery, prefetch ignored
  std::int32_t multiple = 1;   ///< manual: one basic.ack with multiple=true every this many
  double reject_probability = 0;  ///< share of messages whose processing fails (nack)
  bool reject_requeue = true;     ///< a failed message is nacked with requeue=true
};

/// A group of identical competing consumers on one queue, one channel and connection each.
struct ConsumerGroupSpec {
  std::string name;
  std::string queue;
  std::int32_t count = 1;
  std::int32_t prefetch = 0;  ///< basic.qos prefetch_count per consumer; 0: unlimited
  std::int32_t priority = 0;  ///< x-priority
  AckSpec ack;
  sim::Distribution processing_time;  ///< seconds per message
  /// After its channel is closed by the broker (consumer timeout), the client opens a new one
  /// and consumes again after this delay (automatic recovery); kNever: it stays closed.
  sim::Time reconnect_delay = 5 * sim::kSecond;
};

/// Broker and network settings.
struct BrokerSpec {
  sim::Time network_latency = 500 * sim::kMicrosecond;  ///< one-way client<->broker delay
  /// The broker's own work per delivery: from the queue choosing a message for a consumer with
  /// credit (after a publish, or an ack or nack that returned credit) to its basic.deliver
  /// leaving the broker, the hops through the queue, channel and writer processes. Together with
  /// the ack's way in it is the gap a prefetch-1 consumer idles after every message.
  sim::Time dispatch_time = 0;
  /// How long a quorum queue's Raft log takes to apply a consumer's cancel after the channel
  /// sent it (the channel answers cancel-ok at once); deliveries made to the consumer meanwhile
  /// are returned when it applies.
  sim::Time quorum_apply_time = 0;
  sim::Time consumer_timeout = 30 * sim::kMinute;       ///< consumer_timeout; kNever: disabled
  sim::Time channel_tick = sim::kMinute;                ///< channel_tick_interval
};

struct Scenario {
  std::string name;
  std::string source_file;
  std::uint64_t seed = 1;
  sim::Time duration = sim::kMinute;
  BrokerSpec broker;
  std::vector<ExchangeSpec> exchanges;
  std::vector<QueueSpec> queues;
  std::vector<BindingSpec> bindings;
  std::vector<ProducerSpec> producers;
  std::vector<ConsumerGroupSpec> consumers;
  /// Faults name a consumer group in `group` and a consumer index in `member`.
  std::vector<models::FaultSpec> faults;
  models::OutputSpec output;

  /// Index of the queue named @p name, or -1.
  std::int32_t queue_index(const std::string& name) const;
  /// Index of the exchange named @p name, or -1.
  std::int32_t exchange_index(const std::string& name) const;
  /// Index of the consumer group named @p name, or -1.
  std::int32_t group_index(const std::string& name) const;
};

const char* to_string(ExchangeSpec::Kind kind);
const char* to_string(QueueSpec::Type type);

}  // namespace cgsim::models::rabbitmq
