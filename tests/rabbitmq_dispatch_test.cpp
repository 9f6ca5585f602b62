// Dispatch rules of the RabbitMQ model: round-robin over consumers with prefetch credit,
// consumer priorities, single active consumer, auto-ack and multiple acks.
#include <gtest/gtest.h>

#include "tests/rabbitmq_rig.hpp"

using namespace rabbitmq_rig;
using Ids = std::vector<std::uint64_t>;

TEST(RabbitDispatch, RoundRobinSkipsConsumersWithoutPrefetchCredit) {
  Rig r;
  r.group("slow", 1, 1, 1 * kSecond);
  r.group("fast", 2, 10, 1 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 7);
  r.run(5 * kSecond);
  // slow/0 holds message 1 and has no credit left, so the rotation passes it by.
  EXPECT_EQ(r.ids(0, 0), (Ids{1}));
  EXPECT_EQ(r.ids(1, 0), (Ids{2, 4, 6}));
  EXPECT_EQ(r.ids(1, 1), (Ids{3, 5, 7}));
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitDispatch, RoundRobinAmongEqualConsumersInRegistrationOrder) {
  Rig r;
  r.group("g", 3, 1, 100 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 6);
  r.run(5 * kSecond);
  EXPECT_EQ(r.ids(0, 0), (Ids{1, 4}));
  EXPECT_EQ(r.ids(0, 1), (Ids{2, 5}));
  EXPECT_EQ(r.ids(0, 2), (Ids{3, 6}));
}

TEST(RabbitDispatch, HigherPriorityConsumersAreServedWhileTheyHaveCredit) {
  Rig r;
  r.group("low", 1, 10, 500 * kMillisecond, 0);
  r.group("high", 1, 2, 500 * kMillisecond, 10);
  r.build();
  r.publish(10 * kMillisecond, 5);
  r.run(10 * kSecond);
  EXPECT_EQ(r.ids(1, 0).size() + r.ids(0, 0).size(), 5u);
  // The first two go to the high-priority consumer; the rest overflow to the low one at once.
  Ids high = r.ids(1, 0);
  ASSERT_GE(high.size(), 2u);
  EXPECT_EQ(high[0], 1u);
  EXPECT_EQ(high[1], 2u);
  EXPECT_EQ(r.ids(0, 0).front(), 3u);
}

TEST(RabbitDispatch, SingleActiveConsumerGetsEverythingUntilItLeaves) {
  Rig r;
  r.queue().single_active_consumer = true;
  r.group("g", 2, 10, 10 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 4);
  r.fault(cgsim::models::FaultSpec::Kind::Leave, 200 * kMillisecond, "g", 0);
  r.publish(500 * kMillisecond, 3);
  r.run(2 * kSecond);
  EXPECT_EQ(r.ids(0, 0), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(r.ids(0, 1), (Ids{5, 6, 7}));
  EXPECT_TRUE(r.conserved());
}

namespace {
// Five messages to one auto-ack consumer with prefetch 1: all are delivered and settled within
// 10 ms of their publish (prefetch ignored), then processed one after another.
void expect_auto_ack_settles_on_delivery(Rig& r) {
  auto& g = r.group("g", 1, 1, 100 * kMillisecond);
  g.ack.automatic = true;
  r.build();
  r.publish(10 * kMillisecond, 5);
  r.run(20 * kMillisecond);
  const auto t = r.world->totals();
  EXPECT_EQ(t.acked, 5u);
  EXPECT_EQ(t.unacked, 0u);
  EXPECT_EQ(t.ready, 0u);
  r.run(2 * kSecond);
  EXPECT_EQ(r.done.size(), 5u);
}
}  // namespace

TEST(RabbitDispatch, AutoAckSettlesOnDeliveryAndIgnoresPrefetch) {
  Rig r;
  expect_auto_ack_settles_on_delivery(r);
}

TEST(RabbitDispatch, MultipleAckSettlesEveryTagUpToIt) {
  Rig r;
  auto& g = r.group("g", 1, 10, 10 * kMillisecond);
  g.ack.multiple = 3;
  r.build();
  r.publish(10 * kMillisecond, 5);
  // Delivered at 11 ms; done at 21, 31, 41, 51, 61 ms; acks for 1-3 sent at 41 (arrive 42) and
  // for 4-5 when the client runs dry at 61 (arrive 62).
  r.run(35 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).unacked(), 5u);
  r.run(43 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).unacked(), 2u);
  r.run(55 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).unacked(), 2u);
  r.run(63 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).unacked(), 0u);
  EXPECT_EQ(r.world->totals().acked, 5u);
}

// A quorum queue's messages are checked out and settled by the channel at once.
TEST(RabbitDispatch, QuorumAutoAckSettlesAsDeliveriesReachTheChannel) {
  Rig r(rmq::QueueSpec::Type::Quorum);
  expect_auto_ack_settles_on_delivery(r);
  for (const auto& m : r.done) EXPECT_FALSE(m.redelivered);
}

TEST(RabbitDispatch, AQuorumEnqueueIsDeliverableOnceItsRaftCommandApplies) {
  // A message published to a quorum queue joins it quorum_apply_time after it reaches the broker;
  // a classic queue takes it at once, whatever the setting. Until it applies it is produced (the
  // broker has it) and waiting.
  for (const auto type : {rmq::QueueSpec::Type::Classic, rmq::QueueSpec::Type::Quorum}) {
    for (const sim::Time apply : {sim::Time{0}, 5 * kMillisecond}) {
      Rig r(type);
      r.sc.broker.quorum_apply_time = apply;
      r.group("a", 1, 10, 1 * kMillisecond);
      r.build();
      r.publish(10 * kMillisecond, 2);
      r.run(11 * kMillisecond);
      const bool delayed = type == rmq::QueueSpec::Type::Quorum && apply > 0;
      EXPECT_EQ(r.world->broker().queue(0).counters().applying, delayed ? 2u : 0u);
      EXPECT_EQ(r.world->broker().unsettled(0).first, 2u);
      r.run(1 * kSecond);
      ASSERT_EQ(r.done.size(), 2u);
      for (const auto& m : r.done) {
        EXPECT_EQ(m.published, 10 * kMillisecond);
        EXPECT_EQ(m.delivered, 10 * kMillisecond + (delayed ? apply : 0)) << m.message;
      }
      EXPECT_EQ(r.world->broker().queue(0).counters().applying, 0u);
      EXPECT_TRUE(r.conserved());
    }
  }
}
