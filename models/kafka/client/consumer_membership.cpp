// Membership through the consumer protocol (KIP-848): ConsumerGroupHeartbeat and
// reconciliation of the assignment it carries.
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

void Consumer::start_revocation() {
  // The Java consumer reconciles on its background thread as soon as a target without some of
  // its partitions arrives, without waiting for the application: it commits the positions
  // consumed so far (auto-commit) and gives the partitions up only once that commit is answered.
  // Until then the application's polls still return records of those partitions, past the
  // committed positions, and it processes them; their next owner starts from the committed
  // positions and processes them again.
  Time delay = 0;
  if (g_.spec().commit.kind == CommitSpec::Kind::Auto) {
    commit(true);
    delay = 2 * g_.scenario().broker.request_latency;
  }
  std::uint32_t inc = incarnation_;
  revocation_event_ = g_.engine().schedule_after(delay, models::priority::kClient, [this, inc] {
    if (current(inc)) finish_revocation();
  });
}

void Consumer::finish_revocation() {
  revocation_event_ = 0;
  if (revoke_pending_.empty() || member_id_.empty()) return;
  drop_partitions(revoke_pending_);
  revoke_pending_.clear();
  cursor_ = 0;
  chunk_left_ = chunk_records_;
  reset_fetch();
  set_state(MemberState::Stable);
  acknowledge_assignment();
  if (!busy_) poll();
}

void Consumer::acknowledge_assignment() {
  // The reconciliation is complete: the auto-commit interval runs again from now, and the member
  // acknowledges at once rather than at its next regular heartbeat; the heartbeat interval then
  // runs from this one. The reply already carries what the member may take next.
  next_auto_commit_ = g_.engine().now() + g_.spec().commit.interval;
  send_consumer_heartbeat(generation_, "");
  g_.engine().cancel(heartbeat_event_);
  heartbeat_event_ = 0;
  schedule_heartbeat();
}

void Consumer::on_consumer_heartbeat_response(std::uint32_t inc, const ConsumerGroupCoordinator::Response& r) {
  if (!current(inc)) return;
  if (r.fenced) {
    // UNKNOWN_MEMBER_ID / FENCED_MEMBER_EPOCH: everything owned is lost; rejoin.
    member_id_.clear();
    generation_ = -1;
    join_in_flight_ = false;
    revoke_pending_.clear();
    g_.engine().cancel(revocation_event_);
    revocation_event_ = 0;
    g_.engine().cancel(callback_event_);
    callback_event_ = 0;
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
  // A revocation or an assignment callback in progress finishes first; the reply to its
  // acknowledgement carries the target again.
  if (g_.engine().pending(revocation_event_) || g_.engine().pending(callback_event_)) return;
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
  }
  set_state(revoke_pending_.empty() ? MemberState::Stable : MemberState::CompletingRebalance);
  if (!revoke_pending_.empty()) {
    if (added) init_positions_later();
    start_revocation();
    return;
  }
  if (!added) return;
  // The new partitions become fetchable, and the member acknowledges, once the assignment
  // callback has run on the application thread; the first time, it runs code the process has not
  // run yet (ClientPolicy::first_reconcile_cost).
  const Time callback = reconciled_before_ ? 0 : policy_.first_reconcile_cost;
  reconciled_before_ = true;
  if (callback == 0) {
    init_positions_later();
    acknowledge_assignment();
    return;
  }
  std::uint32_t me = incarnation_;
  callback_event_ = g_.engine().schedule_after(callback, models::priority::kClient, [this, me] {
    if (!current(me)) return;
    callback_event_ = 0;
    init_positions_later();
    acknowledge_assignment();
  });
}

}  // namespace cgsim::models
