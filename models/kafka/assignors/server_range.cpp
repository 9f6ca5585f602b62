/// @file server_range.cpp
/// The group coordinator's RangeAssignor (Kafka 3.9, KIP-848 consumer protocol, `range`).
///
/// Algorithm
/// ---------
/// Members are sorted as the client's range assignor sorts them: static members first by instance
/// id, then dynamic members by member id. Each topic is split on its own: with P partitions and S
/// subscribers each subscriber gets P/S partitions and the first P%S subscribers one more, as
/// contiguous ranges in member order. In a homogeneous group (everyone subscribes to the same topics)
/// this co-partitions topics of equal size: member i gets the same partition numbers of each. The
/// previous assignment plays no part; racks are ignored. The result is a set per member (reported
/// sorted by topic and partition).
///
/// Example: M0 and M1 subscribe to T1 and T2 with three partitions each:
///   M0 [T1-0, T1-1, T2-0, T2-1], M1 [T1-2, T2-2]
/// If M1 is static (instance "i1") and M0 is not, M1 comes first:
///   M1 [T1-0, T1-1, T2-0, T2-1], M0 [T1-2, T2-2]
#include <algorithm>
#include <numeric>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/member_order.hpp"
#include "models/kafka/assignors/server_common.hpp"

namespace cgsim::models::assignors {

server::Targets server::range_targets(const std::vector<MemberSubscription>& members, const GroupView& g) {
  std::vector<std::size_t> order = g.member_order;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return java_member_compare(members[a], members[b]) < 0;
  });

  // Subscribers per topic: every member in a homogeneous group (the first sorted member's topics),
  // otherwise counted from each member's subscription.
  std::vector<int> subscribers(g.topics.size(), 0);
  if (g.homogeneous) {
    if (!order.empty())
      for (int t : g.subscriptions[order.front()]) subscribers[static_cast<std::size_t>(t)] = static_cast<int>(members.size());
  } else {
    for (std::size_t m : order)
      for (int t : g.subscriptions[m]) ++subscribers[static_cast<std::size_t>(t)];
  }
  std::vector<int> next(g.topics.size(), 0), extra(g.topics.size(), -1);
  Targets out(members.size());
  if (g.homogeneous && !order.empty()) {
    // Every member gets at most the rounded-up share of each topic.
    std::size_t most = 0;
    for (int t : g.subscriptions[order.front()])
      most += static_cast<std::size_t>((g.partition_count(t) + subscribers[static_cast<std::size_t>(t)] - 1) /
                                       subscribers[static_cast<std::size_t>(t)]);
    for (std::size_t m : order) out[m].reserve(most);
  }
  for (std::size_t m : order) {
    const auto& topics = g.homogeneous ? g.subscriptions[order.front()] : g.subscriptions[m];
    for (int t : topics) {
      const auto ti = static_cast<std::size_t>(t);
      const int n = g.partition_count(t);
      if (extra[ti] < 0) extra[ti] = n % subscribers[ti];
      int quota = n / subscribers[ti];
      if (extra[ti] > 0) {
        ++quota;
        --extra[ti];
      }
      const int start = next[ti], end = std::min(start + quota, n);
      next[ti] = end;
      for (int p = start; p < end; ++p) out[m].emplace_back(t, p);
    }
  }
  return out;
}

AssignResult assign_server_range_detailed_with(const ClusterMetadata& cluster,
                                              const std::vector<MemberSubscription>& members,
                                              const server::ServerOptions& options) {
  server::ServerOptions view_options = options;
  view_options.with_previous = false;
  const server::GroupView g(cluster, members, view_options);
  server::Targets out = server::range_targets(members, g);
  return {g.report(members, out), {}};
}

AssignResult assign_server_range_detailed(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_server_range_detailed_with(cluster, members, {});
}

Assignment assign_server_range(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_server_range_detailed(cluster, members).assignment;
}

}  // namespace cgsim::models::assignors
