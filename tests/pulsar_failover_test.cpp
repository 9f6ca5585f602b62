// Exclusive and Failover subscriptions: the single active consumer, the failover delay before a
// new active consumer is served, the cursor rewind that redelivers unacknowledged messages, and
// cumulative acknowledgement.
#include <gtest/gtest.h>

#include "models/pulsar/selectors/failover.hpp"
#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;

TEST(PulsarExclusive, SecondConsumerIsRefused) {
  Rig rig(ps::SubscriptionType::Exclusive, 1);
  rig.build();
  rig.world->add_consumer(0).start();
  rig.publish_many(10 * kMillisecond, 20, kMillisecond, 0);
  rig.run(5 * kSecond);
  EXPECT_EQ(rig.by(0), 20u);
  EXPECT_EQ(rig.by(1), 0u);
  EXPECT_EQ(rig.world->dispatcher(0, 0).consumers().size(), 1u);
}

TEST(PulsarExclusive, RestartedConsumerGetsUnackedMessagesAgainWithoutDelay) {
  Rig rig(ps::SubscriptionType::Exclusive, 1);
  rig.sc.pulsar.broker.failover_delay = kSecond;  // Exclusive never waits
  rig.build();
  rig.publish_many(0, 50, 0, 0);
  cgsim::models::FaultSpec f;
  f.kind = cgsim::models::FaultSpec::Kind::Restart;
  f.group = "s";
  f.member = 0;
  f.duration = 100 * kMillisecond;
  rig.engine.schedule_at(105 * kMillisecond, 0, [&] { rig.world->apply(f); });
  rig.run(5 * kSecond);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 50u);
  EXPECT_EQ(t.duplicates, 0u);  // leave finished and acked the message in hand
  EXPECT_GT(t.redeliveries, 0u);
  ASSERT_EQ(rig.actives.size(), 3u);  // subscribed, gone, back
  EXPECT_EQ(rig.actives[2].chosen, rig.actives[2].from);
}

TEST(PulsarFailover, ActiveConsumerIsChosenByPriorityLevelThenName) {
  Rig rig(ps::SubscriptionType::Failover, 3, 3);
  rig.sub().consumers.names = {"c", "a", "b"};
  rig.sub().consumers.priority_levels = {0, 1, 0};
  rig.build();
  for (int p = 0; p < 3; ++p) rig.publish(2 * kSecond, ps::kNoKey, p);
  rig.run(5 * kSecond);
  ASSERT_EQ(rig.done.size(), 3u);
  // Level 0 holds "b" (member 2) and "c" (member 0), sorted by name: partition i gets i mod 2.
  for (const auto& m : rig.done) EXPECT_EQ(m.consumer, m.partition % 2 == 0 ? 2 : 0);
}

TEST(PulsarFailover, NonPartitionedTopicPicksTheActiveConsumerOnAHashRing) {
  Rig rig(ps::SubscriptionType::Failover, 3);
  rig.sub().consumers.names = {"x", "y", "z"};
  rig.build();
  rig.publish_many(2 * kSecond, 10, kMillisecond, 0);
  rig.run(5 * kSecond);
  std::vector<ps::FailoverConsumer> list;
  for (const auto& a : rig.world->dispatcher(0, 0).consumers()) list.push_back({a.id, a.name, a.priority});
  const ps::ConsumerId active = ps::failover_active_consumer(list, -1, "persistent://public/default/t");
  std::int32_t member = -1;
  for (const auto& a : rig.world->dispatcher(0, 0).consumers())
    if (a.id == active) member = a.member;
  EXPECT_EQ(rig.by(member), 10u);
}

TEST(PulsarFailover, FirstActiveConsumerWaitsTheFailoverDelay) {
  Rig rig(ps::SubscriptionType::Failover, 1);
  rig.sc.pulsar.broker.failover_delay = 500 * kMillisecond;
  rig.build();
  rig.publish(0, ps::kNoKey);
  rig.run(5 * kSecond);
  ASSERT_EQ(rig.actives.size(), 1u);
  EXPECT_EQ(rig.actives[0].chosen, kMillisecond);
  EXPECT_EQ(rig.actives[0].from, 501 * kMillisecond);
  ASSERT_EQ(rig.done.size(), 1u);
  EXPECT_EQ(rig.done[0].delivered, 501 * kMillisecond);
}

