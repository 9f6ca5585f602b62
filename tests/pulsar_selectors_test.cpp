// Unit tests of cgsim's Pulsar selectors, hashes and routers, named after Apache Pulsar's own
// tests (ConsistentHashingStickyKeyConsumerSelectorTest, HashRangeAutoSplitStickyKeyConsumerSelectorTest,
// HashRangeExclusiveStickyKeyConsumerSelectorTest, PersistentDispatcherFailoverConsumerTest,
// RoundRobinPartitionMessageRouterImplTest, SinglePartitionMessageRouterImplTest). Expected
// values were produced by Pulsar 4.2.4's classes; tests/pulsar_selector_differential_test.cpp
// compares against them on random cases.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/pulsar/scenario.hpp"
#include "models/pulsar/selectors/consistent_hashing.hpp"
#include "models/pulsar/selectors/failover.hpp"
#include "models/pulsar/selectors/hash_range_auto_split.hpp"
#include "models/pulsar/selectors/hash_range_exclusive.hpp"
#include "models/pulsar/selectors/java_string_hash.hpp"
#include "models/pulsar/selectors/round_robin_router.hpp"
#include "models/pulsar/selectors/routing_hash.hpp"
#include "models/pulsar/selectors/single_partition_router.hpp"
#include "models/pulsar/selectors/sticky_key.hpp"

using namespace cgsim::models::pulsar;

namespace {

using Ranges = std::vector<std::pair<std::int32_t, std::int32_t>>;

/// Each consumer's ranges, in slot order.
std::map<ConsumerId, Ranges> by_consumer(const std::vector<HashRangeOwner>& ranges) {
  std::map<ConsumerId, Ranges> out;
  for (const auto& r : ranges) out[r.consumer].emplace_back(r.start, r.end);
  return out;
}

}  // namespace

// ---- hashes -----------------------------------------------------------------------------------

TEST(Murmur3_32HashTest, MatchesPulsarOnKnownKeys) {
  EXPECT_EQ(murmur3_32(""), 0);
  EXPECT_EQ(murmur3_32("a"), 1009084850);
  EXPECT_EQ(murmur3_32("abc"), 870159354);
  EXPECT_EQ(murmur3_32("player-17"), 1862835003);
  EXPECT_EQ(murmur3_32("hello world"), 1586663183);
}

TEST(Murmur3_32HashTest, testMakeRawHashIsUnmaskedMakeHash) {
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "key-" + std::to_string(i);
    EXPECT_EQ(murmur3_32_raw(key.data(), key.size()) & 0x7fffffff, murmur3_32(key)) << key;
  }
}

TEST(JavaStringHashTest, MatchesStringHashCode) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("abc"), 96354);
  EXPECT_EQ(java_string_hash("player-17"), 275389586);
  EXPECT_EQ(java_string_hash("hello world"), 1794106052);
  // U+1F3AE is a surrogate pair in Java: two code units.
  EXPECT_EQ(utf16_of_utf8("\xf0\x9f\x8e\xae").size(), 2u);
  // Ill-formed bytes decode as Java does: ED BB is one replacement, the lone C8 another.
  EXPECT_EQ(utf16_of_utf8("\xed\xbb\xc8"), (std::vector<char16_t>{u'\uFFFD', u'\uFFFD'}));
}

TEST(StickyKeyConsumerSelectorTest, SlotsOfBothHashSpaces) {
  const KeyHashRange split{0, 65535}, ring{1, 65535};
  EXPECT_EQ(sticky_key_hash("anyKey", split), 49866);
  EXPECT_EQ(sticky_key_hash("player-17", split), 39739);
  EXPECT_EQ(sticky_key_hash("NONE_KEY", split), 48803);
  EXPECT_EQ(sticky_key_hash("", split), 1);  // slot 0 is reserved for "no hash"
  EXPECT_EQ(sticky_key_hash("anyKey", ring), 8560);
  EXPECT_EQ(sticky_key_hash("player-17", ring), 2629);
  EXPECT_EQ(sticky_key_hash("NONE_KEY", ring), 56505);
}

TEST(StickyKeyConsumerSelectorTest, StickyKeyOfAMessage) {
  MessageKeys m;
  EXPECT_EQ(sticky_key(m), "NONE_KEY");
  m.producer_name = "prod";
  EXPECT_EQ(sticky_key(m), "NONE_KEY");  // a name without a sequence id is not enough
  m.sequence_id = 3;
  EXPECT_EQ(sticky_key(m), "prod-3");
  m.partition_key = "p";
  EXPECT_EQ(sticky_key(m), "p");
  m.ordering_key = "o";
  EXPECT_EQ(sticky_key(m), "o");
}

