#include "models/kafka/coordinator/classic_group.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "models/common/priorities.hpp"
#include "models/kafka/group.hpp"

namespace cgsim::models {

using sim::Time;

const char* to_string(ClassicGroupState s) {
  switch (s) {
    case ClassicGroupState::Empty: return "Empty";
    case ClassicGroupState::PreparingRebalance: return "PreparingRebalance";
    case ClassicGroupState::CompletingRebalance: return "CompletingRebalance";
    case ClassicGroupState::Stable: return "Stable";
    case ClassicGroupState::Dead: return "Dead";
  }
  return "?";
}

ClassicGroupCoordinator::ClassicGroupCoordinator(Group& group)
    : CoordinatorBase(group, ClassicGroupState::Empty),
      timers_(group.scenario().seed, "group/" + group.spec().id + "/coordinator-timers") {}

namespace {
/// The coordinator's timers do not act on the group themselves: an expired timer hands its
/// operation to the coordinator's event queue, where it runs after the requests queued before
/// it. A JoinGroup that reaches the coordinator in that gap still joins the generation the
/// timer completes. With group.initial.rebalance.delay.ms=0 this decides whether members that
/// start together share the first generation. Measured on Kafka 3.9.1 (local broker, classic
/// groups on the new coordinator, its log's "Preparing to rebalance" to "Stabilized group" with
/// no other member joining): 0-1 ms beside librdkafka clients, 0-5 ms while Java workers start on
/// the same 2 cores, 9-66 ms for the first groups of a freshly started broker, whose code is not
/// compiled yet (docs/validation.md, "Client start-up"). The model gives the hand-off to the
/// initial delay, where it decides who shares a generation; the session, join and sync
/// deadlines act when due. The hand-off is drawn from [0, kTimerHandoffMax) (bench/simpy's
/// coordinator draws the same).
constexpr Time kTimerHandoffMax = 5 * sim::kMillisecond;
}  // namespace

Time ClassicGroupCoordinator::timer_handoff() {
  return static_cast<Time>(timers_.uniform() * static_cast<double>(kTimerHandoffMax));
}

std::string ClassicGroupCoordinator::new_member_id(const std::string& client_id) {
  // The broker names members client.id + "-" + a random UUID (version 4).
  auto [a, b] = random_id_bits();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return client_id + "-" + buf;
}

Time ClassicGroupCoordinator::rebalance_timeout() const {
  Time t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.meta.rebalance_timeout);
  return t;
}

bool ClassicGroupCoordinator::session_held(Member& m) {
  if (!m.awaiting_join && !m.awaiting_sync) return false;
  m.last_heartbeat = engine_.now();
  return true;
}

void ClassicGroupCoordinator::on_session_expired(const std::string& member_id) {
  remove_member(member_id);
  if (state_ == ClassicGroupState::PreparingRebalance) {
    try_complete_join();
  } else if (state_ == ClassicGroupState::Stable || state_ == ClassicGroupState::CompletingRebalance) {
    prepare_rebalance("session_timeout");
  }
}

void ClassicGroupCoordinator::remove_member(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  forget(it->second);
  members_.erase(it);
  if (leader_ == member_id) leader_.clear();
}

void ClassicGroupCoordinator::respond_current_generation(const JoinRequest& req, const std::string& member_id) {
  std::int32_t c = req.consumer;
  std::uint32_t inc = req.incarnation;
  std::int32_t gen = generation_;
  std::string leader = leader_;
  group_.send([this, c, inc, member_id, gen, leader] {
    group_.consumer(c).on_join_response(inc, Error::None, member_id, gen, leader, {});
  });
}