TEST(PulsarFailover, SwitchAfterCrashWaitsFailoverDelayAndRewinds) {
  // One partition of a partitioned topic: the active consumer is the first in name order ("a").
  Rig rig(ps::SubscriptionType::Failover, 2, 1);
  rig.sub().consumers.names = {"a", "b"};
  rig.sc.pulsar.broker.failover_delay = kSecond;
  rig.build();
  rig.publish_many(2 * kSecond, 200, 0, 0);  // a holds 200 at 10 ms each
  rig.engine.schedule_at(2500 * kMillisecond, 0, [&] { rig.world->consumer(0, 0).crash(); });
  rig.run(20 * kSecond);
  ASSERT_GE(rig.actives.size(), 2u);
  const Active& sw = rig.actives.back();
  EXPECT_EQ(sw.member, 1);
  EXPECT_EQ(sw.chosen, 2501 * kMillisecond);  // the broker learns of the crash one latency later
  EXPECT_EQ(sw.from, sw.chosen + kSecond);
  sim::Time first_b = sim::kNever;
  for (const auto& m : rig.done)
    if (m.consumer == 1) first_b = std::min(first_b, m.delivered);
  EXPECT_EQ(first_b, sw.from);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 200u);
  EXPECT_EQ(t.backlog, 0u);
  // What a processed in its last acknowledgement group (at most 100 ms, 10 messages) is lost
  // with it and processed again by b.
  EXPECT_GT(t.duplicates, 0u);
  EXPECT_LE(t.duplicates, 10u);
  EXPECT_EQ(rig.by(0) + rig.by(1), 200u + t.duplicates);
}

TEST(PulsarFailover, JoiningPreferredConsumerTakesOverAfterTheDelay) {
  Rig rig(ps::SubscriptionType::Failover, 1, 1);
  rig.sub().consumers.names = {"b", "a"};  // the joiner (member 1) is "a", first by name
  rig.sc.pulsar.broker.failover_delay = kSecond;
  rig.build();
  rig.publish_many(2 * kSecond, 300, 0, 0);
  rig.engine.schedule_at(2100 * kMillisecond, 0, [&] { rig.world->add_consumer(0).start(); });
  rig.run(30 * kSecond);
  EXPECT_EQ(rig.actives.back().member, 1);
  EXPECT_EQ(rig.actives.back().from, rig.actives.back().chosen + kSecond);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 300u);
  // The old consumer keeps processing its receiver queue after the switch: duplicates.
  EXPECT_GT(t.duplicates, 0u);
}

TEST(PulsarFailover, CumulativeAckSettlesEverythingUpToTheMessage) {
  Rig rig(ps::SubscriptionType::Failover, 1);
  rig.sub().ack = ps::AckMode::Cumulative;
  rig.sc.pulsar.broker.failover_delay = 0;
  rig.build();
  rig.publish_many(0, 30, 0, 0);
  rig.run(5 * kSecond);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 30u);
  EXPECT_EQ(t.backlog, 0u);
}

TEST(PulsarFailover, AckTimeoutRewindsTheWholeSubscription) {
  Rig rig(ps::SubscriptionType::Failover, 1);
  rig.sc.pulsar.broker.failover_delay = 0;
  rig.sub().ack_timeout = kSecond;
  rig.build();
  rig.world->consumer(0, 0).slow(200, 100 * kMillisecond);  // its first message takes 2 s
  rig.publish_many(0, 5, 0, 0);
  rig.run(10 * kSecond);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 5u);
  EXPECT_GT(t.duplicates, 0u);
  std::size_t rewound = 0;
  for (const auto& r : rig.redeliveries) rewound += r.reason == ps::RedeliveryReason::Rewind;
  EXPECT_GE(rewound, 1u);
}
