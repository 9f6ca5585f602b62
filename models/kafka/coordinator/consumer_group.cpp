#include "models/kafka/coordinator/consumer_group.hpp"

#include <algorithm>
#include <cstdio>

#include "models/common/priorities.hpp"
#include "models/kafka/group.hpp"

namespace cgsim::models {

using sim::Time;

const char* to_string(ConsumerGroupState s) {
  switch (s) {
    case ConsumerGroupState::Empty: return "Empty";
    case ConsumerGroupState::Assigning: return "Assigning";
    case ConsumerGroupState::Reconciling: return "Reconciling";
    case ConsumerGroupState::Stable: return "Stable";
    case ConsumerGroupState::Dead: return "Dead";
  }
  return "?";
}

ConsumerGroupCoordinator::ConsumerGroupCoordinator(Group& group)
    : CoordinatorBase(group, ConsumerGroupState::Empty) {}

std::string ConsumerGroupCoordinator::new_member_id() {
  // The coordinator names members with a random UUID (its base64 form upstream; the textual form
  // here, which sorts the same way for every purpose cgsim has).
  const auto [a, b] = random_id_bits();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  return buf;
}

void ConsumerGroupCoordinator::on_revoke_deadline(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  it->second.revoke_deadline = 0;
  // The member did not revoke within its rebalance timeout: it is fenced and removed.
  if (!it->second.revoking.empty()) remove(member_id, "rebalance_timeout");
}

void ConsumerGroupCoordinator::remove(const std::string& member_id, const std::string& trigger) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  sim::Engine& eng = group_.engine();
  forget(it->second);
  eng.cancel(it->second.revoke_deadline);
  for (std::int32_t p : it->second.assigned) {
    holder_.erase(p);
    group_.mark_unowned(p, eng.now());
  }
  members_.erase(it);
  target_.erase(member_id);
  bump_epoch(trigger);
  update_state();
}

void ConsumerGroupCoordinator::bump_epoch(const std::string& trigger) {
  ++group_epoch_;
  if (!open_ && !members_.empty()) open_rebalance(trigger, "consumer", 0);
  if (open_) ++open_->rounds;
  set_state(ConsumerGroupState::Assigning);
  compute_target();
}

void ConsumerGroupCoordinator::compute_target() {
  std::vector<assignors::MemberSubscription> subs;
  for (const auto& [id, m] : members_) {
    assignors::MemberSubscription s = subscription(id, m.meta);
    auto t = target_.find(id);
    if (t != target_.end())
      for (std::int32_t gid : t->second) s.owned.push_back(topic_partition(gid));
    s.generation = target_epoch_;
    subs.push_back(std::move(s));
  }
  target_.clear();
  if (!subs.empty()) {
    assignors::AssignResult r = group_.assignor_info().assign_detailed(group_.cluster(), subs);
    for (const auto& [mid, tps] : r.assignment) {
      auto& v = target_[mid];
      for (const auto& tp : tps) v.push_back(group_.gid(tp));
      std::sort(v.begin(), v.end());
    }
  }
  target_epoch_ = group_epoch_;
}

ConsumerGroupCoordinator::Response ConsumerGroupCoordinator::reconcile(Member& m) {
  sim::Engine& eng = group_.engine();
  const auto& tv = target_[m.meta.member_id];
  std::set<std::int32_t> target(tv.begin(), tv.end());
  Response r;
  r.member_id = m.meta.member_id;
  if (m.epoch < target_epoch_) {
    std::set<std::int32_t> revoke;
    for (std::int32_t p : m.assigned)
      if (!target.count(p)) revoke.insert(p);
    if (!revoke.empty()) {
      for (std::int32_t p : revoke)
        if (m.revoking.insert(p).second && open_) ++open_->partitions_revoked;
      if (!eng.pending(m.revoke_deadline)) {
        std::string id = m.meta.member_id;
        m.revoke_deadline = eng.schedule_after(m.meta.rebalance_timeout, models::priority::kCoordinator,
                                               [this, id] { on_revoke_deadline(id); });
      }
      r.epoch = m.epoch;
      for (std::int32_t p : m.assigned)
        if (!m.revoking.count(p)) r.assignment.push_back(p);
      return r;
    }
    m.epoch = target_epoch_;
  }
  // Hand out the target partitions nobody else holds any more.
  for (std::int32_t p : target) {
    if (m.assigned.count(p)) continue;
    auto h = holder_.find(p);
    if (h != holder_.end() && h->second != m.meta.member_id) continue;
    m.assigned.insert(p);
    holder_[p] = m.meta.member_id;
    std::int64_t stall = group_.mark_owned(p, eng.now());
    if (open_) {
      open_->stall_partition_ns += stall;
      ++open_->partitions_assigned;
    }
  }
  r.epoch = m.epoch;
  r.assignment.assign(m.assigned.begin(), m.assigned.end());
  return r;
}

void ConsumerGroupCoordinator::reply(const Member& m, const Response& r) {
  std::int32_t c = m.meta.consumer;
  std::uint32_t inc = m.meta.incarnation;
  group_.send([this, c, inc, r] { group_.consumer(c).on_consumer_heartbeat_response(inc, r); });
}

