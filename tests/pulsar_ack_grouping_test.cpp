// The client's acknowledgement grouping (PersistentAcknowledgmentsGroupingTracker): acks reach
// the broker together, every acknowledgementsGroupTime or once maxAcknowledgmentGroupSize wait;
// with a group time of 0 each goes at once; close sends the waiting ones, a crash loses them; a
// message the broker sends again while its ack waits is dropped (isDuplicate); and on Key_Shared
// a hash drained away from a consumer waits for that consumer's grouped acks.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "models/pulsar/consumer.hpp"
#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;

namespace {
/// The times at which the subscription's acknowledged count rose, sampled every 100 us up to
/// @p until, with the count reached.
std::vector<std::pair<sim::Time, std::uint64_t>> ack_steps(Rig& rig, sim::Time until) {
  std::vector<std::pair<sim::Time, std::uint64_t>> steps;
  std::uint64_t last = 0;
  for (sim::Time t = 0; t <= until; t += 100 * sim::kMicrosecond) {
    rig.run(t);
    const std::uint64_t acked = rig.totals().acked;
    if (acked != last) steps.emplace_back(t, acked);
    last = acked;
  }
  return steps;
}
}  // namespace

TEST(AcknowledgementsGroupingTracker, AckTracker) {
  // Five messages processed 10 ms apart: their acks arrive in at most two groups, 100 ms apart.
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.build();
  rig.publish_many(0, 5, 0, 0);
  const auto steps = ack_steps(rig, 300 * kMillisecond);
  ASSERT_FALSE(steps.empty());
  EXPECT_LE(steps.size(), 2u);
  EXPECT_EQ(steps.back().second, 5u);
  if (steps.size() == 2) {
    EXPECT_EQ(steps[1].first - steps[0].first, 100 * kMillisecond);
  }
  EXPECT_EQ(rig.totals().duplicates, 0u);
}

TEST(AcknowledgementsGroupingTracker, ImmediateAckingTracker) {
  // acknowledgementsGroupTime 0: each ack goes alone, one request latency after its processing.
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.sub().ack_group_time = 0;
  rig.build();
  rig.publish_many(0, 5, 0, 0);
  const auto steps = ack_steps(rig, 300 * kMillisecond);
  ASSERT_EQ(steps.size(), 5u);
  for (std::size_t i = 1; i < steps.size(); ++i) EXPECT_EQ(steps[i].first - steps[i - 1].first, 10 * kMillisecond);
}

TEST(AcknowledgementsGroupingTracker, FlushesWhenMaxAckGroupSizeIsReached) {
  // 3000 messages in 30 ms with a 10 s group time: the acks go by the thousand.
  Rig rig(ps::SubscriptionType::Shared, 1);
  rig.sub().ack_group_time = 10 * kSecond;
  rig.sub().consumers.receiver_queue_size = 5000;
  rig.sub().consumers.processing_time = sim::Distribution::constant(0.00001);
  rig.build();
  rig.publish_many(0, 3000, 0, 0);
  const auto steps = ack_steps(rig, 50 * kMillisecond);
  ASSERT_EQ(steps.size(), 3u);
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i].second, (i + 1) * ps::kMaxAckGroupSize);
}

TEST(AcknowledgementsGroupingTracker, CloseFlushesTheWaitingAcks) {
  // A consumer that leaves sends its waiting acks before it closes: nothing comes twice.
  Rig rig(ps::SubscriptionType::Shared, 2);
  rig.build();
  rig.publish_many(10 * kMillisecond, 100, 0, 0);
  rig.engine.schedule_at(100 * kMillisecond, 0, [&] { rig.world->consumer(0, 0).leave(); });
  rig.run(10 * kSecond);
  const auto t = rig.totals();
  EXPECT_EQ(t.acked, 100u);
  EXPECT_EQ(t.duplicates, 0u);
  EXPECT_EQ(rig.by(0) + rig.by(1), 100u);
  EXPECT_GT(rig.by(0), 0u);
}

TEST(AcknowledgementsGroupingTracker, IsDuplicateDropsARedeliveredMessageWhoseAckWaits) {
  // Exclusive with negative acks: a failed message makes the client ask for everything again and
  // the broker rewinds to the first unacknowledged message, so the messages processed since the
  // last flush come again; the client drops them. The only message that succeeds twice is the
  // one in hand when the client asked (it started as the failed one ended, 10 ms before it
  // succeeded): its ack did not wait yet when its copy arrived, as in Pulsar.
  Rig rig(ps::SubscriptionType::Exclusive, 1);
  rig.sub().negative_ack_redelivery_delay = kMillisecond;
  rig.sc.applications[0].negative_ack_probability = 0.2;
  rig.build();
  rig.publish_many(10 * kMillisecond, 300, 0, 0);
  rig.run(60 * kSecond);
  std::map<std::int64_t, std::vector<sim::Time>> succeeded;  // message -> when each success ended
  std::set<sim::Time> failed;                                 // when each failure ended
  for (const auto& m : rig.done) {
    if (m.failed) failed.insert(m.done);
    else succeeded[m.entry].push_back(m.done);
  }
  EXPECT_GT(failed.size(), 10u);
  EXPECT_EQ(succeeded.size(), 300u);
  std::size_t twice = 0;
  for (const auto& [entry, done] : succeeded) {
    if (done.size() == 1) continue;
    ++twice;
    EXPECT_EQ(done.size(), 2u) << "message " << entry;
    EXPECT_TRUE(failed.count(done.front() - 10 * kMillisecond)) << "message " << entry << " was not in hand";
  }
  EXPECT_GT(twice, 0u);
  EXPECT_EQ(rig.totals().acked, 300u);
}

TEST(AcknowledgementsGroupingTracker, KeySharedDrainingHashWaitsForTheGroupedAcks) {
  // Pulsar 4.2 releases a hash drained away from a consumer when the broker has removed that
  // consumer's last pending message of it, i.e. when its ack arrives: grouped acks arrive later,
  // so moved keys wait longer after a join, and per-key order holds either way.
  auto mean_wait = [](sim::Time group) {
    Rig rig(ps::SubscriptionType::KeyShared, 2);
    rig.sub().ack_group_time = group;
    rig.build();
    rig.join_under_backlog();
    rig.track_draining();
    rig.run(60 * kSecond);
    const auto& waits = rig.draining_waits;
    EXPECT_EQ(waits.size(), rig.draining_since.size());
    EXPECT_FALSE(waits.empty());
    EXPECT_EQ(rig.out_of_order(), 0u);
    EXPECT_EQ(rig.totals().acked, 3000u);
    EXPECT_EQ(rig.totals().duplicates, 0u);
    sim::Time sum = 0;
    for (sim::Time w : waits) sum += w;
    return waits.empty() ? sim::Time{0} : sum / static_cast<sim::Time>(waits.size());
  };
  const sim::Time immediate = mean_wait(0);
  const sim::Time grouped = mean_wait(100 * kMillisecond);
  EXPECT_GT(grouped, immediate);
}
