#pragma once
/// @file assignor.hpp
/// The partition-assignor interface: every assignor is a pure function
/// `assign(cluster, members) -> assignment`, one file each under models/kafka/assignors/.
///
/// Inputs mirror what Kafka's ConsumerPartitionAssignor sees: the cluster's topic metadata and,
/// for each member, its subscription (member id, optional group.instance.id, optional rack,
/// subscribed topics, partitions it owned in the previous generation and that generation).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/common/types.hpp"
#include "models/common/error.hpp"

namespace cgsim::models::assignors {

/// One topic as the assignor sees it.
struct TopicMetadata {
  std::string name;
  std::int32_t partitions = 0;
  /// Optional: for each partition, the racks of its replicas (empty when racks are unknown).
  std::vector<std::vector<std::string>> partition_racks;
  /// Optional: the topic's id as Kafka prints it (22 characters of URL-safe base64). Only the
  /// server-side assignors use ids; when empty, one is derived from the name (server_common.hpp).
  std::string topic_id{};
};

/// Cluster metadata: the topics that exist.
struct ClusterMetadata {
  std::vector<TopicMetadata> topics;
  /// The topic named @p name, or nullptr when it does not exist.
  const TopicMetadata* find(std::string_view name) const {
    for (const auto& t : topics)
      if (t.name == name) return &t;
    return nullptr;
  }
};

/// One member's subscription, as sent in its JoinGroup metadata.
struct MemberSubscription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> rack;
  std::vector<std::string> topics;
  /// Partitions the member owned in the previous generation (sticky and cooperative assignors).
  std::vector<TopicPartition> owned;
  /// The generation in which it owned them (-1 when unknown).
  std::int32_t generation = -1;
  /// When set, the generation that user data carries with `owned` (Java's eager StickyAssignor:
  /// that of its last assignment), while `generation` is the member's current one (-1 once it
  /// lost it). Unset: `generation` is both.
  std::optional<std::int32_t> user_data_generation{};
};

/// Member id -> assigned partitions, in the order the assignor produced them.
using Assignment = std::map<std::string, std::vector<TopicPartition>>;

/// The signature every assignor implements.
using AssignFn = Assignment (*)(const ClusterMetadata&, const std::vector<MemberSubscription>&);

/// An assignment plus what a cooperative assignor held back.
struct AssignResult {
  /// The assignment to hand out in this round.
  Assignment assignment;
  /// Cooperative assignors only: partitions that change owner. They were removed from their new
  /// owner's list so that the old owner revokes them first; a follow-up rebalance assigns them.
  std::vector<TopicPartition> withheld;
};

/// The signature of the detailed entry point every assignor also offers.
using AssignDetailedFn = AssignResult (*)(const ClusterMetadata&, const std::vector<MemberSubscription>&);

/// The modelled implementation fails on this input, as the upstream code does (it throws); what()
/// names the upstream exception. Callers treat it as a failed assignment, not as a cgsim bug.
class AssignorFailure : public cgsim::Error {
 public:
  explicit AssignorFailure(const std::string& what, int code = kExitMismatch) : cgsim::Error(what, code) {}
};

/// The assignor, run as upstream runs it, would never return on this input: its loop came back to
/// a state it had already been in, so it would go round forever. Reported, not waited for.
class AssignorNonTermination : public AssignorFailure {
 public:
  explicit AssignorNonTermination(const std::string& what) : AssignorFailure(what, kExitNonTermination) {}
};

/// Everything the registry knows about one assignor.
struct AssignorInfo {
  std::string name;
  AssignFn assign = nullptr;
  AssignDetailedFn assign_detailed = nullptr;
  /// Supports the cooperative rebalance protocol (withholds partitions that change owner).
  bool cooperative = false;
  /// Runs in the group coordinator (KIP-848 consumer protocol) rather than in the client.
  bool server_side = false;
  /// Remembers the member's last assignment and its generation and sends them in the
  /// subscription's user data, which is what the assignor reads as `owned` (Java's eager
  /// StickyAssignor). An eager member revokes everything before it joins, so without this the
  /// leader would see it owning nothing.
  bool remembers_assignment = false;
};

/// The registry entry for @p name and @p flavor, or nullptr when unknown. Server-side assignors are
/// the same for both flavours.
const AssignorInfo* find_assignor_info(std::string_view name, ClientFlavor flavor);

/// Looks up an assignor by its protocol name ("range", "roundrobin", ...) for a client flavour.
/// Returns nullptr when the name is unknown.
AssignFn find_assignor(std::string_view name, ClientFlavor flavor);
/// Names accepted by find_assignor, for error messages and the JSON schema.
std::vector<std::string> assignor_names();

}  // namespace cgsim::models::assignors
