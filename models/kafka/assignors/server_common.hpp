#pragma once
/// @file server_common.hpp
/// The group coordinator's view of a KIP-848 consumer group, as its server-side assignors see it
/// (Kafka 3.9 kafka-group-coordinator: GroupSpec, TopicIds, SubscribedTopicDescriber), with the
/// iteration orders of the Java collections involved.
///
///  * Topic ids: Kafka gives every topic a random Uuid; cgsim derives one from the name (FNV-1a 64
///    of the UTF-8 bytes as the high half, that hash continued over one 0xFF byte as the low half).
///    The reference harness derives the same ids, so both sides iterate topic-id hash sets alike.
///  * Members: the coordinator hands the assignor a HashMap of member specs; cgsim fills it in input
///    order (the coordinator fills it from its own timeline map, whose order it does not expose).
///  * A member's subscription is a HashSet of topic names (built from the list it sent) seen through
///    the topics image: iteration follows the names' hash order and skips topics that do not exist.
///  * A member's previous target assignment is a HashMap of topic id to a HashSet of partitions, as
///    Assignment.fromRecord builds it from the member's owned list grouped by topic.
///  * The subscription type is homogeneous when every subscribed topic name (existing or not) is
///    subscribed by every member.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"

namespace cgsim::models::assignors::server {

/// Kafka's Uuid as two halves.
struct Uuid {
  std::uint64_t msb = 0, lsb = 0;
  /// Uuid.hashCode().
  std::int32_t hash() const {
    const std::uint64_t h = msb ^ lsb;
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(h >> 32) ^ static_cast<std::uint32_t>(h));
  }
};

/// The id cgsim derives from topic name @p name.
Uuid topic_id(std::string_view name);
/// The topic's id: TopicMetadata::topic_id when set, otherwise derived from the name.
Uuid topic_id(const TopicMetadata& topic);
/// Parses Kafka's string form of a Uuid (URL-safe base64 of the 16 bytes, no padding); nullopt
/// when malformed.
std::optional<Uuid> parse_uuid(std::string_view s);

/// Kafka's string form of @p id.
std::string format_uuid(const Uuid& id);

/// Options that reproduce the shapes Kafka's own unit tests hand to the assignors; the coordinator
/// itself uses the defaults.
struct ServerOptions {
  /// The member map is ordered by member id (the tests use a TreeMap) instead of a HashMap.
  bool members_in_id_order = false;
  /// Subscriptions are HashSets of topic ids (the tests build them with mkSet) instead of topic-name
  /// sets seen through the topics image.
  bool subscriptions_as_id_sets = false;
  /// Previous assignments iterate topics in the given order (mkOrderedAssignment's LinkedHashMap).
  bool previous_in_given_order = false;
  /// Build GroupView::previous (the range assignor does not look at previous assignments).
  bool with_previous = true;
};

/// org.apache.kafka.server.common.TopicIdPartition.hashCode() (Objects.hash(topicId, partition)).
inline std::int32_t topic_id_partition_hash(const Uuid& id, std::int32_t partition) {
  const std::uint32_t r = 31u * (31u + static_cast<std::uint32_t>(id.hash())) + static_cast<std::uint32_t>(partition);
  return static_cast<std::int32_t>(r);
}

/// The coordinator-side group, indexed.
struct GroupView {
  struct Topic {
    const TopicMetadata* meta;
    Uuid id;
  };
  /// Existing topics, in cluster order.
  std::vector<Topic> topics;
  std::unordered_map<std::string_view, int> topic_index;

  /// Member indices in the order of the member HashMap.
  std::vector<std::size_t> member_order;
  /// Per member: existing subscribed topics in TopicIds iteration order.
  std::vector<std::vector<int>> subscriptions;
  /// Per member: number of subscribed names (TopicIds.size(), existing or not).
  std::vector<std::size_t> subscription_name_count;
  /// Per member and topic: subscribed?
  std::vector<std::vector<char>> subscribed;
  /// Per member: previous assignment, topics in HashMap order, partitions in HashSet order. Topics
  /// that do not exist keep index -1 (they are never subscribed).
  std::vector<std::vector<std::pair<int, std::vector<std::int32_t>>>> previous;
  /// Homogeneous subscription type.
  bool homogeneous = true;

  /// Rank of each topic's name in String.compareTo order.
  std::vector<int> topic_rank;

  GroupView(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
            const ServerOptions& options = {});
  int partition_count(int t) const { return topics[static_cast<std::size_t>(t)].meta->partitions; }
  /// The assignment from per-member (topic index, partition) lists, each sorted by topic name, then
  /// partition: the order in which cgsim and the reference harness report a server assignor's sets.
  Assignment report(const std::vector<MemberSubscription>& members,
                    std::vector<std::vector<std::pair<int, std::int32_t>>>& per_member) const;
};


/// What a server-side assignor computes, as Kafka's GroupAssignment holds it: per member (input
/// order) the set of (topic index, partition) pairs it is given, in no particular order.
/// GroupView::report turns it into cgsim's Assignment.
using Targets = std::vector<std::vector<std::pair<int, std::int32_t>>>;

/// The UniformAssignor on a built group view (uniform.cpp): the counterpart of Kafka's
/// `UniformAssignor.assign(GroupSpec, SubscribedTopicDescriber)`. Throws AssignorFailure as Kafka does.
Targets uniform_targets(const std::vector<MemberSubscription>& members, const GroupView& g);
/// The coordinator's RangeAssignor on a built group view (server_range.cpp); the view needs no
/// previous assignments (ServerOptions::with_previous false).
Targets range_targets(const std::vector<MemberSubscription>& members, const GroupView& g);

}  // namespace cgsim::models::assignors::server
