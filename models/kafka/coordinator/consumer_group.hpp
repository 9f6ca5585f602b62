#pragma once
/// @file consumer_group.hpp
/// The group coordinator of the consumer rebalance protocol (KIP-848, `group.protocol=consumer`).
///
/// There is no group-wide barrier. Members heartbeat (ConsumerGroupHeartbeat) every
/// `heartbeat_interval` (the broker's group.consumer.heartbeat.interval.ms) with their member
/// epoch and what they own; a membership or subscription change bumps the group epoch and the
/// coordinator computes a new target assignment with its server-side assignor. Each member then
/// reconciles on its own through its heartbeats:
/// - it is first told to revoke what it owns but is no longer its target (it keeps the rest);
/// - once it owns nothing outside its target, its member epoch moves to the target epoch and it
///   receives the target partitions that no other member still holds;
/// - partitions still held by another member are handed over at a later heartbeat, after that
///   member acknowledged their revocation (revocation before reassignment).
/// A member that does not revoke within its rebalance timeout is fenced; one that stops
/// heartbeating is removed at session timeout; epoch -1 is a clean leave.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/kafka/signals.hpp"
#include "models/kafka/coordinator/coordinator_base.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class Group;

/// The consumer group's states (the broker's ConsumerGroupState): Empty -> Assigning ->
/// Reconciling -> Stable.
enum class ConsumerGroupState { Empty, Assigning, Reconciling, Stable, Dead };
const char* to_string(ConsumerGroupState s);

class ConsumerGroupCoordinator : public CoordinatorBase<ConsumerGroupCoordinator, ConsumerGroupState> {
 public:
  explicit ConsumerGroupCoordinator(Group& group);

  /// One ConsumerGroupHeartbeat request.
  struct Heartbeat {
    std::string member_id;     ///< empty when joining
    std::int32_t epoch = 0;    ///< 0: join; -1: leave; otherwise the member's epoch
    std::optional<std::string> instance_id;
    std::optional<std::string> rack;
    std::int32_t consumer = 0;
    std::uint32_t incarnation = 0;
    std::string client_id;
    std::vector<std::string> topics;
    std::vector<std::int32_t> owned;  ///< global partition ids the member owns now
    sim::Time rebalance_timeout = 0;
    sim::Time session_timeout = 0;
    std::string reason;
  };
  /// What the coordinator answers.
  struct Response {
    bool fenced = false;  ///< UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: rejoin with epoch 0
    std::string member_id;
    std::int32_t epoch = 0;
    std::vector<std::int32_t> assignment;  ///< the partitions the member should own now
  };

  void on_heartbeat(const Heartbeat& hb);
  /// OffsetCommit from a member of this group.
  void on_commit(const std::string& member_id, std::int32_t consumer,
                 const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);
  std::int32_t group_epoch() const { return group_epoch_; }
  /// A subscribed topic changed in the broker's metadata image (onNewMetadataImage): the
  /// subscription metadata is recomputed, and the group epoch bumped, at the next heartbeat of
  /// any member (the refresh deadline is reset, not acted on at once).
  void on_metadata_change() { metadata_stale_ = !members_.empty(); }

 private:
  friend class CoordinatorBase<ConsumerGroupCoordinator, ConsumerGroupState>;

  struct Member {
    Heartbeat meta;
    std::int32_t epoch = 0;                 ///< member epoch
    std::set<std::int32_t> assigned;        ///< partitions the member holds (as the coordinator sees it)
    std::set<std::int32_t> revoking;        ///< told to revoke, not yet acknowledged
    sim::Time last_heartbeat = 0;
    sim::EventId expiry = 0;
    sim::EventId revoke_deadline = 0;
    std::uint64_t join_seq = 0;
  };

  void bump_epoch(const std::string& trigger);
  void compute_target();
  Response reconcile(Member& m);
  void remove(const std::string& member_id, const std::string& trigger);
  void on_session_expired(const std::string& member_id) { remove(member_id, "session_timeout"); }
  void on_revoke_deadline(const std::string& member_id);
  void update_state();
  void reply(const Member& m, const Response& r);
  std::string new_member_id();

  std::int32_t group_epoch_ = 0;
  std::int32_t target_epoch_ = 0;
  std::map<std::string, Member> members_;
  std::map<std::string, std::vector<std::int32_t>> target_;  // member id -> target partitions
  std::map<std::int32_t, std::string> holder_;               // gid -> member holding it
  std::uint64_t join_seq_ = 0;
  bool metadata_stale_ = false;
};

}  // namespace cgsim::models
