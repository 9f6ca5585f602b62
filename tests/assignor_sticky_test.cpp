// Ports of Kafka 3.9's AbstractStickyAssignorTest, StickyAssignorTest and
// CooperativeStickyAssignorTest (clients): the same inputs and expected outputs, run against cgsim's
// assign_sticky / assign_cooperative_sticky. Every abstract case runs for both assignors, as in
// Kafka, under StickyAssignorTest.<name> and CooperativeStickyAssignorTest.<name>.
//
// As in Kafka's tests, subscriptions reach the assignor without being serialized (owned partitions
// in the order given); Kafka's partitionsTransferringOwnership is read from the engine's trace. The
// cooperative verifier runs follow-up rebalances until nothing is revoked, as Kafka's does. Tests of
// Kafka's user-data wire format (schema versions, memberData decoding) have no counterpart here:
// cgsim's input carries owned partitions and generation directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

enum class Kind { Sticky, Cooperative };
enum class RackConfig { NoBrokerRack, NoConsumerRack, BrokerAndConsumerRack };
const RackConfig kRackConfigs[] = {RackConfig::NoBrokerRack, RackConfig::NoConsumerRack, RackConfig::BrokerAndConsumerRack};
const char* name(RackConfig c) {
  return c == RackConfig::NoBrokerRack ? "NO_BROKER_RACK" : c == RackConfig::NoConsumerRack ? "NO_CONSUMER_RACK" : "BROKER_AND_CONSUMER_RACK";
}

using Parts = std::vector<TopicPartition>;
TopicPartition tp(const std::string& t, int p) { return {t, p}; }
const std::string topic = "topic", topic1 = "topic1", topic2 = "topic2", topic3 = "topic3";
const std::string consumerId = "consumer", consumer1 = "consumer1", consumer2 = "consumer2", consumer3 = "consumer3",
                  consumer4 = "consumer4";
constexpr int generationId = 1;
constexpr int DEFAULT_GENERATION = -1;

std::set<TopicPartition> S(const Parts& p) { return {p.begin(), p.end()}; }

/// Kafka's getCanonicalName: prefix + number zero-padded to the width of maxNum.
std::string canonical(const std::string& prefix, int i, int max) {
  std::string n = std::to_string(i);
  const std::size_t width = std::to_string(max).size();
  while (n.size() < width) n = "0" + n;
  return prefix + n;
}
std::string topicName(int i, int max) { return canonical("t", i, max); }
std::string consumerName(int i, int max) { return canonical("c", i, max); }

/// The state Kafka's AbstractStickyAssignorTest keeps: partitionsPerTopic, the subscriptions map (in
/// insertion order, as a HashMap built by puts), rack settings and the assignor's last trace.
struct Fixture {
  Kind kind;
  int replication_factor = 2;
  int num_broker_racks = 0;
  bool has_consumer_rack = false;
  bool prefer_rack_aware = false;
  int next_partition_index = 0;
  ClusterMetadata partitions_per_topic;
  std::vector<MemberSubscription> subscriptions;
  StickyTrace trace;

  explicit Fixture(Kind k) : kind(k) {}

