#include "models/pulsar/selectors/hash_range_auto_split.hpp"

#include <stdexcept>

namespace cgsim::models::pulsar {

HashRangeAutoSplitSelector::HashRangeAutoSplitSelector(std::int32_t range_size) : range_size_(range_size) {
  if (range_size < 2 || (range_size & (range_size - 1)) != 0)
    throw std::invalid_argument("Key_Shared auto-split range size must be a power of two >= 2, got " +
                                std::to_string(range_size));
}

bool HashRangeAutoSplitSelector::add(ConsumerId id) {
  if (boundaries_.empty()) {
    boundaries_[range_size_] = id;
    boundary_of_[id] = range_size_;
    return true;
  }
  // The largest range: the first in hash order among equals. Its width counts from the previous
  // boundary, or from 0 for the lowest range.
  std::int32_t widest = 0, widest_end = range_size_, lower = 0;
  for (const auto& [end, owner] : boundaries_) {
    if (end - lower > widest) {
      widest = end - lower;
      widest_end = end;
    }
    lower = end;
  }
  auto it = boundaries_.lower_bound(widest_end);
  const std::int32_t below = it == boundaries_.begin() ? 0 : std::prev(it)->first;
  if (widest_end - below <= 1) return false;
  const std::int32_t split = widest_end - ((widest_end - below) >> 1);
  boundaries_[split] = id;
  boundary_of_[id] = split;
  return true;
}

void HashRangeAutoSplitSelector::remove(ConsumerId id) {
  auto found = boundary_of_.find(id);
  if (found == boundary_of_.end()) return;
  const std::int32_t end = found->second;
  boundary_of_.erase(found);
  if (end == range_size_ && boundaries_.size() > 1) {
    // The top boundary stays: the consumer of the range just below moves up to it.
    auto below = std::prev(boundaries_.find(range_size_));
    const ConsumerId heir = below->second;
    boundaries_[range_size_] = heir;
    boundaries_.erase(below);
    boundary_of_[heir] = range_size_;
  } else {
    boundaries_.erase(end);
  }
}

ConsumerId HashRangeAutoSplitSelector::select(std::int32_t hash) const {
  auto it = boundaries_.lower_bound(hash);
  return it == boundaries_.end() ? kNoConsumer : it->second;
}

std::vector<HashRangeOwner> HashRangeAutoSplitSelector::ranges() const {
  std::vector<HashRangeOwner> out;
  std::int32_t start = 0;
  for (const auto& [end, owner] : boundaries_) {
    out.push_back({start, end, owner});
    start = end + 1;
  }
  return out;
}

}  // namespace cgsim::models::pulsar
