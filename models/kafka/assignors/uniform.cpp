/// @file uniform.cpp
/// The group coordinator's UniformAssignor (Kafka 3.9, KIP-848 consumer protocol, `uniform`), and its
/// builder for homogeneous groups. Heterogeneous groups go to uniform_heterogeneous.cpp.
///
/// Algorithm (homogeneous: every member subscribes to the same topics)
/// ---------
/// With T partitions and N members every member may hold T/N partitions, and the first T%N members
/// visited one more. Members are visited in the order of the coordinator's member map (see
/// server_common.hpp). Each member keeps its previous partitions of subscribed topics up to its
/// quota (topics and partitions in the order of its previous-assignment map and sets) and drops the
/// rest; then members left below quota, in visiting order, take the next unassigned partitions:
/// first those nobody held, by topic (topic-id set order) and partition, then the dropped ones in
/// the order they were dropped. The result is a set per member (reported sorted).
///
/// Example: 7 partitions of t, members A (held t-0..t-4) and B (held t-5), visited A then B.
/// Quotas: A 4 (gets the extra), B 3. A keeps four of its partitions and drops one (say t-4);
/// t-6 was unheld. B keeps t-5 and takes t-6, then t-4:  A [t-0..t-3], B [t-4, t-5, t-6].
#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/server_common.hpp"

namespace cgsim::models::assignors {

namespace detail {
server::Targets uniform_heterogeneous(const std::vector<MemberSubscription>& members, const server::GroupView& g);
}

namespace {

server::Targets uniform_homogeneous(const std::vector<MemberSubscription>& members, const server::GroupView& g) {
  server::Targets out(members.size());
  const std::size_t first = g.member_order.front();
  // new HashSet<>(first member's topic ids)
  java::HashOrder topic_set(java::HashOrder::capacity_for_collection(g.subscription_name_count[first]));
  for (int t : g.subscriptions[first]) topic_set.insert(static_cast<std::size_t>(t), g.topics[static_cast<std::size_t>(t)].id.hash());
  const std::vector<std::size_t> topic_order = topic_set.order();
  if (topic_order.empty()) return out;
  std::vector<char> in_subscription(g.topics.size(), 0);
  for (std::size_t t : topic_order) in_subscription[t] = 1;

  // Partitions nobody holds, then (appended below) partitions members must give up. held is one
  // flag per partition of every topic, topic t's flags starting at offset[t].
  std::vector<std::size_t> offset(g.topics.size() + 1, 0);
  for (std::size_t t = 0; t < g.topics.size(); ++t)
    offset[t + 1] = offset[t] + static_cast<std::size_t>(g.partition_count(static_cast<int>(t)));
  std::vector<char> held(offset.back(), 0);
  for (std::size_t m = 0; m < members.size(); ++m)
    for (const auto& [t, parts] : g.previous[m])
      if (t >= 0)
        for (std::int32_t p : parts)
          if (p >= 0 && p < g.partition_count(t)) held[offset[static_cast<std::size_t>(t)] + static_cast<std::size_t>(p)] = 1;
  std::vector<std::pair<int, std::int32_t>> unassigned;
  long long total = 0;
  for (std::size_t t : topic_order) {
    const int n = g.partition_count(static_cast<int>(t));
    for (int p = 0; p < n; ++p)
      if (!held[offset[t] + static_cast<std::size_t>(p)]) unassigned.emplace_back(static_cast<int>(t), p);
    total += n;
  }
  const long long num_members = static_cast<long long>(g.member_order.size());
  const long long min_quota = total / num_members;
  long long extra = total % num_members;

  struct Unfilled {
    std::size_t member;
    long long quota;
  };
  std::vector<Unfilled> unfilled;
  for (std::size_t m : g.member_order) {
    long long quota = min_quota;
    if (extra > 0) {
      ++quota;
      --extra;
    }
    out[m].reserve(static_cast<std::size_t>(quota));
    for (const auto& [t, parts] : g.previous[m]) {
      if (t < 0 || !in_subscription[static_cast<std::size_t>(t)]) continue;
      if (static_cast<long long>(parts.size()) <= quota) {
        quota -= static_cast<long long>(parts.size());
        for (std::int32_t p : parts) out[m].emplace_back(t, p);
      } else {
        for (std::int32_t p : parts) {
          if (quota > 0) {
            --quota;
            out[m].emplace_back(t, p);
          } else {
            unassigned.emplace_back(t, p);
          }
        }
      }
    }
    if (quota > 0) unfilled.push_back({m, quota});
  }

  std::size_t next = 0;
  for (const auto& u : unfilled)
    for (long long i = 0; i < u.quota && next < unassigned.size(); ++i) out[u.member].push_back(unassigned[next++]);
  if (next < unassigned.size()) throw AssignorFailure("PartitionAssignorException: Partitions were left unassigned");
  return out;
}

}  // namespace

server::Targets server::uniform_targets(const std::vector<MemberSubscription>& members, const GroupView& g) {
  if (members.empty()) return {};
  return g.homogeneous ? uniform_homogeneous(members, g) : detail::uniform_heterogeneous(members, g);
}

AssignResult assign_uniform_detailed_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                                         const server::ServerOptions& options) {
  if (members.empty()) return {};
  const server::GroupView g(cluster, members, options);
  server::Targets out = server::uniform_targets(members, g);
  return {g.report(members, out), {}};
}

AssignResult assign_uniform_detailed(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_uniform_detailed_with(cluster, members, {});
}

Assignment assign_uniform(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_uniform_detailed(cluster, members).assignment;
}

}  // namespace cgsim::models::assignors