// ---- auto-split -------------------------------------------------------------------------------

TEST(HashRangeAutoSplitStickyKeyConsumerSelectorTest, testGetConsumerKeyHashRanges) {
  HashRangeAutoSplitSelector selector(2 << 5);
  for (ConsumerId id = 1; id <= 4; ++id) ASSERT_TRUE(selector.add(id));
  const auto got = by_consumer(selector.ranges());
  EXPECT_EQ(got.at(1), (Ranges{{49, 64}}));
  EXPECT_EQ(got.at(4), (Ranges{{33, 48}}));
  EXPECT_EQ(got.at(2), (Ranges{{17, 32}}));
  EXPECT_EQ(got.at(3), (Ranges{{0, 16}}));
}

TEST(HashRangeAutoSplitStickyKeyConsumerSelectorTest, testGetConsumerKeyHashRangesWithSameConsumerName) {
  // Consumers are told apart by identity: namesakes each get a range of their own.
  HashRangeAutoSplitSelector selector(2 << 5);
  for (ConsumerId id = 1; id <= 3; ++id) ASSERT_TRUE(selector.add(id));
  EXPECT_EQ(by_consumer(selector.ranges()).size(), 3u);
}

TEST(HashRangeAutoSplitStickyKeyConsumerSelectorTest, RemovalMergesUpwardAndTopRangeMovesDown) {
  HashRangeAutoSplitSelector selector(64);
  for (ConsumerId id = 1; id <= 4; ++id) ASSERT_TRUE(selector.add(id));
  selector.remove(2);  // [17, 32] joins the range above it, consumer 4's
  EXPECT_EQ(by_consumer(selector.ranges()).at(4), (Ranges{{17, 48}}));
  selector.remove(1);  // the top range goes to the consumer just below it
  EXPECT_EQ(by_consumer(selector.ranges()).at(4), (Ranges{{17, 64}}));
  EXPECT_EQ(selector.select(64), 4);
  EXPECT_EQ(selector.select(0), 3);
}

TEST(HashRangeAutoSplitStickyKeyConsumerSelectorTest, RefusesAConsumerWhenNoRangeCanBeSplit) {
  HashRangeAutoSplitSelector selector(2);
  EXPECT_TRUE(selector.add(1));
  EXPECT_TRUE(selector.add(2));
  EXPECT_FALSE(selector.add(3));
  EXPECT_EQ(selector.ranges().size(), 2u);
  EXPECT_THROW(HashRangeAutoSplitSelector(48), std::invalid_argument);
}

