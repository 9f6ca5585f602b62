#pragma once
/// @file failover.hpp
/// The active consumer of a Failover subscription: Pulsar's
/// AbstractDispatcherSingleActiveConsumer.pickAndScheduleActiveConsumer.
///
/// The broker sorts the connected consumers by priority level (lower is preferred) and then by
/// name (Java String order: UTF-16 code units), ties keeping the order in which they subscribed.
/// Only the consumers of the best priority level compete. On a partition of a partitioned topic
/// the active one is number (partition index mod their count) in that order; on a non-partitioned
/// topic (and on partitions when activeConsumerFailoverConsistentHashing is set) it is chosen on a
/// hash ring: 100 points per consumer at Murmur3("<name><j>"), j = 0..99, a later consumer in the
/// sorted order taking a shared point, and the topic name's Murmur3 hash picks the first point at
/// or after it, wrapping to the lowest.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/pulsar/selectors/consumer_id.hpp"

namespace cgsim::models::pulsar {

struct FailoverConsumer {
  ConsumerId id = kNoConsumer;
  std::string name;                ///< UTF-8
  std::int32_t priority_level = 0;  ///< >= 0; lower is preferred
};

/// Number of ring points per consumer on the Failover hash ring.
inline constexpr std::int32_t kFailoverRingPoints = 100;

/// Java's String.compareTo of two UTF-8 strings: lexicographic over UTF-16 code units.
int java_string_compare(std::string_view a, std::string_view b);

/// The active consumer among @p consumers (listed in the order they subscribed), or kNoConsumer
/// when there is none.
/// @param partition_index the partition's index, or -1 for a non-partitioned topic
/// @param topic_name      the full topic name the broker hashes on the ring path, e.g.
///                        "persistent://public/default/orders-partition-3"
/// @param consistent_hashing_for_partitions the broker's activeConsumerFailoverConsistentHashing
ConsumerId failover_active_consumer(const std::vector<FailoverConsumer>& consumers, std::int32_t partition_index,
                                    std::string_view topic_name, bool consistent_hashing_for_partitions = false);

}  // namespace cgsim::models::pulsar
