// The consumer client's life: creation, poll, crash, close, slow-down.
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

Consumer::Consumer(Group& group, std::int32_t index)
    : g_(group),
      policy_(ClientPolicy::of(group.scenario().client, group.protocol() == Protocol::Consumer)),
      index_(index),
      name_(group.spec().id + "/" + std::to_string(index)),
      client_id_(group.spec().id + "-" + std::to_string(index)),
      incarnation_(group.next_incarnation()),
      processing_(group.spec().consumers.processing_time,
                  sim::Rng(group.scenario().seed, "consumer/" + name_ + "/processing/" + std::to_string(group.lives(index)))),
      heartbeat_rng_(group.scenario().seed, "consumer/" + name_ + "/heartbeat/" + std::to_string(group.lives(index))) {
  if (group.spec().consumers.static_membership) instance_id_ = client_id_;
  std::int32_t bytes = 1;
  for (const auto& tn : group.spec().topics)
    bytes = std::max(bytes, group.broker().topic(group.broker().topic_index(tn)).record_bytes);
  chunk_records_ = std::max<std::int64_t>(1, kMaxPartitionFetchBytes / bytes);
}

void Consumer::set_state(MemberState s) {
  if (s == state_) return;
  MemberState from = state_;
  state_ = s;
  g_.signals().member_state.emit(g_.index(), index_, from, s, g_.engine().now());
}

void Consumer::start(Time spread) {
  sim::Engine& eng = g_.engine();
  // The process starts somewhere in the spread, then the client pays its bootstrap: its own
  // start-up cost and the round trips before its first JoinGroup (ClientPolicy). Both draws come
  // from the client's own stream, so its timers (which start from its creation or its join) have
  // phases of their own.
  sim::Rng rng(g_.scenario().seed, "consumer/" + name_ + "/start/" + std::to_string(g_.lives(index_)));
  const double at = rng.uniform();
  const double cost = rng.uniform();
  const Time offset = static_cast<Time>(at * static_cast<double>(spread));
  const bool warm = g_.spec().client_start == GroupSpec::ClientStart::Warm;
  const Time low = warm ? policy_.warm_bootstrap_cost_low : policy_.bootstrap_cost_low;
  const Time high = warm ? policy_.warm_bootstrap_cost_high : policy_.bootstrap_cost_high;
  const Time bootstrap = low + static_cast<Time>(cost * static_cast<double>(high - low)) +
                         policy_.bootstrap_round_trips * 2 * g_.scenario().broker.request_latency;
  created_at_ = eng.now() + offset;
  last_join_sent_ = -1;
  join_deferred_ = false;
  std::uint32_t inc = incarnation_;
  eng.schedule_after(offset + bootstrap, models::priority::kClient, [this, inc] {
    if (!current(inc)) return;
    metadata_anchor_ = g_.engine().now();
    view_version_ = g_.broker().metadata_version();
    g_.signals().consumer.emit(g_.index(), index_, ConsumerEvent::Joined, g_.engine().now());
    poll();
  });
}

void Consumer::poll() {
  sim::Engine& eng = g_.engine();
  const Time now = eng.now();
  idle_ = false;
  last_poll_ = now;
  if (now >= heartbeat_due_) heartbeat_woken_by_poll();
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
  } else if (state_ == MemberState::Unjoined || rejoin_needed_) {
    if (!join_in_flight_) start_join(rejoin_reason_);
  }
  // The join runs without blocking poll(): an eager member has revoked everything and waits; a
  // cooperative member goes on consuming the partitions it owns.
  if (!consuming()) return;
  arm_poll_timer();
  if (g_.spec().commit.kind == CommitSpec::Kind::Auto && !policy_.auto_commit_on_timer && now >= next_auto_commit_) {
    commit(false);
    next_auto_commit_ = now + g_.spec().commit.interval;
  }
  fetch_and_process();
}

bool Consumer::cooperative() const { return g_.protocol() == Protocol::Cooperative; }

bool Consumer::kip848() const { return g_.protocol() == Protocol::Consumer; }

bool Consumer::consuming_in_rebalance() const {
  if (kip848()) return !member_id_.empty() && state_ == MemberState::CompletingRebalance;
  return cooperative() && !assigned_.empty() &&
         (state_ == MemberState::PreparingRebalance || state_ == MemberState::CompletingRebalance);
}

Time Consumer::record_start(std::size_t i) const { return i == 0 ? batch_start_ : batch_[i - 1].done; }

void Consumer::crash() {
  if (stopped()) return;
  emit_until(g_.engine().now());
  commit_due_at_destroy();
  sim::Engine& eng = g_.engine();
  for (sim::EventId e : {batch_event_, wake_event_, heartbeat_event_, poll_timer_, fetch_event_, commit_timer_, revocation_event_, callback_event_})
    eng.cancel(e);
  busy_ = false;
  idle_ = false;
  for (std::int32_t gid : assigned_) {
    g_.broker().log(gid).remove_listener(this);
    g_.mark_unowned(gid, g_.engine().now());
  }
  g_.signals().consumer.emit(g_.index(), index_, close_requested_ ? ConsumerEvent::Left : ConsumerEvent::Crashed,
                             g_.engine().now());
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
    ClassicGroupCoordinator* coord = &g_.coordinator();
    std::string mid = member_id_;
    g_.send([coord, mid] { coord->on_leave(mid, "leave"); });
  }
  crash();
  if (on_closed_) {
    auto f = std::move(on_closed_);
    f();
  }
}

void Consumer::on_metadata_change() {
  // The consumer protocol's coordinator watches the metadata itself; a client still in its
  // bootstrap reads the new metadata then.
  if (kip848() || stopped() || metadata_anchor_ < 0) return;
  const Time age = g_.spec().metadata_max_age;
  const Time now = g_.engine().now();
  const Time at = metadata_anchor_ + ((now - metadata_anchor_) / age + 1) * age;
  std::uint32_t inc = incarnation_;
  g_.engine().schedule_at(at, models::priority::kClient, [this, inc] {
    if (current(inc)) on_metadata_refresh();
  });
}

void Consumer::on_metadata_refresh() {
  const std::int32_t seen = view_version_;
  view_version_ = g_.broker().metadata_version();
  const bool changed = policy_.only_leader_watches_metadata
                           ? assignment_version_ >= 0 && assignment_version_ != view_version_
                           : seen != view_version_;
  if (!changed) return;
  if (state_ != MemberState::Stable) {
    // Looked at again when the join under way completes (metadata_changed_since_join).
    metadata_refreshed_in_join_ = true;
    return;
  }
  rejoin_needed_ = true;
  rejoin_reason_ = "metadata";
  if (idle_) {
    poll();  // the metadata response wakes the application's poll, which rejoins
  } else if (policy_.rebalance_without_poll && !join_in_flight_) {
    truncate_batch(g_.engine().now());
    start_join(rejoin_reason_);
  }
}

bool Consumer::metadata_changed_since_join() const {
  if (policy_.only_leader_watches_metadata) return assignment_version_ >= 0 && assignment_version_ != view_version_;
  return metadata_refreshed_in_join_ && view_version_ > g_.assigned_version();
}

void Consumer::slow(double factor, Time until) {
  processing_.slow(factor, until);
}

void Consumer::finish_run() {
  if (stopped()) return;
  emit_until(g_.engine().now());
}

}  // namespace cgsim::models