void ClassicGroupCoordinator::on_join(const JoinRequest& req) {
  sim::Engine& eng = group_.engine();
  const Time now = eng.now();
  auto respond_error = [&](Error err, const std::string& id) {
    std::int32_t c = req.consumer;
    std::uint32_t inc = req.incarnation;
    group_.send([this, c, inc, err, id] {
      group_.consumer(c).on_join_response(inc, err, id, -1, "", {});
    });
  };
  std::string id = req.member_id;
  if (id.empty()) {
    if (req.instance_id) {
      auto st = static_members_.find(*req.instance_id);
      id = new_member_id(req.client_id);
      if (st != static_members_.end()) {
        // A static member restarted: the new member id replaces the old one and keeps its
        // place; a stable group hands it its previous assignment without a rebalance.
        const std::string old_id = st->second;
        Member& nm = replace_member(old_id, id, req);
        if (leader_ == old_id) leader_ = id;
        hand_over(assignment_, old_id, id);
        renew_session(nm);
        if (state_ == ClassicGroupState::Stable) {
          respond_current_generation(req, id);
          return;
        }
        nm.awaiting_join = true;
        if (state_ == ClassicGroupState::PreparingRebalance) {
          try_complete_join();
        } else {
          prepare_rebalance("restart");
        }
        return;
      }
      static_members_[*req.instance_id] = id;
    } else {
      // KIP-394: hand out a member id and ask the member to join again with it.
      id = new_member_id(req.client_id);
      pending_members_[id] = now;
      respond_error(Error::MemberIdRequired, id);
      return;
    }
  }
  auto it = members_.find(id);
  bool is_new = false;
  bool metadata_changed = false;
  if (it == members_.end()) {
    if (!req.instance_id && !pending_members_.count(id)) {
      respond_error(Error::UnknownMemberId, "");
      return;
    }
    pending_members_.erase(id);
    Member m;
    m.meta = req;
    m.meta.member_id = id;
    m.join_seq = join_seq_++;
    it = members_.emplace(id, std::move(m)).first;
    is_new = true;
  } else {
    // A change of subscription metadata (cooperative members report what they own) makes a
    // stable group rebalance; the same metadata does not.
    metadata_changed = it->second.meta.owned != req.owned || it->second.meta.topics != req.topics;
    it->second.meta = JoinRequest(req);
    it->second.meta.member_id = id;
  }
  Member& m = it->second;
  m.awaiting_join = true;
  m.awaiting_sync = false;
  m.pending_sync = false;
  renew_session(m);
  if (leader_.empty()) leader_ = id;

  switch (state_) {
    case ClassicGroupState::Empty:
    case ClassicGroupState::Dead: {
      // The group's first member: wait group.initial.rebalance.delay.ms for more members, then
      // again while new ones keep arriving, up to the rebalance timeout in all. The join phase
      // ends when the delay runs out (and its timer's hand-off), whoever has joined by then; with
      // a delay of 0, members whose JoinGroup follows the first within the hand-off share its
      // generation, and later ones rebalance the group.
      initial_delay_ = true;
      new_member_added_ = false;
      const Time delay = group_.scenario().broker.initial_rebalance_delay;
      initial_remaining_ = std::max<Time>(rebalance_timeout() - delay, 0);
      initial_last_delay_ = delay;
      open_rebalance(generation_ == 0 ? "initial" : (req.reason.empty() ? "join" : req.reason), group_.spec().protocol);
      set_state(ClassicGroupState::PreparingRebalance);
      join_timer_ = eng.schedule_after(delay + timer_handoff(), models::priority::kCoordinator, [this] { on_join_deadline(); });
      break;
    }
    case ClassicGroupState::PreparingRebalance:
      if (is_new) new_member_added_ = true;
      try_complete_join();
      break;
    case ClassicGroupState::CompletingRebalance:
    case ClassicGroupState::Stable:
      if (is_new || metadata_changed || id == leader_ || state_ == ClassicGroupState::CompletingRebalance) {
        prepare_rebalance(req.reason.empty() ? "join" : req.reason);
      } else {
        // A known follower rejoining a stable group with unchanged metadata gets the current
        // generation back; no rebalance.
        m.awaiting_join = false;
        respond_current_generation(req, id);
      }
      break;
  }
}

void ClassicGroupCoordinator::prepare_rebalance(const std::string& trigger) {
  sim::Engine& eng = group_.engine();
  if (state_ == ClassicGroupState::CompletingRebalance) {
    // Members waiting for SyncGroup learn that the generation is abandoned and rejoin.
    for (auto& [id, m] : members_) {
      m.pending_sync = false;
      if (m.awaiting_sync) {
        m.awaiting_sync = false;
        std::int32_t c = m.meta.consumer;
        std::uint32_t inc = m.meta.incarnation;
        group_.send([this, c, inc] { group_.consumer(c).on_sync_response(inc, Error::RebalanceInProgress, {}); });
      }
    }
    eng.cancel(sync_timer_);
    if (open_) ++open_->rounds;
  }
  if (open_ && awaiting_followup_) {
    ++open_->rounds;
    awaiting_followup_ = false;
  }
  if (!open_) open_rebalance(trigger, group_.spec().protocol);
  initial_delay_ = false;
  set_state(ClassicGroupState::PreparingRebalance);
  eng.cancel(join_timer_);
  join_timer_ = eng.schedule_after(rebalance_timeout(), models::priority::kCoordinator, [this] { on_join_deadline(); });
  try_complete_join();
}

