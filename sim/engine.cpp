#include "sim/engine.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace cgsim::sim {

std::string format_duration(Time t) {
  if (t == kNever) return "never";
  std::ostringstream out;
  if (t < 0) {
    out << '-';
    t = -t;
  }
  if (t == 0) return "0s";
  if (t % kSecond != 0) {
    if (t % kMillisecond == 0) {
      out << t / kMillisecond << "ms";
    } else if (t % kMicrosecond == 0) {
      out << t / kMicrosecond << "us";
    } else {
      out << t << "ns";
    }
    return out.str();
  }
  Time s = t / kSecond;
  if (s >= 3600 && s % 3600 == 0) {
    out << s / 3600 << 'h';
  } else if (s >= 60 && s % 60 == 0) {
    out << s / 60 << 'm';
  } else {
    out << s << 's';
  }
  return out.str();
}

namespace {
constexpr int kSlotBits = 29;
constexpr int kSeqBits = 32;
constexpr int kRankShift = kSlotBits + kSeqBits;  // 61: three bits of rank on top
constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
constexpr std::uint64_t kSeqLimit = std::uint64_t{1} << kSeqBits;
constexpr std::uint64_t kSeqField = (kSeqLimit - 1) << kSlotBits;
/// Below this many pending events the heap and the slots stay in the first cache levels and
/// prefetching costs more than it saves.
constexpr std::size_t kPrefetchAbove = 8192;
/// Cancelled keys are purged only when there are more than this many (and more than a quarter of
/// the heap).
constexpr std::size_t kPurgeAbove = 8;

/// The rank field of a key, checked: three bits above the sequence number.
std::uint64_t rank_of(Priority p) {
  if (p >= kPriorityLevels) throw std::logic_error("Engine::schedule_at: priority out of range");
  return p;
}
}  // namespace

Engine::Engine() {
  // The padding before node 0 ends with a key later than any event's: a walk through the sorted
  // array stops there without testing the index.
  heap_.assign(kPad, Key{std::numeric_limits<Time>::max(), ~std::uint64_t{0}});
  heap_.reserve(1024 + kPad);
  slots_.reserve(1024);
}

Engine::Placed Engine::place(Time at, Priority priority) {
  if (at < now_) throw std::logic_error("Engine::schedule_at: time in the past");
  const std::uint64_t rank = rank_of(priority);
  std::uint32_t slot;
  if (recycled_ != kNoSlot) {
    slot = recycled_;
    recycled_ = kNoSlot;
  } else if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    if (slots_.size() > kSlotMask) throw std::length_error("Engine: more than 2^29 pending events");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.live = true;
  const EventId id = (static_cast<std::uint64_t>(s.generation) << 32) | (slot + 1u);
  if (seq_ == kSeqLimit) renumber_sequences();
  const Key key{at, (rank << kRankShift) | (seq_++ << kSlotBits) | slot};
  if (sorted_ && !top_stale_ && size() >= kSortedMax) to_heap();  // a key more: past the array's limit
  if (sorted_) {
    // The hole starts at the back (the running event's key, or a new slot); later keys move one
    // place towards the back until the key fits. New events are mostly near-future, so few move.
    if (top_stale_) {
      top_stale_ = false;
    } else {
      heap_.push_back(key);
    }
    Key* h = keys();
    const std::size_t hole = size() - 1;
    Key* p = h + hole;
    // Times first: keys of one instant are rare, so the walk compares one word per key.
    while (p[-1].time < at) {
      *p = p[-1];
      --p;
    }
    while (p[-1].time == at && p[-1].word < key.word) {
      *p = p[-1];
      --p;
    }
    *p = key;
    // Keys that land far from the back (events spread evenly over the future) make the walks
    // long: then the heap is cheaper at any size.
    walked_ += static_cast<std::size_t>(h + hole - p);
    if (++walks_ == kWalkWindow) {
      if (walked_ > kWalkWindow * kMeanWalkMax) to_heap();
      walked_ = 0;
      walks_ = 0;
    }
  } else {
    if (top_stale_) {
      top_stale_ = false;
      sift_down(0, key);
    } else {
      heap_.push_back(key);
      sift_up(size() - 1, key);
    }
    // A small heap made so by long walks tries the sorted array again now and then: the model's
    // events may have settled into a shape that suits it.
    if (size() < kSortedMax && ++walks_ == kHeapTrial) to_sorted();
  }
  return Placed{id, &s};
}

