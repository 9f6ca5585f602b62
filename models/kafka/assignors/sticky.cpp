/// @file sticky.cpp
/// The Java client's StickyAssignor (Kafka 3.9, eager protocol).
///
/// Algorithm
/// ---------
/// Balance first, stickiness second: the result is as balanced as possible (sizes differ by at most
/// one, or no member could take a partition from a member with two more), and keeps as many previous
/// assignments as that allows. The previous assignment travels in each member's user data (the
/// partitions it was last given and that generation); eager members revoke everything before they
/// join, so the subscription's own owned-partitions field is empty. When two members claim the same
/// partition the claim of the higher generation wins; equal generations void both claims.
///
/// The work is done by sticky_engine.cpp (Kafka's AbstractStickyAssignor): a constrained path when
/// all members subscribe to the same topics (keep up to quota, deal the rest round-robin by member
/// id), otherwise a general path (keep, fill least-loaded first, then move partitions towards
/// balance, preferring their previous owners).
///
/// User-data order: a member's previous assignment is written grouped by topic, topics in the order
/// of a Java HashMap keyed by topic name and filled with computeIfAbsent (see java_order.hpp); the
/// engine reads it in that order.
///
/// Example (three members, topics t0..t3 with two partitions each, all subscribed):
///   first assignment: C0 [t0-0, t1-1, t3-0], C1 [t0-1, t2-0, t3-1], C2 [t1-0, t2-1]
///   C1 leaves; C0 and C2 keep theirs and split C1's partitions:
///   C0 [t0-0, t1-1, t3-0, t2-0], C2 [t1-0, t2-1, t0-1, t3-1]
#include <unordered_map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/sticky_engine.hpp"

namespace cgsim::models::assignors {

namespace {

/// The partitions a StickyAssignor's user data carries for @p m: grouped by topic as the member
/// received them, topics in HashMap order.
std::vector<TopicPartition> user_data_partitions(const MemberSubscription& m) {
  std::vector<std::string_view> topics;
  std::unordered_map<std::string_view, std::vector<std::int32_t>> by_topic;
  // Lists usually come grouped by topic: look a topic up only when it changes.
  std::string_view last;
  std::vector<std::int32_t>* group = nullptr;
  for (const auto& tp : m.owned) {
    if (!group || tp.topic != last) {
      auto [it, added] = by_topic.try_emplace(tp.topic);
      if (added) topics.push_back(tp.topic);
      group = &it->second;
      last = tp.topic;
    }
    group->push_back(tp.partition);
  }
  // CollectionUtils.groupPartitionsByTopic fills a HashMap with computeIfAbsent.
  java::HashOrder order;
  for (std::size_t i = 0; i < topics.size(); ++i) order.compute_if_absent(i, java::hash(topics[i]));
  std::vector<TopicPartition> out;
  out.reserve(m.owned.size());
  for (std::size_t i : order.order())
    for (std::int32_t p : by_topic.at(topics[i])) out.push_back({std::string(topics[i]), p});
  return out;
}

}  // namespace

AssignResult assign_sticky_detailed_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                                         const StickyOptions& options) {
  std::vector<sticky_engine::MemberView> views(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    auto& v = views[i];
    const std::int32_t data_generation = m.user_data_generation.value_or(m.generation);
    if (data_generation >= 0 || !m.owned.empty()) {
      v.data_partitions = user_data_partitions(m);
      v.data_generation = data_generation;
    }
    if (m.generation >= 0) v.protocol_generation = m.generation;
  }
  auto r = sticky_engine::run(cluster, members, views, {options.prefer_rack_aware});
  if (options.trace) *options.trace = StickyTrace{r.constrained, r.transferring};
  return {std::move(r.assignment), {}};
}

AssignResult assign_sticky_detailed(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_sticky_detailed_with(cluster, members, {});
}

Assignment assign_sticky(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_sticky_detailed(cluster, members).assignment;
}

}  // namespace cgsim::models::assignors
