#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "sim/engine.hpp"

using namespace cgsim::sim;

namespace rank {
// Ranks as a model would name them: the engine orders by the number alone.
constexpr Priority kFault = 0, kNetwork = 1, kCoordinator = 2, kClient = 3, kProducer = 4, kSample = 5;
}  // namespace rank

TEST(Engine, OrdersByTimeThenPriorityThenInsertion) {
  Engine e;
  std::vector<int> order;
  e.schedule_at(20, rank::kClient, [&] { order.push_back(5); });
  e.schedule_at(10, rank::kClient, [&] { order.push_back(3); });
  e.schedule_at(10, rank::kFault, [&] { order.push_back(1); });
  e.schedule_at(10, rank::kClient, [&] { order.push_back(4); });
  e.schedule_at(10, rank::kNetwork, [&] { order.push_back(2); });
  e.run_until(kNever);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(e.now(), 20);
  EXPECT_EQ(e.events_executed(), 5u);
}

TEST(Engine, CancelledEventsDoNotRunAndIdsAreNotReused) {
  Engine e;
  int ran = 0;
  EventId a = e.schedule_at(5, rank::kClient, [&] { ran += 1; });
  EventId b = e.schedule_at(6, rank::kClient, [&] { ran += 10; });
  EXPECT_TRUE(e.pending(a));
  EXPECT_TRUE(e.cancel(a));
  EXPECT_FALSE(e.cancel(a));
  EXPECT_FALSE(e.pending(a));
  e.run_until(kNever);
  EXPECT_EQ(ran, 10);
  EXPECT_FALSE(e.pending(b));
  // The slot of a cancelled event is reused, but under a new id.
  EventId c = e.schedule_after(1, rank::kClient, [] {});
  EXPECT_NE(c, a);
  EXPECT_FALSE(e.cancel(a));
  EXPECT_TRUE(e.pending(c));
}

TEST(Engine, RunUntilStopsAtHorizonAndAdvancesClock) {
  Engine e;
  int ran = 0;
  e.schedule_at(100, rank::kClient, [&] { ++ran; });
  e.schedule_at(300, rank::kClient, [&] { ++ran; });
  e.run_until(200);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(e.now(), 200);
  e.run_until(300);
  EXPECT_EQ(ran, 2);
}

TEST(Engine, HandlersMayScheduleAndCancelDuringExecution) {
  Engine e;
  std::vector<Time> seen;
  EventId victim = 0;
  e.schedule_at(1, rank::kClient, [&] {
    seen.push_back(e.now());
    e.schedule_after(0, rank::kClient, [&] { seen.push_back(e.now() + 1000); });
    e.cancel(victim);
  });
  victim = e.schedule_at(2, rank::kClient, [&] { seen.push_back(-1); });
  e.run_until(kNever);
  EXPECT_EQ(seen, (std::vector<Time>{1, 1001}));
}

TEST(Engine, RejectsSchedulingInThePast) {
  Engine e;
  e.schedule_at(10, rank::kClient, [] {});
  e.run_until(kNever);
  EXPECT_THROW(e.schedule_at(5, rank::kClient, [] {}), std::logic_error);
}

