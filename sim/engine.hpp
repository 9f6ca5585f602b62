#pragma once
/// @file engine.hpp
/// The discrete-event engine: it owns the clock and the pending-event queue.
///
/// Events are totally ordered by (time, priority, insertion sequence), so two runs of the same
/// scenario execute the same events in the same order. Models only schedule and cancel; they never
/// see the queue. The queue is a 4-ary min-heap of 24-byte keys; handlers live in a slot pool that is
/// reused, so steady-state scheduling does not allocate.
#include <cstdint>
#include <vector>

#include "sim/callback.hpp"
#include "sim/time.hpp"

namespace cgsim::sim {

/// Identifies a scheduled event so that it can be cancelled. Zero is never a valid id.
using EventId = std::uint64_t;

/// Event priorities for events at the same instant: lower runs first.
enum class Priority : std::uint8_t {
  Fault = 0,        ///< injected failures and membership changes
  Network = 10,     ///< a request or response arriving
  Coordinator = 20, ///< group-coordinator timers
  Client = 30,      ///< consumer-side timers and poll loops
  Producer = 40,    ///< producer ticks
  Sample = 90,      ///< metric sampling, after everything else at that instant
};

/// The engine. Not thread-safe: one engine per simulation run.
class Engine {
 public:
  /// An event handler: any `void()` callable; small trivially copyable ones are stored inline.
  using Handler = Callback;

  Engine();

  /// Current simulated time.
  Time now() const { return now_; }

  /// Schedules @p handler at absolute time @p at (>= now()). Returns an id for cancel().
  EventId schedule_at(Time at, Priority priority, Handler handler);
  /// Schedules @p handler @p delay after now().
  EventId schedule_after(Time delay, Priority priority, Handler handler) {
    return schedule_at(now_ + delay, priority, std::move(handler));
  }
  /// Cancels a pending event; cancelling an event that already ran or was cancelled is a no-op.
  /// Returns true if a pending event was cancelled.
  bool cancel(EventId id);
  /// True if @p id names an event that is still pending.
  bool pending(EventId id) const;

  /// Runs events until the queue is empty or the next event is later than @p until.
  /// The clock ends at @p until (or at the last event if the queue empties first and
  /// @p until is kNever).
  void run_until(Time until);
  /// Asks run_until() to return after the current event.
  void stop() { stop_requested_ = true; }

  /// Number of events executed so far (cancelled events are not counted).
  std::uint64_t events_executed() const { return executed_; }
  /// Number of events currently pending (including lazily cancelled ones not yet popped).
  std::size_t queue_size() const { return heap_.size(); }

 private:
  struct Key {
    Time time;
    std::uint64_t order;  // priority in the top 8 bits, insertion sequence below
    std::uint32_t slot;
    bool operator<(const Key& o) const {
      return time < o.time || (time == o.time && order < o.order);
    }
  };
  struct Slot {
    Handler handler;
    std::uint32_t generation = 1;
    bool live = false;
  };

  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  Key pop_min();

  Time now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t executed_ = 0;
  bool stop_requested_ = false;
  std::vector<Key> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace cgsim::sim