// ---- consistent hashing -----------------------------------------------------------------------

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, testGetConsumerKeyHashRanges) {
  ConsistentHashingSelector selector(3);
  selector.add(0, "consumer1");
  selector.add(1, "consumer2");
  selector.add(2, "consumer3");
  const auto got = by_consumer(selector.ranges());
  EXPECT_EQ(got.at(0), (Ranges{{14359, 18366}, {29991, 39817}, {52980, 60442}}));
  EXPECT_EQ(got.at(1), (Ranges{{1, 6668}, {39818, 52979}, {60443, 63679}, {65184, 65535}}));
  EXPECT_EQ(got.at(2), (Ranges{{6669, 14358}, {18367, 29990}, {63680, 65183}}));
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, testConsumersGetEvenlyMappedWhenThereAreCollisions) {
  // Five consumers of one name: their name indexes 0..4 keep their points apart.
  ConsistentHashingSelector selector(5);
  for (ConsumerId id = 0; id < 5; ++id) selector.add(id, "consumer");
  for (ConsumerId id = 0; id < 5; ++id) EXPECT_EQ(selector.name_index(id), id);
  const auto got = by_consumer(selector.ranges());
  EXPECT_EQ(got.at(0), (Ranges{{21229, 21394}, {28843, 30957}, {40864, 42810}, {45119, 52324}}));
  EXPECT_EQ(got.at(1), (Ranges{{15918, 16965}, {24005, 28842}, {36708, 36963}, {42811, 45118}, {60550, 63932}}));
  EXPECT_EQ(got.at(2), (Ranges{{18011, 19319}, {30958, 34786}, {52325, 55821}, {59274, 60549}}));
  EXPECT_EQ(got.at(3), (Ranges{{3325, 15917}, {16966, 18010}, {34787, 36707}, {36964, 39410}}));
  EXPECT_EQ(got.at(4),
            (Ranges{{1, 3324}, {19320, 21228}, {21395, 24004}, {39411, 40863}, {55822, 59273}, {63933, 65535}}));
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, testConsumerSelect) {
  ConsistentHashingSelector selector(100);
  EXPECT_EQ(selector.select_key("anyKey"), kNoConsumer);
  selector.add(1, "c1");
  EXPECT_EQ(selector.select_key("anyKey"), 1);
  // Keys spread within 25% of an even share as consumers come and go.
  const auto shares = [&](int n) {
    std::map<ConsumerId, int> count;
    for (int i = 0; i < n; ++i) ++count[selector.select_key("key-" + std::to_string(i))];
    return count;
  };
  const auto check_even = [&](const std::set<ConsumerId>& expected) {
    const int n = 4000;
    const auto count = shares(n);
    ASSERT_EQ(count.size(), expected.size());
    for (ConsumerId id : expected) EXPECT_NEAR(count.at(id), n / static_cast<double>(expected.size()),
                                               0.25 * n / static_cast<double>(expected.size())) << id;
  };
  selector.add(2, "c2");
  check_even({1, 2});
  selector.add(3, "c3");
  check_even({1, 2, 3});
  selector.add(4, "c4");
  check_even({1, 2, 3, 4});
  selector.remove(1);
  check_even({2, 3, 4});
  selector.remove(2);
  selector.remove(3);
  check_even({4});
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, shouldNotCollideWithConsumerNameEndsWithNumber) {
  // "consumer1" point 1x and "consumer11" point x would be the same string without separators.
  ConsistentHashingSelector selector(12);
  selector.add(1, "consumer1");
  selector.add(2, "consumer11");
  EXPECT_NE(selector.point_hash("consumer1", 0, 11), selector.point_hash("consumer11", 0, 1));
  EXPECT_EQ(by_consumer(selector.ranges()).size(), 2u);
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, shouldRemoveConsumersFromConsumerKeyHashRanges) {
  ConsistentHashingSelector selector(12);
  for (ConsumerId id = 1; id < 100; ++id) selector.add(id, "consumer" + std::to_string(id));
  EXPECT_EQ(by_consumer(selector.ranges()).size(), 99u);
  for (ConsumerId id = 1; id < 100; ++id) selector.remove(id);
  EXPECT_TRUE(selector.ranges().empty());
  for (ConsumerId id = 1; id < 100; ++id) selector.remove(id);  // removing again is harmless
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, testShouldNotChangeSelectedConsumerWhenConsumerIsRemoved) {
  ConsistentHashingSelector selector(100);
  for (ConsumerId id = 0; id < 100; ++id) selector.add(id, "consumer");
  std::vector<ConsumerId> before;
  for (std::int32_t slot = 1; slot <= 65535; slot += 97) before.push_back(selector.select(slot));
  std::set<ConsumerId> removed;
  for (ConsumerId id = 0; id < 100; ++id) {
    selector.remove(id);
    removed.insert(id);
    std::size_t i = 0;
    for (std::int32_t slot = 1; slot <= 65535; slot += 97, ++i)
      if (!removed.count(before[i])) {
        ASSERT_EQ(selector.select(slot), before[i]) << "slot " << slot << " after " << id;
      }
  }
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, testShouldContainMinimalMappingChangesWhenConsumerLeavesAndRejoins) {
  // A consumer that leaves and comes back under the same name gets its name index, and so its
  // points, back: only slots whose point it shared with another consumer change hands (it now
  // queues behind the other one).
  ConsistentHashingSelector selector(100);
  for (ConsumerId id = 0; id < 10; ++id) selector.add(id, "consumer");
  std::vector<ConsumerId> before;
  for (std::int32_t slot = 1; slot <= 65535; ++slot) before.push_back(selector.select(slot));
  selector.remove(3);
  selector.add(3, "consumer");
  EXPECT_EQ(selector.name_index(3), 3);
  int changed = 0;
  for (std::int32_t slot = 1; slot <= 65535; ++slot) changed += selector.select(slot) != before[static_cast<std::size_t>(slot - 1)];
  EXPECT_LT(changed, 65535 / 100);
}

TEST(ConsistentHashingStickyKeyConsumerSelectorTest, CollidingPointPassesToTheNextConsumerInOrder) {
  // A ring of 3 slots with 3 points each: every slot is shared; removal hands it down in join order.
  ConsistentHashingSelector selector(3, 3);
  selector.add(1, "a");
  selector.add(2, "b");
  selector.add(3, "c");
  const auto first = selector.ring();
  selector.remove(1);
  for (const auto& [slot, owner] : selector.ring()) EXPECT_NE(owner, 1) << slot;
  EXPECT_FALSE(first.empty());
  selector.remove(2);
  selector.remove(3);
  EXPECT_TRUE(selector.ring().empty());
}

