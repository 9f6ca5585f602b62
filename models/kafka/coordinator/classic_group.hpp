#pragma once
/// @file classic_group.hpp
/// The group coordinator of Kafka's classic group protocol (JoinGroup / SyncGroup / Heartbeat),
/// eager or cooperative (KIP-429), with static membership (KIP-345). The consumers talk to it
/// through requests and responses that take `broker.request_latency` each way.
///
/// Semantics follow the broker's classic GroupCoordinator and the Java client:
/// - Members join with JoinGroup; a new dynamic member first receives its member id
///   (MEMBER_ID_REQUIRED) and joins again with it.
/// - An empty group waits `group.initial.rebalance.delay.ms`, extended while new members keep
///   arriving, up to the rebalance timeout. Otherwise the join phase ends when every known member
///   has rejoined, or at the rebalance timeout (the largest max.poll.interval.ms), when members
///   that did not rejoin are removed.
/// - The leader computes the assignment with the group's assignor and sends it in SyncGroup.
/// - Members learn that a rebalance started from their next heartbeat response; a member busy
///   processing a batch only rejoins at its next poll. Before rejoining, an eager member commits
///   (auto-commit) and revokes everything.
/// - A crashed member is only removed when its session times out. A member whose processing
///   exceeds max.poll.interval.ms leaves the group from its heartbeat thread and loses its
///   partitions without committing.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/kafka/signals.hpp"
#include "models/kafka/coordinator/coordinator_base.hpp"
#include "sim/engine.hpp"

namespace cgsim::models {

class Group;

/// The classic group's states (the broker's GroupState).
enum class ClassicGroupState { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead };
const char* to_string(ClassicGroupState s);

/// The broker-side coordinator of one group.
class ClassicGroupCoordinator : public CoordinatorBase<ClassicGroupCoordinator, ClassicGroupState> {
 public:
  explicit ClassicGroupCoordinator(Group& group);

  /// Subscription metadata carried by JoinGroup.
  struct JoinRequest {
    std::string member_id;  ///< empty for a member that has none yet
    std::optional<std::string> instance_id;
    std::int32_t consumer = 0;
    std::uint32_t incarnation = 0;
    std::string client_id;
    sim::Time session_timeout = 0;
    sim::Time rebalance_timeout = 0;
    std::vector<std::string> topics;
    std::optional<std::string> rack;
    std::string reason;  ///< why the member (re)joins: for rebalance triggers
    /// Partitions the member owns as it joins (cooperative protocol; empty for eager members,
    /// which revoke everything first), or the last assignment its assignor remembers in user
    /// data (AssignorInfo::remembers_assignment), and the member's generation.
    std::vector<std::int32_t> owned;
    std::int32_t generation = -1;
    std::optional<std::int32_t> user_data_generation{};  ///< see MemberSubscription
  };
  enum class Error { None, RebalanceInProgress, UnknownMemberId, IllegalGeneration, MemberIdRequired };

  void on_join(const JoinRequest& req);
  void on_sync(const std::string& member_id, std::int32_t generation,
               std::optional<std::map<std::string, std::vector<std::int32_t>>> assignment,
               std::size_t withheld = 0);
  void on_heartbeat(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                    std::uint32_t incarnation);
  void on_leave(const std::string& member_id, const std::string& reason);
  void on_commit(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                 const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);

  std::int32_t generation() const { return generation_; }
  std::size_t member_count() const { return members_.size(); }

 private:
  friend class CoordinatorBase<ClassicGroupCoordinator, ClassicGroupState>;

  struct Member {
    JoinRequest meta;
    sim::Time last_heartbeat = 0;
    bool awaiting_join = false;
    /// Its SyncGroup has arrived and waits for the leader's assignment (Kafka's
    /// awaitingSyncCallback): answered when the assignment comes or the generation is abandoned.
    bool awaiting_sync = false;
    /// Given the generation's JoinGroup answer but not yet heard from with SyncGroup (Kafka's
    /// pending sync members): removed if it stays silent until the sync deadline.
    bool pending_sync = false;
    std::uint64_t join_seq = 0;
    sim::EventId expiry = 0;
  };

  /// Answers a JoinGroup with the current generation (no rebalance): the member then syncs and
  /// receives its current assignment.
  void respond_current_generation(const JoinRequest& req, const std::string& member_id);
  void prepare_rebalance(const std::string& trigger);
  void try_complete_join();
  void complete_join();
  void on_join_deadline();
  void on_sync_deadline();
  /// A member waiting in JoinGroup or SyncGroup is kept alive by its pending request.
  bool session_held(Member& m);
  void on_session_expired(const std::string& member_id);
  void remove_member(const std::string& member_id);
  void complete_sync(std::map<std::string, std::vector<std::int32_t>> assignment, std::size_t withheld);
  std::string new_member_id(const std::string& client_id);
  sim::Time rebalance_timeout() const;
  /// How long after it is due an initial-delay timer's expiry takes effect (see the .cpp).
  sim::Time timer_handoff();

  std::int32_t generation_ = 0;
  std::string leader_;
  std::map<std::string, Member> members_;
  std::map<std::string, sim::Time> pending_members_;   // ids handed out, not yet joined
  std::map<std::string, std::vector<std::int32_t>> assignment_;  // member id -> gids
  sim::EventId join_timer_ = 0;
  sim::EventId sync_timer_ = 0;
  bool initial_delay_ = false;
  bool new_member_added_ = false;
  sim::Time initial_remaining_ = 0;
  sim::Time initial_last_delay_ = 0;  // the initial delay now running
  sim::Rng timers_;                   // the group's own stream for timer hand-offs
  std::uint64_t join_seq_ = 0;
  /// A cooperative round withheld partitions: the follow-up round belongs to the same rebalance.
  bool awaiting_followup_ = false;
};

}  // namespace cgsim::models
