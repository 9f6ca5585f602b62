#include "models/pulsar/selectors/failover.hpp"

#include <algorithm>
#include <map>

#include "models/pulsar/selectors/java_string_hash.hpp"
#include "models/pulsar/selectors/murmur3_32.hpp"

namespace cgsim::models::pulsar {

int java_string_compare(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  const std::vector<char16_t> ua = utf16_of_utf8(a), ub = utf16_of_utf8(b);
  const std::size_t n = std::min(ua.size(), ub.size());
  for (std::size_t i = 0; i < n; ++i)
    if (ua[i] != ub[i]) return ua[i] < ub[i] ? -1 : 1;
  return ua.size() < ub.size() ? -1 : ua.size() > ub.size() ? 1 : 0;
}

ConsumerId failover_active_consumer(const std::vector<FailoverConsumer>& consumers, std::int32_t partition_index,
                                    std::string_view topic_name, bool consistent_hashing_for_partitions) {
  if (consumers.empty()) return kNoConsumer;
  std::vector<const FailoverConsumer*> sorted;
  sorted.reserve(consumers.size());
  for (const auto& c : consumers) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](const FailoverConsumer* a, const FailoverConsumer* b) {
    if (a->priority_level != b->priority_level) return a->priority_level < b->priority_level;
    return java_string_compare(a->name, b->name) < 0;
  });
  std::size_t competing = 0;
  while (competing < sorted.size() && sorted[competing]->priority_level == sorted[0]->priority_level) ++competing;

  if (partition_index >= 0 && !consistent_hashing_for_partitions)
    return sorted[static_cast<std::size_t>(partition_index) % competing]->id;

  std::map<std::int32_t, std::size_t> ring;
  for (std::size_t i = 0; i < competing; ++i)
    for (std::int32_t j = 0; j < kFailoverRingPoints; ++j) ring[murmur3_32(sorted[i]->name + std::to_string(j))] = i;
  auto it = ring.lower_bound(murmur3_32(topic_name));
  if (it == ring.end()) it = ring.begin();
  return sorted[it->second]->id;
}

}  // namespace cgsim::models::pulsar