// ---- sticky (exclusive ranges) ----------------------------------------------------------------

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testConsumerSelect) {
  HashRangeExclusiveSelector selector;
  EXPECT_EQ(selector.add(1, {{0, 16383}}), "");
  EXPECT_EQ(selector.select(0), 1);
  EXPECT_EQ(selector.select(16383), 1);
  EXPECT_EQ(selector.select(16384), kNoConsumer);  // nobody declared it
  EXPECT_EQ(selector.add(2, {{16384, 32767}}), "");
  EXPECT_EQ(selector.select(16384), 2);
  selector.remove(1);
  EXPECT_EQ(selector.select(0), kNoConsumer);
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testConsumerSelectWithMultipleRanges) {
  HashRangeExclusiveSelector selector;
  EXPECT_EQ(selector.add(1, {{0, 99}, {1000, 1999}}), "");
  EXPECT_EQ(selector.add(2, {{100, 999}, {2000, 65535}}), "");
  EXPECT_EQ(selector.select(50), 1);
  EXPECT_EQ(selector.select(500), 2);
  EXPECT_EQ(selector.select(1500), 1);
  EXPECT_EQ(selector.select(65535), 2);
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testEmptyRanges) {
  HashRangeExclusiveSelector selector;
  EXPECT_NE(selector.add(1, {}), "");
  EXPECT_TRUE(selector.ranges().empty());
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testShouldConflictConsumerWithSelfOverlappingRanges) {
  HashRangeExclusiveSelector selector;
  EXPECT_NE(selector.add(1, {{0, 100}, {50, 200}}), "");
  EXPECT_NE(selector.add(1, {{10, 5}}), "");  // start > end
  EXPECT_TRUE(selector.ranges().empty());
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testShouldConflictConsumerWithBoundaryRanges) {
  HashRangeExclusiveSelector selector;
  EXPECT_EQ(selector.add(1, {{0, 100}}), "");
  EXPECT_NE(selector.add(2, {{100, 200}}), "");  // ends are inclusive
  EXPECT_EQ(selector.add(2, {{101, 200}}), "");
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testSingleRangeConflict) {
  HashRangeExclusiveSelector selector;
  EXPECT_EQ(selector.add(1, {{100, 199}}), "");
  for (const HashRange r : {HashRange{0, 100}, HashRange{150, 160}, HashRange{199, 300}, HashRange{0, 65535}})
    EXPECT_NE(selector.add(2, {r}), "") << r.start << ".." << r.end;
  EXPECT_EQ(selector.add(2, {{0, 99}}), "");
  EXPECT_EQ(selector.add(3, {{200, 300}}), "");
}

TEST(HashRangeExclusiveStickyKeyConsumerSelectorTest, testMultipleRangeConflict) {
  HashRangeExclusiveSelector selector;
  EXPECT_EQ(selector.add(1, {{100, 199}, {300, 399}}), "");
  EXPECT_NE(selector.add(2, {{0, 50}, {350, 360}}), "");
  EXPECT_EQ(selector.ranges().size(), 2u);  // a refused consumer adds nothing
  EXPECT_EQ(selector.add(2, {{0, 50}, {200, 299}}), "");
  EXPECT_EQ(selector.ranges().size(), 4u);
}

// ---- failover ---------------------------------------------------------------------------------

TEST(PersistentDispatcherFailoverConsumerTest, testAddRemoveConsumer) {
  // Partitions go round the best-priority consumers sorted by name, whatever the join order.
  std::vector<FailoverConsumer> cs{{1, "c2", 0}, {2, "c1", 0}};
  const auto active = [&](int p) {
    return failover_active_consumer(cs, p, "persistent://public/default/orders-partition-" + std::to_string(p));
  };
  EXPECT_EQ(active(0), 2);
  EXPECT_EQ(active(1), 1);
  EXPECT_EQ(active(2), 2);
  cs.push_back({3, "c0", 1});  // a lower priority (higher level) only waits
  EXPECT_EQ(active(0), 2);
  cs.erase(cs.begin() + 1);
  EXPECT_EQ(active(0), 1);
  EXPECT_EQ(active(3), 1);
  cs.erase(cs.begin());
  EXPECT_EQ(active(0), 3);
  cs.clear();
  EXPECT_EQ(active(0), kNoConsumer);
}