  void initialize_racks(RackConfig c) {
    replication_factor = 3;
    num_broker_racks = c != RackConfig::NoBrokerRack ? 3 : 0;
    has_consumer_rack = c != RackConfig::NoConsumerRack;
    prefer_rack_aware = true;
  }
  /// partitionsPerTopic.put(topic, partitionInfos(topic, n))
  void put_topic(const std::string& t, int n) {
    TopicMetadata m = topic_on_racks(t, n, replication_factor, num_broker_racks, next_partition_index++);
    for (auto& x : partitions_per_topic.topics)
      if (x.name == t) {
        x = std::move(m);
        return;
      }
    partitions_per_topic.topics.push_back(std::move(m));
  }
  void remove_topic(const std::string& t) {
    auto& v = partitions_per_topic.topics;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const TopicMetadata& x) { return x.name == t; }), v.end());
  }
  std::optional<std::string> consumer_rack(int index) const {
    if (!has_consumer_rack) return std::nullopt;
    const int n = num_broker_racks > 0 ? num_broker_racks : static_cast<int>(all_racks().size());
    return all_racks()[static_cast<std::size_t>(index % n)];
  }
  /// subscription(topics, consumerIndex): no owned partitions, no generation.
  MemberSubscription subscription(const std::string& id, std::vector<std::string> topics, int index) const {
    return member(id, std::move(topics), consumer_rack(index));
  }
  /// buildSubscriptionV2Above: owned partitions and generation; Kafka's sticky variant sends no rack.
  MemberSubscription v2(const std::string& id, std::vector<std::string> topics, Parts owned, int generation,
                        int index) const {
    return member(id, std::move(topics), kind == Kind::Sticky ? std::nullopt : consumer_rack(index), std::nullopt,
                  std::move(owned), generation);
  }
  void put(MemberSubscription m) {
    for (auto& x : subscriptions)
      if (x.member_id == m.member_id) {
        x = std::move(m);
        return;
      }
    subscriptions.push_back(std::move(m));
  }
  void remove(const std::string& id) {
    subscriptions.erase(std::remove_if(subscriptions.begin(), subscriptions.end(),
                                       [&](const MemberSubscription& m) { return m.member_id == id; }),
                        subscriptions.end());
  }
  MemberSubscription& get(const std::string& id) {
    for (auto& x : subscriptions)
      if (x.member_id == id) return x;
    throw std::out_of_range(id);
  }

  Assignment assign() {
    StickyOptions o;
    o.prefer_rack_aware = prefer_rack_aware;
    o.owned_as_given = true;
    o.trace = &trace;
    return kind == Kind::Sticky ? assign_sticky_detailed_with(partitions_per_topic, subscriptions, o).assignment
                                : assign_cooperative_sticky_detailed_with(partitions_per_topic, subscriptions, o).assignment;
  }
  bool transferring_empty() const { return trace.constrained && trace.transferring.empty(); }
  bool transferring_null() const { return !trace.constrained; }
  std::map<TopicPartition, std::string> transferring() const {
    return {trace.transferring.begin(), trace.transferring.end()};
  }

  /// verifyValidityAndBalance: every partition subscribed, no partition twice, and members whose
  /// sizes differ by two or more share no topic. The cooperative variant first runs follow-up
  /// rebalances (owned := assigned) while anything is revoked, checking that no partition is revoked
  /// and assigned in the same round; it updates the subscriptions and @p assignment as Kafka's does.
  void verify_validity_and_balance(Assignment& assignment) {
    if (kind == Kind::Cooperative) {
      int rebalances = 0;
      while (cooperative_round_revokes(assignment)) {
        for (auto& m : subscriptions) {
          const auto rack = m.rack;
          m = member(m.member_id, m.topics, rack, std::nullopt, assignment.at(m.member_id), generationId);
        }
        assignment = assign();
        ++rebalances;
        ASSERT_LE(rebalances, 4);
      }
    }
    ASSERT_EQ(subscriptions.size(), assignment.size());
    std::vector<std::string> consumers;
    for (const auto& [c, p] : assignment) consumers.push_back(c);
    std::sort(consumers.begin(), consumers.end());
    for (std::size_t i = 0; i < consumers.size(); ++i) {
      const auto& parts = assignment.at(consumers[i]);
      const auto& topics = get(consumers[i]).topics;
      for (const auto& x : parts)
        EXPECT_NE(std::find(topics.begin(), topics.end(), x.topic), topics.end())
            << to_string(x) << " assigned to " << consumers[i] << " which does not subscribe to it";
      for (std::size_t j = i + 1; j < consumers.size(); ++j) {
        const auto& other = assignment.at(consumers[j]);
        for (const auto& x : parts)
          EXPECT_EQ(std::count(other.begin(), other.end(), x), 0) << to_string(x) << " assigned twice";
        const long diff = static_cast<long>(parts.size()) - static_cast<long>(other.size());
        if (diff >= -1 && diff <= 1) continue;
        std::set<std::string> a, b;
        for (const auto& x : parts) a.insert(x.topic);
        for (const auto& x : other) b.insert(x.topic);
        for (const auto& t : a)
          EXPECT_EQ(b.count(t), 0u) << "partitions of " << t << " could move between " << consumers[i] << " and "
                                    << consumers[j] << " for a better balance";
      }
    }
  }

  bool cooperative_round_revokes(const Assignment& assignment) {
    std::set<TopicPartition> added, revoked;
    for (const auto& [c, assigned] : assignment) {
      const auto& owned = get(c).owned;
      for (const auto& x : owned)
        if (std::find(assigned.begin(), assigned.end(), x) == assigned.end()) revoked.insert(x);
      for (const auto& x : assigned)
        if (std::find(owned.begin(), owned.end(), x) == owned.end()) added.insert(x);
    }
    for (const auto& x : added)
      EXPECT_EQ(revoked.count(x), 0u) << to_string(x) << " revoked and assigned in the same rebalance";
    return !revoked.empty();
  }
};

bool is_fully_balanced(const Assignment& a) {
  std::size_t mn = SIZE_MAX, mx = 0;
  for (const auto& [c, p] : a) {
    mn = std::min(mn, p.size());
    mx = std::max(mx, p.size());
  }
  return a.empty() || mx - mn <= 1;
}

std::size_t count_topic(const Parts& p, const std::string& t) {
  return static_cast<std::size_t>(std::count_if(p.begin(), p.end(), [&](const TopicPartition& x) { return x.topic == t; }));
}

bool contains_all(const Parts& big, const Parts& small) {
  return std::all_of(small.begin(), small.end(), [&](const TopicPartition& x) { return std::count(big.begin(), big.end(), x) > 0; });
}

bool disjoint(const Parts& a, const Parts& b) { return !std::any_of(a.begin(), a.end(), [&](const TopicPartition& x) { return std::count(b.begin(), b.end(), x) > 0; }); }

}  // namespace

