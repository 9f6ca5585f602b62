// Ports of Kafka 3.9's sticky assignor tests, continued from assignor_sticky_test.cpp: the rest of
// AbstractStickyAssignorTest's cases, then the cases of StickyAssignorTest and
// CooperativeStickyAssignorTest of their own.
#include "sticky_test_fixture.hpp"

namespace {
/// The group of the cases where a partition is claimed by multiple consumers in the same
/// generation: topic-0 owned by both consumer1 and consumer2, consumer3 owning nothing, @p
/// partitions partitions of topic.
void claimed_twice(Fixture& f, int partitions) {
  f.put_topic(topic, partitions);
  f.put(f.v2(consumer1, {topic}, {tp(topic, 0), tp(topic, 1)}, generationId, 0));
  f.put(f.v2(consumer2, {topic}, {tp(topic, 0), tp(topic, 2)}, generationId, 1));
  f.put(f.v2(consumer3, {topic}, {}, generationId, 2));
}
}  // namespace

STICKY_CASE(testSameSubscriptions) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
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
  for_each_rack(kind, [&](Fixture& f) {
    for (int i = 1; i <= 6; ++i) f.put_topic("topic" + std::to_string(i), 1);
    f.put(f.v2(consumer1, {topic1, topic2}, {tp(topic1, 0)}, generationId, 0));
    f.put(f.v2(consumer2, {topic1, topic2, topic3, "topic4"}, {tp(topic2, 0), tp(topic3, 0)}, generationId, 1));
    f.put(f.v2(consumer3, {topic2, topic3, "topic4", "topic5", "topic6"},
               {tp("topic4", 0), tp("topic5", 0), tp("topic6", 0)}, generationId, 2));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_null());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testStickiness) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testAssignmentUpdatedForDeletedTopic) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic1, 1);
    f.put_topic(topic3, 100);
    f.put(f.subscription(consumerId, {topic1, topic2, topic3}, 0));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    EXPECT_EQ(total_assigned(a), 101u);
    EXPECT_EQ(a.size(), 1u);
  });
}

STICKY_CASE(testNoExceptionThrownWhenOnlySubscribedTopicDeleted) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testAllConsumersReachExpectedQuotaAndAreConsideredFilled) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic, 3);
    f.put_topic(topic2, 3);
    f.put(f.v2(consumer1, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, 10, 0));
    f.put(f.v2(consumer2, {topic, topic2}, {tp(topic, 0), tp(topic, 2), tp(topic2, 1)}, DEFAULT_GENERATION, 1));
    Assignment a = f.assign();
    EXPECT_EQ(S(a.at(consumer1)), S({tp(topic, 0), tp(topic, 2), tp(topic2, 1)}));
    EXPECT_EQ(S(a.at(consumer2)), S({tp(topic, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration) {
  for_each_rack(kind, [&](Fixture& f) {
    claimed_twice(f, 3);
    Assignment a = f.assign();
    EXPECT_EQ(f.transferring(), (std::map<TopicPartition, std::string>{{tp(topic, 0), consumer3}}));
    f.verify_validity_and_balance(a);
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
  });
}

STICKY_CASE(testEnsurePartitionsAssignedToHighestGeneration) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testNoReassignmentOnCurrentMembers) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

// ---- StickyAssignorTest / CooperativeStickyAssignorTest specific cases ----------------------------

TEST(StickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer) {
  for_each_rack(Kind::Sticky, [&](Fixture& f) {
    claimed_twice(f, 3);
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
    f.verify_validity_and_balance(a);
  });
}

TEST(StickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer) {
  for_each_rack(Kind::Sticky, [&](Fixture& f) {
    claimed_twice(f, 4);
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1), tp(topic, 3)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_EQ(a.at(consumer3), (Parts{tp(topic, 0)}));
    f.verify_validity_and_balance(a);
  });
}

TEST(CooperativeStickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer) {
  for_each_rack(Kind::Cooperative, [&](Fixture& f) {
    claimed_twice(f, 3);
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    // topic-0 counts as owned by both; nobody gets it until both have revoked it.
    EXPECT_TRUE(a.at(consumer3).empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  });
}

TEST(CooperativeStickyAssignorTest, testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer) {
  for_each_rack(Kind::Cooperative, [&](Fixture& f) {
    claimed_twice(f, 4);
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 1), tp(topic, 3)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 2)}));
    EXPECT_TRUE(a.at(consumer3).empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  });
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
