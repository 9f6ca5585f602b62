#pragma once
/// @file optimum.hpp
/// The best possible assignment for a group, to compare assignors against.
///
/// "Best" means: first the smallest spread between the most and the least loaded member that the
/// subscriptions allow (for equal subscriptions every member gets floor or ceil of P/M: perfect
/// balance), then, among all assignments with that spread, the fewest partitions moving away from
/// the member that owned them before. Members that subscribe to no existing partition always hold
/// nothing and do not count towards the spread.
///
/// Computed as a minimum-cost flow (Boost.Graph, successive shortest paths): source -> partition
/// (exactly one unit each), partition -> subscribed member (cost 1 unless the member owned it),
/// member -> sink (between lo and hi units). Lower bounds are handled with the usual reduction to a
/// circulation with an auxiliary source and sink. The band [lo, hi] is found by widening it from
/// zero until a feasible one exists.
#include <cstdint>
#include <optional>

#include "models/kafka/assignors/assignor.hpp"

namespace cgsim::models::assignors {

struct Optimum {
  /// An assignment achieving the optimum (lists sorted by topic, partition).
  Assignment assignment;
  /// Partitions whose owner differs from the member that owned them (unowned ones do not count).
  std::int64_t moves = 0;
  /// Most minus least loaded member, over members that can hold at least one partition.
  std::int64_t spread = 0;
  /// The load band every such member falls in.
  std::int64_t lo = 0, hi = 0;
};

/// The optimum for @p members on @p cluster, previous owners taken from MemberSubscription::owned.
Optimum optimal_assignment(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);

/// Partitions in @p after assigned to a member other than the one that owned them in @p owners
/// (a map partition -> previous owner); partitions nobody owned do not count.
std::int64_t count_moves(const std::map<TopicPartition, std::string>& owners, const Assignment& after);

/// Most minus least loaded member of @p a, over members of @p members that subscribe to at least
/// one existing partition of @p cluster (0 when there are none).
std::int64_t balance_of(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                        const Assignment& a);

}  // namespace cgsim::models::assignors
