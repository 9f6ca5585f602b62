// Shared subscriptions: round-robin dispatch by permits, the client's flow control, priority
// levels, and what a consumer's crash, an ack timeout and a negative ack send back.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;

TEST(PulsarShared, RoundRobinDispatchSpreadsMessagesEvenly) {
  Rig rig(ps::SubscriptionType::Shared, 2);
  rig.sub().consumers.processing_time = sim::Distribution::constant(0.001);
  rig.build();
  rig.publish_many(kSecond, 400, 5 * kMillisecond, 0);
  rig.run(10 * kSecond);
  ASSERT_EQ(rig.done.size(), 400u);
  EXPECT_EQ(rig.by(0), 200u);
  EXPECT_EQ(rig.by(1), 200u);
  EXPECT_EQ(rig.totals().backlog, 0u);
}

TEST(PulsarShared, ConsumerTakesAtMostRoundRobinBatchAtOnce) {
  // Three consumers share 150 messages one by one; the third crashes holding 50, which are replayed
  // at once to the two others with permits: in turns of 20 messages.
  Rig rig(ps::SubscriptionType::Shared, 3);
  rig.sub().consumers.processing_time = sim::Distribution::constant(0.1);
  rig.build();
  rig.publish_many(10 * kMillisecond, 150, 0, 0);
  rig.engine.schedule_at(50 * kMillisecond, 0, [&] { rig.world->consumer(0, 2).crash(); });
  rig.run(30 * kSecond);
  EXPECT_EQ(rig.totals().acked, 150u);
  std::vector<std::pair<std::int64_t, std::int32_t>> replayed;  // (entry, consumer)
  for (const auto& m : rig.done)
    if (m.redelivered) replayed.emplace_back(m.entry, m.consumer);
  std::sort(replayed.begin(), replayed.end());
  ASSERT_EQ(replayed.size(), 50u);
  std::vector<int> runs{1};
  for (std::size_t i = 1; i < replayed.size(); ++i) {
    if (replayed[i].second == replayed[i - 1].second) ++runs.back();
    else runs.push_back(1);
  }
  EXPECT_EQ(runs, (std::vector<int>{20, 20, 10}));
}

TEST(PulsarShared, FlowRefillsWhenHalfTheReceiverQueueIsConsumed) {
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.sub().consumers.receiver_queue_size = 4;
  rig.build();
  rig.publish_many(0, 10, 0, 0);
  // Subscribed at 1 ms with 4 permits; the application takes message 1 at 2 ms and message 2 at
  // 12 ms, when half the queue is free: the flow request for 2 arrives at 13 ms. Message 1's ack
  // waits in the client's acknowledgement group, so the broker still counts it as unacknowledged.
  rig.run(12 * kMillisecond + 500 * sim::kMicrosecond);
  EXPECT_EQ(rig.world->dispatcher(0, 0).unacked(), 4u);
  rig.run(13 * kMillisecond + 500 * sim::kMicrosecond);
  EXPECT_EQ(rig.world->dispatcher(0, 0).unacked(), 6u);  // 4 + 2 sent, none acked yet
  rig.run(kSecond);
  EXPECT_EQ(rig.done.size(), 10u);
}

TEST(PulsarShared, BestPriorityLevelWithPermitsIsServedFirst) {
  Rig rig(ps::SubscriptionType::Shared, 2);
  rig.sub().consumers.priority_levels = {1, 0};
  rig.sub().consumers.receiver_queue_size = 10;
  rig.build();
  rig.publish_many(10 * kMillisecond, 15, 0, 0);
  rig.run(5 * kSecond);
  ASSERT_EQ(rig.done.size(), 15u);
  EXPECT_EQ(rig.by(1), 10u);  // level 0 takes its 10 permits' worth first
  EXPECT_EQ(rig.by(0), 5u);
}

