// Invariants of the Pulsar model over many random small runs of every subscription type, with
// joins, crashes, leaves, restarts, slow spells, negative acks and ack timeouts: every published
// message is acknowledged, dead-lettered or still in the backlog; nothing is left behind once the
// producers stop and the consumers recover; and a Key_Shared subscription that keeps order and has
// no redelivery requests never reorders a key.
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/rng.hpp"
#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;
using Kind = cgsim::models::FaultSpec::Kind;

namespace {
struct Case {
  ps::SubscriptionType type;
  bool failures;  ///< negative acks and ack timeouts
};

ps::SubscriptionTotals totals;  ///< summed over the cases, to see that the faults did something

void run_case(std::uint64_t seed, const Case& c) {
  sim::Rng rng(seed, "pulsar-invariants");
  const std::int32_t partitions = static_cast<std::int32_t>(rng.below(3));  // 0: non-partitioned
  const std::int32_t consumers = c.type == ps::SubscriptionType::Exclusive ? 1 : 1 + static_cast<std::int32_t>(rng.below(4));
  Rig rig(c.type, consumers, partitions);
  rig.sc.seed = seed;
  rig.sub().consumers.receiver_queue_size = 1 + static_cast<std::int32_t>(rng.below(50));
  rig.sub().consumers.processing_time = sim::Distribution::exponential(0.002 + 0.004 * rng.uniform());
  rig.sc.pulsar.broker.failover_delay = static_cast<sim::Time>(rng.below(3)) * 200 * kMillisecond;
  if (c.type == ps::SubscriptionType::Failover && rng.below(2)) rig.sub().ack = ps::AckMode::Cumulative;
  const bool shared_like = c.type == ps::SubscriptionType::Shared || c.type == ps::SubscriptionType::KeyShared;
  if (c.failures) {
    rig.sc.applications[0].negative_ack_probability = 0.05;
    rig.sub().negative_ack_redelivery_delay = 100 * kMillisecond;
    rig.sub().ack_timeout = kSecond;
    if (shared_like && rng.below(2)) rig.sub().dead_letter_max_redeliveries = 2;
  }
  if (c.type == ps::SubscriptionType::KeyShared && rng.below(3) == 0) rig.sc.pulsar.broker.key_shared_consistent_hashing = false;
  rig.build();
  const std::int32_t ledgers = partitions == 0 ? 1 : partitions;
  for (int i = 0; i < 1500; ++i)
    rig.publish(static_cast<sim::Time>(i) * 4 * kMillisecond, rng.below(30), static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(ledgers))));
  // Faults in the first 5 s; the last restart is over by 8 s.
  std::int32_t members = consumers;
  for (int k = 0; k < 3; ++k) {
    cgsim::models::FaultSpec f;
    f.group = "s";
    f.at = static_cast<sim::Time>(1 + rng.below(4)) * kSecond + static_cast<sim::Time>(rng.below(1000)) * kMillisecond;
    f.member = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(members)));
    f.duration = 500 * kMillisecond;
    f.factor = 5;
    switch (rng.below(c.type == ps::SubscriptionType::Exclusive ? 3 : 5)) {
      case 0: f.kind = Kind::Restart; break;
      case 1: f.kind = Kind::Slow; break;
      case 2: f.kind = Kind::RollingRestart; f.gap = 100 * kMillisecond; break;
      case 3: f.kind = Kind::Join; ++members; break;
      default: f.kind = Kind::Crash; break;
    }
    rig.sc.faults.push_back(f);
  }
  for (const auto& f : rig.sc.faults) rig.engine.schedule_at(f.at, 0, [&rig, &f] { rig.world->apply(f); });
  // A crashed consumer is replaced so that someone is left to consume.
  rig.engine.schedule_at(12 * kSecond, 0, [&rig] {
    if (rig.world->consumer_count(0) > 0) rig.world->add_consumer(0).start();
  });
  rig.run(120 * kSecond);
  const auto t = rig.totals();
  SCOPED_TRACE("seed " + std::to_string(seed) + " type " + ps::to_string(c.type));
  EXPECT_EQ(t.published, 1500u);
  EXPECT_EQ(t.published, t.acked + t.dead_lettered + t.backlog);
  EXPECT_EQ(t.backlog, 0u);
  if (!c.failures) {
    EXPECT_EQ(t.dead_lettered, 0u);
  }
  if (c.type == ps::SubscriptionType::KeyShared && !c.failures) {
    EXPECT_EQ(rig.out_of_order(), 0u);
  }
  totals.redeliveries += t.redeliveries;
  totals.duplicates += t.duplicates;
  totals.dead_lettered += t.dead_lettered;
  totals.out_of_order += t.out_of_order;
}
}  // namespace

TEST(PulsarInvariants, EveryMessageIsAccountedForAndKeySharedKeepsOrder) {
  const ps::SubscriptionType types[] = {ps::SubscriptionType::Exclusive, ps::SubscriptionType::Failover,
                                        ps::SubscriptionType::Shared, ps::SubscriptionType::KeyShared};
  std::uint64_t seed = 1;
  for (bool failures : {false, true})
    for (ps::SubscriptionType type : types)
      for (int i = 0; i < 15; ++i) run_case(seed++, {type, failures});
  EXPECT_GT(totals.redeliveries, 1000u);
  EXPECT_GT(totals.duplicates, 100u);
  EXPECT_GT(totals.dead_lettered, 0u);
  EXPECT_GT(totals.out_of_order, 0u);  // redelivery requests do reorder keys
  std::printf("redeliveries %llu, duplicates %llu, dead-lettered %llu, out of order %llu\n",
              static_cast<unsigned long long>(totals.redeliveries), static_cast<unsigned long long>(totals.duplicates),
              static_cast<unsigned long long>(totals.dead_lettered), static_cast<unsigned long long>(totals.out_of_order));
}
