/// @file roundrobin_librdkafka.cpp
/// librdkafka 2.0.2's roundrobin assignor (rdkafka_roundrobin_assignor.c).
///
/// Algorithm
/// ---------
/// Topics that exist and have a subscriber are sorted bytewise by name (strcmp); members are sorted
/// with librdkafka's comparator (two static members by group.instance.id, any other pair by member
/// id; see member_order.hpp). Partitions are dealt in topic order, ascending within a topic, each to
/// the next member in the circle after the previous recipient that subscribes to the topic. This is
/// Java's RoundRobinAssignor except for the member order (Java puts all static members first).
///
/// Example: members "a" (dynamic) and "b" (static, instance "x"), both on topic t with three
/// partitions. librdkafka compares member ids: a, b -> a [t-0, t-2], b [t-1].
/// Java puts the static member first: b [t-0, t-2], a [t-1].
#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/member_order.hpp"

namespace cgsim::models::assignors {

Assignment assign_roundrobin_librdkafka(const ClusterMetadata& cluster,
                                        const std::vector<MemberSubscription>& members) {
  const auto subscribed = subscribed_topics(members);

  // Eligible topics: present in the metadata with at least one subscriber, in metadata order, then
  // sorted by name.
  std::vector<const TopicMetadata*> topics;
  std::unordered_set<std::string_view> seen;
  for (const auto& topic : cluster.topics) {
    if (!seen.insert(topic.name).second) continue;
    const bool any = std::any_of(subscribed.begin(), subscribed.end(),
                                 [&](const auto& s) { return s.count(topic.name) > 0; });
    if (any) topics.push_back(&topic);
  }
  glibc_merge_sort(topics, [](const TopicMetadata* a, const TopicMetadata* b) {
    return std::strcmp(a->name.c_str(), b->name.c_str());
  });

  std::vector<std::size_t> ring(members.size());
  for (std::size_t m = 0; m < ring.size(); ++m) ring[m] = m;
  glibc_merge_sort(ring, [&](std::size_t a, std::size_t b) { return librdkafka_member_compare(members[a], members[b]); });

  std::vector<std::vector<TopicPartition>> out(members.size());
  std::size_t next = ring.size() - 1;  // the member before the first one
  for (const TopicMetadata* topic : topics) {
    for (int p = 0; p < topic->partitions; ++p) {
      do {
        next = (next + 1) % ring.size();
      } while (!subscribed[ring[next]].count(topic->name));
      out[ring[next]].push_back({topic->name, p});
    }
  }

  return by_member_id(members, out);
}

}  // namespace cgsim::models::assignors
