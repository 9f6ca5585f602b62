/// @file sticky_engine.cpp
/// Kafka 3.9's AbstractStickyAssignor, step for step, on integer ids.
///
/// Conventions: members are indices into the input vector; partitions are global ids (topics sorted
/// by name, partitions ascending within a topic). Where Kafka iterates a HashMap keyed by member id
/// the members are visited in `member_order_` (java::hash_order of the ids in input order, which is
/// how the leader fills its map of subscriptions). Where Kafka takes the first element of a HashSet
/// of partitions, the set is simulated with java::HashOrder.
///
/// Outline (see sticky.cpp for a worked example):
///  1. Ownership: walk members in map order; a partition claimed by two members keeps the claim of
///     the higher generation; equal generations void both claims.
///  2. Rack info: racks are used when consumers and replicas carry racks and not every partition is
///     on every rack.
///  3a. Constrained path (all members subscribe to the same topics): each member keeps up to its
///     quota of owned partitions (sorted by partition, then topic), then the remaining partitions are
///     dealt round-robin over members below quota (sorted by member id), rack-matched first.
///  3b. General path: keep owned partitions still subscribed, give each unassigned partition to the
///     least loaded eligible member, then move partitions from members with two or more partitions
///     above another eligible member, preferring the previous owner, reverting if balance did not
///     improve.
#include "models/kafka/assignors/sticky_engine.hpp"

#include "models/kafka/assignors/sticky_engine_impl.hpp"

namespace cgsim::models::assignors::sticky_engine {

Result run(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
           const std::vector<MemberView>& views, const Options& options) {
  if (members.empty()) return {};
  return detail::Engine(cluster, members, views, options).run();
}

}  // namespace cgsim::models::assignors::sticky_engine
