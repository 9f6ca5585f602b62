/// @file roundrobin.cpp
/// The Java client's RoundRobinAssignor (Kafka 3.9).
///
/// Algorithm
/// ---------
/// Lay out every partition of every subscribed topic that exists, topics by name (String.compareTo)
/// and partitions ascending. Sort the members as MemberInfo sorts them (static members first by
/// group.instance.id, then dynamic members by member id) and walk them in a circle: each partition
/// goes to the next member at or after the current position that subscribes to its topic, and the
/// position moves just past that member. Racks, owned partitions and generations are ignored.
///
/// Example: C0 and C1 subscribe to t0 and t1, three partitions each. The partitions in order are
/// t0-0 t0-1 t0-2 t1-0 t1-1 t1-2, dealt alternately:
///   C0 [t0-0, t0-2, t1-1], C1 [t0-1, t1-0, t1-2]
/// If C1 subscribed only to t1, C0 would take all of t0, then t1 alternates starting at C1:
///   C0 [t0-0, t0-1, t0-2, t1-1], C1 [t1-0, t1-2]
#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "models/assignors/all.hpp"
#include "models/assignors/java_order.hpp"
#include "models/assignors/member_order.hpp"

namespace cgsim::models::assignors {

Assignment assign_roundrobin(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  // The members' HashMap order is the input to a stable sort; it only matters for ties, which need
  // two members with the same group.instance.id (an invalid group), but is kept for exactness.
  std::vector<std::string_view> ids;
  ids.reserve(members.size());
  for (const auto& m : members) ids.push_back(m.member_id);
  std::vector<std::size_t> ring = java::hash_order(ids);
  std::stable_sort(ring.begin(), ring.end(), [&](std::size_t a, std::size_t b) {
    return java_member_compare(members[a], members[b]) < 0;
  });

  std::set<std::string_view, java::Less> topics;
  std::vector<std::unordered_set<std::string_view>> subscribed(members.size());
  for (std::size_t m = 0; m < members.size(); ++m)
    for (const auto& t : members[m].topics) {
      topics.insert(t);
      subscribed[m].insert(t);
    }
  std::unordered_map<std::string_view, int> partitions;
  for (const auto& t : cluster.topics) partitions.emplace(t.name, t.partitions);

  std::vector<std::vector<TopicPartition>> out(members.size());
  std::size_t pos = 0;
  for (std::string_view topic : topics) {
    auto it = partitions.find(topic);
    if (it == partitions.end() || it->second <= 0) continue;
    for (int p = 0; p < it->second; ++p) {
      while (!subscribed[ring[pos]].count(topic)) pos = (pos + 1) % ring.size();
      out[ring[pos]].push_back({std::string(topic), p});
      pos = (pos + 1) % ring.size();
    }
  }

  Assignment result;
  for (std::size_t m = 0; m < members.size(); ++m) {
    auto& slot = result[members[m].member_id];
    slot.insert(slot.end(), out[m].begin(), out[m].end());
  }
  return result;
}

}  // namespace cgsim::models::assignors