TEST(PulsarShared, CrashedConsumersUnackedMessagesGoToOthers) {
  // Acknowledged at once, every ack sent before the crash arrives before the broker drops the
  // consumer: nothing is processed twice. Grouped (the client's default), the acks still waiting
  // in the crashed client are lost and their messages processed again by the other consumer.
  for (const sim::Time group : {sim::Time{0}, 100 * kMillisecond}) {
    Rig rig(ps::SubscriptionType::Shared, 2);
    rig.sub().ack_group_time = group;
    rig.build();
    rig.publish_many(10 * kMillisecond, 100, 0, 0);
    const sim::Time crash = 100 * kMillisecond;
    rig.engine.schedule_at(crash, 0, [&] { rig.world->consumer(0, 0).crash(); });
    rig.run(10 * kSecond);
    const auto t = rig.totals();
    EXPECT_EQ(t.acked, 100u);
    EXPECT_EQ(t.backlog, 0u);
    std::size_t closed = 0;
    for (const auto& r : rig.redeliveries) closed += r.reason == ps::RedeliveryReason::ConsumerClosed;
    EXPECT_GT(closed, 30u);
    EXPECT_EQ(rig.by(0) + rig.by(1), 100u + t.duplicates);
    if (group == 0) {
      EXPECT_EQ(t.duplicates, 0u);
    } else {
      std::size_t last_window = 0;  // what consumer 0 completed in the last group time before the crash
      for (const auto& m : rig.done) last_window += m.consumer == 0 && m.done > crash - group && m.done <= crash;
      EXPECT_GT(t.duplicates, 0u);
      EXPECT_LE(t.duplicates, last_window);
    }
  }
}

TEST(PulsarShared, AckTimeoutRedeliversAndCountsTheDuplicate) {
  Rig rig(ps::SubscriptionType::Shared, 2);
  rig.sub().ack_timeout = kSecond;
  rig.sub().consumers.receiver_queue_size = 1;
  rig.build();
  rig.world->consumer(0, 0).slow(300, 2 * kSecond);  // 3 s for its first message
  rig.publish(10 * kMillisecond, ps::kNoKey);
  rig.run(10 * kSecond);
  ASSERT_EQ(rig.done.size(), 2u);
  EXPECT_EQ(rig.done[0].consumer, 1);  // the copy sent again after the timeout finishes first
  EXPECT_EQ(rig.done[0].redelivery_count, 1);
  EXPECT_TRUE(rig.done[1].duplicate);
  EXPECT_TRUE(rig.done[1].redelivered);  // the duplicate is owed to the ack timeout
  EXPECT_EQ(rig.done[1].redelivery_reason, ps::RedeliveryReason::AckTimeout);
  ASSERT_FALSE(rig.redeliveries.empty());
  EXPECT_EQ(rig.redeliveries[0].reason, ps::RedeliveryReason::AckTimeout);
  EXPECT_EQ(rig.totals().acked, 1u);
}

TEST(PulsarShared, NegativeAckRedeliversAfterTheDelay) {
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.sub().negative_ack_redelivery_delay = 2 * kSecond;
  rig.sc.applications[0].negative_ack_probability = 1.0;
  rig.build();
  rig.publish(0, ps::kNoKey);
  rig.run(3 * kSecond);
  ASSERT_EQ(rig.done.size(), 2u);
  EXPECT_TRUE(rig.done[0].failed);
  // Done at 12 ms, asked again 2 s later; the request and the delivery take a latency each.
  EXPECT_EQ(rig.done[1].done, 12 * kMillisecond + 2 * kSecond + 2 * kMillisecond + 10 * kMillisecond);
  EXPECT_EQ(rig.done[1].redelivery_count, 1);
}

TEST(PulsarShared, DeadLetterPolicyStopsAfterMaxRedeliveries) {
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.sub().negative_ack_redelivery_delay = 100 * kMillisecond;
  rig.sub().dead_letter_max_redeliveries = 3;
  rig.sc.applications[0].negative_ack_probability = 1.0;
  rig.build();
  rig.publish(0, ps::kNoKey);
  rig.run(5 * kSecond);
  EXPECT_EQ(rig.done.size(), 4u);  // the first delivery and 3 redeliveries
  EXPECT_EQ(rig.dead.size(), 1u);
  const auto t = rig.totals();
  EXPECT_EQ(t.dead_lettered, 1u);
  EXPECT_EQ(t.acked, 0u);
  EXPECT_EQ(t.backlog, 0u);
}
