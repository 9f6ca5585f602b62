#pragma once
/// @file coordinator_base.hpp
/// What Kafka's two group coordinators share: the group they serve, their state with its signal,
/// the random stream that names new members, the members' session timers, the static members'
/// registry, the rebalance being reported and the owners of the last settled assignment.
///
/// The base is a CRTP template, so that the session bookkeeping done on every heartbeat stays a
/// plain (inlinable) call. The coordinator keeps its members in `members_`, a map from member id
/// to a member with `meta.member_id`, `meta.session_timeout`, `meta.instance_id`,
/// `last_heartbeat` and `expiry`; it says in `on_session_expired(id)` what a member's expiry does
/// to the group, and may define `session_held(Member&)`, true when a request the coordinator is
/// still holding keeps the member alive.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/common/priorities.hpp"
#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/signals.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class Group;

/// @tparam Derived the coordinator (see the file comment for what it provides).
/// @tparam State the coordinator's own state enum, printable with to_string(State).
template <typename Derived, typename State>
class CoordinatorBase {
 public:
  State state() const { return state_; }
  /// Closes a rebalance still open at the end of a run: it is reported with no end.
  void finish_run();

 protected:
  /// A member of which session keeping needs nothing: no pending request holds it.
  template <typename Member>
  static bool session_held(Member&) { return false; }

  /// @p initial is the state of a group without members.
  CoordinatorBase(Group& group, State initial);

  /// Moves to @p s and emits the group-state signal when the state changes.
  void set_state(State s);
  /// 128 random bits for a new member id, from the group's own member-id stream.
  std::pair<std::uint64_t, std::uint64_t> random_id_bits() { return {ids_.next_u64(), ids_.next_u64()}; }
  /// Schedules @p fn at @p at in @p timer unless @p timer is pending already (an expiry timer is
  /// re-armed lazily, when it fires early).
  template <typename F>
  void arm_timer(sim::EventId& timer, sim::Time at, F&& fn) {
    if (engine_.pending(timer)) return;
    timer = engine_.schedule_at(at, priority::kCoordinator, std::forward<F>(fn));
  }

  /// Makes sure member @p m's session expiry is pending: it fires at the session's end as known
  /// now, and checks then whether the session was renewed meanwhile.
  template <typename Member>
  void arm_expiry(Member& m) {
    arm_timer(m.expiry, m.last_heartbeat + m.meta.session_timeout, [this, id = m.meta.member_id] { on_expiry(id); });
  }
  /// Member @p m was heard from (a heartbeat, an accepted commit): its session restarts now.
  template <typename Member>
  void renew_session(Member& m) {
    m.last_heartbeat = engine_.now();
    arm_expiry(m);
  }
  /// Member @p m leaves the coordinator's books (removed, or replaced by a restarted static
  /// member): its expiry is cancelled and its group.instance.id, if any, freed.
  template <typename Member>
  void forget(Member& m) {
    engine_.cancel(m.expiry);
    m.expiry = 0;
    if (m.meta.instance_id) static_members_.erase(*m.meta.instance_id);
  }
  /// A static member restarted with a new client: member @p old_id's entry becomes member @p id's,
  /// with the new client's metadata @p meta and no pending expiry, and its group.instance.id now
  /// names @p id. Returns the member.
  template <typename Meta>
  auto& replace_member(const std::string& old_id, const std::string& id, const Meta& meta) {
    auto& members = static_cast<Derived&>(*this).members_;
    auto old = members.find(old_id);
    auto m = old->second;
    engine_.cancel(m.expiry);
    m.expiry = 0;
    members.erase(old);
    m.meta = meta;
    m.meta.member_id = id;
    static_members_[*m.meta.instance_id] = id;
    return members[id] = std::move(m);
  }
  /// Moves @p map's entry of member @p from (if any) to member @p to: a restarted static member
  /// takes over its predecessor's place.
  template <typename Map>
  static void hand_over(Map& map, const std::string& from, const std::string& to) {
    auto it = map.find(from);
    if (it == map.end()) return;
    map[to] = it->second;
    map.erase(it);
  }

  /// What member @p id with metadata @p meta subscribes to, for the assignor (no owned
  /// partitions, no generation).
  template <typename Meta>
  static assignors::MemberSubscription subscription(const std::string& id, const Meta& meta) {
    assignors::MemberSubscription s;
    s.member_id = id;
    s.group_instance_id = meta.instance_id;
    s.rack = meta.rack;
    s.topics = meta.topics;
    return s;
  }
  /// Global partition @p gid as (topic, partition).
  TopicPartition topic_partition(std::int32_t gid) const;

  /// Starts reporting a rebalance of the group, triggered by @p trigger, under @p protocol.
  void open_rebalance(const std::string& trigger, const std::string& protocol, std::int32_t rounds = 1);
  /// Reports the open rebalance as completed now, in @p generation.
  void close_rebalance(std::int32_t generation);
  /// Partitions of @p a whose owner in @p b differs (or that @p b does not have).
  static std::int64_t owner_changes(const std::map<std::int32_t, std::int32_t>& a,
                                    const std::map<std::int32_t, std::int32_t>& b);

  /// Applies the offsets of an OffsetCommit the coordinator accepted from consumer @p consumer
  /// and signals the commit.
  void accept_commit(std::int32_t consumer, const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);

  Group& group_;
  sim::Engine& engine_;
  State state_;
  /// The rebalance in progress, reported when it completes.
  std::optional<RebalanceInfo> open_;
  std::map<std::string, std::string> static_members_;  ///< group.instance.id -> member id
  std::map<std::int32_t, std::int32_t> owners_;        ///< gid -> consumer index, last settled assignment

 private:
  /// A member's expiry fired: a session renewed or held meanwhile is re-armed, an ended one
  /// handed to the coordinator.
  void on_expiry(const std::string& member_id) {
    Derived& self = static_cast<Derived&>(*this);
    auto it = self.members_.find(member_id);
    if (it == self.members_.end()) return;
    auto& m = it->second;
    m.expiry = 0;
    if (self.session_held(m) || m.last_heartbeat + m.meta.session_timeout > engine_.now()) {
      arm_expiry(m);
      return;
    }
    self.on_session_expired(member_id);
  }

  sim::Rng ids_;
};

}  // namespace cgsim::models
