/// @file range_librdkafka.cpp
/// librdkafka 2.0.2's range assignor (rdkafka_range_assignor.c).
///
/// Algorithm
/// ---------
/// The same per-topic ranges as Java's RangeAssignor without rack awareness (librdkafka gained
/// KIP-881 only in a later release), with two differences in ordering:
///  * topics are visited in cluster-metadata order (the order of ClusterMetadata::topics), so each
///    member's list follows that order;
///  * each topic's subscribers are sorted with librdkafka's comparator: two static members by
///    group.instance.id, any other pair by member id (see member_order.hpp). Java instead puts every
///    static member before every dynamic one.
///
/// Example: static member "m-b" (instance "i-1") and dynamic member "m-a" share a topic of three
/// partitions. Java orders m-b first (static); librdkafka compares member ids, so m-a comes first:
///   librdkafka: m-a [t-0, t-1], m-b [t-2]      Java: m-b [t-0, t-1], m-a [t-2]
#include <algorithm>
#include <unordered_set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/member_order.hpp"

namespace cgsim::models::assignors {

Assignment assign_range_librdkafka(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  const auto subscribed = subscribed_topics(members);

  std::vector<std::vector<TopicPartition>> out(members.size());
  std::unordered_set<std::string_view> seen;
  for (const auto& topic : cluster.topics) {
    if (!seen.insert(topic.name).second) continue;
    std::vector<std::size_t> consumers;
    for (std::size_t m = 0; m < members.size(); ++m)
      if (subscribed[m].count(topic.name)) consumers.push_back(m);
    if (consumers.empty()) continue;
    glibc_merge_sort(consumers, [&](std::size_t a, std::size_t b) {
      return librdkafka_member_compare(members[a], members[b]);
    });
    const int n = static_cast<int>(consumers.size());
    const int per = topic.partitions / n, extra = topic.partitions % n;
    for (int i = 0; i < n; ++i) {
      const int start = per * i + std::min(i, extra);
      const int length = per + (i + 1 > extra ? 0 : 1);
      for (int p = start; p < start + length; ++p) out[consumers[static_cast<std::size_t>(i)]].push_back({topic.name, p});
    }
  }

  return by_member_id(members, out);
}

}  // namespace cgsim::models::assignors