/// Defines an AbstractStickyAssignorTest case for both StickyAssignorTest and
/// CooperativeStickyAssignorTest.
#define STICKY_CASE(test_name)                                              \
  static void test_name##_body(Kind kind);                                  \
  TEST(StickyAssignorTest, test_name) { test_name##_body(Kind::Sticky); }   \
  TEST(CooperativeStickyAssignorTest, test_name) { test_name##_body(Kind::Cooperative); } \
  static void test_name##_body(Kind kind)

STICKY_CASE(testOneConsumerNoTopic) {
  for (bool rack : {false, true}) {
    Fixture f(kind);
    f.initialize_racks(rack ? RackConfig::BrokerAndConsumerRack : RackConfig::NoConsumerRack);
    f.put(f.subscription(consumerId, {}, 0));
    Assignment a = f.assign();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(a.at(consumerId).empty());
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testOneConsumerNonexistentTopic) {
  for (bool rack : {false, true}) {
    Fixture f(kind);
    f.initialize_racks(rack ? RackConfig::BrokerAndConsumerRack : RackConfig::NoConsumerRack);
    f.put(f.subscription(consumerId, {topic}, 0));
    Assignment a = f.assign();
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(a.at(consumerId).empty());
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOneConsumerOneTopic) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.subscription(consumerId, {topic}, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic, 0), tp(topic, 1), tp(topic, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOnlyAssignsPartitionsFromSubscribedTopics) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 2);
    f.put(f.v2(consumerId, {topic}, {tp(topic, 0), tp(topic, 1), tp("other", 0), tp("other", 1)}, generationId, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic, 0), tp(topic, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOneConsumerMultipleTopics) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 1);
    f.put_topic(topic2, 2);
    f.put(f.subscription(consumerId, {topic1, topic2}, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic1, 0), tp(topic2, 0), tp(topic2, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testTwoConsumersOneTopicOnePartition) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 1);
    f.put(f.subscription(consumer1, {topic}, 0));
    f.put(f.subscription(consumer2, {topic}, 1));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testTwoConsumersOneTopicTwoPartitions) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 2);
    f.put(f.subscription(consumer1, {topic}, 0));
    f.put(f.subscription(consumer2, {topic}, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 0)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testMultipleConsumersMixedTopicSubscriptions) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 3);
    f.put_topic(topic2, 2);
    f.put(f.subscription(consumer1, {topic1}, 0));
    f.put(f.subscription(consumer2, {topic1, topic2}, 1));
    f.put(f.subscription(consumer3, {topic1}, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic1, 2)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic2, 0), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic1, 1)}));
    EXPECT_TRUE(f.transferring_null());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testTwoConsumersTwoTopicsSixPartitions) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 3);
    f.put_topic(topic2, 3);
    f.put(f.subscription(consumer1, {topic1, topic2}, 0));
    f.put(f.subscription(consumer2, {topic1, topic2}, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic1, 2), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testConsumerOwningMinQuotaExpectedMaxQuota) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 2);
    f.put_topic(topic2, 3);
    const std::vector<std::string> subscribed{topic1, topic2};
    f.put(f.v2(consumer1, subscribed, {tp(topic1, 0), tp(topic2, 1)}, generationId, 0));
    f.put(f.v2(consumer2, subscribed, {tp(topic1, 1), tp(topic2, 2)}, generationId, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic2, 1), tp(topic2, 0)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 2);
    f.put_topic(topic2, 2);
    const std::vector<std::string> subscribed{topic1, topic2};
    f.put(f.v2(consumer1, subscribed, {tp(topic1, 0), tp(topic2, 0)}, generationId, 0));
    f.put(f.v2(consumer2, subscribed, {tp(topic1, 1), tp(topic2, 1)}, generationId, 1));
    f.put(f.v2(consumer3, subscribed, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(f.transferring(), (std::map<TopicPartition, std::string>{{tp(topic2, 0), consumer3}}));
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic2, 0)}));
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testAllConsumersAreUnderMinQuota) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 2);
    f.put_topic(topic2, 3);
    const std::vector<std::string> subscribed{topic1, topic2};
    f.put(f.v2(consumer1, subscribed, {tp(topic1, 0)}, generationId, 0));
    f.put(f.v2(consumer2, subscribed, {tp(topic1, 1)}, generationId, 1));
    f.put(f.v2(consumer3, subscribed, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic2, 0)}));
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testAddRemoveConsumerOneTopic) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.subscription(consumer1, {topic}, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 0), tp(topic, 1), tp(topic, 2)}));
    f.verify_validity_and_balance(a);

    f.put(f.v2(consumer1, {topic}, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, {topic}, {}, generationId, 1));
    a = f.assign();
    EXPECT_EQ(f.transferring(), (std::map<TopicPartition, std::string>{{tp(topic, 2), consumer2}}));
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 0), tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_TRUE(is_fully_balanced(a));

    f.remove(consumer1);
    f.put(f.v2(consumer2, {topic}, a.at(consumer2), generationId, 1));
    a = f.assign();
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 2), tp(topic, 1), tp(topic, 0)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testTopicBalanceAfterReassignment) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    const std::vector<std::string> all{topic1, topic2};
    f.put_topic(topic1, 12);
    f.put_topic(topic2, 12);
    f.put(f.subscription(consumer1, all, 0));
    Assignment a = f.assign();
    f.verify_validity_and_balance(a);
    for (const auto& [c, p] : a) {
      EXPECT_EQ(count_topic(p, topic1), 12u);
      EXPECT_EQ(count_topic(p, topic2), 12u);
    }
    EXPECT_TRUE(f.transferring_empty());

    f.put(f.v2(consumer1, all, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, all, {}, generationId, 1));
    a = f.assign();
    f.verify_validity_and_balance(a);
    for (const auto& [c, p] : a) {
      EXPECT_EQ(count_topic(p, topic1), 6u);
      EXPECT_EQ(count_topic(p, topic2), 6u);
    }

    f.put(f.v2(consumer1, all, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, all, a.at(consumer2), generationId, 1));
    f.put(f.v2(consumer3, all, {}, generationId, 2));
    f.put(f.v2(consumer4, all, {}, generationId, 3));
    a = f.assign();
    f.verify_validity_and_balance(a);
    for (const auto& [c, p] : a) {
      EXPECT_EQ(count_topic(p, topic1), 3u);
      EXPECT_EQ(count_topic(p, topic2), 3u);
    }

    f.remove(consumer1);
    f.remove(consumer2);
    f.put(f.v2(consumer3, all, a.at(consumer3), generationId, 2));
    f.put(f.v2(consumer4, all, a.at(consumer4), generationId, 3));
    a = f.assign();
    f.verify_validity_and_balance(a);
    for (const auto& [c, p] : a) {
      EXPECT_EQ(count_topic(p, topic1), 6u);
      EXPECT_EQ(count_topic(p, topic2), 6u);
    }
    EXPECT_TRUE(f.transferring_empty());
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testAddRemoveTwoConsumersTwoTopics) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    const std::vector<std::string> all{topic1, topic2};
    f.put_topic(topic1, 3);
    f.put_topic(topic2, 4);
    f.put(f.subscription(consumer1, all, 0));
    f.put(f.subscription(consumer2, all, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic1, 2), tp(topic2, 1), tp(topic2, 3)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);

    f.put(f.v2(consumer1, all, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, all, a.at(consumer2), generationId, 1));
    f.put(f.v2(consumer3, all, {}, generationId, 2));
    f.put(f.v2(consumer4, all, {}, generationId, 3));
    a = f.assign();
    EXPECT_EQ(f.transferring(), (std::map<TopicPartition, std::string>{
                                    {tp(topic1, 2), consumer3}, {tp(topic2, 3), consumer3}, {tp(topic2, 2), consumer4}}));
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic2, 0), tp(topic1, 1)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic1, 2), tp(topic2, 3)}));
    EXPECT_EQ(a.at(consumer4), (Parts{tp(topic2, 2)}));
    EXPECT_TRUE(is_fully_balanced(a));

    f.remove(consumer1);
    f.remove(consumer2);
    f.put(f.v2(consumer3, all, a.at(consumer3), generationId, 2));
    f.put(f.v2(consumer4, all, a.at(consumer4), generationId, 3));
    a = f.assign();
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic1, 2), tp(topic2, 3), tp(topic1, 0), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer4), (Parts{tp(topic2, 2), tp(topic1, 1), tp(topic2, 0)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testPoorRoundRobinAssignmentScenario) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    for (int i = 1; i <= 5; ++i) f.put_topic("topic" + std::to_string(i), (i % 2) + 1);
    f.put(f.subscription("consumer1", {"topic1", "topic2", "topic3", "topic4", "topic5"}, 0));
    f.put(f.subscription("consumer2", {"topic1", "topic3", "topic5"}, 1));
    f.put(f.subscription("consumer3", {"topic1", "topic3", "topic5"}, 2));
    f.put(f.subscription("consumer4", {"topic1", "topic2", "topic3", "topic4", "topic5"}, 3));
    Assignment a = f.assign();
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testAddRemoveTopicTwoConsumers) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.subscription(consumer1, {topic}, 0));
    f.put(f.subscription(consumer2, {topic}, 1));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    EXPECT_TRUE(is_fully_balanced(a));
    f.verify_validity_and_balance(a);
    const Parts c1a1 = a.at(consumer1), c2a1 = a.at(consumer2);
    EXPECT_TRUE((c1a1.size() == 1 && c2a1.size() == 2) || (c1a1.size() == 2 && c2a1.size() == 1));

    f.put_topic(topic2, 3);
    f.put(f.v2(consumer1, {topic, topic2}, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, {topic, topic2}, a.at(consumer2), generationId, 1));
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
    const Parts c1a2 = a.at(consumer1), c2a2 = a.at(consumer2);
    EXPECT_TRUE(c1a2.size() == 3 && c2a2.size() == 3);
    EXPECT_TRUE(contains_all(c1a2, c1a1));
    EXPECT_TRUE(contains_all(c2a2, c2a1));

    f.remove_topic(topic);
    f.put(f.v2(consumer1, {topic2}, a.at(consumer1), generationId, 0));
    f.put(f.v2(consumer2, {topic2}, a.at(consumer2), generationId, 1));
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
    const Parts c1a3 = a.at(consumer1), c2a3 = a.at(consumer2);
    EXPECT_TRUE((c1a3.size() == 1 && c2a3.size() == 2) || (c1a3.size() == 2 && c2a3.size() == 1));
    EXPECT_TRUE(contains_all(c1a2, c1a3));
    EXPECT_TRUE(contains_all(c2a2, c2a3));
  }
}

