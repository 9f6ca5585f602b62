#include <gtest/gtest.h>

#include <vector>

#include "sim/engine.hpp"

using namespace cgsim::sim;

TEST(Engine, OrdersByTimeThenPriorityThenInsertion) {
  Engine e;
  std::vector<int> order;
  e.schedule_at(20, Priority::Client, [&] { order.push_back(5); });
  e.schedule_at(10, Priority::Client, [&] { order.push_back(3); });
  e.schedule_at(10, Priority::Fault, [&] { order.push_back(1); });
  e.schedule_at(10, Priority::Client, [&] { order.push_back(4); });
  e.schedule_at(10, Priority::Network, [&] { order.push_back(2); });
  e.run_until(kNever);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(e.now(), 20);
  EXPECT_EQ(e.events_executed(), 5u);
}

TEST(Engine, CancelledEventsDoNotRunAndIdsAreNotReused) {
  Engine e;
  int ran = 0;
  EventId a = e.schedule_at(5, Priority::Client, [&] { ran += 1; });
  EventId b = e.schedule_at(6, Priority::Client, [&] { ran += 10; });
  EXPECT_TRUE(e.pending(a));
  EXPECT_TRUE(e.cancel(a));
  EXPECT_FALSE(e.cancel(a));
  EXPECT_FALSE(e.pending(a));
  e.run_until(kNever);
  EXPECT_EQ(ran, 10);
  EXPECT_FALSE(e.pending(b));
  // The slot of a cancelled event is reused, but under a new id.
  EventId c = e.schedule_after(1, Priority::Client, [] {});
  EXPECT_NE(c, a);
  EXPECT_FALSE(e.cancel(a));
  EXPECT_TRUE(e.pending(c));
}

TEST(Engine, RunUntilStopsAtHorizonAndAdvancesClock) {
  Engine e;
  int ran = 0;
  e.schedule_at(100, Priority::Client, [&] { ++ran; });
  e.schedule_at(300, Priority::Client, [&] { ++ran; });
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
  e.schedule_at(1, Priority::Client, [&] {
    seen.push_back(e.now());
    e.schedule_after(0, Priority::Client, [&] { seen.push_back(e.now() + 1000); });
    e.cancel(victim);
  });
  victim = e.schedule_at(2, Priority::Client, [&] { seen.push_back(-1); });
  e.run_until(kNever);
  EXPECT_EQ(seen, (std::vector<Time>{1, 1001}));
}

TEST(Engine, RejectsSchedulingInThePast) {
  Engine e;
  e.schedule_at(10, Priority::Client, [] {});
  e.run_until(kNever);
  EXPECT_THROW(e.schedule_at(5, Priority::Client, [] {}), std::logic_error);
}

TEST(Engine, ManyEventsComeOutSorted) {
  Engine e;
  std::vector<Time> seen;
  // A fixed pseudo-random sequence of times.
  std::uint64_t x = 12345;
  for (int i = 0; i < 10000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    Time t = static_cast<Time>(x >> 40);
    e.schedule_at(t, Priority::Client, [&seen, &e] { seen.push_back(e.now()); });
  }
  e.run_until(kNever);
  ASSERT_EQ(seen.size(), 10000u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
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
