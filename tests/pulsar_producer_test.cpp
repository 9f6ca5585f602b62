// Pulsar producers in the model: keyed messages go to their key's partition by the hashing scheme,
// unkeyed ones follow the routing mode (round robin switching partition every switch interval
// when batching, a single partition), and batches are appended together.
#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <set>

#include "models/pulsar/selectors/routing_hash.hpp"
#include "tests/pulsar_rig.hpp"

using namespace pulsar_rig;

namespace {
/// A rig whose producer sends @p per_second messages evenly for 200 ms (the first one period after
/// the start, none at the stop), with no consumers.
Rig& producing(Rig& rig, double per_second, cgsim::models::KeySpec::Kind keys) {
  auto& p = rig.sc.pulsar.producers[0];
  p.rate.kind = cgsim::models::RateSpec::Kind::Constant;
  p.rate.per_second = per_second;
  p.keys.kind = keys;
  p.stop = 200 * kMillisecond;
  return rig;
}
}  // namespace

TEST(PulsarProducer, KeyedMessagesGoToTheKeysPartition) {
  for (auto scheme : {ps::HashingScheme::JavaStringHash, ps::HashingScheme::Murmur3_32Hash}) {
    Rig rig(ps::SubscriptionType::Shared, 0, 4);
    producing(rig, 1000, cgsim::models::KeySpec::Kind::Uniform).sc.pulsar.producers[0].hashing = scheme;
    rig.build();
    rig.run(kSecond);
    std::size_t n = 0;
    for (std::int32_t p = 0; p < 4; ++p)
      for (const ps::Entry& e : rig.world->topic(0).ledger(p)) {
        EXPECT_EQ(p, ps::keyed_partition(scheme, "k" + std::to_string(e.key), 4));
        ++n;
      }
    EXPECT_EQ(n, 199u);
  }
}

TEST(PulsarProducer, RoundRobinWithBatchingSwitchesPartitionEverySwitchInterval) {
  Rig rig(ps::SubscriptionType::Shared, 0, 4);
  producing(rig, 1000, cgsim::models::KeySpec::Kind::None);
  rig.build();
  rig.run(kSecond);
  // Messages sent in one 10 ms window (1 ms publish delay x 10) share a partition, and the next
  // window takes the next partition.
  std::map<sim::Time, std::set<std::int32_t>> by_window;
  for (std::int32_t p = 0; p < 4; ++p)
    for (const ps::Entry& e : rig.world->topic(0).ledger(p)) {
      // Appended at send + up to 1 ms batching + 1 ms latency; sends are at whole milliseconds.
      by_window[(e.published - 2 * kMillisecond) / (10 * kMillisecond)].insert(p);
    }
  std::int32_t previous = -1;
  std::size_t windows = 0;
  for (const auto& [w, parts] : by_window) {
    if (parts.size() != 1) continue;  // a window edge blurred by the batching delay
    const std::int32_t p = *parts.begin();
    if (previous >= 0) {
      EXPECT_EQ(p, (previous + 1) % 4) << "window " << w;
    }
    previous = p;
    ++windows;
  }
  EXPECT_GT(windows, 10u);
}

TEST(PulsarProducer, SinglePartitionSendsEveryUnkeyedMessageToOnePartition) {
  Rig rig(ps::SubscriptionType::Shared, 0, 4);
  producing(rig, 1000, cgsim::models::KeySpec::Kind::None).sc.pulsar.producers[0].routing = ps::RoutingMode::SinglePartition;
  rig.build();
  rig.run(kSecond);
  std::size_t used = 0;
  for (std::int32_t p = 0; p < 4; ++p) used += !rig.world->topic(0).ledger(p).empty();
  EXPECT_EQ(used, 1u);
}

