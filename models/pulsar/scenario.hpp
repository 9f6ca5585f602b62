#pragma once
/// @file scenario.hpp
/// The Pulsar part of a scenario (`broker: {kind: pulsar, ...}`): topics, producers and
/// subscriptions with their consumers, as documented in docs/scenario-format.md ("Pulsar").
/// Types only: the loader fills them and the dispatcher model reads them. Durations, rates, key
/// distributions and processing times reuse the common scenario types.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/pulsar/selectors/hash_range_exclusive.hpp"
#include "models/pulsar/selectors/routing_hash.hpp"
#include "models/pulsar/selectors/sticky_key_hash.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models::pulsar {

/// Broker settings that shape dispatch (Pulsar 4.2 defaults).
struct PulsarBrokerSpec {
  sim::Time request_latency = 500 * sim::kMicrosecond;  ///< one-way client<->broker delay
  /// activeConsumerFailoverDelayTimeMillis: how long a Failover subscription waits before the
  /// new active consumer receives messages after a change.
  sim::Time failover_delay = sim::kSecond;
  /// subscriptionKeySharedUseConsistentHashing: AUTO_SPLIT on a hash ring (true) or by splitting
  /// hash ranges (false).
  bool key_shared_consistent_hashing = true;
  /// subscriptionKeySharedConsistentHashingReplicaPoints.
  std::int32_t consistent_hashing_points = 100;
  /// activeConsumerFailoverConsistentHashing: Failover on partitions picks by hash ring too.
  bool failover_consistent_hashing = false;
  /// dispatcherMaxReadBatchSize: entries read from the ledger per dispatch round.
  std::int32_t max_read_batch = 100;
};

/// A topic: non-partitioned (partitions == 0) or partitioned.
struct PulsarTopicSpec {
  std::string name;              ///< short name; the broker's is persistent://public/default/<name>
  std::int32_t partitions = 0;   ///< 0: non-partitioned
};

/// The producer's messageRoutingMode for partitioned topics.
enum class RoutingMode { RoundRobinPartition, SinglePartition };

struct PulsarProducerSpec {
  std::string topic;
  RateSpec rate;
  KeySpec keys;                       ///< message keys (also the Key_Shared sticky key)
  RoutingMode routing = RoutingMode::RoundRobinPartition;
  HashingScheme hashing = HashingScheme::JavaStringHash;
  bool batching = true;                                     ///< enableBatching
  sim::Time batching_max_publish_delay = sim::kMillisecond;  ///< batchingMaxPublishDelay
  std::int32_t batching_max_messages = 1000;                ///< batchingMaxMessages
  std::int32_t batching_max_bytes = 128 * 1024;             ///< batchingMaxBytes
  /// batchingPartitionSwitchFrequencyByPublishDelay: RoundRobinPartition stays on one partition
  /// for this many publish delays.
  std::int32_t partition_switch_frequency = 10;
  std::int32_t message_bytes = 512;
  std::int32_t count = 1;  ///< identical producer instances
  sim::Time start = 0;
  sim::Time stop = sim::kNever;
};

enum class SubscriptionType { Exclusive, Failover, Shared, KeyShared };
/// Key_Shared's keySharedMode: AUTO_SPLIT (the broker divides the hash space) or STICKY (each
/// consumer declares its ranges).
enum class KeySharedMode { AutoSplit, Sticky };
enum class AckMode { Individual, Cumulative };  ///< cumulative only for Exclusive and Failover

/// Consumers of a subscription: `count` alike ones, named <subscription>-<index> unless `names`
/// gives their names (namesakes allowed, as with real clients).
struct PulsarConsumerSpec {
  std::int32_t count = 1;
  std::vector<std::string> names;
  std::vector<std::int32_t> priority_levels;  ///< per consumer (missing: 0); lower is preferred
  std::int32_t receiver_queue_size = 1000;    ///< receiverQueueSize: permits granted per consumer
  sim::Distribution processing_time;          ///< seconds per message
  /// STICKY mode: each consumer's hash ranges (by index), within [0, 65535].
  std::vector<std::vector<HashRange>> sticky_ranges;
};

struct SubscriptionSpec {
  std::string name;
  std::string topic;
  SubscriptionType type = SubscriptionType::Exclusive;
  KeySharedMode key_shared_mode = KeySharedMode::AutoSplit;
  bool allow_out_of_order_delivery = false;  ///< Key_Shared: skip the ordering safeguards
  AckMode ack = AckMode::Individual;
  sim::Time ack_timeout = 0;                            ///< ackTimeout; 0: disabled
  sim::Time negative_ack_redelivery_delay = sim::kMinute;  ///< negativeAckRedeliveryDelay
  /// acknowledgmentGroupTime: the client collects acknowledgements and sends them together
  /// every this often (or once 1000 individual ones wait on a partition); 0: each at once.
  sim::Time ack_group_time = 100 * sim::kMillisecond;
  std::optional<std::int32_t> dead_letter_max_redeliveries;  ///< deadLetterPolicy.maxRedeliverCount
  bool earliest = true;  ///< subscriptionInitialPosition: Earliest (true) or Latest
  PulsarConsumerSpec consumers;
};

/// The Pulsar-specific part of a scenario; faults and outputs stay in the common Scenario.
struct PulsarScenario {
  PulsarBrokerSpec broker;
  std::vector<PulsarTopicSpec> topics;
  std::vector<PulsarProducerSpec> producers;
  std::vector<SubscriptionSpec> subscriptions;
};

/// Scenario-file names: "Exclusive", "Failover", "Shared", "Key_Shared" (Pulsar's spelling).
inline const char* to_string(SubscriptionType type) {
  switch (type) {
    case SubscriptionType::Exclusive: return "Exclusive";
    case SubscriptionType::Failover: return "Failover";
    case SubscriptionType::Shared: return "Shared";
    case SubscriptionType::KeyShared: return "Key_Shared";
  }
  return "?";
}
/// "AUTO_SPLIT", "STICKY".
inline const char* to_string(KeySharedMode mode) { return mode == KeySharedMode::AutoSplit ? "AUTO_SPLIT" : "STICKY"; }

}  // namespace cgsim::models::pulsar
