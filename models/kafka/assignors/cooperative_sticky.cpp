/// @file cooperative_sticky.cpp
/// The Java client's CooperativeStickyAssignor (Kafka 3.9, cooperative protocol, KIP-429).
///
/// Algorithm
/// ---------
/// The sticky algorithm of sticky_engine.cpp (Kafka's AbstractStickyAssignor) on what a cooperative
/// member sends: the partitions it still owns (the subscription's owned-partitions field, sorted by
/// topic and partition on the wire) and its generation. A partition may not be handed to a new owner
/// in the same round in which its old owner still holds it, so every partition that changes owner
/// is withheld: removed from its new owner's list. The old owner revokes it and rejoins, and the
/// follow-up rebalance assigns it.
///
/// Which partitions are withheld: on the constrained path, those given to a member while another
/// member owned them (or while several members claimed them); on the general path, those newly
/// assigned to one member and no longer assigned to a member that owned them.
///
/// Example: C0 owns t-0..t-3 (generation 1), C1 joins (owns nothing). Quota 2 each: C0 keeps t-0,
/// t-1; t-2 and t-3 go to C1 but C0 still owns them, so both are withheld:
///   round 1: C0 [t-0, t-1], C1 [], withheld [t-2, t-3]
///   round 2 (C0 owns t-0, t-1): C0 [t-0, t-1], C1 [t-2, t-3]
#include <algorithm>
#include <set>
#include <unordered_map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/sticky_engine.hpp"

namespace cgsim::models::assignors {

namespace {
bool java_tp_less(const TopicPartition& a, const TopicPartition& b) {
  const int c = java::compare(a.topic, b.topic);
  return c != 0 ? c < 0 : a.partition < b.partition;
}
}  // namespace

AssignResult assign_cooperative_sticky_detailed_with(const ClusterMetadata& cluster,
                                                     const std::vector<MemberSubscription>& members,
                                                     const StickyOptions& options) {
  std::vector<sticky_engine::MemberView> views(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    // The owned partitions as they arrive on the wire (sorted; most lists already are).
    auto& wire = views[i].data_partitions;
    wire = m.owned;
    if (!options.owned_as_given && !std::is_sorted(wire.begin(), wire.end(), java_tp_less))
      std::stable_sort(wire.begin(), wire.end(), java_tp_less);
    views[i].data_generation = m.generation;
    if (m.generation >= 0) views[i].protocol_generation = m.generation;
  }
  auto r = sticky_engine::run(cluster, members, views, {options.prefer_rack_aware});
  if (options.trace) *options.trace = StickyTrace{r.constrained, r.transferring};

  // Partition -> its new owner, for every partition that changes owner.
  std::vector<std::pair<TopicPartition, std::string>> moving;
  if (r.constrained) {
    moving = std::move(r.transferring);
  } else {
    std::set<TopicPartition> revoked;
    std::vector<std::pair<TopicPartition, std::string>> added;
    for (std::size_t i = 0; i < members.size(); ++i) {
      const auto it = r.assignment.find(members[i].member_id);
      if (it == r.assignment.end()) continue;
      const auto& wire = views[i].data_partitions;
      const std::set<TopicPartition> owned(wire.begin(), wire.end());
      const std::set<TopicPartition> assigned(it->second.begin(), it->second.end());
      for (const auto& tp : it->second)
        if (!owned.count(tp)) added.emplace_back(tp, members[i].member_id);
      for (const auto& tp : wire)
        if (!assigned.count(tp)) revoked.insert(tp);
    }
    for (auto& a : added)
      if (revoked.count(a.first)) moving.push_back(std::move(a));
  }

  AssignResult result{std::move(r.assignment), {}};
  for (const auto& [tp, owner] : moving) {
    auto& list = result.assignment[owner];
    auto it = std::find(list.begin(), list.end(), tp);
    if (it != list.end()) list.erase(it);
    result.withheld.push_back(tp);
  }
  std::sort(result.withheld.begin(), result.withheld.end(), java_tp_less);
  result.withheld.erase(std::unique(result.withheld.begin(), result.withheld.end()), result.withheld.end());
  return result;
}

AssignResult assign_cooperative_sticky_detailed(const ClusterMetadata& cluster,
                                                const std::vector<MemberSubscription>& members) {
  return assign_cooperative_sticky_detailed_with(cluster, members, {});
}

Assignment assign_cooperative_sticky(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_cooperative_sticky_detailed(cluster, members).assignment;
}

}  // namespace cgsim::models::assignors
