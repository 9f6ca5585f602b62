#pragma once
/// @file hash_range_exclusive.hpp
/// Key_Shared STICKY: each consumer declares its own hash ranges; Pulsar's
/// HashRangeExclusiveStickyKeyConsumerSelector. Slots no consumer declared are served by nobody
/// (the broker holds those messages back until such a consumer joins).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/pulsar/selectors/consumer_id.hpp"
#include "models/pulsar/selectors/sticky_key_hash.hpp"

namespace cgsim::models::pulsar {

/// A declared hash range [start, end], both inclusive.
struct HashRange {
  std::int32_t start = 0;
  std::int32_t end = 0;
};

class HashRangeExclusiveSelector {
 public:
  /// @throws std::invalid_argument if @p range_size < 1.
  explicit HashRangeExclusiveSelector(std::int32_t range_size = kDefaultRangeSize);

  /// Adds consumer @p id with its ranges. Returns an empty string on success; otherwise why the
  /// broker refuses the consumer (no ranges, a range with start > end, two of its own ranges
  /// overlapping, or a range overlapping a connected consumer's), and nothing changes.
  std::string add(ConsumerId id, const std::vector<HashRange>& ranges);
  void remove(ConsumerId id);
  /// The consumer whose range holds slot @p hash, or kNoConsumer.
  ConsumerId select(std::int32_t hash) const;
  ConsumerId select_key(std::string_view key) const { return select(sticky_key_hash(key, key_hash_range())); }

  KeyHashRange key_hash_range() const { return {0, range_size_ - 1}; }
  std::vector<HashRangeOwner> ranges() const;

 private:
  struct Owned {
    std::int32_t end;
    ConsumerId consumer;
  };
  ConsumerId conflicting(const std::vector<HashRange>& ranges) const;

  std::int32_t range_size_;
  std::map<std::int32_t, Owned> by_start_;
};

}  // namespace cgsim::models::pulsar
