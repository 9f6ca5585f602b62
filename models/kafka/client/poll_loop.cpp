// The consumer's hot path: processing a polled batch, and the fetch session with its
// incremental view of what the buffer holds and what the next fetch waits for.
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

void Consumer::fetch_and_process() {
  sim::Engine& eng = g_.engine();
  const Time now = eng.now();
  std::int64_t remaining = g_.spec().max_poll_records;
  batch_.clear();
  batch_emitted_ = 0;
  batch_start_ = now;
  FetchWork& work = g_.fetch_work();
  ++work.polls;
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
    ++work.poll_partitions;
    const std::int32_t gid = assigned_[i];
    const std::int64_t end = end_cut_[i];
    const std::int64_t take = std::min({end - position_[i], remaining, chunk_left_});
    const std::int64_t pos = position_[i];
    const Time* appended = g_.broker().log(gid).times_from(pos);
    ProcessedRecord* out = batch_.room(static_cast<std::size_t>(take));
    if (const Time d = processing_.constant_from(t); d >= 0) {
      // Past any slow spell the processing time is the same for every record.
      for (std::int64_t k = 0; k < take; ++k) {
        t += d;
        out[k] = ProcessedRecord{gid, pos + k, appended[k], t, false, false};
      }
    } else {
      for (std::int64_t k = 0; k < take; ++k) {
        t += processing_.next(t);
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
  if (g_.spec().commit.kind != CommitSpec::Kind::Auto || policy_.auto_commit_on_timer) return;
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
  std::fill(left_out_.begin(), left_out_.end(), 0);
  std::fill(behind_.begin(), behind_.end(), 0);
  any_left_out_ = false;
  any_behind_ = false;
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
  const std::size_t n = assigned_.size();
  if (policy_.fetch_on_response) [[unlikely]] {
    // The partitions with records in the buffer stay out of this fetch; with every one of them
    // buffered there is nothing to fetch until the application takes some (its next poll).
    if (ready_count_ == n) {
      fetch_in_flight_ = false;
      return;
    }
    std::copy(ready_.begin(), ready_.end(), left_out_.begin());
    any_left_out_ = ready_count_ > 0;
  }
  FetchWork& work = g_.fetch_work();
  ++work.fetches;
  work.scanned += n;
  Time first = sim::kNever;
  if (any_left_out_) [[unlikely]] {
    for (std::size_t i = 0; i < n; ++i)
      if (!bit(left_out_, i)) first = std::min(first, fetch_next_[i]);
  } else {
    // Without branches: the minimum moves about. The view's padding (kNever) leaves it alone and
    // makes the trip count the same for every consumer of a group, so the loop's end is predicted.
    const Time* next = fetch_next_.data();
    for (std::size_t k = 0; k < fetch_next_.size(); k += kViewLanes) {
      const Time m01 = std::min(next[k], next[k + 1]);
      const Time m23 = std::min(next[k + 2], next[k + 3]);
      first = std::min(first, std::min(m01, m23));
    }
  }
  schedule_fetch_response(std::min(fetch_at_broker_ + kFetchMaxWait, std::max(fetch_at_broker_, first)));
}

void Consumer::ensure_view() {
  if (view_valid_) return;
  ++g_.fetch_work().view_rebuilds;
  const std::size_t n = assigned_.size();
  end_cut_.assign(n, 0);
  // Padded to whole groups of kViewLanes with kNever, which is never due and never the least.
  const std::size_t padded = (n + kViewLanes - 1) / kViewLanes * kViewLanes;
  past_cut_.assign(padded, sim::kNever);
  fetch_next_.assign(padded, sim::kNever);
  ready_.assign((n + 63) / 64, 0);
  ready_count_ = 0;
  // Which partitions are left out or behind survives a rebuild (a position moved back); a change
  // of assignment resets the fetch (reset_fetch), which clears them.
  left_out_.resize(ready_.size(), 0);
  behind_.resize(ready_.size(), 0);
  own_cut_.resize(n, 0);
  for (std::size_t i = 0; i < n; ++i) refresh_view(i);
  view_valid_ = true;
}

void Consumer::refresh_view(std::size_t i) {
  ++g_.fetch_work().view_refreshes;
  PartitionLog& log = g_.broker().log(assigned_[i]);
  const std::int64_t end = log.end_at(cut_of(i));
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
  if (any_left_out_ || any_behind_) {
    // The partitions left out of the fetch keep the cut their buffer had; the others catch up.
    for (std::size_t w = 0; w < left_out_.size(); ++w) {
      for (std::uint64_t fresh = left_out_[w] & ~behind_[w]; fresh != 0; fresh &= fresh - 1)
        own_cut_[(w << 6) + static_cast<std::size_t>(std::countr_zero(fresh))] = cut_;
      behind_[w] = left_out_[w];
    }
    any_behind_ = any_left_out_;
  }
  cut_ = cut;
  if (!view_valid_) return;
  const std::size_t n = assigned_.size();
  g_.fetch_work().scanned += n;
  const std::size_t padded = past_cut_.size();  // a multiple of kViewLanes (and of 64 past 64)
  const Time* past = past_cut_.data();
  const std::uint64_t* left_out = any_left_out_ ? left_out_.data() : nullptr;  // their records stay out
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
    if (left_out != nullptr) due &= ~left_out[base >> 6];
    for (; due != 0; due &= due - 1) {
      const std::size_t i = base + static_cast<std::size_t>(std::countr_zero(due));
      advance_cut_of(i, cut);
    }
  }
}

void Consumer::advance_cut_of(std::size_t i, Time cut) {
  // The record at end_cut_[i] is at or before the new cut: the new end is further on in the log.
  FetchWork& work = g_.fetch_work();
  ++work.cut_partitions;
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
  work.cut_entries += static_cast<std::uint64_t>(end - end_cut_[i]);
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
  if (policy_.fetch_on_response && consuming()) [[unlikely]] {
    // The background thread sends the next fetch before the application takes these records.
    send_fetch();
    if (idle_) poll();
  } else if (idle_ && consuming()) {
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
  if (any_left_out_) {
    const std::size_t i = index_of(partition);
    if (i < assigned_.size() && bit(left_out_, i)) return;
  }
  Time at = std::max(fetch_at_broker_, first_time);
  if (at < fetch_respond_at_) schedule_fetch_response(at);
}

}  // namespace cgsim::models