void Engine::unplace(Placed p) {
  const auto slot = static_cast<std::uint32_t>(p.slot - slots_.data());
  Key* h = keys();
  std::size_t j = 0;
  while ((h[j].word & kSlotMask) != slot) ++j;  // the key is there: place() put it in
  if (sorted_) {
    std::copy(h + j + 1, h + size(), h + j);
    heap_.pop_back();
  } else {
    const Key last = heap_.back();
    heap_.pop_back();
    if (j < size()) {
      sift_up(j, last);
      sift_down(j, h[j]);
    }
  }
  // If the key took the running event's place, that key is gone now, as after drop_top().
  p.slot->live = false;
  ++p.slot->generation;
  free_slots_.push_back(slot);
}

void Engine::to_heap() {
  // Keys in increasing order satisfy the heap property; the stale top, the least key, becomes the root.
  std::reverse(keys(), keys() + size());
  sorted_ = false;
  walks_ = 0;
}

void Engine::to_sorted() {
  std::sort(keys(), keys() + size(), [](const Key& a, const Key& b) { return less(b, a); });
  sorted_ = true;
  walked_ = 0;
  walks_ = 0;
}

void Engine::renumber_sequences() {
  Key* h = keys();
  const std::size_t n = size();
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::sort(order.begin(), order.end(), [h](std::uint32_t a, std::uint32_t b) { return less(h[a], h[b]); });
  // Relabelling in key order keeps every comparison's outcome, so the heap stays valid.
  for (std::size_t r = 0; r < n; ++r) {
    Key& k = h[order[r]];
    k.word = (k.word & ~kSeqField) | (static_cast<std::uint64_t>(r) << kSlotBits);
  }
  seq_ = n;
}

