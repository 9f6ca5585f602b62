#pragma once
/// @file engine.hpp
/// The discrete-event engine: it owns the clock and the pending-event queue.
///
/// Events are totally ordered by (time, priority, insertion sequence), so two runs of the same
/// scenario execute the same events in the same order. Models only schedule and cancel; they never
/// see the queue.
///
/// A key is the event's time plus one word holding the priority's rank, a 32-bit insertion
/// sequence and the handler's slot; two keys compare as one unsigned 128-bit number, without
/// branches. Handlers live in a slot pool that is reused, so steady-state scheduling does not
/// allocate.
///
/// The keys have two layouts, chosen by the queue's size. Up to a hundred or so pending events
/// (a simulated group of a few dozen consumers) they form an array sorted latest first: the next
/// event is the last key, taken without moving anything, and a new key walks in from the back past
/// the keys that are due before it, which for the near-future events of a model (a batch's end, a
/// response) are few. Larger queues are a 4-ary min-heap laid out so that the four children of a
/// node fill one 64-byte cache line: a sift-down touches one line per level, and its cost does not
/// grow with how many keys a new one passes. An array sorted in increasing order is a valid heap,
/// so switching layout is a reversal one way and a sort the other, with a gap between the two
/// thresholds so that a queue on the line does not switch back and forth.
///
/// While a handler runs, its key stays the least (the root, or the array's last key): the
/// handler's first schedule_at() overwrites it in place, instead of a pop and a push (most handlers
/// schedule exactly one follow-up event). Cancelled events leave their key behind until it is the
/// least, unless cancelled keys make up more than a quarter of the queue: then it is rebuilt
/// without them (amortised O(1) per cancel), so timers that are re-armed often, such as held
/// fetches answered early, do not make it deeper.
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "sim/callback.hpp"
#include "sim/time.hpp"

namespace cgsim::sim {

/// Identifies a scheduled event so that it can be cancelled. Zero is never a valid id.
using EventId = std::uint64_t;

/// An event's rank among events at the same instant: lower runs first. The engine gives ranks no
/// meaning; the models name theirs (models/common/priorities.hpp). A rank is below
/// kPriorityLevels: it takes the top three bits of an event's key.
using Priority = std::uint8_t;
inline constexpr unsigned kPriorityLevels = 8;

/// Allocates on 64-byte (cache line) boundaries.
template <typename T>
struct LineAllocator {
  using value_type = T;
  LineAllocator() = default;
  template <typename U>
  LineAllocator(const LineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  bool operator==(const LineAllocator&) const { return true; }
};

/// The engine. Not thread-safe: one engine per simulation run.
class Engine {
 public:
  /// An event handler: any `void()` callable; small trivially copyable ones are stored inline.
  using Handler = Callback;

  Engine();

  /// Current simulated time.
  Time now() const { return now_; }

  /// Schedules @p handler (any `void()` callable, or a Handler) at absolute time @p at
  /// (>= now()). Returns an id for cancel(). The handler is built in its slot, not moved there.
  template <typename F>
  EventId schedule_at(Time at, Priority priority, F&& handler) {
    // The key goes in first, in the same call as the slot is taken, and the handler is built in
    // the slot afterwards (nothing runs in between). A handler that fails to build takes its key
    // and slot out again.
    const Placed p = place(at, priority);
    if constexpr (Handler::nothrow_emplace<F>) {
      p.slot->handler.emplace(std::forward<F>(handler));
    } else {
      try {
        p.slot->handler.emplace(std::forward<F>(handler));
      } catch (...) {
        unplace(p);
        throw;
      }
    }
    return p.id;
  }
  /// Schedules @p handler @p delay after now().
  template <typename F>
  EventId schedule_after(Time delay, Priority priority, F&& handler) {
    return schedule_at(now_ + delay, priority, std::forward<F>(handler));
  }
  /// Cancels a pending event; cancelling an event that already ran or was cancelled is a no-op.
  /// Returns true if a pending event was cancelled. Inline, because models cancel timers on hot
  /// paths whose id is mostly no longer pending (0, or an event that ran).
  bool cancel(EventId id) {
    if (!pending(id)) return false;
    Slot& s = slots_[static_cast<std::uint32_t>(id & 0xffffffffu) - 1u];
    s.live = false;
    s.handler = nullptr;  // release captures now; the key is dropped when it is the least or purged
    ++cancelled_;
    return true;
  }
  /// True if @p id names an event that is still pending.
  bool pending(EventId id) const {
    // Id 0 wraps to slot 2^32 - 1, which never exists.
    const std::uint32_t slot = static_cast<std::uint32_t>(id & 0xffffffffu) - 1u;
    const std::uint32_t gen = static_cast<std::uint32_t>(id >> 32);
    return slot < slots_.size() && slots_[slot].live && slots_[slot].generation == gen;
  }

