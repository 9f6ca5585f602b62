// Key_Shared subscriptions: the selector picks each sticky key's consumer (consistent hashing,
// split ranges, sticky ranges), and Pulsar 4.2's ordering safeguards: draining hashes when a
// consumer joins, replayed messages before newer ones of their key, and what
// allowOutOfOrderDelivery gives up.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "models/pulsar/dispatchers.hpp"
#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;

namespace {
/// key -> the consumers that processed its messages.
std::map<std::uint64_t, std::set<std::int32_t>> owners(const Rig& rig) {
  std::map<std::uint64_t, std::set<std::int32_t>> out;
  for (const auto& m : rig.done) out[m.key].insert(m.consumer);
  return out;
}
}  // namespace

TEST(PulsarKeyShared, EachKeyGoesToTheConsumerTheRingSelects) {
  Rig rig(ps::SubscriptionType::KeyShared, 3);
  rig.sub().consumers.processing_time = sim::Distribution::constant(0.0001);
  rig.build();
  rig.publish_many(10 * kMillisecond, 600, kMillisecond, 60);
  rig.run(5 * kSecond);
  ASSERT_EQ(rig.done.size(), 600u);
  // The same ring built from the consumers' names (ids given in subscribe order).
  ps::ConsistentHashingSelector ring;
  for (const auto& a : rig.world->dispatcher(0, 0).consumers()) ring.add(a.id, a.name);
  std::map<ps::ConsumerId, std::int32_t> member;
  for (const auto& a : rig.world->dispatcher(0, 0).consumers()) member[a.id] = a.member;
  for (const auto& [key, who] : owners(rig)) {
    ASSERT_EQ(who.size(), 1u) << "key " << key;
    EXPECT_EQ(*who.begin(), member[ring.select_key("k" + std::to_string(key))]) << "key " << key;
  }
  EXPECT_EQ(rig.out_of_order(), 0u);
}

TEST(PulsarKeyShared, SplitRangesWhenConsistentHashingIsOff) {
  Rig rig(ps::SubscriptionType::KeyShared, 4);
  rig.sc.pulsar.broker.key_shared_consistent_hashing = false;
  rig.sub().consumers.processing_time = sim::Distribution::constant(0.0001);
  rig.build();
  rig.publish_many(10 * kMillisecond, 400, kMillisecond, 100);
  rig.run(5 * kSecond);
  ps::HashRangeAutoSplitSelector split;
  std::map<ps::ConsumerId, std::int32_t> member;
  for (const auto& a : rig.world->dispatcher(0, 0).consumers()) {
    split.add(a.id);
    member[a.id] = a.member;
  }
  for (const auto& [key, who] : owners(rig)) {
    ASSERT_EQ(who.size(), 1u);
    EXPECT_EQ(*who.begin(), member[split.select_key("k" + std::to_string(key))]);
  }
}

TEST(PulsarKeyShared, StickyRangesServeOnlyTheDeclaredHashes) {
  Rig rig(ps::SubscriptionType::KeyShared, 1);
  rig.sub().key_shared_mode = ps::KeySharedMode::Sticky;
  rig.sub().consumers.sticky_ranges = {{{0, 32767}}};
  rig.build();
  rig.publish_many(10 * kMillisecond, 200, kMillisecond, 200);
  rig.run(10 * kSecond);
  auto& d = static_cast<ps::KeySharedDispatcher&>(rig.world->dispatcher(0, 0));
  std::uint64_t covered = 0;
  for (std::int64_t e = 0; e < 200; ++e) covered += d.hash_of(e) <= 32767;
  EXPECT_GT(covered, 50u);
  EXPECT_LT(covered, 150u);
  EXPECT_EQ(rig.done.size(), covered);
  for (const auto& m : rig.done) EXPECT_LE(d.hash_of(m.entry), 32767);
  EXPECT_EQ(rig.totals().backlog, 200u - covered);  // nobody serves the other half
}

TEST(PulsarKeyShared, JoiningConsumerWaitsForDrainingHashesSoKeysStayOrdered) {
  Rig rig(ps::SubscriptionType::KeyShared, 2);
  rig.build();
  // Each consumer holds up to 1000 unacknowledged messages of the backlog.
  rig.join_under_backlog();
  bool saw_draining = false;
  rig.engine.schedule_at(2 * kSecond + 5 * kMillisecond, 0, [&] {
    saw_draining = static_cast<ps::KeySharedDispatcher&>(rig.world->dispatcher(0, 0)).draining() > 0;
  });
  rig.track_draining();
  rig.run(60 * kSecond);
  const auto& waits = rig.draining_waits;
  EXPECT_TRUE(saw_draining);
  EXPECT_EQ(waits.size(), rig.draining_since.size());  // every draining hash was released
  EXPECT_FALSE(waits.empty());
  for (sim::Time w : waits) EXPECT_GT(w, 0);
  EXPECT_GT(rig.by(2), 0u);       // the joiner took keys over
  EXPECT_EQ(rig.out_of_order(), 0u);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 3000u);
  EXPECT_EQ(t.duplicates, 0u);
}

TEST(PulsarKeyShared, AllowOutOfOrderDeliveryLetsMovedKeysOvertake) {
  Rig rig(ps::SubscriptionType::KeyShared, 2);
  rig.sub().allow_out_of_order_delivery = true;
  rig.build();
  rig.publish_many(10 * kMillisecond, 3000, 0, 40);
  rig.engine.schedule_at(2 * kSecond, 0, [&] { rig.world->add_consumer(0).start(); });
  rig.run(60 * kSecond);
  EXPECT_GT(rig.by(2), 0u);
  EXPECT_GT(rig.out_of_order(), 0u);
  EXPECT_EQ(rig.totals().acked, 3000u);
}

TEST(PulsarKeyShared, CrashedConsumersKeysAreReplayedInOrder) {
  Rig rig(ps::SubscriptionType::KeyShared, 3);
  rig.build();
  rig.publish_many(10 * kMillisecond, 3000, kMillisecond, 50);
  rig.engine.schedule_at(1500 * kMillisecond, 0, [&] { rig.world->consumer(0, 1).crash(); });
  rig.run(60 * kSecond);
  EXPECT_EQ(rig.out_of_order(), 0u);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 3000u);
  EXPECT_EQ(t.backlog, 0u);
  EXPECT_GT(t.redeliveries, 0u);
}

TEST(PulsarKeyShared, ConsumerWithoutPermitsHoldsBackOnlyItsOwnKeys) {
  Rig rig(ps::SubscriptionType::KeyShared, 2);
  rig.sub().consumers.receiver_queue_size = 10;
  rig.build();
  rig.world->consumer(0, 0).slow(100, 30 * kSecond);  // 1 s per message
  rig.publish_many(10 * kMillisecond, 400, kMillisecond, 20);
  rig.run(10 * kSecond);
  // The fast consumer finished all of its keys' messages; the slow one few.
  std::size_t fast_keys_total = 0;
  const auto own = owners(rig);
  for (const auto& [key, who] : own)
    if (who.count(1)) fast_keys_total += 400 / 20;
  EXPECT_EQ(rig.by(1), fast_keys_total);
  EXPECT_LT(rig.by(0), 15u);
  EXPECT_EQ(rig.out_of_order(), 0u);
}
