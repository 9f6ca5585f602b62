// Offset commits: auto-commit in poll (Java) or on a timer with the offset store
// (librdkafka), and librdkafka's main-loop timers.
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
  if (!policy_.heartbeat_on_main_loop || !eng.pending(heartbeat_event_) || eng.now() < heartbeat_due_) return;
  eng.cancel(heartbeat_event_);
  heartbeat_event_ = 0;
  heartbeat();
}

void Consumer::commit(bool) {
  if (member_id_.empty() || generation_ < 0) return;
  std::vector<std::pair<std::int32_t, std::int64_t>> offsets;
  // Java commits the positions of everything poll() returned, which the application has
  // processed by its next poll; librdkafka commits its offset store.
  std::vector<std::pair<std::int32_t, std::int64_t>> stored;
  if (policy_.commits_offset_store) stored = stored_offsets(g_.engine().now());
  for (std::size_t i = 0; i < assigned_.size(); ++i) {
    std::int64_t pos = policy_.commits_offset_store ? stored[i].second : position_[i];
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
  ClassicGroupCoordinator* coord = &g_.coordinator();
  std::int32_t gen = generation_;
  g_.send([coord, mid, gen, c, offsets] { coord->on_commit(mid, gen, c, offsets); });
}

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

void Consumer::commit_due_at_destroy() {
  if (policy_.destroy_commit_grace <= 0 || !policy_.auto_commit_on_timer || g_.spec().commit.kind != CommitSpec::Kind::Auto)
    return;
  if (!g_.engine().pending(commit_timer_) || member_id_.empty() || !consuming()) return;
  const Time now = g_.engine().now();
  const Time interval = g_.spec().commit.interval;
  if (next_tick(now, created_at_ + interval, interval) - now <= policy_.destroy_commit_grace) commit(false);
}

void Consumer::schedule_auto_commit_timer() {
  // librdkafka commits its offset store from a background timer every auto.commit.interval.ms.
  if (!policy_.auto_commit_on_timer || g_.spec().commit.kind != CommitSpec::Kind::Auto) return;
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

}  // namespace cgsim::models
