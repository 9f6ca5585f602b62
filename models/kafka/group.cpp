#include "models/common/priorities.hpp"
#include "models/kafka/group.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace cgsim::models {

using sim::Priority;
using sim::Time;

const char* to_string(GroupState s) {
  switch (s) {
    case GroupState::Empty: return "Empty";
    case GroupState::PreparingRebalance: return "PreparingRebalance";
    case GroupState::CompletingRebalance: return "CompletingRebalance";
    case GroupState::Stable: return "Stable";
    case GroupState::Dead: return "Dead";
    case GroupState::Assigning: return "Assigning";
    case GroupState::Reconciling: return "Reconciling";
  }
  return "?";
}

const char* to_string(MemberState s) {
  switch (s) {
    case MemberState::Unjoined: return "Unjoined";
    case MemberState::PreparingRebalance: return "PreparingRebalance";
    case MemberState::CompletingRebalance: return "CompletingRebalance";
    case MemberState::Stable: return "Stable";
    case MemberState::Stopped: return "Stopped";
  }
  return "?";
}

namespace {
/// Kafka's default max.partition.fetch.bytes: how much one partition contributes to a fetch.
constexpr std::int64_t kMaxPartitionFetchBytes = 1 << 20;
}  // namespace

// ---------------------------------------------------------------------------------------------
// Group

Group::Group(sim::Engine& engine, Broker& broker, Signals& signals, const Scenario& scenario,
             const GroupSpec& spec, std::int32_t index)
    : engine_(engine),
      broker_(broker),
      signals_(signals),
      scenario_(scenario),
      spec_(spec),
      index_(index),
      protocol_(spec.protocol == "consumer"      ? Protocol::Consumer
                : spec.protocol == "cooperative" ? Protocol::Cooperative
                                                 : Protocol::Eager),
      assignor_(assignors::find_assignor_info(spec.assignor, scenario.client)),
      offsets_(static_cast<std::size_t>(broker.partition_count())),
      coordinator_(*this),
      consumer_coordinator_(*this) {
  if (!assignor_) throw std::invalid_argument("unknown assignor " + spec.assignor);
  for (const auto& t : broker.topics()) cluster_.topics.push_back({t.name, t.partitions, {}, {}});
  std::set<std::int32_t> parts;
  for (const auto& tn : spec.topics) {
    const TopicInfo& t = broker.topic(broker.topic_index(tn));
    for (std::int32_t p = 0; p < t.partitions; ++p) parts.insert(t.first_gid + p);
  }
  partitions_.assign(parts.begin(), parts.end());
  unowned_since_.assign(static_cast<std::size_t>(broker.partition_count()), -1);
  for (std::int32_t gid : partitions_) unowned_since_[static_cast<std::size_t>(gid)] = 0;
  handed_out_at_.assign(static_cast<std::size_t>(broker.partition_count()), -1);
}

Consumer& Group::add_consumer() {
  consumers_.push_back(std::make_unique<Consumer>(*this, static_cast<std::int32_t>(consumers_.size())));
  return *consumers_.back();
}

Consumer& Group::restart_consumer(std::int32_t index) {
  auto& slot = consumers_[static_cast<std::size_t>(index)];
  retired_.push_back(std::move(slot));
  slot = std::make_unique<Consumer>(*this, index);
  return *slot;
}

void Group::mark_unowned(std::int32_t gid, Time t) {
  auto& u = unowned_since_[static_cast<std::size_t>(gid)];
  if (u < 0) u = t;
}

std::int64_t Group::mark_owned(std::int32_t gid, Time t) {
  auto& u = unowned_since_[static_cast<std::size_t>(gid)];
  if (u < 0) return 0;
  Time from = u;
  u = -1;
  handed_out_at_[static_cast<std::size_t>(gid)] = t;
  const PartitionLog& log = broker_.log(gid);
  std::int64_t waiting = std::max(offsets(gid).frontier, log.start_offset());
  if (waiting >= log.end_offset()) return 0;
  Time first = log.time_at(waiting);
  if (first >= t) return 0;
  return t - std::max(from, first);
}

std::int32_t Group::generation() const {
  return protocol_ == Protocol::Consumer ? consumer_coordinator_.group_epoch() : coordinator_.generation();
}

void Group::finish_run() {
  coordinator_.finish_run();
  consumer_coordinator_.finish_run();
}

std::uint32_t Group::lives(std::int32_t index) const {
  std::uint32_t n = 0;
  for (const auto& c : retired_) n += c->index() == index ? 1 : 0;
  return n;
}

void Group::send(sim::Callback fn) {
  engine_.schedule_after(scenario_.broker.request_latency, models::priority::kNetwork, std::move(fn));
}

std::int32_t Group::gid(const TopicPartition& tp) const {
  return broker_.topic(broker_.topic_index(tp.topic)).first_gid + tp.partition;
}

// ---------------------------------------------------------------------------------------------
// Coordinator

Coordinator::Coordinator(Group& group)
    : group_(group), ids_(group.scenario().seed, "group/" + group.spec().id + "/member-ids") {}

void Coordinator::set_state(GroupState s) {
  if (s == state_) return;
  GroupState from = state_;
  state_ = s;
  group_.signals().group_state.emit(group_.index(), from, s, group_.engine().now());
}

std::string Coordinator::new_member_id(const std::string& client_id) {
  // The broker names members client.id + "-" + a random UUID (version 4).
  std::uint64_t a = ids_.next_u64(), b = ids_.next_u64();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return client_id + "-" + buf;
}

Time Coordinator::rebalance_timeout() const {
  Time t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.meta.rebalance_timeout);
  return t;
}

void Coordinator::arm_expiry(Member& m) {
  if (group_.engine().pending(m.expiry)) return;  // re-armed lazily when it fires
  std::string id = m.meta.member_id;
  m.expiry = group_.engine().schedule_at(m.last_heartbeat + m.meta.session_timeout, models::priority::kCoordinator,
                                         [this, id] { on_expiry(id); });
}

void Coordinator::on_expiry(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  Member& m = it->second;
  m.expiry = 0;
  const Time now = group_.engine().now();
  // A member waiting in JoinGroup or SyncGroup is kept alive by the pending request.
  if (m.awaiting_join || m.awaiting_sync || m.last_heartbeat + m.meta.session_timeout > now) {
    if (m.awaiting_join || m.awaiting_sync) m.last_heartbeat = now;
    arm_expiry(m);
    return;
  }
  remove_member(member_id);
  if (state_ == GroupState::PreparingRebalance) {
    try_complete_join();
  } else if (state_ == GroupState::Stable || state_ == GroupState::CompletingRebalance) {
    prepare_rebalance("session_timeout");
  }
}

void Coordinator::remove_member(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  group_.engine().cancel(it->second.expiry);
  if (it->second.meta.instance_id) static_members_.erase(*it->second.meta.instance_id);
  members_.erase(it);
  if (leader_ == member_id) leader_.clear();
}

void Coordinator::respond_current_generation(const JoinRequest& req, const std::string& member_id) {
  std::int32_t c = req.consumer;
  std::uint32_t inc = req.incarnation;
  std::int32_t gen = generation_;
  std::string leader = leader_;
  group_.send([this, c, inc, member_id, gen, leader] {
    group_.consumer(c).on_join_response(inc, Error::None, member_id, gen, leader, {});
  });
}

