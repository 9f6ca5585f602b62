#pragma once
/// @file consistent_hashing.hpp
/// Key_Shared AUTO_SPLIT on a consistent-hash ring: Pulsar's
/// ConsistentHashingStickyKeyConsumerSelector, the broker's default for AUTO_SPLIT
/// (subscriptionKeySharedUseConsistentHashing=true, subscriptionKeySharedConsistentHashingReplicaPoints=100).
///
/// The ring's slots are [1, range_max]. Each consumer puts `points` points on it, at the slots of
/// the strings "<name>\0<name index>\0<point index>"; the name index is the smallest index not in
/// use by another connected consumer of the same name, so namesakes get different points and a
/// consumer that leaves and comes back gets the same ones. A key is served by the first point at
/// or after its slot, wrapping to the lowest point. When two points fall on one slot the earlier
/// consumer keeps it and the later ones queue behind it, taking over in order when it leaves.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/pulsar/selectors/consumer_id.hpp"
#include "models/pulsar/selectors/sticky_key_hash.hpp"

namespace cgsim::models::pulsar {

/// Pulsar's default number of ring points per consumer.
inline constexpr std::int32_t kDefaultConsistentHashingPoints = 100;

class ConsistentHashingSelector {
 public:
  explicit ConsistentHashingSelector(std::int32_t points = kDefaultConsistentHashingPoints,
                                     std::int32_t range_max = kDefaultRangeSize - 1);

  /// Adds consumer @p id named @p name (UTF-8; the broker hashes the name's bytes).
  void add(ConsumerId id, const std::string& name);
  /// Removes consumer @p id (nothing happens if it is not there).
  void remove(ConsumerId id);
  /// The consumer serving hash slot @p hash, or kNoConsumer when the ring is empty.
  ConsumerId select(std::int32_t hash) const;
  ConsumerId select_key(std::string_view key) const { return select(sticky_key_hash(key, key_hash_range())); }

  KeyHashRange key_hash_range() const { return {1, range_max_}; }
  /// The slot of point @p point of a consumer named @p name with name index @p name_index.
  std::int32_t point_hash(const std::string& name, std::int32_t name_index, std::int32_t point) const;
  /// The name index consumer @p id holds, or -1.
  std::int32_t name_index(ConsumerId id) const;
  /// The ring: slot -> the consumer that serves the keys up to it.
  std::map<std::int32_t, ConsumerId> ring() const;
  /// The hash ranges in slot order, neighbouring ranges of one consumer merged; the slots after
  /// the last point belong to the consumer of the lowest point.
  std::vector<HashRangeOwner> ranges() const;

 private:
  struct Point {
    ConsumerId selected = kNoConsumer;
    std::vector<ConsumerId> colliding;  ///< later consumers with a point on the same slot, in order
  };
  struct Tracked {
    std::string name;
    std::int32_t name_index = 0;
  };

  std::int32_t points_;
  std::int32_t range_max_;
  std::map<std::int32_t, Point> ring_;
  std::unordered_map<ConsumerId, Tracked> tracked_;
  std::unordered_map<std::string, std::vector<bool>> indexes_in_use_;  ///< per name
};

}  // namespace cgsim::models::pulsar