STICKY_CASE(testReassignmentAfterOneConsumerLeaves) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    for (int i = 1; i < 20; ++i) f.put_topic(topicName(i, 20), i);
    for (int i = 1; i < 20; ++i) {
      std::vector<std::string> topics;
      for (int j = 1; j <= i; ++j) topics.push_back(topicName(j, 20));
      f.put(f.subscription(consumerName(i, 20), topics, i));
    }
    Assignment a = f.assign();
    f.verify_validity_and_balance(a);
    for (int i = 1; i < 20; ++i) {
      const std::string c = consumerName(i, 20);
      f.put(f.v2(c, f.get(c).topics, a.at(c), generationId, i));
    }
    f.remove("c10");
    a = f.assign();
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testReassignmentAfterOneConsumerAdded) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic("topic", 20);
    for (int i = 1; i < 10; ++i) f.put(f.subscription(consumerName(i, 10), {"topic"}, i));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    f.put(f.subscription(consumerName(10, 10), {"topic"}, 10));
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testSameSubscriptions) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    for (int i = 1; i < 15; ++i) f.put_topic(topicName(i, 15), i);
    for (int i = 1; i < 9; ++i) {
      std::vector<std::string> topics;
      for (int j = 1; j <= 14; ++j) topics.push_back(topicName(j, 15));
      f.put(f.subscription(consumerName(i, 9), topics, i));
    }
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    for (int i = 1; i < 9; ++i) {
      const std::string c = consumerName(i, 9);
      f.put(f.v2(c, f.get(c).topics, a.at(c), generationId, i));
    }
    f.remove(consumerName(5, 9));
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testLargeAssignmentAndGroupWithUniformSubscription) {
  // Kafka's sizes: 2,000 consumers, 2,000 partitions per topic, 500 topics (50 with racks).
  for (bool rack : {false, true}) {
    Fixture f(kind);
    f.initialize_racks(rack ? RackConfig::BrokerAndConsumerRack : RackConfig::NoConsumerRack);
    const int topic_count = rack ? 50 : 500, partition_count = 2000, consumer_count = 2000;
    std::vector<std::string> topics;
    for (int i = 0; i < topic_count; ++i) {
      topics.push_back(topicName(i, topic_count));
      f.put_topic(topics.back(), partition_count);
    }
    for (int i = 0; i < consumer_count; ++i) f.put(f.subscription(consumerName(i, consumer_count), topics, i));
    Assignment a = f.assign();
    EXPECT_EQ(total_assigned(a), static_cast<std::size_t>(topic_count) * partition_count);
    for (int i = 1; i < consumer_count; ++i) {
      const std::string c = consumerName(i, consumer_count);
      f.put(f.v2(c, topics, a.at(c), generationId, i));
    }
    a = f.assign();
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

STICKY_CASE(testSubscriptionNotEqualAndAssignSamePartitionWith3Generation) {
  const int sequence[6][3] = {{1, 2, 3}, {1, 3, 2}, {2, 1, 3}, {2, 3, 1}, {3, 1, 2}, {3, 2, 1}};
  for (const auto& s : sequence) {
    Fixture f(kind);
    f.put_topic(topic, 6);
    f.put_topic(topic1, 1);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 2)}, s[0], 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 1), tp(topic, 2), tp(topic, 3)}, s[1], 1));
    f.put(f.v2(consumer3, {topic}, {tp(topic, 2), tp(topic, 4), tp(topic, 5)}, s[2], 2));
    f.put(f.v2(consumer4, {topic1}, {tp(topic1, 0)}, 2, 3));
    Assignment a = f.assign();
    std::set<TopicPartition> distinct;
    std::size_t total = 0;
    for (const auto& [c, p] : a) {
      total += p.size();
      distinct.insert(p.begin(), p.end());
      EXPECT_TRUE(p.size() >= 1 && p.size() <= 2) << c;
    }
    EXPECT_EQ(total, distinct.size());
  }
}

