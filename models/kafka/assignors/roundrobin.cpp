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
#include <unordered_map>
#include <unordered_set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/member_order.hpp"

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

  // Distinct subscribed topics by name; members' subscriptions as flags per topic.
  std::unordered_map<std::string_view, std::size_t> topic_index;
  std::vector<std::string_view> topics;
  // A member sending the same list as the member before it (the usual case) shares its row.
  std::vector<std::size_t> row(members.size());
  std::vector<std::vector<std::size_t>> row_topics;
  for (std::size_t m = 0; m < members.size(); ++m) {
    if (m > 0 && members[m].topics == members[m - 1].topics) {
      row[m] = row[m - 1];
      continue;
    }
    row[m] = row_topics.size();
    auto& mine = row_topics.emplace_back();
    for (const auto& t : members[m].topics) {
      auto [it, added] = topic_index.emplace(t, topics.size());
      if (added) topics.push_back(t);
      mine.push_back(it->second);
    }
  }
  std::vector<std::vector<char>> row_subscribed(row_topics.size(), std::vector<char>(topics.size(), 0));
  for (std::size_t r = 0; r < row_topics.size(); ++r)
    for (std::size_t t : row_topics[r]) row_subscribed[r][t] = 1;
  std::vector<const char*> subscribed(members.size());
  for (std::size_t m = 0; m < members.size(); ++m) subscribed[m] = row_subscribed[row[m]].data();
  std::vector<std::size_t> topic_order(topics.size());
  for (std::size_t i = 0; i < topics.size(); ++i) topic_order[i] = i;
  std::sort(topic_order.begin(), topic_order.end(),
            [&](std::size_t a, std::size_t b) { return java::compare(topics[a], topics[b]) < 0; });
  std::unordered_map<std::string_view, int> partitions;
  for (const auto& t : cluster.topics) partitions.emplace(t.name, t.partitions);

  std::vector<std::vector<TopicPartition>> out(members.size());
  std::size_t pos = 0;
  for (std::size_t ti : topic_order) {
    const std::string_view topic = topics[ti];
    auto it = partitions.find(topic);
    if (it == partitions.end() || it->second <= 0) continue;
    const std::string name(topic);
    for (int p = 0; p < it->second; ++p) {
      while (!subscribed[ring[pos]][ti]) pos = (pos + 1) % ring.size();
      out[ring[pos]].push_back({name, p});
      pos = (pos + 1) % ring.size();
    }
  }

  Assignment result;
  for (std::size_t m = 0; m < members.size(); ++m) {
    auto& slot = result[members[m].member_id];
    if (slot.empty())
      slot = std::move(out[m]);
    else
      slot.insert(slot.end(), std::make_move_iterator(out[m].begin()), std::make_move_iterator(out[m].end()));
  }
  return result;
}

}  // namespace cgsim::models::assignors