TEST(PulsarProducer, BatchIsSentWhenFullOrAfterTheMaxPublishDelay) {
  Rig rig(ps::SubscriptionType::Shared, 0);
  producing(rig, 10000, cgsim::models::KeySpec::Kind::None);
  rig.sc.pulsar.producers[0].batching_max_messages = 5;
  rig.sc.pulsar.producers[0].batching_max_publish_delay = kMillisecond;
  rig.build();
  rig.run(kSecond);
  std::map<sim::Time, int> batches;  // publish time -> messages
  for (const ps::Entry& e : rig.world->topic(0).ledger(0)) ++batches[e.published];
  EXPECT_EQ(rig.world->topic(0).ledger(0).size(), 1999u);
  // 5 arrive in 0.5 ms, before the delay; the last batch holds the 4 left.
  for (auto it = batches.begin(); it != std::prev(batches.end()); ++it) EXPECT_EQ(it->second, 5) << it->first;
  EXPECT_EQ(batches.rbegin()->second, 4);

  Rig slow(ps::SubscriptionType::Shared, 0);
  producing(slow, 1000, cgsim::models::KeySpec::Kind::None);
  slow.sc.pulsar.producers[0].batching_max_publish_delay = 3 * kMillisecond;
  slow.build();
  slow.run(kSecond);
  std::map<sim::Time, int> delayed;
  for (const ps::Entry& e : slow.world->topic(0).ledger(0)) ++delayed[e.published];
  // One a millisecond, sent 3 ms after the batch's first: 3 each, the 199th alone.
  for (auto it = delayed.begin(); it != std::prev(delayed.end()); ++it) EXPECT_EQ(it->second, 3) << it->first;
  EXPECT_EQ(delayed.rbegin()->second, 1);
}

// The broker stores a batch as one entry whose metadata carries the first message's key (or, for
// unkeyed messages, the producer name and the first sequence id); Key_Shared dispatches the whole
// entry by that sticky key, so every message of a batch shares it.
TEST(PulsarProducer, BatchedMessagesShareTheFirstMessagesStickyKey) {
  Rig rig(ps::SubscriptionType::Shared, 0);
  producing(rig, 10000, cgsim::models::KeySpec::Kind::Uniform);
  rig.sc.pulsar.producers[0].keys.cardinality = 1000;
  rig.sc.pulsar.producers[0].keys.prefix = "k-";
  rig.sc.pulsar.producers[0].batching_max_messages = 5;
  rig.build();
  rig.run(kSecond);
  const auto& ledger = rig.world->topic(0).ledger(0);
  ASSERT_GT(ledger.size(), 10u);
  std::size_t mixed = 0;
  for (std::size_t i = 0; i < ledger.size(); ++i) {
    const ps::Entry& e = ledger[i];
    const std::size_t first = i - static_cast<std::size_t>(e.sequence - e.batch_sequence);
    EXPECT_EQ(e.batch_key, ledger[first].key) << i;
    EXPECT_EQ(rig.world->sticky_key(e), "k-" + std::to_string(ledger[first].key)) << i;
    if (e.key != e.batch_key) ++mixed;
  }
  EXPECT_GT(mixed, 0u);  // batches of 5 random keys out of 1000 mix keys
  Rig unkeyed(ps::SubscriptionType::Shared, 0);
  producing(unkeyed, 10000, cgsim::models::KeySpec::Kind::None);
  unkeyed.sc.pulsar.producers[0].batching_max_messages = 5;
  unkeyed.build();
  unkeyed.run(kSecond);
  const ps::Entry& third = unkeyed.world->topic(0).ledger(0)[2];
  EXPECT_EQ(unkeyed.world->sticky_key(third), unkeyed.world->sticky_key(unkeyed.world->topic(0).ledger(0)[0]));
}

// Key_Shared dispatches each batch whole to the consumer of its first message's key.
TEST(PulsarProducer, KeySharedSendsABatchToTheConsumerOfItsFirstKey) {
  Rig rig(ps::SubscriptionType::KeyShared, 3);
  producing(rig, 10000, cgsim::models::KeySpec::Kind::Uniform);
  rig.sc.pulsar.producers[0].keys.cardinality = 1000;
  rig.sc.pulsar.producers[0].batching_max_messages = 5;
  rig.build();
  rig.run(kSecond);
  const auto& ledger = rig.world->topic(0).ledger(0);
  std::map<std::int64_t, std::int32_t> consumer_of;  // entry -> consumer
  for (const auto& m : rig.done) consumer_of[m.entry] = m.consumer;
  ASSERT_GT(consumer_of.size(), 100u);
  std::map<std::uint64_t, std::int32_t> leader_key_consumer;
  for (const auto& [entry, consumer] : consumer_of) {
    const ps::Entry& e = ledger[static_cast<std::size_t>(entry)];
    const auto first = consumer_of.find(static_cast<std::int64_t>(entry - (e.sequence - e.batch_sequence)));
    if (first != consumer_of.end()) {
      EXPECT_EQ(consumer, first->second) << entry;
    }
    auto [it, fresh] = leader_key_consumer.emplace(e.batch_key, consumer);
    EXPECT_EQ(it->second, consumer) << "sticky key " << e.batch_key;
  }
}
