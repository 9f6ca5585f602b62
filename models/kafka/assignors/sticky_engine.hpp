#pragma once
/// @file sticky_engine.hpp
/// The assignment engine shared by the Java client's StickyAssignor and CooperativeStickyAssignor
/// (Kafka 3.9's AbstractStickyAssignor): a constrained path for groups whose members all subscribe to
/// the same topics and a general path for the rest. sticky.cpp and cooperative_sticky.cpp build the
/// leader's view of each member (what its subscription carries) and call run().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"

namespace cgsim::models::assignors::sticky_engine {

/// What the group leader reads from one member's subscription.
struct MemberView {
  /// Previously owned partitions as the assignor's member data reports them, in that order.
  std::vector<TopicPartition> data_partitions;
  /// Generation in the member data (absent when the member sent none).
  std::optional<std::int32_t> data_generation;
  /// Generation field of the subscription itself (absent when negative).
  std::optional<std::int32_t> protocol_generation;
};

struct Options {
  /// Kafka's test-only switch that forces rack-aware logic when all partitions are on all racks.
  bool prefer_rack_aware = false;
};

/// The engine's result.
struct Result {
  /// Every member's partitions in the order the engine produced them.
  Assignment assignment;
  /// True when the constrained (all subscriptions equal) path ran.
  bool constrained = false;
  /// Constrained path only: partitions that were newly given to a member although another member
  /// may still own them (new owner per partition), in the order they were assigned.
  std::vector<std::pair<TopicPartition, std::string>> transferring;
};

/// Runs the engine. @p members carry topics (any order), racks and ids; @p views is parallel to it.
/// Throws AssignorFailure where Kafka's implementation throws.
Result run(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
           const std::vector<MemberView>& views, const Options& options);

}  // namespace cgsim::models::assignors::sticky_engine