void ClassicGroupCoordinator::try_complete_join() {
  if (state_ != ClassicGroupState::PreparingRebalance || initial_delay_) return;
  for (const auto& [id, m] : members_)
    if (!m.awaiting_join) return;
  // Members given an id but not yet joined with it are waited for too (KIP-394), unless expired.
  const Time now = group_.engine().now();
  for (auto it = pending_members_.begin(); it != pending_members_.end();) {
    if (it->second + group_.spec().session_timeout <= now) {
      it = pending_members_.erase(it);
    } else {
      return;
    }
  }
  complete_join();
}

void ClassicGroupCoordinator::on_join_deadline() {
  join_timer_ = 0;
  if (state_ != ClassicGroupState::PreparingRebalance) return;
  if (initial_delay_ && new_member_added_ && initial_remaining_ > 0) {
    // More members arrived during the initial delay: wait another delay (bounded).
    new_member_added_ = false;
    const Time delay = std::min(group_.scenario().broker.initial_rebalance_delay, initial_remaining_);
    initial_remaining_ = std::max<Time>(initial_remaining_ - initial_last_delay_, 0);
    initial_last_delay_ = delay;
    join_timer_ =
        group_.engine().schedule_after(delay + timer_handoff(), models::priority::kCoordinator, [this] { on_join_deadline(); });
    return;
  }
  initial_delay_ = false;
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_)
    if (!m.awaiting_join) gone.push_back(id);
  for (const auto& id : gone) remove_member(id);
  // Members given an id but not yet joined with it stay pending: when they join with it, the
  // group rebalances again.
  complete_join();
}

void ClassicGroupCoordinator::complete_join() {
  sim::Engine& eng = group_.engine();
  eng.cancel(join_timer_);
  join_timer_ = 0;
  ++generation_;
  if (members_.empty()) {
    set_state(ClassicGroupState::Empty);
    assignment_.clear();
    if (open_) {
      open_->partitions_revoked = static_cast<std::int64_t>(owners_.size());
      open_->partitions_moved = static_cast<std::int64_t>(owners_.size());
      close_rebalance(generation_);
    }
    owners_.clear();
    return;
  }
  if (leader_.empty() || !members_.count(leader_)) {
    const Member* first = nullptr;
    for (const auto& [id, m] : members_)
      if (!first || m.join_seq < first->join_seq) first = &m;
    leader_ = first->meta.member_id;
  }
  set_state(ClassicGroupState::CompletingRebalance);
  std::vector<assignors::MemberSubscription> subs;
  for (const auto& [id, m] : members_) {
    assignors::MemberSubscription s = subscription(id, m.meta);
    s.generation = m.meta.generation;
    s.user_data_generation = m.meta.user_data_generation;
    for (std::int32_t gid : m.meta.owned) s.owned.push_back(topic_partition(gid));
    subs.push_back(std::move(s));
  }
  for (auto& [id, m] : members_) {
    m.awaiting_join = false;
    m.pending_sync = true;
    // Each member's session runs again from the join's completion (the pending expiry re-arms
    // itself from here when it fires).
    m.last_heartbeat = eng.now();
    std::int32_t c = m.meta.consumer;
    std::uint32_t inc = m.meta.incarnation;
    std::int32_t gen = generation_;
    std::string leader = leader_;
    std::string mid = id;
    auto member_list = id == leader_ ? subs : std::vector<assignors::MemberSubscription>{};
    group_.send([this, c, inc, mid, gen, leader, member_list] {
      group_.consumer(c).on_join_response(inc, Error::None, mid, gen, leader, member_list);
    });
  }
  sync_timer_ = eng.schedule_after(rebalance_timeout(), models::priority::kCoordinator, [this] { on_sync_deadline(); });
}

void ClassicGroupCoordinator::on_sync_deadline() {
  sync_timer_ = 0;
  if (state_ != ClassicGroupState::CompletingRebalance) return;
  // Members that never sent SyncGroup (the leader above all) are removed and the group rebalances;
  // those whose SyncGroup waits stay and learn of the new rebalance.
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_)
    if (m.pending_sync) gone.push_back(id);
  for (const auto& id : gone) remove_member(id);
  prepare_rebalance("sync_timeout");
}