void ConsumerGroupCoordinator::on_heartbeat(const Heartbeat& hb) {
  sim::Engine& eng = group_.engine();
  const Time now = eng.now();
  if (hb.epoch == -1 || hb.epoch == -2) {
    auto it = members_.find(hb.member_id);
    if (it == members_.end()) return;
    if (hb.epoch == -2) {
      // A static member leaving temporarily keeps its assignment until its session expires.
      it->second.last_heartbeat = now;
      it->second.meta.consumer = -1;
      return;
    }
    remove(hb.member_id, hb.reason.empty() ? "leave" : hb.reason);
    return;
  }
  Member* m = nullptr;
  if (hb.epoch == 0) {
    std::string id;
    if (hb.instance_id) {
      auto st = static_members_.find(*hb.instance_id);
      if (st != static_members_.end() && members_.count(st->second)) {
        // The same static member back with a new client: it takes over the old member's
        // epoch and assignment; the group epoch does not change.
        const std::string old_id = st->second;
        eng.cancel(members_.at(old_id).revoke_deadline);
        id = new_member_id();
        m = &replace_member(old_id, id, hb);
        m->revoke_deadline = 0;
        hand_over(target_, old_id, id);
        for (std::int32_t p : m->assigned) holder_[p] = id;
      }
    }
    if (!m) {
      id = new_member_id();
      Member nm;
      nm.meta = hb;
      nm.meta.member_id = id;
      nm.join_seq = join_seq_++;
      m = &(members_[id] = nm);
      if (hb.instance_id) static_members_[*hb.instance_id] = id;
      m->last_heartbeat = now;
      metadata_stale_ = false;  // the bump below recomputes the subscription metadata too
      bump_epoch(hb.reason.empty() ? (group_epoch_ == 0 ? "initial" : "join") : hb.reason);
      m = &members_.at(id);
    }
  } else {
    auto it = members_.find(hb.member_id);
    if (it == members_.end()) {
      Response r;
      r.fenced = true;
      std::int32_t c = hb.consumer;
      std::uint32_t inc = hb.incarnation;
      group_.send([this, c, inc, r] { group_.consumer(c).on_consumer_heartbeat_response(inc, r); });
      return;
    }
    m = &it->second;
    m->meta.consumer = hb.consumer;
    m->meta.incarnation = hb.incarnation;
    // Revocations the member acknowledges by no longer listing the partitions.
    std::set<std::int32_t> owned(hb.owned.begin(), hb.owned.end());
    for (auto p = m->revoking.begin(); p != m->revoking.end();) {
      if (!owned.count(*p)) {
        m->assigned.erase(*p);
        auto h = holder_.find(*p);
        if (h != holder_.end() && h->second == m->meta.member_id) holder_.erase(h);
        p = m->revoking.erase(p);
      } else {
        ++p;
      }
    }
    if (m->revoking.empty()) eng.cancel(m->revoke_deadline);
  }
  if (metadata_stale_) {
    // The refresh deadline has passed: new subscription metadata, a new group epoch and target.
    metadata_stale_ = false;
    const std::string id = m->meta.member_id;
    bump_epoch("metadata");
    m = &members_.at(id);
  }
  renew_session(*m);
  Response r = reconcile(*m);
  reply(*m, r);
  update_state();
}

void ConsumerGroupCoordinator::update_state() {
  if (members_.empty()) {
    set_state(ConsumerGroupState::Empty);
    if (open_) close_rebalance(group_epoch_);
    owners_.clear();
    return;
  }
  bool converged = true;
  for (const auto& [id, m] : members_) {
    const auto& t = target_[id];
    if (m.epoch != target_epoch_ || !m.revoking.empty() ||
        !std::equal(m.assigned.begin(), m.assigned.end(), t.begin(), t.end())) {
      converged = false;
      break;
    }
  }
  if (!converged) {
    set_state(ConsumerGroupState::Reconciling);
    return;
  }
  set_state(ConsumerGroupState::Stable);
  if (!open_) return;
  std::map<std::int32_t, std::int32_t> owners;
  GenerationInfo gen;
  gen.group = group_.index();
  gen.generation = group_epoch_;
  gen.at = group_.engine().now();
  for (const auto& [id, m] : members_) {
    std::vector<std::int32_t> parts(m.assigned.begin(), m.assigned.end());
    for (std::int32_t p : parts) owners[p] = m.meta.consumer;
    if (m.meta.consumer >= 0) gen.assignment.emplace_back(m.meta.consumer, parts);
  }
  std::sort(gen.assignment.begin(), gen.assignment.end());
  group_.signals().generation.emit(gen);
  open_->partitions_moved = owner_changes(owners, owners_);
  close_rebalance(group_epoch_);
  owners_ = std::move(owners);
}

void ConsumerGroupCoordinator::on_commit(const std::string& member_id, std::int32_t consumer,
                                         const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  if (!members_.count(member_id)) return;  // UNKNOWN_MEMBER_ID: the commit is lost
  accept_commit(consumer, offsets);
}

}  // namespace cgsim::models
