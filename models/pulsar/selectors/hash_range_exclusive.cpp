#include "models/pulsar/selectors/hash_range_exclusive.hpp"

#include <algorithm>
#include <stdexcept>

namespace cgsim::models::pulsar {
namespace {

bool overlap(std::int32_t s1, std::int32_t e1, std::int32_t s2, std::int32_t e2) {
  return std::max(s1, s2) <= std::min(e1, e2);
}

std::string text(const HashRange& r) { return "[" + std::to_string(r.start) + "," + std::to_string(r.end) + "]"; }

}  // namespace

HashRangeExclusiveSelector::HashRangeExclusiveSelector(std::int32_t range_size) : range_size_(range_size) {
  if (range_size < 1)
    throw std::invalid_argument("Key_Shared sticky range size must be >= 1, got " + std::to_string(range_size));
}

ConsumerId HashRangeExclusiveSelector::conflicting(const std::vector<HashRange>& ranges) const {
  for (const HashRange& r : ranges) {
    auto after = by_start_.lower_bound(r.start);  // first existing range starting at or after r
    if (after != by_start_.end() && after->first == r.start) return after->second.consumer;
    if (after != by_start_.begin()) {
      auto before = std::prev(after);  // last existing range starting before r
      if (overlap(r.start, r.end, before->first, before->second.end)) return before->second.consumer;
    }
    if (after != by_start_.end() && overlap(r.start, r.end, after->first, after->second.end))
      return after->second.consumer;
  }
  return kNoConsumer;
}

std::string HashRangeExclusiveSelector::add(ConsumerId id, const std::vector<HashRange>& ranges) {
  if (ranges.empty()) return "a Key_Shared sticky consumer must declare at least one hash range";
  std::vector<HashRange> sorted = ranges;
  std::stable_sort(sorted.begin(), sorted.end(), [](const HashRange& a, const HashRange& b) { return a.start < b.start; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].start > sorted[i].end) return "hash range " + text(sorted[i]) + " has start > end";
    if (i + 1 < sorted.size() && overlap(sorted[i].start, sorted[i].end, sorted[i + 1].start, sorted[i + 1].end))
      return "the consumer's own hash ranges " + text(sorted[i]) + " and " + text(sorted[i + 1]) + " overlap";
  }
  if (const ConsumerId other = conflicting(ranges); other != kNoConsumer)
    return "hash ranges conflict with connected consumer " + std::to_string(other);
  for (const HashRange& r : ranges) by_start_[r.start] = {r.end, id};
  return {};
}

void HashRangeExclusiveSelector::remove(ConsumerId id) {
  std::erase_if(by_start_, [id](const auto& e) { return e.second.consumer == id; });
}

ConsumerId HashRangeExclusiveSelector::select(std::int32_t hash) const {
  auto it = by_start_.upper_bound(hash);
  if (it == by_start_.begin()) return kNoConsumer;
  --it;
  return hash <= it->second.end ? it->second.consumer : kNoConsumer;
}

std::vector<HashRangeOwner> HashRangeExclusiveSelector::ranges() const {
  std::vector<HashRangeOwner> out;
  for (const auto& [start, o] : by_start_) out.push_back({start, o.end, o.consumer});
  return out;
}

}  // namespace cgsim::models::pulsar