void ClassicGroupCoordinator::on_sync(const std::string& member_id, std::int32_t generation,
                          std::optional<std::map<std::string, std::vector<std::int32_t>>> assignment,
                          std::size_t withheld) {
  auto it = members_.find(member_id);
  auto reply = [this](std::int32_t c, std::uint32_t inc, Error err, std::vector<std::int32_t> parts) {
    group_.send([this, c, inc, err, parts] { group_.consumer(c).on_sync_response(inc, err, parts); });
  };
  if (it == members_.end()) return;  // the member was removed; it learns at its next heartbeat
  Member& m = it->second;
  if (generation != generation_) {
    reply(m.meta.consumer, m.meta.incarnation, Error::IllegalGeneration, {});
    return;
  }
  m.pending_sync = false;
  switch (state_) {
    case ClassicGroupState::PreparingRebalance:
      reply(m.meta.consumer, m.meta.incarnation, Error::RebalanceInProgress, {});
      return;
    case ClassicGroupState::Stable: {
      auto a = assignment_.find(member_id);
      reply(m.meta.consumer, m.meta.incarnation, Error::None,
            a == assignment_.end() ? std::vector<std::int32_t>{} : a->second);
      return;
    }
    case ClassicGroupState::CompletingRebalance:
      m.awaiting_sync = true;
      m.last_heartbeat = group_.engine().now();
      if (member_id == leader_ && assignment) complete_sync(std::move(*assignment), withheld);
      return;
    default:
      return;
  }
}

void ClassicGroupCoordinator::complete_sync(std::map<std::string, std::vector<std::int32_t>> assignment, std::size_t withheld) {
  sim::Engine& eng = group_.engine();
  eng.cancel(sync_timer_);
  sync_timer_ = 0;
  assignment_ = std::move(assignment);
  set_state(ClassicGroupState::Stable);
  // Ownership change against the previous stable generation.
  std::map<std::int32_t, std::int32_t> owners;
  GenerationInfo gen;
  gen.group = group_.index();
  gen.generation = generation_;
  gen.at = eng.now();
  for (auto& [id, m] : members_) {
    auto a = assignment_.find(id);
    std::vector<std::int32_t> parts = a == assignment_.end() ? std::vector<std::int32_t>{} : a->second;
    for (std::int32_t p : parts) owners[p] = m.meta.consumer;
    gen.assignment.emplace_back(m.meta.consumer, parts);
    if (m.awaiting_sync) {
      m.awaiting_sync = false;
      std::int32_t c = m.meta.consumer;
      std::uint32_t inc = m.meta.incarnation;
      group_.send([this, c, inc, parts] { group_.consumer(c).on_sync_response(inc, Error::None, parts); });
    }
  }
  std::sort(gen.assignment.begin(), gen.assignment.end());
  group_.signals().generation.emit(gen);
  std::int64_t stall = 0;
  for (const auto& [p, c] : owners) stall += group_.mark_owned(p, eng.now());
  if (open_) open_->stall_partition_ns += stall;
  if (open_ && withheld > 0 && open_->protocol == "cooperative") {
    // Partitions that change owner were withheld: the follow-up round completes this rebalance.
    awaiting_followup_ = true;
    return;
  }
  if (open_) {
    open_->partitions_moved = owner_changes(owners, owners_);
    // Eager members revoke everything they owned before rejoining.
    open_->partitions_revoked =
        open_->protocol == "eager" ? static_cast<std::int64_t>(owners_.size()) : owner_changes(owners_, owners);
    open_->partitions_assigned = static_cast<std::int64_t>(owners.size());
    close_rebalance(generation_);
  }
  owners_ = std::move(owners);
}

void ClassicGroupCoordinator::on_heartbeat(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                               std::uint32_t incarnation) {
  auto it = members_.find(member_id);
  Error err = Error::None;
  if (it == members_.end()) {
    err = Error::UnknownMemberId;
  } else {
    renew_session(it->second);
    if (state_ == ClassicGroupState::PreparingRebalance) {
      err = Error::RebalanceInProgress;
    } else if (generation != generation_) {
      err = Error::IllegalGeneration;
    }
  }
  group_.send([this, consumer, incarnation, err, member_id, generation] {
    group_.consumer(consumer).on_heartbeat_response(incarnation, err, member_id, generation);
  });
}

void ClassicGroupCoordinator::on_leave(const std::string& member_id, const std::string& reason) {
  if (!members_.count(member_id)) return;
  remove_member(member_id);
  switch (state_) {
    case ClassicGroupState::PreparingRebalance:
      if (members_.empty()) {
        complete_join();
      } else {
        try_complete_join();
      }
      break;
    case ClassicGroupState::CompletingRebalance:
    case ClassicGroupState::Stable:
      prepare_rebalance(reason);
      break;
    default:
      break;
  }
}

void ClassicGroupCoordinator::on_commit(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                            const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  auto it = members_.find(member_id);
  if (it == members_.end() || generation != generation_ || state_ == ClassicGroupState::CompletingRebalance) {
    return;  // UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS: the commit is lost
  }
  // An accepted commit counts as a heartbeat: the coordinator restarts the member's session.
  renew_session(it->second);
  accept_commit(consumer, offsets);
}

}  // namespace cgsim::models
