#pragma once
/// @file hash_range_auto_split.hpp
/// Key_Shared AUTO_SPLIT with split hash ranges: Pulsar's
/// HashRangeAutoSplitStickyKeyConsumerSelector (used when the broker's
/// subscriptionKeySharedUseConsistentHashing is false; Pulsar 4.2's default is consistent hashing).
///
/// The hash space [0, range_size) is cut into ranges, each ending at a boundary B and covering the
/// slots after the previous boundary up to B inclusive; the first consumer owns one boundary,
/// range_size itself. A joining consumer halves the largest range (the first one in hash order
/// among equals) and takes its lower half. A leaving consumer's range merges into the range above
/// it, except for the top range, which the consumer just below takes over. A key's slot is served
/// by the range with the smallest boundary >= the slot.
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "models/pulsar/selectors/consumer_id.hpp"
#include "models/pulsar/selectors/sticky_key_hash.hpp"

namespace cgsim::models::pulsar {

class HashRangeAutoSplitSelector {
 public:
  /// @throws std::invalid_argument unless @p range_size is a power of two >= 2.
  explicit HashRangeAutoSplitSelector(std::int32_t range_size = kDefaultRangeSize);

  /// Adds consumer @p id. Returns false (nothing changed) when the largest range has a single
  /// slot left: the broker then refuses the subscription.
  bool add(ConsumerId id);
  /// Removes consumer @p id (nothing happens if it is not there).
  void remove(ConsumerId id);
  /// The consumer serving hash slot @p hash, or kNoConsumer when there is none.
  ConsumerId select(std::int32_t hash) const;
  /// The consumer for sticky key @p key.
  ConsumerId select_key(std::string_view key) const { return select(sticky_key_hash(key, key_hash_range())); }

  KeyHashRange key_hash_range() const { return {0, range_size_ - 1}; }
  /// The ranges in hash order: the first starts at 0, each next one after the previous boundary.
  std::vector<HashRangeOwner> ranges() const;

 private:
  std::int32_t range_size_;
  std::map<std::int32_t, ConsumerId> boundaries_;  ///< range end -> its consumer
  std::unordered_map<ConsumerId, std::int32_t> boundary_of_;
};

}  // namespace cgsim::models::pulsar