STICKY_CASE(testMoveExistingAssignments) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    for (int i = 1; i <= 6; ++i) f.put_topic("topic" + std::to_string(i), 1);
    f.put(f.v2(consumer1, {topic1, topic2}, {tp(topic1, 0)}, generationId, 0));
    f.put(f.v2(consumer2, {topic1, topic2, topic3, "topic4"}, {tp(topic2, 0), tp(topic3, 0)}, generationId, 1));
    f.put(f.v2(consumer3, {topic2, topic3, "topic4", "topic5", "topic6"},
               {tp("topic4", 0), tp("topic5", 0), tp("topic6", 0)}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_null());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testStickiness) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 3);
    for (int i = 0; i < 4; ++i) f.put(f.subscription("consumer" + std::to_string(i + 1), {topic1}, i));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    std::map<std::string, TopicPartition> first;
    for (const auto& [c, p] : a) {
      EXPECT_LE(p.size(), 1u);
      if (p.size() == 1) first[c] = p[0];
    }
    f.remove(consumer1);
    for (int i = 1; i < 4; ++i) {
      const std::string c = "consumer" + std::to_string(i + 1);
      f.put(f.v2(c, {topic1}, a.at(c), generationId, i));
    }
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    for (const auto& [c, p] : a) {
      EXPECT_EQ(p.size(), 1u) << c;
      if (first.count(c)) {
        EXPECT_NE(std::count(p.begin(), p.end(), first.at(c)), 0) << "stickiness not honoured for " << c;
      }
    }
  }
}

