// Where returned messages go, the redelivered flag, nacks, the quorum delivery limit and the
// faults that return messages (crash, leave, consumer timeout).
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/rabbitmq_rig.hpp"

using namespace rabbitmq_rig;
using Ids = std::vector<std::uint64_t>;
using Kind = cgsim::models::FaultSpec::Kind;

namespace {
// A (priority 10, prefetch 2) takes 1 and 2, B (priority 5, prefetch 1) takes 3, 4 stays ready.
// B crashes, then A: the queue gets 3 back, then 1 and 2. C joins later and drains the queue.
Ids drain_order_after_two_crashes(rmq::QueueSpec::Type type) {
  Rig r(type);
  r.group("a", 1, 2, 10 * kSecond, 10);
  r.group("b", 1, 1, 10 * kSecond, 5);
  r.group("c", 0, 1, 10 * kMillisecond, 0);
  r.build();
  r.publish(10 * kMillisecond, 4);
  r.fault(Kind::Crash, 50 * kMillisecond, "b", 0);
  r.fault(Kind::Crash, 60 * kMillisecond, "a", 0);
  r.fault(Kind::Join, 100 * kMillisecond, "c", 0, 1);
  r.run(2 * kSecond);
  EXPECT_TRUE(r.conserved());
  return r.ids(2, 0);
}
}  // namespace

TEST(RabbitRequeue, RequeuedClassicMessageKeepsItsPosition) {
  EXPECT_EQ(drain_order_after_two_crashes(rmq::QueueSpec::Type::Classic), (Ids{1, 2, 3, 4}));
}

TEST(RabbitRequeue, QuorumReturnsAreDeliveredFirstInReturnOrder) {
  EXPECT_EQ(drain_order_after_two_crashes(rmq::QueueSpec::Type::Quorum), (Ids{3, 1, 2, 4}));
}

TEST(RabbitRequeue, CrashRequeuesUnackedWithRedeliveredFlag) {
  Rig r;
  r.group("g", 2, 5, 100 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 6);  // g/0 holds 1, 3, 5; g/1 holds 2, 4, 6
  r.fault(Kind::Crash, 50 * kMillisecond, "g", 0);
  r.run(3 * kSecond);
  ASSERT_EQ(r.requeues.size(), 3u);
  for (const auto& q : r.requeues) EXPECT_EQ(q.reason, rmq::RequeueReason::ConnectionLost);
  EXPECT_EQ(r.requeues[0].at, 51 * kMillisecond);  // noticed one latency after the crash
  Ids got = r.ids(0, 1);
  EXPECT_EQ(got.size(), 6u);
  for (const auto& m : r.done) {
    const bool was_held_by_crashed = m.message % 2 == 1;
    EXPECT_EQ(m.redelivered, was_held_by_crashed) << m.message;
    EXPECT_FALSE(m.duplicate);
  }
  EXPECT_TRUE(r.conserved());
  EXPECT_EQ(r.world->totals().acked, 6u);
}

