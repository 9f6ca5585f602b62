// Membership through the classic group protocol: JoinGroup, SyncGroup, heartbeats and
// the max.poll.interval.ms check.
#include "models/kafka/client/consumer.hpp"

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

void Consumer::start_join(const std::string& reason) {
  join_in_flight_ = true;
  rejoin_needed_ = false;
  if (join_deferred_) {
    // A JoinGroup already waits for the join interval (a late answer of the generation that
    // failed asks again): one JoinGroup goes out, as from librdkafka's single join state.
    set_state(MemberState::PreparingRebalance);
    return;
  }
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
  sim::Engine& eng = g_.engine();
  Time at = eng.now() + delay;
  // The incremental protocol's follow-up round is not held back: live, librdkafka's
  // cooperative-sticky members rejoin as soon as their revocation is done.
  if (policy_.join_interval > 0 && last_join_sent_ >= 0 && reason != "cooperative_followup" &&
      at < last_join_sent_ + policy_.join_interval) {
    at = main_loop_wake(last_join_sent_ + policy_.join_interval);
    join_deferred_ = true;
  }
  eng.schedule_at(at, models::priority::kClient, [this, inc, reason] {
    if (!current(inc)) return;
    join_deferred_ = false;
    send_join(reason);
  });
}

void Consumer::send_join(const std::string& reason) {
  ClassicGroupCoordinator::JoinRequest req;
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
  if (g_.assignor_info().remembers_assignment) {
    req.owned = last_assignment_;
    req.user_data_generation = last_assignment_generation_;
  }
  ClassicGroupCoordinator* coord = &g_.coordinator();
  last_join_sent_ = g_.engine().now();
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

void Consumer::on_join_response(std::uint32_t inc, ClassicGroupCoordinator::Error err, const std::string& member_id,
                                std::int32_t generation, const std::string& leader,
                                const std::vector<assignors::MemberSubscription>& members) {
  if (!current(inc)) return;
  if (err == ClassicGroupCoordinator::Error::MemberIdRequired) {
    member_id_ = member_id;
    send_join(rejoin_reason_);
    return;
  }
  if (err != ClassicGroupCoordinator::Error::None) {
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
  if (policy_.heartbeat_restarts_at_join) {
    g_.engine().cancel(heartbeat_event_);
    heartbeat_event_ = 0;
  }
  schedule_heartbeat();
  std::optional<std::map<std::string, std::vector<std::int32_t>>> plan;
  std::size_t withheld = 0;
  assignment_version_ = -1;
  if (leader == member_id && !members.empty()) {
    // The leader assigns from its own metadata and keeps that view to compare with the next
    // refreshes (ClientPolicy::only_leader_watches_metadata): Java's is as of its last periodic
    // refresh; librdkafka's leader refreshes the subscribed topics first (leader_metadata_wait).
    if (policy_.leader_metadata_wait > 0) view_version_ = g_.broker().metadata_version();
    assignment_version_ = view_version_;
    g_.set_assigned_version(view_version_);
    assignors::AssignResult a = g_.assignor_info().assign_detailed(g_.cluster_at(view_version_), members);
    withheld = a.withheld.size();
    plan.emplace();
    for (const auto& [mid, tps] : a.assignment) {
      auto& v = (*plan)[mid];
      for (const auto& tp : tps) v.push_back(g_.gid(tp));
    }
  }
  ClassicGroupCoordinator* coord = &g_.coordinator();
  std::string mid = member_id_;
  std::int32_t gen = generation_;
  Time sync_delay = plan ? policy_.leader_metadata_wait : 0;
  if (plan && !assigned_before_) {
    sync_delay += policy_.first_assignment_cost;
    assigned_before_ = true;
  }
  if (sync_delay > 0) {
    g_.engine().schedule_after(sync_delay, models::priority::kClient,
                               [this, inc, coord, mid, gen, plan, withheld] {
                                 if (current(inc)) {
                                   g_.send([coord, mid, gen, plan, withheld] { coord->on_sync(mid, gen, plan, withheld); });
                                 }
                               });
    return;
  }
  g_.send([coord, mid, gen, plan, withheld] { coord->on_sync(mid, gen, plan, withheld); });
}

void Consumer::on_sync_response(std::uint32_t inc, ClassicGroupCoordinator::Error err, const std::vector<std::int32_t>& parts) {
  if (!current(inc)) return;
  join_in_flight_ = false;
  if (err != ClassicGroupCoordinator::Error::None) {
    if (err != ClassicGroupCoordinator::Error::RebalanceInProgress) {
      // As for a heartbeat: ILLEGAL_GENERATION keeps the member id, UNKNOWN_MEMBER_ID drops it.
      if (err == ClassicGroupCoordinator::Error::UnknownMemberId) member_id_.clear();
      generation_ = -1;
    }
    rejoin_reason_ = "join";
    set_state(MemberState::Unjoined);
    poll();
    return;
  }
  last_assignment_ = parts;
  last_assignment_generation_ = generation_;
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
  if (metadata_changed_since_join()) {
    // A refresh during the rebalance showed a change this generation did not assign from.
    rejoin_needed_ = true;
    rejoin_reason_ = "metadata";
  }
  metadata_refreshed_in_join_ = false;
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
  Time at = policy_.heartbeat_on_main_loop ? main_loop_wake(heartbeat_due_) : heartbeat_due_;
  if (policy_.heartbeat_check_period > 0 && !kip848()) {
    // The heartbeat thread notices a due heartbeat at its next look (ClientPolicy), unless the
    // application is inside poll() then or calls it first: poll() wakes the thread when a
    // heartbeat is due.
    const Time late =
        at + static_cast<Time>(heartbeat_rng_.uniform() * static_cast<double>(policy_.heartbeat_check_period));
    heartbeat_event_ = eng.schedule_at(at, models::priority::kClient, [this, inc, late] {
      if (!current(inc)) return;
      if (!busy_) {
        heartbeat();
        return;
      }
      heartbeat_event_ = g_.engine().schedule_at(late, models::priority::kClient, [this, inc] {
        if (current(inc)) heartbeat();
      });
    });
    return;
  }
  heartbeat_event_ = eng.schedule_at(at, models::priority::kClient, [this, inc] {
    if (current(inc)) heartbeat();
  });
}

void Consumer::heartbeat_woken_by_poll() {
  sim::Engine& eng = g_.engine();
  if (policy_.heartbeat_check_period <= 0 || eng.now() < heartbeat_due_ || !eng.pending(heartbeat_event_)) return;
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
  ClassicGroupCoordinator* coord = &g_.coordinator();
  std::string mid = member_id_;
  std::int32_t gen = generation_;
  std::int32_t c = index_;
  std::uint32_t inc = incarnation_;
  g_.send([coord, mid, gen, c, inc] { coord->on_heartbeat(mid, gen, c, inc); });
  schedule_heartbeat();
}

void Consumer::on_heartbeat_response(std::uint32_t inc, ClassicGroupCoordinator::Error err,
                                     const std::string& sent_member, std::int32_t sent_generation) {
  if (!current(inc)) return;
  if (err == ClassicGroupCoordinator::Error::None) return;
  // An error answering a heartbeat of a generation the member has since left behind is stale:
  // the Java client ignores it when its generation or member id changed since the heartbeat
  // left, librdkafka whenever the member is not in its steady state (rejoining or syncing).
  if (policy_.heartbeat_errors_only_when_stable
          ? state_ == MemberState::Unjoined || state_ == MemberState::PreparingRebalance ||
                state_ == MemberState::CompletingRebalance
          : sent_generation != generation_ || sent_member != member_id_) {
    return;
  }
  if (err == ClassicGroupCoordinator::Error::UnknownMemberId || err == ClassicGroupCoordinator::Error::IllegalGeneration) {
    // Fenced: the partitions are lost, nothing is committed. The member id stays valid after
    // ILLEGAL_GENERATION (both clients keep it, so the coordinator need not wait for the old id
    // to leave); UNKNOWN_MEMBER_ID drops it.
    if (err == ClassicGroupCoordinator::Error::UnknownMemberId) member_id_.clear();
    generation_ = -1;
    set_state(MemberState::Unjoined);
  }
  if (state_ == MemberState::Stable || state_ == MemberState::Unjoined) {
    rejoin_needed_ = true;
    rejoin_reason_ = "join";
    if (idle_) {
      poll();
    } else if (policy_.rebalance_without_poll && !join_in_flight_) {
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
  if (policy_.poll_interval_per_message) {
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
  // partitions are lost (no commit) and it rejoins with a new member id at its next poll. The
  // application still works through the batch in hand, but for the group the partitions have
  // no consumer from now on (stop_the_world_partition_s counts from here).
  for (std::int32_t gid : assigned_) g_.mark_unowned(gid, now);
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
    ClassicGroupCoordinator* coord = &g_.coordinator();
    std::string mid = member_id_;
    g_.send([coord, mid] { coord->on_leave(mid, "max_poll_interval"); });
  }
  member_id_.clear();
  generation_ = -1;
  set_state(MemberState::Unjoined);
  rejoin_reason_ = "join";
}

}  // namespace cgsim::models
