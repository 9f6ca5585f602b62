#pragma once
/// @file all.hpp
/// Declarations of every assignor implementation. Each one lives in its own file under
/// models/kafka/assignors/ and is a pure function of its inputs; registry.cpp maps protocol names and
/// client flavours onto them. Tests include this header to reach flavour-specific entry points.
#include <string_view>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/assignors/server_common.hpp"

namespace cgsim::models::assignors {

// ---- Java client (org.apache.kafka.clients.consumer) ---------------------------------------------

/// Options of the Java RangeAssignor that are not part of the group's input.
struct RangeOptions {
  /// Use the rack-aware pass even when every partition has replicas on all racks. Kafka exposes this
  /// only to its own unit tests (`preferRackAwareLogic`); the default is what clients run.
  bool prefer_rack_aware = false;
};

/// Java RangeAssignor, including KIP-881 rack-aware assignment (range.cpp).
Assignment assign_range(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
Assignment assign_range_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                             const RangeOptions& options);
/// Java RoundRobinAssignor (roundrobin.cpp).
Assignment assign_roundrobin(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);

/// What the sticky engine decided, for tests that check Kafka's internal bookkeeping.
struct StickyTrace {
  /// The constrained (all subscriptions equal) path ran.
  bool constrained = false;
  /// Constrained path: partition -> new owner for partitions taken from another owner (Kafka's
  /// partitionsTransferringOwnership; it is null on the general path).
  std::vector<std::pair<TopicPartition, std::string>> transferring;
};

/// Options of the Java sticky assignors that are not part of the group's input.
struct StickyOptions {
  /// Kafka's test-only `preferRackAwareLogic` switch (see RangeOptions).
  bool prefer_rack_aware = false;
  /// Cooperative only: read owned partitions in the given order instead of the (topic, partition)
  /// order the consumer protocol puts them in on the wire. Kafka's unit tests hand subscriptions to
  /// the assignor without serializing them.
  bool owned_as_given = false;
  /// When set, receives the engine's decisions.
  StickyTrace* trace = nullptr;
};

/// Java StickyAssignor (sticky.cpp): eager; previous assignment from user data (owned + generation).
Assignment assign_sticky(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_sticky_detailed(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_sticky_detailed_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                                         const StickyOptions& options);

/// Java CooperativeStickyAssignor (cooperative_sticky.cpp): partitions changing owner are withheld.
Assignment assign_cooperative_sticky(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_cooperative_sticky_detailed(const ClusterMetadata& cluster,
                                                const std::vector<MemberSubscription>& members);
AssignResult assign_cooperative_sticky_detailed_with(const ClusterMetadata& cluster,
                                                     const std::vector<MemberSubscription>& members,
                                                     const StickyOptions& options);

// ---- Group coordinator, KIP-848 consumer protocol (org.apache.kafka.coordinator.group.assignor) ----

/// Server-side UniformAssignor (uniform.cpp, uniform_heterogeneous.cpp), registered as "uniform".
Assignment assign_uniform(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_uniform_detailed(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_uniform_detailed_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                                         const server::ServerOptions& options);
/// Server-side RangeAssignor (server_range.cpp), registered as "server-range".
Assignment assign_server_range(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members);
AssignResult assign_server_range_detailed(const ClusterMetadata& cluster,
                                          const std::vector<MemberSubscription>& members);
AssignResult assign_server_range_detailed_with(const ClusterMetadata& cluster,
                                              const std::vector<MemberSubscription>& members,
                                              const server::ServerOptions& options);

// ---- librdkafka 2.0.2 ----------------------------------------------------------------------------

/// librdkafka's range assignor (range_librdkafka.cpp): no rack awareness, topics in metadata order,
/// its own static/dynamic member comparator.
Assignment assign_range_librdkafka(const ClusterMetadata& cluster,
                                   const std::vector<MemberSubscription>& members);
/// librdkafka's roundrobin assignor (roundrobin_librdkafka.cpp).
Assignment assign_roundrobin_librdkafka(const ClusterMetadata& cluster,
                                        const std::vector<MemberSubscription>& members);
/// librdkafka's cooperative-sticky assignor including the consumer group's cooperative adjustment
/// (cooperative_sticky_librdkafka.cpp). librdkafka has no eager sticky assignor.
Assignment assign_cooperative_sticky_librdkafka(const ClusterMetadata& cluster,
                                                const std::vector<MemberSubscription>& members);
AssignResult assign_cooperative_sticky_librdkafka_detailed(const ClusterMetadata& cluster,
                                                           const std::vector<MemberSubscription>& members);
/// The same assignor's own output, before the group applies the cooperative adjustment (what
/// librdkafka's assignor unit tests check).
Assignment assign_sticky_librdkafka_unadjusted(const ClusterMetadata& cluster,
                                               const std::vector<MemberSubscription>& members);

}  // namespace cgsim::models::assignors
