#pragma once
/// @file round_robin_router.hpp
/// The Pulsar producer's RoundRobinPartition routing mode (its default for partitioned topics):
/// Pulsar's RoundRobinPartitionMessageRouterImpl.
#include <cstdint>
#include <optional>
#include <string_view>

#include "models/pulsar/selectors/routing_hash.hpp"

namespace cgsim::models::pulsar {

/// The client's default batchingPartitionSwitchFrequencyByPublishDelay.
inline constexpr std::int64_t kDefaultPartitionSwitchFrequency = 10;
/// The client's default batchingMaxPublishDelay, in microseconds.
inline constexpr std::int64_t kDefaultMaxPublishDelayMicros = 1000;

/// How long a batching producer stays on one partition, in milliseconds: frequency x
/// batchingMaxPublishDelay, truncated to whole milliseconds (10 ms by default).
inline std::int64_t partition_switch_ms(std::int64_t max_publish_delay_micros = kDefaultMaxPublishDelayMicros,
                                        std::int64_t frequency = kDefaultPartitionSwitchFrequency) {
  return frequency * max_publish_delay_micros / 1000;
}

/// Keyed messages go to their key's partition. Without batching, unkeyed messages take partitions
/// start, start+1, ... in turn (a 32-bit counter that wraps). With batching, an unkeyed message
/// sent at wall-clock time t ms goes to partition (t / switch_ms + start) mod partitions, so a
/// producer stays on one partition for switch_ms and then moves to the next. The client draws
/// `start` at random in [0, partitions) when the producer is created.
class RoundRobinRouter {
 public:
  RoundRobinRouter(HashingScheme scheme, std::int32_t start_partition, bool batching, std::int64_t switch_ms)
      : scheme_(scheme), start_(start_partition), next_(start_partition), batching_(batching),
        switch_ms_(switch_ms < 1 ? 1 : switch_ms) {}

  /// The partition for a message with key @p key (std::nullopt: no key) sent at @p now_ms.
  std::int32_t choose(std::optional<std::string_view> key, std::int64_t now_ms, std::int32_t partitions) {
    if (key) return keyed_partition(scheme_, *key, partitions);
    if (batching_) return sign_safe_mod(now_ms / switch_ms_ + start_, partitions);
    const std::int32_t index = next_;
    next_ = static_cast<std::int32_t>(static_cast<std::uint32_t>(next_) + 1u);
    return sign_safe_mod(index, partitions);
  }

 private:
  HashingScheme scheme_;
  std::int32_t start_;
  std::int32_t next_;
  bool batching_;
  std::int64_t switch_ms_;
};

}  // namespace cgsim::models::pulsar