TEST(PersistentDispatcherFailoverConsumerTest, testAddRemoveConsumerNonPartitionedTopic) {
  const std::string topic = "persistent://public/default/orders";
  std::vector<FailoverConsumer> cs{{1, "consumer-a", 0}};
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 1);
  cs.push_back({2, "consumer-b", 0});
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 2);
  cs.push_back({3, "consumer-c", 0});
  cs.push_back({4, "consumer-d", 1});
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 2);
  cs.erase(cs.begin());
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 2);
  cs.erase(cs.begin());
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 3);
  cs.erase(cs.begin());
  EXPECT_EQ(failover_active_consumer(cs, -1, topic), 4);
}

TEST(PersistentDispatcherFailoverConsumerTest, NamesCompareAsJavaStrings) {
  EXPECT_LT(java_string_compare("B", "a"), 0);
  EXPECT_LT(java_string_compare("a", "ab"), 0);
  // U+FF5E sorts after the surrogate pair of U+1F3AE in UTF-16, before it in UTF-8.
  EXPECT_GT(java_string_compare("\xef\xbd\x9e", "\xf0\x9f\x8e\xae"), 0);
}

// ---- routing ----------------------------------------------------------------------------------

TEST(RoundRobinPartitionMessageRouterImplTest, testChoosePartitionWithoutKey) {
  RoundRobinRouter router(HashingScheme::JavaStringHash, 0, false, 0);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(router.choose(std::nullopt, 0, 5), i % 5);
}

TEST(RoundRobinPartitionMessageRouterImplTest, testChoosePartitionWithoutKeyWithBatching) {
  // 10 ms on one partition (the client's defaults), then the next; start offsets the sequence.
  RoundRobinRouter router(HashingScheme::JavaStringHash, 3, true, partition_switch_ms());
  EXPECT_EQ(partition_switch_ms(), 10);
  EXPECT_EQ(router.choose(std::nullopt, 0, 5), 3);
  EXPECT_EQ(router.choose(std::nullopt, 9, 5), 3);
  EXPECT_EQ(router.choose(std::nullopt, 10, 5), 4);
  EXPECT_EQ(router.choose(std::nullopt, 25, 5), 0);
}

TEST(RoundRobinPartitionMessageRouterImplTest, testChoosePartitionWithKey) {
  RoundRobinRouter java(HashingScheme::JavaStringHash, 0, true, 10);
  RoundRobinRouter murmur(HashingScheme::Murmur3_32Hash, 0, true, 10);
  EXPECT_EQ(java.choose("player-17", 0, 12), 275389586 % 12);
  EXPECT_EQ(murmur.choose("player-17", 0, 12), 1862835003 % 12);
}

TEST(RoundRobinPartitionMessageRouterImplTest, CounterWrapsLikeJavaInt) {
  RoundRobinRouter router(HashingScheme::JavaStringHash, 2147483647, false, 0);
  EXPECT_EQ(router.choose(std::nullopt, 0, 5), 2147483647 % 5);
  EXPECT_EQ(router.choose(std::nullopt, 0, 5), sign_safe_mod(-2147483648LL, 5));
}

TEST(SinglePartitionMessageRouterImplTest, testChoosePartitionWithoutKey) {
  EXPECT_EQ(single_partition_route(HashingScheme::JavaStringHash, 1, std::nullopt, 4), 1);
}

TEST(SinglePartitionMessageRouterImplTest, testChoosePartitionWithKey) {
  EXPECT_EQ(single_partition_route(HashingScheme::JavaStringHash, 1, "player-17", 4), 275389586 % 4);
}

// ---- scenario types ---------------------------------------------------------------------------

TEST(PulsarScenarioTypes, DefaultsAreThoseOfPulsar42) {
  PulsarScenario s;
  EXPECT_TRUE(s.broker.key_shared_consistent_hashing);
  EXPECT_EQ(s.broker.consistent_hashing_points, kDefaultConsistentHashingPoints);
  EXPECT_EQ(s.broker.failover_delay, cgsim::sim::kSecond);
  PulsarProducerSpec p;
  EXPECT_EQ(p.hashing, HashingScheme::JavaStringHash);
  EXPECT_EQ(partition_switch_ms(p.batching_max_publish_delay / 1000, p.partition_switch_frequency), 10);
  EXPECT_STREQ(to_string(SubscriptionType::KeyShared), "Key_Shared");
  EXPECT_STREQ(to_string(KeySharedMode::AutoSplit), "AUTO_SPLIT");
}