void Coordinator::on_join(const JoinRequest& req) {
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
        auto old = members_.find(st->second);
        Member m = old->second;
        std::string old_id = old->first;
        eng.cancel(m.expiry);
        members_.erase(old);
        m.meta = req;
        m.meta.member_id = id;
        m.last_heartbeat = now;
        m.expiry = 0;
        if (leader_ == old_id) leader_ = id;
        auto a = assignment_.find(old_id);
        if (a != assignment_.end()) {
          assignment_[id] = a->second;
          assignment_.erase(a);
        }
        st->second = id;
        auto& nm = members_[id] = m;
        arm_expiry(nm);
        if (state_ == GroupState::Stable) {
          respond_current_generation(req, id);
          return;
        }
        nm.awaiting_join = true;
        if (state_ == GroupState::PreparingRebalance) {
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
  m.last_heartbeat = now;
  m.awaiting_join = true;
  m.awaiting_sync = false;
  arm_expiry(m);
  if (leader_.empty()) leader_ = id;

  switch (state_) {
    case GroupState::Assigning:
    case GroupState::Reconciling:
      break;  // consumer-protocol states; a classic group never enters them
    case GroupState::Empty:
    case GroupState::Dead: {
      // InitialDelayedJoin: wait for more members before the first assignment.
      initial_delay_ = true;
      new_member_added_ = false;
      Time delay = group_.scenario().broker.initial_rebalance_delay;
      Time timeout = rebalance_timeout();
      delay = std::min(delay, timeout);
      initial_remaining_ = std::max<Time>(timeout - delay, 0);
      open_ = RebalanceInfo{};
      open_->group = group_.index();
      open_->start = now;
      open_->trigger = generation_ == 0 ? "initial" : (req.reason.empty() ? "join" : req.reason);
      open_->protocol = group_.spec().protocol;
      group_.signals().rebalance_started.emit(*open_);
      set_state(GroupState::PreparingRebalance);
      join_timer_ = eng.schedule_after(delay, models::priority::kCoordinator, [this] { on_join_deadline(); });
      break;
    }
    case GroupState::PreparingRebalance:
      if (is_new) new_member_added_ = true;
      try_complete_join();
      break;
    case GroupState::CompletingRebalance:
    case GroupState::Stable:
      if (is_new || metadata_changed || id == leader_ || state_ == GroupState::CompletingRebalance) {
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

void Coordinator::prepare_rebalance(const std::string& trigger) {
  sim::Engine& eng = group_.engine();
  const Time now = eng.now();
  if (state_ == GroupState::CompletingRebalance) {
    // Members waiting for SyncGroup learn that the generation is abandoned and rejoin.
    for (auto& [id, m] : members_) {
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
  if (!open_) {
    open_ = RebalanceInfo{};
    open_->group = group_.index();
    open_->start = now;
    open_->trigger = trigger;
    open_->protocol = group_.spec().protocol;
    group_.signals().rebalance_started.emit(*open_);
  }
  initial_delay_ = false;
  set_state(GroupState::PreparingRebalance);
  eng.cancel(join_timer_);
  join_timer_ = eng.schedule_after(rebalance_timeout(), models::priority::kCoordinator, [this] { on_join_deadline(); });
  try_complete_join();
}

void Coordinator::try_complete_join() {
  if (state_ != GroupState::PreparingRebalance || initial_delay_) return;
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

void Coordinator::on_join_deadline() {
  join_timer_ = 0;
  if (state_ != GroupState::PreparingRebalance) return;
  if (initial_delay_ && new_member_added_ && initial_remaining_ > 0) {
    // More members arrived during the initial delay: wait another delay (bounded).
    new_member_added_ = false;
    Time delay = std::min(group_.scenario().broker.initial_rebalance_delay, initial_remaining_);
    initial_remaining_ = std::max<Time>(initial_remaining_ - delay, 0);
    join_timer_ = group_.engine().schedule_after(delay, models::priority::kCoordinator, [this] { on_join_deadline(); });
    return;
  }
  initial_delay_ = false;
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_)
    if (!m.awaiting_join) gone.push_back(id);
  for (const auto& id : gone) remove_member(id);
  pending_members_.clear();
  complete_join();
}

void Coordinator::complete_join() {
  sim::Engine& eng = group_.engine();
  eng.cancel(join_timer_);
  join_timer_ = 0;
  ++generation_;
  if (members_.empty()) {
    set_state(GroupState::Empty);
    assignment_.clear();
    if (open_) {
      open_->end = eng.now();
      open_->generation = generation_;
      open_->partitions_revoked = static_cast<std::int64_t>(owners_.size());
      open_->partitions_moved = static_cast<std::int64_t>(owners_.size());
      group_.signals().rebalance_completed.emit(*open_);
      open_.reset();
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
  set_state(GroupState::CompletingRebalance);
  std::vector<assignors::MemberSubscription> subs;
  for (const auto& [id, m] : members_) {
    assignors::MemberSubscription s;
    s.member_id = id;
    s.group_instance_id = m.meta.instance_id;
    s.rack = m.meta.rack;
    s.topics = m.meta.topics;
    s.generation = m.meta.generation;
    for (std::int32_t gid : m.meta.owned) {
      const TopicInfo& t = group_.broker().topic(group_.broker().topic_of(gid));
      s.owned.push_back(TopicPartition{t.name, gid - t.first_gid});
    }
    subs.push_back(std::move(s));
  }
  for (auto& [id, m] : members_) {
    m.awaiting_join = false;
    m.awaiting_sync = true;
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

void Coordinator::on_sync_deadline() {
  sync_timer_ = 0;
  if (state_ != GroupState::CompletingRebalance) return;
  // Members that never sent SyncGroup (the leader above all) are removed and the group rebalances.
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_)
    if (m.awaiting_sync) gone.push_back(id);
  for (const auto& id : gone) {
    auto& m = members_.at(id);
    m.awaiting_sync = false;
    remove_member(id);
  }
  prepare_rebalance("sync_timeout");
}

void Coordinator::on_sync(const std::string& member_id, std::int32_t generation,
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
  switch (state_) {
    case GroupState::PreparingRebalance:
      reply(m.meta.consumer, m.meta.incarnation, Error::RebalanceInProgress, {});
      return;
    case GroupState::Stable: {
      auto a = assignment_.find(member_id);
      reply(m.meta.consumer, m.meta.incarnation, Error::None,
            a == assignment_.end() ? std::vector<std::int32_t>{} : a->second);
      return;
    }
    case GroupState::CompletingRebalance:
      m.awaiting_sync = true;
      m.last_heartbeat = group_.engine().now();
      if (member_id == leader_ && assignment) complete_sync(std::move(*assignment), withheld);
      return;
    default:
      return;
  }
}

void Coordinator::complete_sync(std::map<std::string, std::vector<std::int32_t>> assignment, std::size_t withheld) {
  sim::Engine& eng = group_.engine();
  eng.cancel(sync_timer_);
  sync_timer_ = 0;
  assignment_ = std::move(assignment);
  set_state(GroupState::Stable);
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
    std::int64_t moved = 0, revoked = 0;
    for (const auto& [p, c] : owners) {
      auto o = owners_.find(p);
      if (o == owners_.end() || o->second != c) ++moved;
    }
    for (const auto& [p, c] : owners_) {
      auto o = owners.find(p);
      if (o == owners.end() || o->second != c) ++revoked;
    }
    open_->end = eng.now();
    open_->generation = generation_;
    open_->partitions_moved = moved;
    // Eager members revoke everything they owned before rejoining.
    open_->partitions_revoked = open_->protocol == "eager" ? static_cast<std::int64_t>(owners_.size()) : revoked;
    open_->partitions_assigned = static_cast<std::int64_t>(owners.size());
    group_.signals().rebalance_completed.emit(*open_);
    open_.reset();
  }
  owners_ = std::move(owners);
}

void Coordinator::on_heartbeat(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                               std::uint32_t incarnation) {
  auto it = members_.find(member_id);
  Error err = Error::None;
  if (it == members_.end()) {
    err = Error::UnknownMemberId;
  } else {
    Member& m = it->second;
    m.last_heartbeat = group_.engine().now();
    arm_expiry(m);
    if (state_ == GroupState::PreparingRebalance) {
      err = Error::RebalanceInProgress;
    } else if (generation != generation_) {
      err = Error::IllegalGeneration;
    }
  }
  group_.send([this, consumer, incarnation, err] {
    group_.consumer(consumer).on_heartbeat_response(incarnation, err);
  });
}

void Coordinator::on_leave(const std::string& member_id, const std::string& reason) {
  if (!members_.count(member_id)) return;
  remove_member(member_id);
  switch (state_) {
    case GroupState::PreparingRebalance:
      if (members_.empty()) {
        complete_join();
      } else {
        try_complete_join();
      }
      break;
    case GroupState::CompletingRebalance:
    case GroupState::Stable:
      prepare_rebalance(reason);
      break;
    default:
      break;
  }
}

void Coordinator::on_commit(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                            const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  auto it = members_.find(member_id);
  if (it == members_.end() || generation != generation_ || state_ == GroupState::CompletingRebalance) {
    return;  // UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS: the commit is lost
  }
  for (const auto& [gid, off] : offsets) group_.offsets(gid).committed = off;
  group_.signals().commit.emit(group_.index(), consumer, offsets.size(), group_.engine().now());
}

void Coordinator::finish_run() {
  if (open_) {
    group_.signals().rebalance_completed.emit(*open_);
    open_.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer

Consumer::Consumer(Group& group, std::int32_t index)
    : g_(group),
      index_(index),
      name_(group.spec().id + "/" + std::to_string(index)),
      client_id_(group.spec().id + "-" + std::to_string(index)),
      incarnation_(group.next_incarnation()),
      processing_rng_(group.scenario().seed,
                      "consumer/" + name_ + "/processing/" + std::to_string(group.lives(index))) {
  if (group.spec().consumers.static_membership) instance_id_ = client_id_;
  std::int32_t bytes = 1;
  for (const auto& tn : group.spec().topics)
    bytes = std::max(bytes, group.broker().topic(group.broker().topic_index(tn)).record_bytes);
  chunk_records_ = std::max<std::int64_t>(1, kMaxPartitionFetchBytes / bytes);
  const sim::Distribution& d = group.spec().consumers.processing_time;
  if (d.kind == sim::Distribution::Kind::Constant && d.value >= 0) constant_processing_ = static_cast<Time>(d.value * 1e9 + 0.5);
}

void Consumer::set_state(MemberState s) {
  if (s == state_) return;
  MemberState from = state_;
  state_ = s;
  g_.signals().member_state.emit(g_.index(), index_, from, s, g_.engine().now());
}

void Consumer::start() {
  sim::Engine& eng = g_.engine();
  created_at_ = eng.now();
  std::uint32_t inc = incarnation_;
  eng.schedule_after(0, models::priority::kClient, [this, inc] {
    if (current(inc)) poll();
  });
}

Time Consumer::processing_time(Time start) {
  if (constant_processing_ >= 0 && start >= slow_until_) return constant_processing_;
  double s = g_.spec().consumers.processing_time.sample(processing_rng_);
  if (start < slow_until_) s *= slow_factor_;
  return static_cast<Time>(s * 1e9 + 0.5);  // s >= 0
}

void Consumer::poll() {
  sim::Engine& eng = g_.engine();
  const Time now = eng.now();
  idle_ = false;
  last_poll_ = now;
  if (close_requested_) {
    do_close();
    return;
  }
  if (kip848()) {
    if (state_ == MemberState::Unjoined) {
      if (!assigned_.empty()) revoke_all();  // fenced or left: the partitions are lost, uncommitted
      if (!join_in_flight_) {
        join_in_flight_ = true;
        set_state(MemberState::PreparingRebalance);
        send_consumer_heartbeat(0, rejoin_reason_);
      }
      return;
    }
    if (!revoke_pending_.empty()) finish_revocation();
  } else if (state_ == MemberState::Unjoined || rejoin_needed_) {
    if (!join_in_flight_) start_join(rejoin_reason_);
  }
  // The join runs without blocking poll(): an eager member has revoked everything and waits; a
  // cooperative member goes on consuming the partitions it owns.
  if (!consuming()) return;
  arm_poll_timer();
  if (g_.spec().commit.kind == CommitSpec::Kind::Auto && !rdk() && now >= next_auto_commit_) {
    commit(false);
    next_auto_commit_ = now + g_.spec().commit.interval;
  }
  fetch_and_process();
}

bool Consumer::cooperative() const { return g_.protocol() == Protocol::Cooperative; }

bool Consumer::kip848() const { return g_.protocol() == Protocol::Consumer; }

bool Consumer::consuming() const {
  if (state_ == MemberState::Stable) return true;
  if (kip848()) return !member_id_.empty() && state_ == MemberState::CompletingRebalance;
  return cooperative() && !assigned_.empty() &&
         (state_ == MemberState::PreparingRebalance || state_ == MemberState::CompletingRebalance);
}

void Consumer::start_join(const std::string& reason) {
  join_in_flight_ = true;
  rejoin_needed_ = false;
  Time delay = 0;
  const bool in_group = generation_ >= 0 && !member_id_.empty();
  if (in_group && g_.spec().commit.kind == CommitSpec::Kind::Auto) {
    // onJoinPrepare: commit the consumed positions and wait for the answer before joining.
    commit(true);
    delay = 2 * g_.scenario().broker.request_latency;
  }
  // Eager members revoke everything; a member that lost its generation loses everything; a
  // cooperative member keeps what it owns and reports it in JoinGroup.
  if (!cooperative() || !in_group) revoke_all();
  set_state(MemberState::PreparingRebalance);
  std::uint32_t inc = incarnation_;
  g_.engine().schedule_after(delay, models::priority::kClient, [this, inc, reason] {
    if (current(inc)) send_join(reason);
  });
}

void Consumer::send_join(const std::string& reason) {
  Coordinator::JoinRequest req;
  req.member_id = member_id_;
  req.instance_id = instance_id_;
  req.consumer = index_;
  req.incarnation = incarnation_;
  req.client_id = client_id_;
  req.session_timeout = g_.spec().session_timeout;
  req.rebalance_timeout = g_.spec().max_poll_interval;
  req.topics = g_.spec().topics;
  req.rack = g_.spec().consumers.rack;
  req.reason = reason;
  req.owned = assigned_;
  req.generation = generation_;
  Coordinator* coord = &g_.coordinator();
  g_.send([coord, req] { coord->on_join(req); });
}

void Consumer::revoke_all() {
  const Time now = g_.engine().now();
  for (std::int32_t gid : assigned_) {
    g_.broker().log(gid).remove_listener(this);
    g_.mark_unowned(gid, now);
  }
  assigned_.clear();
  invalidate_view();
  position_.clear();
  committed_pos_.clear();
  cursor_ = 0;
  chunk_left_ = chunk_records_;
  reset_fetch();
}

void Consumer::on_join_response(std::uint32_t inc, Coordinator::Error err, const std::string& member_id,
                                std::int32_t generation, const std::string& leader,
                                const std::vector<assignors::MemberSubscription>& members) {
  if (!current(inc)) return;
  if (err == Coordinator::Error::MemberIdRequired) {
    member_id_ = member_id;
    send_join(rejoin_reason_);
    return;
  }
  if (err != Coordinator::Error::None) {
    member_id_.clear();
    generation_ = -1;
    join_in_flight_ = false;
    set_state(MemberState::Unjoined);
    poll();
    return;
  }
  member_id_ = member_id;
  generation_ = generation;
  set_state(MemberState::CompletingRebalance);
  schedule_heartbeat();
  std::optional<std::map<std::string, std::vector<std::int32_t>>> plan;
  std::size_t withheld = 0;
  if (leader == member_id && !members.empty()) {
    assignors::AssignResult a = g_.assignor_info().assign_detailed(g_.cluster(), members);
    withheld = a.withheld.size();
    plan.emplace();
    for (const auto& [mid, tps] : a.assignment) {
      auto& v = (*plan)[mid];
      for (const auto& tp : tps) v.push_back(g_.gid(tp));
    }
  }
  Coordinator* coord = &g_.coordinator();
  std::string mid = member_id_;
  std::int32_t gen = generation_;
  g_.send([coord, mid, gen, plan, withheld] { coord->on_sync(mid, gen, plan, withheld); });
}

void Consumer::on_sync_response(std::uint32_t inc, Coordinator::Error err, const std::vector<std::int32_t>& parts) {
  if (!current(inc)) return;
  join_in_flight_ = false;
  if (err != Coordinator::Error::None) {
    if (err != Coordinator::Error::RebalanceInProgress) {
      member_id_.clear();
      generation_ = -1;
    }
    rejoin_reason_ = "join";
    set_state(MemberState::Unjoined);
    poll();
    return;
  }
  std::vector<std::int32_t> next = parts;
  std::sort(next.begin(), next.end());
  if (cooperative()) {
    // Revoke only what the new assignment does not list; keep positions of what stays. Without
    // a rebalance listener nothing is committed here, so records of revoked partitions processed
    // since the commit before JoinGroup are processed again by their next owner.
    std::vector<std::int32_t> revoked;
    for (std::int32_t gid : assigned_)
      if (!std::binary_search(next.begin(), next.end(), gid)) revoked.push_back(gid);
    drop_partitions(revoked);
    if (!revoked.empty()) {
      rejoin_needed_ = true;  // KIP-429: revoking anything calls for a follow-up rebalance
      rejoin_reason_ = "cooperative_followup";
    }
  } else {
    revoke_all();
  }
  std::vector<std::int64_t> pos(next.size(), -1), cpos(next.size(), -1);
  for (std::size_t i = 0; i < next.size(); ++i) {
    const std::size_t j = index_of(next[i]);
    if (j < assigned_.size()) {
      pos[i] = position_[j];
      cpos[i] = committed_pos_[j];
    }
  }
  assigned_ = std::move(next);
  invalidate_view();
  position_ = std::move(pos);
  committed_pos_ = std::move(cpos);
  cursor_ = 0;
  chunk_left_ = chunk_records_;
  reset_fetch();
  for (std::int32_t gid : assigned_) g_.broker().log(gid).add_listener(g_.index(), this);
  set_state(MemberState::Stable);
  assigned_at_ = g_.engine().now();
  next_auto_commit_ = g_.engine().now() + g_.spec().commit.interval;
  schedule_auto_commit_timer();
  init_positions_later();
  if (rejoin_needed_ && !busy_) poll();
}

void Consumer::init_positions_later() {
  // OffsetFetch for new partitions costs one round trip before their first fetch.
  std::uint32_t me = incarnation_;
  g_.engine().schedule_after(2 * g_.scenario().broker.request_latency, models::priority::kClient, [this, me] {
    if (!current(me) || !consuming()) return;
    const Time now = g_.engine().now();
    for (std::size_t i = 0; i < assigned_.size(); ++i) {
      if (position_[i] >= 0) continue;
      std::int32_t gid = assigned_[i];
      GroupPartition& gp = g_.offsets(gid);
      PartitionLog& log = g_.broker().log(gid);
      if (gp.committed >= 0) {
        position_[i] = std::max(gp.committed, log.start_offset());
      } else if (g_.spec().auto_offset_reset == "latest") {
        std::int64_t end = log.end_at(now);
        if (end > gp.frontier) {
          g_.add_skipped(static_cast<std::uint64_t>(end - gp.frontier));
          gp.frontier = end;
        }
        position_[i] = end;
      } else {
        position_[i] = log.start_offset();
      }
      committed_pos_[i] = gp.committed;
    }
    invalidate_view();
    if (!busy_) poll();
  });
}

void Consumer::drop_partitions(const std::vector<std::int32_t>& gids) {
  if (gids.empty()) return;
  const Time now = g_.engine().now();
  std::vector<std::int32_t> keep;
  std::vector<std::int64_t> pos, cpos;
  for (std::size_t i = 0; i < assigned_.size(); ++i) {
    std::int32_t gid = assigned_[i];
    if (std::find(gids.begin(), gids.end(), gid) != gids.end()) {
      g_.broker().log(gid).remove_listener(this);
      g_.mark_unowned(gid, now);
    } else {
      keep.push_back(gid);
      pos.push_back(position_[i]);
      cpos.push_back(committed_pos_[i]);
    }
  }
  assigned_ = std::move(keep);
  invalidate_view();
  position_ = std::move(pos);
  committed_pos_ = std::move(cpos);
}

void Consumer::schedule_heartbeat() {
  sim::Engine& eng = g_.engine();
  if (eng.pending(heartbeat_event_)) return;
  std::uint32_t inc = incarnation_;
  heartbeat_due_ = eng.now() + g_.spec().heartbeat_interval;
  const Time at = rdk() ? main_loop_wake(heartbeat_due_) : heartbeat_due_;
  heartbeat_event_ = eng.schedule_at(at, models::priority::kClient, [this, inc] {
    if (current(inc)) heartbeat();
  });
}

namespace {
/// The first tick at or after @p t of a timer started at @p phase with period @p period.
Time next_tick(Time t, Time phase, Time period) {
  if (t <= phase) return phase;
  return phase + (t - phase + period - 1) / period * period;
}
/// librdkafka's max.poll.interval.ms check timer: every 500 ms from the last assign() call.
constexpr Time kMaxPollCheckPeriod = 500 * sim::kMillisecond;
}  // namespace

Time Consumer::main_loop_wake(Time t) const {
  // librdkafka serves the group state machine, heartbeats included, from its main thread, which
  // sleeps until its next timer or an incoming operation. A heartbeat that is due therefore goes
  // out at the next wake-up: the 1 s housekeeping timer and the auto-commit timer run from the
  // client's creation, the max.poll.interval.ms check from the last assignment.
  Time at = next_tick(t, created_at_ + sim::kSecond, sim::kSecond);
  if (g_.spec().commit.kind == CommitSpec::Kind::Auto && g_.spec().commit.interval > 0) {
    at = std::min(at, next_tick(t, created_at_ + g_.spec().commit.interval, g_.spec().commit.interval));
  }
  if (assigned_at_ >= 0) at = std::min(at, next_tick(t, assigned_at_ + kMaxPollCheckPeriod, kMaxPollCheckPeriod));
  return at;
}

void Consumer::main_loop_woken() {
  // An operation from the application (a commit) wakes librdkafka's main thread, which then
  // sends a heartbeat that is due.
  sim::Engine& eng = g_.engine();
  if (!rdk() || !eng.pending(heartbeat_event_) || eng.now() < heartbeat_due_) return;
  eng.cancel(heartbeat_event_);
  heartbeat_event_ = 0;
  heartbeat();
}

void Consumer::heartbeat() {
  heartbeat_event_ = 0;
  // The heartbeat thread runs only while the member has joined (not while it is rejoining).
  if (member_id_.empty() || state_ == MemberState::Unjoined || state_ == MemberState::PreparingRebalance) return;
  if (kip848()) {
    send_consumer_heartbeat(generation_, "");
    schedule_heartbeat();
    return;
  }
  Coordinator* coord = &g_.coordinator();
  std::string mid = member_id_;
  std::int32_t gen = generation_;
  std::int32_t c = index_;
  std::uint32_t inc = incarnation_;
  g_.send([coord, mid, gen, c, inc] { coord->on_heartbeat(mid, gen, c, inc); });
  schedule_heartbeat();
}

void Consumer::on_heartbeat_response(std::uint32_t inc, Coordinator::Error err) {
  if (!current(inc)) return;
  if (err == Coordinator::Error::None) return;
  if (err == Coordinator::Error::UnknownMemberId || err == Coordinator::Error::IllegalGeneration) {
    // Fenced: the partitions are lost, nothing is committed.
    member_id_.clear();
    generation_ = -1;
    set_state(MemberState::Unjoined);
  }
  if (state_ == MemberState::Stable || state_ == MemberState::Unjoined) {
    rejoin_needed_ = true;
    rejoin_reason_ = "join";
    if (idle_) {
      poll();
    } else if (rdk() && !join_in_flight_) {
      // librdkafka serves the rebalance from its own threads: it does not wait for the
      // application's next poll. Queued messages of revoked partitions are purged.
      truncate_batch(g_.engine().now());
      start_join(rejoin_reason_);
    }
  }
}

void Consumer::arm_poll_timer() {
  sim::Engine& eng = g_.engine();
  if (poll_timer_ != 0) return;  // pending (it is re-armed lazily when it fires)
  std::uint32_t inc = incarnation_;
  poll_timer_ = eng.schedule_at(last_poll_ + g_.spec().max_poll_interval, models::priority::kClient, [this, inc] {
    if (current(inc)) on_poll_timer();
  });
}

void Consumer::on_poll_timer() {
  poll_timer_ = 0;
  const Time now = g_.engine().now();
  if (!busy_) return;  // the application is inside poll(): no timeout
  Time polled = last_poll_;
  if (rdk()) {
    // librdkafka hands out one message per poll: the interval runs from the current message.
    for (std::size_t k = batch_emitted_; k < batch_.size(); ++k) {
      if (record_start(k) <= now) polled = record_start(k);
    }
  }
  if (polled + g_.spec().max_poll_interval > now) {
    std::uint32_t inc = incarnation_;
    poll_timer_ = g_.engine().schedule_at(polled + g_.spec().max_poll_interval, models::priority::kClient, [this, inc] {
      if (current(inc)) on_poll_timer();
    });
    return;
  }
  if (member_id_.empty()) return;
  // max.poll.interval.ms exceeded: the heartbeat thread leaves the group; the member's
  // partitions are lost (no commit) and it rejoins with a new member id at its next poll.
  if (kip848()) {
    send_consumer_heartbeat(-1, "max_poll_interval");
    member_id_.clear();
    generation_ = -1;
    revoke_pending_.clear();
    set_state(MemberState::Unjoined);
    rejoin_reason_ = "join";
    return;
  }
  // A static member sends no LeaveGroup: the coordinator keeps it until its session expires or
  // the member comes back under the same group.instance.id.
  if (!instance_id_) {
    Coordinator* coord = &g_.coordinator();
    std::string mid = member_id_;
    g_.send([coord, mid] { coord->on_leave(mid, "max_poll_interval"); });
  }
  member_id_.clear();
  generation_ = -1;
  set_state(MemberState::Unjoined);
  rejoin_reason_ = "join";
}

void Consumer::commit(bool) {
  if (member_id_.empty() || generation_ < 0) return;
  std::vector<std::pair<std::int32_t, std::int64_t>> offsets;
  // Java commits the positions of everything poll() returned, which the application has
  // processed by its next poll; librdkafka commits its offset store.
  std::vector<std::pair<std::int32_t, std::int64_t>> stored;
  if (rdk()) stored = stored_offsets(g_.engine().now());
  for (std::size_t i = 0; i < assigned_.size(); ++i) {
    std::int64_t pos = rdk() ? stored[i].second : position_[i];
    if (pos >= 0 && pos != committed_pos_[i]) {
      offsets.emplace_back(assigned_[i], pos);
      committed_pos_[i] = pos;
    }
  }
  if (offsets.empty()) return;
  std::string mid = member_id_;
  std::int32_t c = index_;
  if (kip848()) {
    ConsumerGroupCoordinator* cg = &g_.consumer_coordinator();
    g_.send([cg, mid, c, offsets] { cg->on_commit(mid, c, offsets); });
    return;
  }
  Coordinator* coord = &g_.coordinator();
  std::int32_t gen = generation_;
  g_.send([coord, mid, gen, c, offsets] { coord->on_commit(mid, gen, c, offsets); });
}

void Consumer::fetch_and_process() {
  sim::Engine& eng = g_.engine();
  const Time now = eng.now();
  std::int64_t remaining = g_.spec().max_poll_records;
  batch_.clear();
  batch_emitted_ = 0;
  batch_start_ = now;
  const std::size_t n = assigned_.size();
  // A poll returns what fetch responses already delivered to the client's buffer, going round the
  // partitions from the cursor: it takes up to one max.partition.fetch.bytes chunk from each and
  // visits each partition at most once. A visit to a partition with nothing in the buffer only
  // moves the cursor on and starts a new chunk, so those visits are taken in one step.
  ensure_view();
  if (n > 0 && cursor_ >= n) cursor_ = 0;
  Time t = now;
  std::size_t steps = n;  // visits left in this poll
  if (ready_count_ == 0 && steps > 0 && remaining > 0) {
    // Nothing in the buffer: the visits go once round, leaving the cursor where it was (in [1, n])
    // and a new chunk started; the loop below would take the same single step.
    if (cursor_ == 0) cursor_ = n;
    chunk_left_ = chunk_records_;
    steps = 0;
  }
  while (steps > 0 && remaining > 0) {
    if (cursor_ >= n) cursor_ = 0;
    std::size_t skip = n;
    if (ready_count_ > 0) {
      const std::size_t r = next_ready(cursor_);
      skip = r >= cursor_ ? r - cursor_ : r + n - cursor_;
    }
    if (skip >= steps) {
      cursor_ += steps;  // the last visit leaves the cursor one past it, in [1, n]
      if (cursor_ > n) cursor_ -= n;
      chunk_left_ = chunk_records_;
      break;
    }
    if (skip > 0) {
      cursor_ += skip;
      if (cursor_ >= n) cursor_ -= n;
      chunk_left_ = chunk_records_;
      steps -= skip;
    }
    const std::size_t i = cursor_;
    --steps;
    const std::int32_t gid = assigned_[i];
    const std::int64_t end = end_cut_[i];
    const std::int64_t take = std::min({end - position_[i], remaining, chunk_left_});
    const std::int64_t pos = position_[i];
    const Time* appended = g_.broker().log(gid).times_from(pos);
    ProcessedRecord* out = batch_.room(static_cast<std::size_t>(take));
    if (constant_processing_ >= 0 && t >= slow_until_) {
      // Past any slow spell the processing time is the same for every record.
      const Time d = constant_processing_;
      for (std::int64_t k = 0; k < take; ++k) {
        t += d;
        out[k] = ProcessedRecord{gid, pos + k, appended[k], t, false, false};
      }
    } else {
      for (std::int64_t k = 0; k < take; ++k) {
        t += processing_time(t);
        out[k] = ProcessedRecord{gid, pos + k, appended[k], t, false, false};
      }
    }
    batch_.commit(static_cast<std::size_t>(take));
    // The position stays within the buffer, so what the next fetch waits for does not change.
    position_[i] += take;
    remaining -= take;
    chunk_left_ -= take;
    if (position_[i] >= end) set_ready(i, false);
    if (chunk_left_ <= 0 || position_[i] >= end) {
      cursor_ = i + 1;
      chunk_left_ = chunk_records_;
    } else {
      break;  // quota filled inside this partition: the next poll continues here
    }
  }
  if (batch_.empty()) {
    // The fetcher pipelines: the next fetch goes out while the application processes the batch.
    if (!fetch_in_flight_) send_fetch();
    ran_dry_ = true;
    go_idle();
    return;
  }
  batch_.front().after_idle = ran_dry_;
  ran_dry_ = false;
  busy_ = true;
  std::uint32_t inc = incarnation_;
  // The batch's end is scheduled before the next fetch's response, which is usually later: when the
  // engine's queue is a heap (large groups), the first event a handler schedules takes the place of
  // the running one at the root and sinks from there, so the nearer one sinks less. The two have
  // different priorities, so which is scheduled first does not change the order in which events
  // run.
  batch_event_ = eng.schedule_at(t, models::priority::kClient, [this, inc] {
    if (current(inc)) batch_done();
  });
  if (!fetch_in_flight_) send_fetch();
}

void Consumer::emit_until(Time until) {
  std::size_t end = batch_.size();
  if (end == 0 || batch_.back().done > until) {
    // Part of the batch (a crash or a revocation in the middle of it): find where it stops.
    end = batch_emitted_;
    while (end < batch_.size() && batch_[end].done <= until) ++end;
  }
  if (end == batch_emitted_) return;
  ProcessedRecord* first = batch_.data() + batch_emitted_;
  const std::size_t count = end - batch_emitted_;
  for (std::size_t k = 0; k < count; ++k) {
    ProcessedRecord& r = first[k];
    GroupPartition& gp = g_.offsets(r.partition);
    if (r.offset < gp.frontier) {
      r.duplicate = true;
      ++duplicates_;
    } else {
      if (r.offset > gp.frontier) g_.add_lost(static_cast<std::uint64_t>(r.offset - gp.frontier));
      gp.frontier = r.offset + 1;
    }
  }
  consumed_ += count;
  batch_emitted_ = end;
  g_.signals().processed.emit(g_.index(), index_, first, count);
}

void Consumer::batch_done() {
  batch_event_ = 0;
  emit_until(g_.engine().now());
  busy_ = false;
  batch_.clear();
  batch_emitted_ = 0;
  if (g_.spec().commit.kind == CommitSpec::Kind::AfterBatch && consuming()) {
    commit(true);
    main_loop_woken();
    std::uint32_t inc = incarnation_;
    g_.engine().schedule_after(2 * g_.scenario().broker.request_latency, models::priority::kClient, [this, inc] {
      if (current(inc)) poll();
    });
    return;
  }
  poll();
}

void Consumer::Batch::grow(std::size_t need) {
  const std::size_t cap = std::max({need, 2 * cap_, std::size_t{64}});
  auto bigger = std::make_unique<ProcessedRecord[]>(cap);
  std::copy(data_.get(), data_.get() + size_, bigger.get());
  data_ = std::move(bigger);
  cap_ = cap;
}

void Consumer::go_idle() {
  idle_ = true;
  // Data arrives through the fetch in flight; the only other reason to wake is a due auto-commit
  // (librdkafka commits from its own timer instead).
  if (g_.spec().commit.kind != CommitSpec::Kind::Auto || rdk()) return;
  Time at = std::max(next_auto_commit_, g_.engine().now());
  if (wake_event_ != 0 && wake_at_ == at) return;  // pending: wake() clears the id
  bool dirty = false;
  for (std::size_t i = 0; i < assigned_.size(); ++i) dirty |= position_[i] != committed_pos_[i];
  if (!dirty) return;
  g_.engine().cancel(wake_event_);
  wake_at_ = at;
  std::uint32_t inc = incarnation_;
  wake_event_ = g_.engine().schedule_at(at, models::priority::kClient, [this, inc] {
    if (current(inc)) wake();
  });
}

void Consumer::wake() {
  wake_event_ = 0;
  if (idle_) poll();
}

void Consumer::reset_fetch() {
  g_.engine().cancel(fetch_event_);
  fetch_event_ = 0;
  fetch_in_flight_ = false;
  fetch_respond_at_ = sim::kNever;
  ++fetch_epoch_;
  cut_ = -1;
  invalidate_view();
}

namespace {
/// Kafka's default fetch.max.wait.ms.
constexpr Time kFetchMaxWait = 500 * sim::kMillisecond;
}  // namespace

void Consumer::send_fetch() {
  if (assigned_.empty()) return;
  const Time lat = g_.scenario().broker.request_latency;
  fetch_in_flight_ = true;
  fetch_at_broker_ = g_.engine().now() + lat;
  // The broker answers at once when a record past the client's buffer is there, otherwise when
  // the first one arrives, at the latest after fetch.max.wait.ms.
  ensure_view();
  // Without branches: the minimum moves about. The view's padding (kNever) leaves it alone and
  // makes the trip count the same for every consumer of a group, so the loop's end is predicted.
  const Time* next = fetch_next_.data();
  Time first = sim::kNever;
  for (std::size_t k = 0; k < fetch_next_.size(); k += kViewLanes) {
    const Time m01 = std::min(next[k], next[k + 1]);
    const Time m23 = std::min(next[k + 2], next[k + 3]);
    first = std::min(first, std::min(m01, m23));
  }
  schedule_fetch_response(std::min(fetch_at_broker_ + kFetchMaxWait, std::max(fetch_at_broker_, first)));
}

void Consumer::ensure_view() {
  if (view_valid_) return;
  const std::size_t n = assigned_.size();
  end_cut_.assign(n, 0);
  // Padded to whole groups of kViewLanes with kNever, which is never due and never the least.
  const std::size_t padded = (n + kViewLanes - 1) / kViewLanes * kViewLanes;
  past_cut_.assign(padded, sim::kNever);
  fetch_next_.assign(padded, sim::kNever);
  ready_.assign((n + 63) / 64, 0);
  ready_count_ = 0;
  for (std::size_t i = 0; i < n; ++i) refresh_view(i);
  view_valid_ = true;
}

void Consumer::refresh_view(std::size_t i) {
  PartitionLog& log = g_.broker().log(assigned_[i]);
  const std::int64_t end = log.end_at(cut_);
  const std::int64_t log_end = log.end_offset();
  end_cut_[i] = end;
  past_cut_[i] = end < log_end ? log.time_at(end) : sim::kNever;
  const std::int64_t pos = position_[i];
  const std::int64_t next = std::max(pos, end);
  fetch_next_[i] = pos >= 0 && next < log_end ? log.time_at(next) : sim::kNever;
  set_ready(i, pos >= 0 && end > pos);
}

void Consumer::advance_cut(Time cut) {
  if (cut <= cut_) return;
  cut_ = cut;
  if (!view_valid_) return;
  const std::size_t n = assigned_.size();
  const std::size_t padded = past_cut_.size();  // a multiple of kViewLanes (and of 64 past 64)
  const Time* past = past_cut_.data();
  for (std::size_t base = 0; base < padded; base += 64) {
    // Which of these 64 partitions have a record between the old cut and the new one, as a mask
    // built without branches: which ones they are is unpredictable. The padding is never due
    // (kNever is later than any cut), and the loop runs whole groups of lanes, so its trip count
    // is the same for every consumer of a group and its end is predicted.
    const std::size_t m = std::min<std::size_t>(64, padded - base);
    std::uint64_t due = 0;
    for (std::size_t k = 0; k < m; k += kViewLanes) {
      const Time* p = past + base + k;
      due |= (static_cast<std::uint64_t>(p[0] <= cut) | static_cast<std::uint64_t>(p[1] <= cut) << 1 |
              static_cast<std::uint64_t>(p[2] <= cut) << 2 | static_cast<std::uint64_t>(p[3] <= cut) << 3)
             << k;
    }
    if (n - base < 64) due &= (std::uint64_t{1} << (n - base)) - 1;  // only partitions, whatever the cut
    for (; due != 0; due &= due - 1) {
      const std::size_t i = base + static_cast<std::size_t>(std::countr_zero(due));
      advance_cut_of(i, cut);
    }
  }
}

void Consumer::advance_cut_of(std::size_t i, Time cut) {
  // The record at end_cut_[i] is at or before the new cut: the new end is further on in the log.
  const PartitionLog& log = g_.broker().log(assigned_[i]);
  if (end_cut_[i] < log.start_offset()) {
    refresh_view(i);  // the records at the old end were dropped since: start from the log's cursor
    return;
  }
  const std::int64_t log_end = log.end_offset();
  std::int64_t end = end_cut_[i] + 1;
  Time past = sim::kNever;
  for (; end < log_end; ++end) {
    const Time t = log.time_at(end);
    if (t > cut) {
      past = t;
      break;
    }
  }
  end_cut_[i] = end;
  past_cut_[i] = past;
  const std::int64_t pos = position_[i];
  if (pos < 0) {  // position not known yet: nothing to fetch or read
    fetch_next_[i] = sim::kNever;
    set_ready(i, false);
    return;
  }
  fetch_next_[i] = pos <= end ? past : (pos < log_end ? log.time_at(pos) : sim::kNever);
  set_ready(i, end > pos);
}

std::size_t Consumer::next_ready(std::size_t from) const {
  const std::size_t words = ready_.size();
  std::size_t w = from >> 6;
  std::uint64_t bits = ready_[w] & (~std::uint64_t{0} << (from & 63));
  for (std::size_t k = 0; k <= words; ++k) {
    if (bits != 0) return (w << 6) + static_cast<std::size_t>(std::countr_zero(bits));
    w = w + 1 == words ? 0 : w + 1;
    bits = ready_[w];
  }
  return from;  // unreachable while ready_count_ > 0
}

void Consumer::schedule_fetch_response(Time respond_at) {
  g_.engine().cancel(fetch_event_);
  fetch_respond_at_ = respond_at;
  std::uint32_t inc = incarnation_;
  std::uint32_t epoch = fetch_epoch_;
  fetch_event_ = g_.engine().schedule_at(respond_at + g_.scenario().broker.request_latency, models::priority::kNetwork,
                                         [this, inc, epoch] {
                                           if (current(inc)) on_fetch_response(epoch);
                                         });
}

void Consumer::on_fetch_response(std::uint32_t epoch) {
  fetch_event_ = 0;
  if (epoch != fetch_epoch_ || !fetch_in_flight_) return;
  fetch_in_flight_ = false;
  advance_cut(fetch_respond_at_);
  fetch_respond_at_ = sim::kNever;
  if (idle_ && consuming()) {
    poll();
  } else if (!busy_ && consuming()) {
    send_fetch();
  }
}

void Consumer::on_append(std::int32_t partition, Time first_time) {
  if (view_valid_) {
    const std::size_t i = index_of(partition);
    if (i < assigned_.size()) {
      if (first_time > cut_ && past_cut_[i] == sim::kNever && position_[i] >= 0 && position_[i] <= end_cut_[i]) {
        // Nothing was past the cut, so the end at the cut was the log's end: the first new record
        // is the first one past the cut, and past the position too.
        past_cut_[i] = first_time;
        fetch_next_[i] = first_time;
      } else if (first_time <= cut_ || past_cut_[i] == sim::kNever || fetch_next_[i] == sim::kNever) {
        refresh_view(i);
      }
    }
  }
  // A held fetch is answered as soon as a record arrives for one of its partitions.
  if (!fetch_in_flight_) return;
  Time at = std::max(fetch_at_broker_, first_time);
  if (at < fetch_respond_at_) schedule_fetch_response(at);
}

bool Consumer::rdk() const { return g_.scenario().client == ClientFlavor::Librdkafka; }

Time Consumer::record_start(std::size_t i) const { return i == 0 ? batch_start_ : batch_[i - 1].done; }

std::vector<std::pair<std::int32_t, std::int64_t>> Consumer::stored_offsets(Time t) const {
  std::vector<std::pair<std::int32_t, std::int64_t>> out;
  out.reserve(assigned_.size());
  for (std::size_t i = 0; i < assigned_.size(); ++i) out.emplace_back(assigned_[i], position_[i]);
  if (!busy_) return out;
  for (std::size_t k = batch_emitted_; k < batch_.size(); ++k) {
    if (record_start(k) <= t) continue;  // handed to the application: stored
    const std::size_t i = index_of(batch_[k].partition);
    if (i == assigned_.size()) continue;
    auto& o = out[i].second;
    o = std::min(o, batch_[k].offset);
  }
  return out;
}

bool Consumer::truncate_batch(Time t) {
  if (!busy_) return false;
  std::size_t keep = batch_emitted_;
  while (keep < batch_.size() && record_start(keep) <= t) ++keep;
  if (keep == batch_.size()) return false;
  for (std::size_t k = keep; k < batch_.size(); ++k) {
    const std::size_t i = index_of(batch_[k].partition);
    if (i < assigned_.size()) position_[i] = std::min(position_[i], batch_[k].offset);
  }
  invalidate_view();
  batch_.truncate(keep);
  g_.engine().cancel(batch_event_);
  if (batch_.size() == batch_emitted_) {
    batch_event_ = 0;
    busy_ = false;
    batch_.clear();
    batch_emitted_ = 0;
    return true;
  }
  std::uint32_t inc = incarnation_;
  batch_event_ = g_.engine().schedule_at(batch_.back().done, models::priority::kClient, [this, inc] {
    if (current(inc)) batch_done();
  });
  return true;
}

void Consumer::schedule_auto_commit_timer() {
  // librdkafka commits its offset store from a background timer every auto.commit.interval.ms.
  if (!rdk() || g_.spec().commit.kind != CommitSpec::Kind::Auto) return;
  sim::Engine& eng = g_.engine();
  if (eng.pending(commit_timer_)) return;
  std::uint32_t inc = incarnation_;
  // The timer runs from the client's creation, not from its first assignment.
  const Time interval = g_.spec().commit.interval;
  const Time at = next_tick(eng.now() + 1, created_at_ + interval, interval);
  commit_timer_ = eng.schedule_at(at, models::priority::kClient, [this, inc] {
    if (!current(inc)) return;
    commit_timer_ = 0;
    if (consuming()) commit(false);
    if (!member_id_.empty()) schedule_auto_commit_timer();
  });
}

void Consumer::send_consumer_heartbeat(std::int32_t epoch, const std::string& reason) {
  ConsumerGroupCoordinator::Heartbeat hb;
  hb.member_id = epoch == 0 ? std::string() : member_id_;
  hb.epoch = epoch;
  hb.instance_id = instance_id_;
  hb.rack = g_.spec().consumers.rack;
  hb.consumer = index_;
  hb.incarnation = incarnation_;
  hb.client_id = client_id_;
  hb.topics = g_.spec().topics;
  hb.owned = assigned_;
  hb.rebalance_timeout = g_.spec().max_poll_interval;
  hb.session_timeout = g_.spec().session_timeout;
  hb.reason = reason;
  ConsumerGroupCoordinator* cg = &g_.consumer_coordinator();
  g_.send([cg, hb] { cg->on_heartbeat(hb); });
}

void Consumer::finish_revocation() {
  // Revocation runs at poll time: commit what was consumed (auto-commit), give the partitions
  // up, then acknowledge with a heartbeat once the commit has been answered.
  Time delay = 0;
  if (g_.spec().commit.kind == CommitSpec::Kind::Auto) {
    commit(true);
    delay = 2 * g_.scenario().broker.request_latency;
  }
  drop_partitions(revoke_pending_);
  revoke_pending_.clear();
  cursor_ = 0;
  chunk_left_ = chunk_records_;
  reset_fetch();
  std::uint32_t inc = incarnation_;
  g_.engine().schedule_after(delay, models::priority::kClient, [this, inc] {
    if (current(inc) && !member_id_.empty()) send_consumer_heartbeat(generation_, "");
  });
}

void Consumer::on_consumer_heartbeat_response(std::uint32_t inc, const ConsumerGroupCoordinator::Response& r) {
  if (!current(inc)) return;
  if (r.fenced) {
    // UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: everything owned is lost; rejoin.
    member_id_.clear();
    generation_ = -1;
    join_in_flight_ = false;
    revoke_pending_.clear();
    set_state(MemberState::Unjoined);
    rejoin_reason_ = "join";
    if (!busy_) poll();
    return;
  }
  if (!join_in_flight_ && member_id_.empty()) return;  // a response to a heartbeat sent before leaving
  const bool joined_now = join_in_flight_;
  join_in_flight_ = false;
  member_id_ = r.member_id;
  generation_ = r.epoch;
  if (joined_now) {
    schedule_heartbeat();
    schedule_auto_commit_timer();
  }
  std::vector<std::int32_t> next = r.assignment;
  std::sort(next.begin(), next.end());
  revoke_pending_.clear();
  for (std::int32_t gid : assigned_)
    if (!std::binary_search(next.begin(), next.end(), gid)) revoke_pending_.push_back(gid);
  bool added = false;
  for (std::int32_t gid : next) {
    const std::size_t i = lower_index(assigned_, gid);
    if (i < assigned_.size() && assigned_[i] == gid) continue;
    const auto at = static_cast<std::ptrdiff_t>(i);
    assigned_.insert(assigned_.begin() + at, gid);
    invalidate_view();
    position_.insert(position_.begin() + at, -1);
    committed_pos_.insert(committed_pos_.begin() + at, -1);
    g_.broker().log(gid).add_listener(g_.index(), this);
    added = true;
  }
  if (added) {
    cursor_ = 0;
    chunk_left_ = chunk_records_;
    reset_fetch();
    if (joined_now) next_auto_commit_ = g_.engine().now() + g_.spec().commit.interval;
    init_positions_later();
  }
  set_state(revoke_pending_.empty() ? MemberState::Stable : MemberState::CompletingRebalance);
  if (!revoke_pending_.empty() && !busy_) poll();
}

void Consumer::crash() {
  if (stopped()) return;
  emit_until(g_.engine().now());
  sim::Engine& eng = g_.engine();
  for (sim::EventId e : {batch_event_, wake_event_, heartbeat_event_, poll_timer_, fetch_event_, commit_timer_}) eng.cancel(e);
  busy_ = false;
  idle_ = false;
  for (std::int32_t gid : assigned_) {
    g_.broker().log(gid).remove_listener(this);
    g_.mark_unowned(gid, g_.engine().now());
  }
  set_state(MemberState::Stopped);
}

void Consumer::close(std::function<void()> then) {
  if (stopped()) {
    if (then) then();
    return;
  }
  close_requested_ = true;
  on_closed_ = std::move(then);
  if (!busy_) poll();
}

void Consumer::do_close() {
  // KafkaConsumer.close(): commit (auto-commit) synchronously, then leave the group; a static
  // member does not send LeaveGroup and relies on coming back within the session timeout.
  if (consuming() && g_.spec().commit.kind == CommitSpec::Kind::Auto) commit(true);
  if (kip848()) {
    if (!member_id_.empty()) send_consumer_heartbeat(instance_id_ ? -2 : -1, "leave");
  } else if (!member_id_.empty() && !instance_id_) {
    Coordinator* coord = &g_.coordinator();
    std::string mid = member_id_;
    g_.send([coord, mid] { coord->on_leave(mid, "leave"); });
  }
  crash();
  if (on_closed_) {
    auto f = std::move(on_closed_);
    f();
  }
}

void Consumer::slow(double factor, Time until) {
  slow_factor_ = factor;
  slow_until_ = until;
}

void Consumer::finish_run() {
  if (stopped()) return;
  emit_until(g_.engine().now());
}

}  // namespace cgsim::models