TEST(Engine, ManyEventsComeOutSorted) {
  Engine e;
  std::vector<Time> seen;
  // A fixed pseudo-random sequence of times.
  std::uint64_t x = 12345;
  for (int i = 0; i < 10000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    Time t = static_cast<Time>(x >> 40);
    e.schedule_at(t, rank::kClient, [&seen, &e] { seen.push_back(e.now()); });
  }
  e.run_until(kNever);
  ASSERT_EQ(seen.size(), 10000u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

// Random schedules (ties in time and priority included), cancels, and handlers that schedule
// zero to three events: every event the engine runs must be the least one of a plain ordered set
// of (time, priority, insertion number) kept beside it. @p initial events are pending at the
// start; @p children(queue size) gives the most events a handler schedules (it schedules a
// uniform number from 0 to that). Returns (events run, events cancelled).
std::pair<std::size_t, std::size_t> run_against_reference(int initial, int budget,
                                                           const std::function<int(std::size_t)>& children) {
  using Entry = std::tuple<Time, int, std::uint64_t, std::size_t>;
  const Priority prios[] = {rank::kFault, rank::kNetwork, rank::kCoordinator,
                            rank::kClient, rank::kProducer, rank::kSample};
  Engine e;
  std::set<Entry> ref;
  std::vector<Entry> entry_of;  // by event number
  std::vector<EventId> ids;
  std::uint64_t x = 99;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::size_t ran = 0, mismatches = 0, cancelled = 0;
  std::function<void(Time)> add = [&](Time base) {
    const std::size_t id = ids.size();
    const Time t = base + static_cast<Time>(next() % 50);  // coarse times: many ties
    const int p = static_cast<int>(next() % 6);
    entry_of.emplace_back(t, static_cast<int>(prios[p]), id, id);
    ref.insert(entry_of.back());
    ids.push_back(e.schedule_at(t, prios[p], [&, id] {
      ++ran;
      if (ref.empty() || std::get<3>(*ref.begin()) != id) ++mismatches;
      ref.erase(entry_of[id]);
      const int most = budget-- > 0 ? children(e.queue_size()) : 0;
      const int n = static_cast<int>(next() % static_cast<std::uint64_t>(most + 1));
      for (int c = 0; c < n; ++c) add(e.now());
      if (next() % 5 == 0) {
        const std::size_t victim = next() % ids.size();
        if (e.cancel(ids[victim])) {
          ++cancelled;
          ref.erase(entry_of[victim]);
        }
      }
      if (next() % 4096 == 0) e.renumber_sequences();
    }));
  };
  for (int i = 0; i < initial; ++i) add(0);
  e.run_until(kNever);
  EXPECT_EQ(mismatches, 0u);
  EXPECT_TRUE(ref.empty());
  EXPECT_EQ(e.queue_size(), 0u);
  EXPECT_EQ(ran + cancelled, ids.size());
  return {ran, cancelled};
}

// 30k pending events at the start exercise the large-queue (heap) paths, then the queue drains.
TEST(Engine, MatchesAReferenceOrderedSetUnderRandomScheduleAndCancel) {
  const auto [ran, cancelled] = run_against_reference(30000, 120000, [](std::size_t) { return 3; });
  EXPECT_GT(ran, 100000u);
  EXPECT_GT(cancelled, 1000u);
}

// A queue that grows to a few hundred events and shrinks to a few, again and again, crosses
// between the small queue's sorted array and the heap both ways, with cancelled keys purged in
// both.
TEST(Engine, MatchesAReferenceOrderedSetWhileTheQueueGrowsAndShrinks) {
  bool growing = true;
  int turns = 0;
  const auto [ran, cancelled] = run_against_reference(5, 200000, [&](std::size_t size) {
    if (growing && size > 400) growing = false, ++turns;
    if (!growing && size < 8) growing = true, ++turns;
    return growing ? 3 : 1;
  });
  EXPECT_GT(turns, 20);
  EXPECT_GT(ran, 150000u);
  EXPECT_GT(cancelled, 100u);
}

TEST(Engine, CancelledKeysArePurgedOnceTheyAreAQuarterOfTheHeap) {
  // 100 live keys, then cancelled ones added: 30 of 130 stay, 40 of 140 are purged.
  for (const auto& [cancelled, left] : std::vector<std::pair<int, std::size_t>>{{30, 130}, {40, 100}}) {
    Engine e;
    for (int i = 0; i < 100; ++i) e.schedule_at(10 + i, rank::kClient, [] {});
    std::vector<EventId> doomed;
    for (int i = 0; i < cancelled; ++i) doomed.push_back(e.schedule_at(500 + i, rank::kClient, [] {}));
    e.schedule_at(1, rank::kClient, [] {});
    for (EventId id : doomed) e.cancel(id);
    e.run_until(1);  // runs the event at 1; the purge check comes before it
    EXPECT_EQ(e.queue_size(), left) << cancelled << " cancelled";
  }
}

TEST(Engine, CancelledKeysArePurgedWhenTheyOutnumberLiveOnesAndOrderHolds) {
  Engine e;
  std::vector<int> ran;
  std::vector<EventId> ids;
  std::vector<std::pair<Time, int>> want;
  std::uint64_t x = 7;
  for (int i = 0; i < 2000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const Time t = 1 + static_cast<Time>(x >> 54);  // 1..1024: ties included
    ids.push_back(e.schedule_at(t, rank::kClient, [&ran, i] { ran.push_back(i); }));
    if (i % 4 == 0) want.emplace_back(t, i);
  }
  for (int i = 0; i < 2000; ++i) {
    if (i % 4 != 0) {
      EXPECT_TRUE(e.cancel(ids[static_cast<std::size_t>(i)]));
    }
  }
  EXPECT_EQ(e.queue_size(), 2000u);  // cancelled keys are still there
  e.run_until(1);
  EXPECT_LE(e.queue_size(), 500u);  // purged before the first event ran
  e.run_until(kNever);
  std::stable_sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<int> want_ids;
  for (auto& w : want) want_ids.push_back(w.second);
  EXPECT_EQ(ran, want_ids);
  for (int i = 0; i < 2000; ++i) EXPECT_FALSE(e.pending(ids[static_cast<std::size_t>(i)]));
  // Purged slots are reused under new ids.
  EventId fresh = e.schedule_after(1, rank::kClient, [] {});
  for (EventId old : ids) EXPECT_NE(fresh, old);
}

TEST(Engine, QueueSizeExcludesTheRunningEvent) {
  Engine e;
  std::vector<std::size_t> sizes;
  e.schedule_at(1, rank::kClient, [&] {
    sizes.push_back(e.queue_size());
    e.schedule_after(1, rank::kClient, [&] { sizes.push_back(e.queue_size()); });
    sizes.push_back(e.queue_size());
  });
  e.schedule_at(5, rank::kClient, [] {});
  e.run_until(kNever);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2, 1}));
  EXPECT_EQ(e.queue_size(), 0u);
}