void Engine::sift_up(std::size_t i, Key k) {
  Key* h = keys();
  while (i > 0) {
    std::size_t parent = (i - 1) / 4;
    if (!less(k, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = k;
}

void Engine::sift_down(std::size_t i, Key k) {
  if (size() > kPrefetchAbove) {
    sift_down_impl<true>(i, k);
  } else {
    sift_down_impl<false>(i, k);
  }
}

template <bool kPrefetch>
void Engine::sift_down_impl(std::size_t i, Key k) {
  Key* const h = keys();
  const std::size_t n = size();
  // Nodes before `full` have all four children: 4i + 4 < n. The walk goes by pointer: the
  // children of the node at p start at h + 4(p - h) + 1, one cache line, so a level costs no
  // index arithmetic. (Unsigned arithmetic on the addresses wraps, and the result is exact.)
  Key* const full = h + (n > 4 ? (n - 1) / 4 : 0);
  Key* hole = h + i;
  // first_child(p) = h + 4(p - h) + 1, computed from p's address as 4p + (16 - 3h): one instruction.
  const std::uintptr_t child_offset = sizeof(Key) - 3 * reinterpret_cast<std::uintptr_t>(h);
  const auto first_child = [child_offset](const Key* p) {
    return reinterpret_cast<Key*>(4 * reinterpret_cast<std::uintptr_t>(p) + child_offset);
  };
  while (hole < full) {
    Key* const c = first_child(hole);
    if constexpr (kPrefetch) {
      // The grandchildren are four consecutive lines: fetch them while this level is compared,
      // since the branch-free choice below leaves nothing for the processor to speculate on.
      const Key* const g = first_child(c);
      if (reinterpret_cast<std::uintptr_t>(g) < reinterpret_cast<std::uintptr_t>(h + n)) {
        const char* line = reinterpret_cast<const char*>(g);
        __builtin_prefetch(line);
        __builtin_prefetch(line + 64);
        __builtin_prefetch(line + 128);
        __builtin_prefetch(line + 192);
      }
    }
    // Four children in one cache line: pick the least without data-dependent branches. A level
    // is a chain (its loads wait for the previous level's choice), so the choice compares times
    // alone, one instruction each, and selects with conditional moves; equal times, which need
    // the rest of the key, take a separate path that is rarely taken.
    const Time t0 = c[0].time, t1 = c[1].time, t2 = c[2].time, t3 = c[3].time;
    Key* a = t1 < t0 ? c + 1 : c;
    const Time ta = t1 < t0 ? t1 : t0;
    Key* b = t3 < t2 ? c + 3 : c + 2;
    const Time tb = t3 < t2 ? t3 : t2;
    Key* best = tb < ta ? b : a;
    const Time tbest = tb < ta ? tb : ta;
    if (__builtin_expect((t0 == t1) | (t2 == t3) | (ta == tb), 0)) {
      a = c + static_cast<std::size_t>(less(c[1], c[0]));
      b = c + 2 + static_cast<std::size_t>(less(c[3], c[2]));
      best = less(*b, *a) ? b : a;
    }
    if (tbest > k.time || (tbest == k.time && !less(*best, k))) break;
    *hole = *best;
    hole = best;
  }
  if (hole >= full) {
    // At most one node has fewer than four children.
    const std::size_t c = 4 * static_cast<std::size_t>(hole - h) + 1;
    if (c < n) {
      std::size_t best = c;
      for (std::size_t j = c + 1; j < n; ++j)
        if (less(h[j], h[best])) best = j;
      if (less(h[best], k)) {
        *hole = h[best];
        hole = h + best;
      }
    }
  }
  *hole = k;
}

void Engine::drop_top() {
  top_stale_ = false;
  if (sorted_) {
    heap_.pop_back();
    return;
  }
  const Key last = heap_.back();
  heap_.pop_back();
  if (size() > 0) sift_down(0, last);
  if (size() <= kSortedMin) to_sorted();
}

void Engine::purge_cancelled() {
  Key* h = keys();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < size(); ++i) {
    const auto slot = static_cast<std::uint32_t>(h[i].word & kSlotMask);
    if (slots_[slot].live) {
      h[kept++] = h[i];
    } else {
      ++slots_[slot].generation;
      free_slots_.push_back(slot);
    }
  }
  heap_.resize(kPad + kept);
  cancelled_ = 0;
  if (sorted_) return;  // filtering keeps the order
  // Floyd's construction; keys are unique, so the order events run in does not depend on the
  // shape of the heap.
  for (std::size_t i = kept / 4 + 1; i-- > 0;)
    if (i < kept) sift_down(i, h[i]);
  if (size() <= kSortedMin) to_sorted();
}

void Engine::run_until(Time until) {
  stop_requested_ = false;
  release_recycled();  // after a handler that threw
  for (;;) {
    if (top_stale_) drop_top();
    if (cancelled_ > kPurgeAbove && 4 * cancelled_ > size()) purge_cancelled();
    if (size() == 0 || stop_requested_) break;
    const Key k = sorted_ ? keys()[size() - 1] : keys()[0];
    if (k.time > until) break;
    const auto slot = static_cast<std::uint32_t>(k.word & kSlotMask);
    Slot& s = slots_[slot];
    // Unless this handler schedules something earlier, the next event is the least child of the
    // root: start loading its slot now, so the miss overlaps this event's work.
    if (!sorted_ && size() > kPrefetchAbove) {
      const Key* h = keys();
      const Key& a = less(h[2], h[1]) ? h[2] : h[1];
      const Key& b = less(h[4], h[3]) ? h[4] : h[3];
      __builtin_prefetch(&slots_[(less(b, a) ? b : a).word & kSlotMask]);
    }
    // The key stays at the root until the handler schedules (which replaces it) or returns.
    top_stale_ = true;
    ++s.generation;
    if (!s.live) {
      free_slots_.push_back(slot);
      --cancelled_;
      continue;
    }
    s.live = false;
    now_ = k.time;
    Handler h = std::move(s.handler);
    ++executed_;
    recycled_ = slot;
    h();
    release_recycled();
  }
  if (until != kNever && !stop_requested_ && now_ < until) now_ = until;
}

}  // namespace cgsim::sim
