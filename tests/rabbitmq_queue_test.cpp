// Queue limits, overflow behaviours, message TTL and dead-lettering.
#include <gtest/gtest.h>

#include "tests/rabbitmq_rig.hpp"

using namespace rabbitmq_rig;
using Ids = std::vector<std::uint64_t>;
using Kind = cgsim::models::FaultSpec::Kind;

TEST(RabbitQueue, MaxLengthDropHeadDropsTheOldest) {
  for (auto type : {rmq::QueueSpec::Type::Classic, rmq::QueueSpec::Type::Quorum}) {
    Rig r(type);
    r.queue().max_length = 2;
    r.group("g", 0, 1, 1 * kMillisecond);
    r.build();
    r.publish(10 * kMillisecond, 4);
    r.fault(Kind::Join, 100 * kMillisecond, "g", 0, 1);
    r.run(1 * kSecond);
    EXPECT_EQ(r.all_ids(), (Ids{3, 4}));
    ASSERT_EQ(r.drops.size(), 2u);
    EXPECT_EQ(r.drops[0].reason, rmq::DropReason::MaxLength);
    EXPECT_TRUE(r.conserved());
  }
}

TEST(RabbitQueue, MaxLengthBytesCountsReadyBytes) {
  Rig r;
  r.queue().max_length_bytes = 250;  // messages are 100 bytes: two fit
  r.group("g", 0, 1, 1 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 4);
  r.run(20 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).ready(), 2u);
  EXPECT_EQ(r.world->broker().queue(0).counters().dropped, 2u);
}

TEST(RabbitQueue, ClassicRejectPublishRefusesTheNewest) {
  Rig r;
  r.queue().max_length = 2;
  r.queue().overflow = rmq::QueueSpec::Overflow::RejectPublish;
  r.group("g", 0, 1, 1 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 4);
  r.fault(Kind::Join, 100 * kMillisecond, "g", 0, 1);
  r.run(1 * kSecond);
  EXPECT_EQ(r.all_ids().size(), 2u);
  EXPECT_EQ(r.world->totals().publish_rejected, 2u);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitQueue, QuorumRejectPublishBlocksUntilBelowTheSoftLimit) {
  Rig r(rmq::QueueSpec::Type::Quorum);
  r.queue().max_length = 5;
  r.queue().overflow = rmq::QueueSpec::Overflow::RejectPublish;
  r.group("g", 0, 1, 1 * kMillisecond);
  r.build();
  r.publish(10 * kMillisecond, 8);
  r.run(20 * kMillisecond);
  // The sixth is accepted and takes the queue over its limit; publishers are then blocked.
  EXPECT_EQ(r.world->broker().queue(0).ready(), 6u);
  EXPECT_EQ(r.world->totals().publish_rejected, 2u);
  r.fault(Kind::Join, 30 * kMillisecond, "g", 0, 1);
  r.publish(30 * kMillisecond, 1);  // the consumer registers at 31 ms: 6 > trunc(0.8 * 5), blocked
  r.publish(500 * kMillisecond, 1);  // drained: accepted
  r.run(1 * kSecond);
  EXPECT_EQ(r.world->totals().publish_rejected, 3u);
  EXPECT_EQ(r.done.size(), 7u);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitQueue, ExpiredMessagesAreDeadLettered) {
  Rig r;
  r.add_dead_letter_queue();
  r.queue().message_ttl = 100 * kMillisecond;
  r.build();
  r.publish(10 * kMillisecond, 3);
  r.run(109 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).ready(), 3u);
  r.run(111 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(0).ready(), 0u);
  EXPECT_EQ(r.world->broker().queue(1).ready(), 3u);
  EXPECT_EQ(r.world->broker().queue(0).counters().dead_lettered, 3u);
  ASSERT_EQ(r.drops.size(), 3u);
  EXPECT_EQ(r.drops[0].reason, rmq::DropReason::Expired);
  EXPECT_TRUE(r.drops[0].dead_lettered);
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitQueue, DropHeadDeadLettersWhenTheQueueHasADeadLetterExchange) {
  Rig r;
  r.add_dead_letter_queue();
  r.queue().max_length = 1;
  r.build();
  r.publish(10 * kMillisecond, 3);
  r.run(20 * kMillisecond);
  EXPECT_EQ(r.world->broker().queue(1).ready(), 2u);
  const auto t = r.world->totals();
  EXPECT_EQ(t.dead_lettered, 2u);
  EXPECT_EQ(t.enqueued, 5u);  // 3 published + 2 dead-letter copies
  EXPECT_TRUE(r.conserved());
}

TEST(RabbitQueue, UnroutablePublishesAreCounted) {
  Rig r;
  r.sc.bindings.clear();
  r.build();
  r.publish(10 * kMillisecond, 3);
  r.run(20 * kMillisecond);
  EXPECT_EQ(r.world->totals().unroutable, 3u);
  EXPECT_EQ(r.world->totals().enqueued, 0u);
}