TEST(Engine, RenumberingSequencesKeepsInsertionOrder) {
  Engine e;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) e.schedule_at(7, rank::kClient, [&order, i] { order.push_back(i); });
  e.renumber_sequences();
  for (int i = 100; i < 200; ++i) e.schedule_at(7, rank::kClient, [&order, i] { order.push_back(i); });
  e.schedule_at(7, rank::kNetwork, [&order] { order.push_back(-1); });
  e.run_until(kNever);
  std::vector<int> want{-1};
  for (int i = 0; i < 200; ++i) want.push_back(i);
  EXPECT_EQ(order, want);
}

TEST(Engine, AHandlerThatThrowsLeavesTheQueueUsable) {
  Engine e;
  std::vector<int> order;
  e.schedule_at(1, rank::kClient, [] { throw std::runtime_error("boom"); });
  e.schedule_at(2, rank::kClient, [&] { order.push_back(2); });
  EXPECT_THROW(e.run_until(kNever), std::runtime_error);
  EXPECT_EQ(e.queue_size(), 1u);
  e.schedule_at(3, rank::kClient, [&] { order.push_back(3); });
  e.run_until(kNever);
  EXPECT_EQ(order, (std::vector<int>{2, 3}));
}

namespace {
/// A handler whose copy throws: building it in its slot fails.
struct ThrowsWhenCopied {
  int* ran;
  ThrowsWhenCopied(int* r) : ran(r) {}
  ThrowsWhenCopied(const ThrowsWhenCopied&) { throw std::runtime_error("copy"); }
  void operator()() const { ++*ran; }
};
}  // namespace

TEST(Engine, AHandlerThatCannotBeBuiltSchedulesNothing) {
  Engine e;
  int ran = 0;
  const ThrowsWhenCopied bad(&ran);
  for (int k = 0; k < 3; ++k) EXPECT_THROW(e.schedule_at(5, rank::kClient, bad), std::runtime_error);
  EXPECT_EQ(e.queue_size(), 0u);
  // The slots taken for the failed attempts are free again: new events run, and only they.
  const EventId a = e.schedule_at(7, rank::kClient, [&ran] { ran += 10; });
  const EventId b = e.schedule_at(6, rank::kClient, [&ran] { ran += 100; });
  EXPECT_NE(a, b);
  EXPECT_EQ(e.queue_size(), 2u);
  e.run_until(kNever);
  EXPECT_EQ(ran, 110);
  EXPECT_EQ(e.events_executed(), 2u);
}

TEST(Engine, AHandlerThatCannotBeBuiltLeavesLargeAndSmallQueuesInOrder) {
  // Both layouts (a sorted array up to 128 keys, a heap above), and a failure inside a running
  // handler, whose first schedule takes the running event's place in the queue.
  for (const int n : {20, 300}) {
    Engine e;
    int ran = 0;
    const ThrowsWhenCopied bad(&ran);
    std::vector<Time> order;
    std::uint64_t x = 12345;
    for (int k = 0; k < n; ++k) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const Time at = 10 + static_cast<Time>((x >> 33) % 1000);
      e.schedule_at(at, rank::kClient, [&order, &e] { order.push_back(e.now()); });
      if (k % 7 == 0) {
        EXPECT_THROW(e.schedule_at(at + 1, rank::kClient, bad), std::runtime_error);
      }
    }
    e.schedule_at(5, rank::kClient, [&] {
      EXPECT_THROW(e.schedule_at(500, rank::kClient, bad), std::runtime_error);
      EXPECT_THROW(e.schedule_at(6, rank::kClient, bad), std::runtime_error);
      e.schedule_at(7, rank::kClient, [&order, &e] { order.push_back(e.now()); });
    });
    EXPECT_EQ(e.queue_size(), static_cast<std::size_t>(n) + 1);
    e.run_until(kNever);
    EXPECT_EQ(ran, 0);
    ASSERT_EQ(order.size(), static_cast<std::size_t>(n) + 1) << n;
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << n;
    EXPECT_EQ(order.front(), 7) << n;
    EXPECT_EQ(e.events_executed(), static_cast<std::uint64_t>(n) + 2);
  }
}

TEST(Duration, FormatsLikeScenarioFiles) {
  EXPECT_EQ(format_duration(250 * kMillisecond), "250ms");
  EXPECT_EQ(format_duration(45 * kSecond), "45s");
  EXPECT_EQ(format_duration(5 * kMinute), "5m");
  EXPECT_EQ(format_duration(2 * kHour), "2h");
  EXPECT_EQ(format_duration(90 * kSecond), "90s");
  EXPECT_EQ(format_duration(150 * kMicrosecond), "150us");
  EXPECT_EQ(format_duration(0), "0s");
}