STICKY_CASE(testAssignmentUpdatedForDeletedTopic) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic1, 1);
    f.put_topic(topic3, 100);
    f.put(f.subscription(consumerId, {topic1, topic2, topic3}, 0));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    EXPECT_EQ(total_assigned(a), 101u);
    EXPECT_EQ(a.size(), 1u);
  }
}

STICKY_CASE(testNoExceptionThrownWhenOnlySubscribedTopicDeleted) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.subscription(consumerId, {topic}, 0));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.put(f.v2(consumerId, {topic}, a.at(consumerId), generationId, 0));
    f.remove_topic(topic);
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(a.at(consumerId).empty());
  }
}

STICKY_CASE(testAllConsumersReachExpectedQuotaAndAreConsideredFilled) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 4);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 0), tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 3)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put_topic(topic2, 3);
    const int current = 10;
    f.put(f.v2(consumer1, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, current, 0));
    f.put(f.v2(consumer2, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, current - 1, 1));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic, 0), tp(topic, 2), tp(topic2, 1)}));
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put_topic(topic2, 3);
    f.put(f.v2(consumer1, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, 10, 0));
    f.put(f.v2(consumer2, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, DEFAULT_GENERATION, 1));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic, 0), tp(topic, 2), tp(topic2, 1)}));
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(f.transferring(), (std::map<TopicPartition, std::string>{{tp(topic, 0), consumer3}}));
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
  }
}

STICKY_CASE(testEnsurePartitionsAssignedToHighestGeneration) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put_topic(topic2, 3);
    f.put_topic(topic3, 3);
    const int current = 10;
    const std::vector<std::string> all{topic, topic2, topic3};
    f.put(f.v2(consumer1, all, {tp(topic, 0), tp(topic2, 0), tp(topic3, 0)}, current, 0));
    f.put(f.v2(consumer2, all, {tp(topic, 1), tp(topic2, 1), tp(topic3, 1)}, current - 1, 1));
    f.put(f.v2(consumer3, all, {tp(topic2, 1), tp(topic3, 0), tp(topic3, 2)}, current - 2, 1));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic, 0), tp(topic2, 0), tp(topic3, 0)}));
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 1), tp(topic2, 1), tp(topic3, 1)}));
    EXPECT_EQ(S(a.at(consumer3)), S({tp(topic, 2), tp(topic2, 2), tp(topic3, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testNoReassignmentOnCurrentMembers) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    for (const auto& t : {topic, topic1, topic2, topic3}) f.put_topic(t, 3);
    const int current = 10;
    const std::vector<std::string> all{topic, topic2, topic3, topic1};
    f.put(f.v2(consumer1, all, {}, DEFAULT_GENERATION, 0));
    f.put(f.v2(consumer2, all, {tp(topic, 0), tp(topic2, 0), tp(topic1, 0)}, current - 1, 1));
    f.put(f.v2(consumer3, all, {tp(topic3, 2), tp(topic2, 2), tp(topic1, 1)}, current - 2, 2));
    f.put(f.v2(consumer4, all, {tp(topic3, 1), tp(topic, 1), tp(topic, 2)}, current - 3, 3));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic1, 2), tp(topic2, 1), tp(topic3, 0)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    Fixture f(kind);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put_topic(topic2, 3);
    const int current = 10;
    f.put(f.v2(consumer1, {topic, topic2}, {tp(topic, 0), tp(topic2, 1), tp(topic, 1)}, current, 0));
    f.put(f.v2(consumer2, {topic, topic2}, {tp(topic, 0), tp(topic2, 1), tp(topic2, 2)}, current - 2, 1));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic, 0), tp(topic2, 1), tp(topic, 1)}));
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 2), tp(topic2, 2), tp(topic2, 0)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  }
}

// ---- StickyAssignorTest / CooperativeStickyAssignorTest specific cases ----------------------------