TEST(RabbitRequeue, CrashAfterProcessingBeforeAckCountsDuplicates) {
  Rig r;
  auto& a = r.group("a", 1, 10, 10 * kMillisecond, 10);
  a.ack.multiple = 10;  // the processed messages wait for one multiple ack
  r.group("b", 1, 10, 10 * kMillisecond, 0);
  r.build();
  r.publish(10 * kMillisecond, 5);
  r.fault(Kind::Crash, 35 * kMillisecond, "a", 0);  // 1 and 2 done (21, 31 ms), not acked
  r.run(2 * kSecond);
  std::size_t dups = 0;
  for (const auto& m : r.done) dups += m.duplicate;
  EXPECT_EQ(dups, 2u);
  EXPECT_EQ(r.ids(1, 0), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(r.world->totals().acked, 5u);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitRequeue, NackWithRequeueRedeliversAndNackWithoutRequeueDeadLetters) {
  for (bool requeue : {true, false}) {
    Rig r;
    r.add_dead_letter_queue();
    auto& g = r.group("g", 1, 1, 10 * kMillisecond);
    g.ack.reject_probability = 1.0;
    g.ack.reject_requeue = requeue;
    r.build();
    r.publish(10 * kMillisecond, 1);
    r.run(100 * kMillisecond);
    const auto& c = r.world->broker().queue(0).counters();
    if (requeue) {
      EXPECT_GE(r.done.size(), 3u);  // redelivered again and again
      EXPECT_TRUE(r.done[1].redelivered);
      EXPECT_EQ(c.dead_lettered, 0u);
      EXPECT_EQ(r.requeues.front().reason, rmq::RequeueReason::Nack);
    } else {
      EXPECT_EQ(r.done.size(), 1u);
      EXPECT_EQ(c.dead_lettered, 1u);
      EXPECT_EQ(r.world->broker().queue(1).ready(), 1u);
      ASSERT_EQ(r.drops.size(), 1u);
      EXPECT_EQ(r.drops[0].reason, rmq::DropReason::Rejected);
    }
    EXPECT_TRUE(r.conserved());
  }
}

TEST(RabbitRequeue, QuorumDeliveryLimitDropsAfterTheLimit) {
  Rig r(rmq::QueueSpec::Type::Quorum);
  r.queue().delivery_limit = 2;
  auto& g = r.group("g", 1, 1, 10 * kMillisecond);
  g.ack.reject_probability = 1.0;
  r.build();
  r.publish(10 * kMillisecond, 1);
  r.run(1 * kSecond);
  // Delivered, returned (count 1), again (2), again: the third return exceeds the limit.
  EXPECT_EQ(r.done.size(), 3u);
  ASSERT_EQ(r.drops.size(), 1u);
  EXPECT_EQ(r.drops[0].reason, rmq::DropReason::DeliveryLimit);
  EXPECT_EQ(r.world->broker().queue(0).counters().dropped, 1u);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitRequeue, ConsumerTimeoutClosesTheChannelAndRequeues) {
  Rig r;
  r.sc.broker.consumer_timeout = 2 * kSecond;
  r.sc.broker.channel_tick = 1 * kSecond;
  auto& g = r.group("g", 1, 2, 5 * kSecond);
  g.reconnect_delay = 1 * kSecond;
  r.build();
  r.publish(10 * kMillisecond, 2);
  r.run(3500 * kMillisecond);
  // Ticks at 1.01 s and 2.01 s find the delivery (at 10 ms) younger than 2 s; 3.01 s closes.
  ASSERT_EQ(r.timeouts.size(), 1u);
  ASSERT_EQ(r.requeues.size(), 2u);
  EXPECT_EQ(r.requeues[0].reason, rmq::RequeueReason::ConsumerTimeout);
  EXPECT_EQ(r.requeues[0].at, 3010 * kMillisecond);
  r.run(30 * kSecond);
  // Message 1 finished at 5.011 s on the closed channel, then both came back after reconnecting.
  ASSERT_GE(r.done.size(), 2u);
  EXPECT_FALSE(r.done[0].redelivered);
  EXPECT_TRUE(r.done[1].redelivered);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitRequeue, LeaveFinishesWhatItHoldsThenCloses) {
  Rig r;
  r.group("g", 2, 5, 20 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 6);
  r.fault(Kind::Leave, 15 * kMillisecond, "g", 0);
  r.publish(200 * kMillisecond, 2);
  r.run(2 * kSecond);
  EXPECT_TRUE(r.requeues.empty());
  EXPECT_EQ(r.ids(0, 0), (Ids{1, 3, 5}));
  EXPECT_EQ(r.ids(0, 1), (Ids{2, 4, 6, 7, 8}));
  for (const auto& m : r.done) EXPECT_FALSE(m.duplicate);
  EXPECT_EQ(r.world->consumer(0, 0).state(), rmq::ConsumerState::Closed);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitRequeue, RequeueReordersAKeysMessages) {
  Rig r;
  r.group("g", 2, 1, 100 * kMillisecond);
  r.build();
  // All messages carry key index 0 (one ordering domain).
  for (int i = 0; i < 4; ++i) {
    r.engine.schedule_at(10 * kMillisecond, cgsim::models::priority::kProducer,
                         [&r] { r.world->broker().publish(0, "k0", 0, 0, 100); });
  }
  r.fault(Kind::Crash, 50 * kMillisecond, "g", 0);
  r.run(2 * kSecond);
  std::size_t late = 0;
  for (const auto& m : r.done) late += m.out_of_order;
  EXPECT_GE(late, 1u);  // message 1 comes back after 2 was processed
}

namespace {
// a (100 ms) takes 1, b (150 ms) takes 2; 3 and 4 wait. a leaves while busy: at 111 ms it sends
// the ack of 1 with basic.cancel, both reach the broker at 112 ms; the ack's credit sends it 3.
struct LeaveRace {
  Rig r;
  explicit LeaveRace(rmq::QueueSpec::Type type, std::int32_t delivery_limit = -1) : r(type) {
    r.queue().delivery_limit = delivery_limit;
    r.group("a", 1, 1, 100 * kMillisecond);
    r.group("b", 1, 1, 150 * kMillisecond);
    r.build();
    r.publish(10 * kMillisecond, 4);
    r.fault(Kind::Leave, 50 * kMillisecond, "a", 0);
    r.run(2 * kSecond);
  }
};
}  // namespace

TEST(RabbitRequeue, QuorumCancelReturnsDeliveriesThatMeetTheCancel) {
  LeaveRace t(rmq::QueueSpec::Type::Quorum);
  EXPECT_EQ(t.r.ids(0, 0), (Ids{1}));
  EXPECT_EQ(t.r.ids(1, 0), (Ids{2, 3, 4}));  // 3 came back on the returns list, served first
  ASSERT_EQ(t.r.requeues.size(), 1u);
  EXPECT_EQ(t.r.requeues[0].id, 3u);
  EXPECT_EQ(t.r.requeues[0].reason, rmq::RequeueReason::Cancelled);
  EXPECT_EQ(t.r.requeues[0].at, 112 * kMillisecond);
  for (const auto& m : t.r.done) {
    EXPECT_EQ(m.redelivered, m.message == 3u) << m.message;
    EXPECT_FALSE(m.duplicate);
  }
  EXPECT_EQ(t.r.world->consumer(0, 0).state(), rmq::ConsumerState::Closed);
  EXPECT_TRUE(t.r.conserved());
}

TEST(RabbitRequeue, ClassicCancelDeliversWhatMeetsTheCancel) {
  LeaveRace t(rmq::QueueSpec::Type::Classic);
  EXPECT_EQ(t.r.ids(0, 0), (Ids{1, 3}));  // delivered before cancel-ok: processed, acked
  EXPECT_EQ(t.r.ids(1, 0), (Ids{2, 4}));
  EXPECT_TRUE(t.r.requeues.empty());
  for (const auto& m : t.r.done) EXPECT_FALSE(m.redelivered);
  EXPECT_TRUE(t.r.conserved());
}

TEST(RabbitRequeue, QuorumReturnAtCancelCountsTowardTheDeliveryLimit) {
  LeaveRace t(rmq::QueueSpec::Type::Quorum, 0);
  EXPECT_EQ(t.r.ids(0, 0), (Ids{1}));
  EXPECT_EQ(t.r.ids(1, 0), (Ids{2, 4}));
  ASSERT_EQ(t.r.drops.size(), 1u);
  EXPECT_EQ(t.r.drops[0].reason, rmq::DropReason::DeliveryLimit);
  EXPECT_TRUE(t.r.conserved());
}

TEST(RabbitRequeue, QuorumChannelCloseAfterCancelReturnsUnackedCountingEachReturn) {
  // a holds 1, 2, 3 (prefetch 3). Leaving, it sends the cancel with the ack of 1 at 111 ms; it
  // dies at 150 ms holding 2 (in hand) and 3: the close returns both, each return raises the
  // delivery count as a crash's does (3.10), so past a delivery limit of 0 both are dropped.
  Rig r(rmq::QueueSpec::Type::Quorum);
  r.queue().delivery_limit = 0;
  r.group("a", 1, 3, 100 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 3);
  r.fault(Kind::Leave, 20 * kMillisecond, "a", 0);
  r.fault(Kind::Crash, 150 * kMillisecond, "a", 0);
  r.run(2 * kSecond);
  EXPECT_EQ(r.ids(0, 0), (Ids{1}));
  ASSERT_EQ(r.drops.size(), 2u);
  for (const auto& d : r.drops) EXPECT_EQ(d.reason, rmq::DropReason::DeliveryLimit);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitRequeue, QuorumCancelReturnsWhatIsDeliveredBeforeItApplies) {
  // a (prefetch 3) holds 1 and 3, b (prefetch 1, busy) holds 2. With an apply time of 20 ms every
  // enqueue applies 20 ms after its publish, so a's cancel reaches the queue at 132 ms and 4,
  // published at 120 ms, joins the queue at 140 ms. Until the cancel applies (152 ms) a is still
  // served: 4 goes to a, finds no consumer tag at the channel and is returned when the cancel
  // applies.
  for (const sim::Time apply : {sim::Time{0}, 20 * kMillisecond}) {
    Rig r(rmq::QueueSpec::Type::Quorum);
    r.sc.broker.quorum_apply_time = apply;
    r.group("a", 1, 3, 100 * kMillisecond);
    r.group("b", 1, 1, 150 * kMillisecond);
    r.build();
    r.publish(10 * kMillisecond, 3);
    r.publish(120 * kMillisecond, 1);
    r.fault(Kind::Leave, 50 * kMillisecond, "a", 0);
    r.run(2 * kSecond);
    EXPECT_EQ(r.ids(0, 0), (Ids{1, 3})) << apply;  // 3 was delivered before the cancel: kept
    EXPECT_EQ(r.ids(1, 0), (Ids{2, 4})) << apply;
    if (apply == 0) {
      EXPECT_TRUE(r.requeues.empty());
    } else {
      ASSERT_EQ(r.requeues.size(), 1u);
      EXPECT_EQ(r.requeues[0].id, 4u);
      EXPECT_EQ(r.requeues[0].reason, rmq::RequeueReason::Cancelled);
      EXPECT_EQ(r.requeues[0].at, 152 * kMillisecond);
    }
    for (const auto& m : r.done) EXPECT_EQ(m.redelivered, apply > 0 && m.message == 4u) << m.message;
    EXPECT_TRUE(r.conserved());
  }
}

TEST(RabbitRequeue, QuorumAutoAckDeliveryThatMeetsTheCancelIsReturned) {
  // Auto-ack on a quorum queue: the channel settles a delivery as it reaches it, so one that
  // arrives after the consumer tag was dropped (cancel sent, not applied) is returned, not
  // settled. Enqueues apply 10 ms after their publish: 1 and 2 join the queue at 20 ms, a's
  // cancel reaches the queue at 122 ms and applies at 132 ms; a, idle, closes on cancel-ok (the
  // close reaches the broker at 124 ms). 3, published at 112.5 ms, joins the queue at 122.5 ms,
  // goes to a (b, busy until 321 ms, has no credit), never reaches a's client, is returned by
  // the close and b takes it.
  Rig r(rmq::QueueSpec::Type::Quorum);
  r.sc.broker.quorum_apply_time = 10 * kMillisecond;
  auto& a = r.group("a", 1, 0, 100 * kMillisecond);
  a.ack.automatic = true;
  r.group("b", 1, 1, 300 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 2);
  r.publish(112 * kMillisecond + 500 * sim::kMicrosecond, 1);
  r.fault(Kind::Leave, 50 * kMillisecond, "a", 0);
  r.run(2 * kSecond);
  EXPECT_EQ(r.ids(0, 0), (Ids{1}));
  EXPECT_EQ(r.ids(1, 0), (Ids{2, 3}));
  ASSERT_EQ(r.requeues.size(), 1u);
  EXPECT_EQ(r.requeues[0].id, 3u);
  EXPECT_EQ(r.requeues[0].reason, rmq::RequeueReason::Cancelled);
  EXPECT_EQ(r.requeues[0].at, 124 * kMillisecond);
  for (const auto& m : r.done) EXPECT_EQ(m.redelivered, m.message == 3u) << m.message;
  EXPECT_EQ(r.world->broker().lost_in_clients(), 0u);
  EXPECT_TRUE(r.conserved());
}