  /// Runs events until the queue is empty or the next event is later than @p until.
  /// The clock ends at @p until (or at the last event if the queue empties first and
  /// @p until is kNever).
  void run_until(Time until);
  /// Asks run_until() to return after the current event.
  void stop() { stop_requested_ = true; }

  /// Number of events executed so far (cancelled events are not counted).
  std::uint64_t events_executed() const { return executed_; }
  /// Number of events currently pending (including lazily cancelled ones not yet popped).
  std::size_t queue_size() const { return heap_.size() - kPad - (top_stale_ ? 1 : 0); }

  /// Relabels the insertion sequences of the pending events 0..n-1, keeping their order. The
  /// engine does this itself when the 32-bit sequence would overflow (every 2^32 schedules);
  /// public so that tests can exercise it.
  [[gnu::noinline]] void renumber_sequences();

 private:
  struct Key {
    Time time;           // never negative, so it orders the same as an unsigned number
    std::uint64_t word;  // rank << 61 | sequence << 29 | slot
  };
  static bool less(const Key& a, const Key& b) {
    __extension__ using U128 = unsigned __int128;
    return ((static_cast<U128>(static_cast<std::uint64_t>(a.time)) << 64) | a.word) <
           ((static_cast<U128>(static_cast<std::uint64_t>(b.time)) << 64) | b.word);
  }
  struct alignas(64) Slot {
    Handler handler;
    std::uint32_t generation = 1;
    bool live = false;
  };
  static constexpr std::size_t kPad = 3;
  /// An event placed by place(): its id and its slot, whose handler is still to be built.
  struct Placed {
    EventId id;
    Slot* slot;
  };
  /// Checks @p at and @p priority, takes a free slot, marks it live and puts the event's key in the
  /// queue.
  Placed place(Time at, Priority priority);
  /// Takes out the event place() just put in, whose handler could not be built: its key leaves
  /// the queue and its slot is free again.
  void unplace(Placed p);

  Key* keys() { return heap_.data() + kPad; }
  std::size_t size() const { return heap_.size() - kPad; }
  [[gnu::noinline]] void sift_up(std::size_t i, Key k);
  void sift_down(std::size_t i, Key k);
  template <bool kPrefetch>
  void sift_down_impl(std::size_t i, Key k);
  void drop_top();
  /// Switches the layout of the pending keys: to_heap() when the sorted array grows past
  /// kSortedMax or its walks grow long, to_sorted() when the heap shrinks to kSortedMin or a small
  /// heap's trial comes round. Both are rare and kept out of place() (as sift_up(), which only the
  /// heap layout's push uses), so that place()'s common path saves fewer registers.
  [[gnu::noinline]] void to_heap();
  [[gnu::noinline]] void to_sorted();
  void purge_cancelled();
  void release_recycled() {
    if (recycled_ != kNoSlot) {
      free_slots_.push_back(recycled_);
      recycled_ = kNoSlot;
    }
  }

  Time now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t executed_ = 0;
  bool stop_requested_ = false;
  bool top_stale_ = false;  // the least key is that of the event running (or just skipped)
  // Small queues keep their keys sorted, latest first, so the next event is the last key: popping
  // it moves nothing, and a near-future key is inserted after a short walk from the back. Large
  // queues, and small ones whose new keys walk far (more than kMeanWalkMax keys on average over
  // kWalkWindow insertions), are a heap, whose cost does not grow with the number of keys a new
  // one passes. A heap becomes a sorted array again when it shrinks to kSortedMin keys, and a
  // heap smaller than kSortedMax tries the sorted array again after kHeapTrial insertions.
  static constexpr std::size_t kSortedMax = 128;
  static constexpr std::size_t kSortedMin = 32;
  static constexpr std::size_t kWalkWindow = 256;
  static constexpr std::size_t kMeanWalkMax = 16;
  static constexpr std::size_t kHeapTrial = 65536;
  bool sorted_ = true;
  std::size_t walked_ = 0;  // keys passed by the insertions of the current window
  std::size_t walks_ = 0;   // insertions in the current window, or since the heap was made
  std::size_t cancelled_ = 0;  // keys in the heap whose event was cancelled
  // The running event's slot: the handler's first schedule_at() takes it without a trip through
  // the free list; otherwise it joins the free list when the handler returns.
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};
  std::uint32_t recycled_ = kNoSlot;
  // Heap node i is heap_[kPad + i]: node 0 ends the first cache line and the children of node i,
  // 4i+1 .. 4i+4, are heap_[4(i+1) .. 4(i+1)+3], one whole line. In the sorted layout key i is
  // heap_[kPad + i] too, and heap_[kPad - 1], a key later than any event's, ends every walk.
  std::vector<Key, LineAllocator<Key>> heap_;
  std::vector<Slot, LineAllocator<Slot>> slots_;  // 64 bytes each: one line per slot
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace cgsim::sim