TEST(StickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer) {
  for (RackConfig rc : kRackConfigs) {
    Fixture f(Kind::Sticky);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
    f.verify_validity_and_balance(a);
  }
}

TEST(StickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer) {
  for (RackConfig rc : kRackConfigs) {
    Fixture f(Kind::Sticky);
    f.initialize_racks(rc);
    f.put_topic(topic, 4);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1), tp(topic, 3)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
    f.verify_validity_and_balance(a);
  }
}

TEST(CooperativeStickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer) {
  for (RackConfig rc : kRackConfigs) {
    Fixture f(Kind::Cooperative);
    f.initialize_racks(rc);
    f.put_topic(topic, 3);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    // topic-0 counts as owned by both; nobody gets it until both have revoked it.
    EXPECT_TRUE(a.at(consumer3).empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

TEST(CooperativeStickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer) {
  for (RackConfig rc : kRackConfigs) {
    Fixture f(Kind::Cooperative);
    f.initialize_racks(rc);
    f.put_topic(topic, 4);
    f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
    f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
    f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1), tp(topic, 3)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_TRUE(a.at(consumer3).empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  }
}

TEST(CooperativeStickyAssignorTest, testUniformSubscriptionTransferOwnershipListIsRight) {
  Fixture f(Kind::Cooperative);
  f.replication_factor = 1;
  f.num_broker_racks = 2;
  f.has_consumer_rack = true;
  f.put_topic(topic1, 4);
  f.put(f.v2("c0", {topic1}, {tp(topic1, 0), tp(topic1, 1)}, generationId, 0));
  f.put(f.v2("c1", {topic1}, {tp(topic1, 2), tp(topic1, 3)}, generationId, 1));
  f.assign();
  EXPECT_EQ(f.trace.transferring.size(), 2u);
}

namespace {
/// The (rack configuration, all subscriptions equal) combinations of Kafka's parameterised cases.
std::vector<std::pair<RackConfig, bool>> rack_and_subscription_combinations() {
  std::vector<std::pair<RackConfig, bool>> v;
  for (RackConfig rc : kRackConfigs)
    for (bool eq : {true, false}) v.emplace_back(rc, eq);
  return v;
}
}  // namespace

TEST(StickyAssignorTest, testAssignmentWithMultipleGenerations1) {
  for (const auto& [rc, equal] : rack_and_subscription_combinations()) {
    SCOPED_TRACE(std::string(name(rc)) + (equal ? " equal" : " unequal"));
    Fixture f(Kind::Sticky);
    f.initialize_racks(rc);
    const std::vector<std::string> all{topic, topic2};
    const std::vector<std::string> c2topics = equal ? all : std::vector<std::string>{topic};
    f.put_topic(topic, 6);
    f.put_topic(topic2, 6);
    f.put(f.subscription(consumer1, all, 0));
    f.put(f.subscription(consumer2, c2topics, 1));
    f.put(f.subscription(consumer3, all, 2));
    Assignment a = f.assign();
    const Parts r1p1 = a.at(consumer1), r1p2 = a.at(consumer2), r1p3 = a.at(consumer3);
    EXPECT_TRUE(r1p1.size() == 4 && r1p2.size() == 4 && r1p3.size() == 4);
    f.verify_validity_and_balance(a);

    f.put(f.v2(consumer1, all, r1p1, generationId, 0));
    f.put(f.v2(consumer2, c2topics, r1p2, generationId, 1));
    f.remove(consumer3);
    a = f.assign();
    const Parts r2p1 = a.at(consumer1), r2p2 = a.at(consumer2);
    EXPECT_TRUE(r2p1.size() == 6 && r2p2.size() == 6);
    if (equal) {
      EXPECT_TRUE(contains_all(r2p1, r1p1));
    }
    EXPECT_TRUE(contains_all(r2p2, r1p2));
    f.verify_validity_and_balance(a);
    EXPECT_FALSE(disjoint(r2p2, r1p3));

    f.remove(consumer1);
    f.put(f.v2(consumer2, c2topics, r2p2, 2, 1));
    f.put(f.v2(consumer3, all, r1p3, 1, 2));
    a = f.assign();
    const Parts r3p2 = a.at(consumer2), r3p3 = a.at(consumer3);
    EXPECT_TRUE(r3p2.size() == 6 && r3p3.size() == 6);
    EXPECT_TRUE(disjoint(r3p2, r3p3));
    f.verify_validity_and_balance(a);
  }
}

TEST(StickyAssignorTest, testAssignmentWithMultipleGenerations2) {
  for (const auto& [rc, equal] : rack_and_subscription_combinations()) {
    SCOPED_TRACE(std::string(name(rc)) + (equal ? " equal" : " unequal"));
    Fixture f(Kind::Sticky);
    f.initialize_racks(rc);
    const std::vector<std::string> all{topic, topic2, topic3};
    const std::vector<std::string> c1topics = equal ? all : std::vector<std::string>{topic};
    const std::vector<std::string> c3topics = equal ? all : std::vector<std::string>{topic, topic2};
    for (const auto& t : all) f.put_topic(t, 4);
    f.put(f.subscription(consumer1, c1topics, 0));
    f.put(f.subscription(consumer2, all, 1));
    f.put(f.subscription(consumer3, c3topics, 2));
    Assignment a = f.assign();
    const Parts r1p1 = a.at(consumer1), r1p2 = a.at(consumer2), r1p3 = a.at(consumer3);
    EXPECT_TRUE(r1p1.size() == 4 && r1p2.size() == 4 && r1p3.size() == 4);
    f.verify_validity_and_balance(a);

    f.remove(consumer1);
    f.put(f.v2(consumer2, all, r1p2, 1, 1));
    f.remove(consumer3);
    a = f.assign();
    const Parts r2p2 = a.at(consumer2);
    EXPECT_EQ(r2p2.size(), 12u);
    EXPECT_TRUE(contains_all(r2p2, r1p2));
    f.verify_validity_and_balance(a);

    f.put(f.v2(consumer1, c1topics, r1p1, 1, 0));
    f.put(f.v2(consumer2, all, r2p2, 2, 1));
    f.put(f.v2(consumer3, c3topics, r1p3, 1, 2));
    a = f.assign();
    EXPECT_TRUE(a.at(consumer1).size() == 4 && a.at(consumer2).size() == 4 && a.at(consumer3).size() == 4);
    f.verify_validity_and_balance(a);
  }
}

TEST(StickyAssignorTest, testAssignmentWithConflictingPreviousGenerations) {
  for (const auto& [rc, equal] : rack_and_subscription_combinations()) {
    SCOPED_TRACE(std::string(name(rc)) + (equal ? " equal" : " unequal"));
    Fixture f(Kind::Sticky);
    f.initialize_racks(rc);
    for (const auto& t : {topic, topic2, topic3}) f.put_topic(t, 4);
    const std::vector<std::string> all{topic, topic2, topic3};
    const std::vector<std::string> c1topics = equal ? all : std::vector<std::string>{topic};
    const std::vector<std::string> c2topics = equal ? all : std::vector<std::string>{topic, topic2};
    f.put(f.subscription(consumer1, c1topics, 0));
    f.put(f.subscription(consumer2, c2topics, 1));
    f.put(f.subscription(consumer3, all, 2));
    const Parts c1p0 = equal ? Parts{tp(topic, 0), tp(topic, 1), tp(topic, 2), tp(topic2, 2), tp(topic2, 3), tp(topic3, 0)}
                             : Parts{tp(topic, 0), tp(topic, 1), tp(topic, 2), tp(topic, 3)};
    const Parts c2p0{tp(topic, 0), tp(topic, 1), tp(topic2, 0), tp(topic2, 1), tp(topic2, 2), tp(topic2, 3)};
    const Parts c3p0{tp(topic, 2), tp(topic, 3), tp(topic3, 0), tp(topic3, 1), tp(topic3, 2), tp(topic3, 3)};
    f.put(f.v2(consumer1, c1topics, c1p0, 1, 0));
    f.put(f.v2(consumer2, c2topics, c2p0, 2, 1));
    f.put(f.v2(consumer3, all, c3p0, 2, 2));
    Assignment a = f.assign();
    EXPECT_TRUE(a.at(consumer1).size() == 4 && a.at(consumer2).size() == 4 && a.at(consumer3).size() == 4);
    EXPECT_TRUE(contains_all(c2p0, a.at(consumer2)));
    EXPECT_TRUE(contains_all(c3p0, a.at(consumer3)));
    f.verify_validity_and_balance(a);
  }
}

// StickyAssignor's class comment example: three consumers on four two-partition topics, then C1
// leaves and the others keep everything they had.
TEST(StickyAssignorTest, ClassDocumentationExample) {
  Fixture f(Kind::Sticky);
  for (const auto& t : {"t0", "t1", "t2", "t3"}) f.put_topic(t, 2);
  const std::vector<std::string> all{"t0", "t1", "t2", "t3"};
  f.put(f.subscription("C0", all, 0));
  f.put(f.subscription("C1", all, 1));
  f.put(f.subscription("C2", all, 2));
  Assignment a = f.assign();
  EXPECT_EQ(a.at("C0"), (Parts{tp("t0", 0), tp("t1", 1), tp("t3", 0)}));
  EXPECT_EQ(a.at("C1"), (Parts{tp("t0", 1), tp("t2", 0), tp("t3", 1)}));
  EXPECT_EQ(a.at("C2"), (Parts{tp("t1", 0), tp("t2", 1)}));
  f.put(f.v2("C0", all, a.at("C0"), 1, 0));
  f.put(f.v2("C2", all, a.at("C2"), 1, 2));
  f.remove("C1");
  const Assignment b = f.assign();
  EXPECT_TRUE(contains_all(b.at("C0"), a.at("C0")));
  EXPECT_TRUE(contains_all(b.at("C2"), a.at("C2")));
  EXPECT_EQ(b.at("C0").size(), 4u);
  EXPECT_EQ(b.at("C2").size(), 4u);
}
