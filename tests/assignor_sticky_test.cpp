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
#include "sticky_test_fixture.hpp"

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
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic, 3);
    f.put(f.subscription(consumerId, {topic}, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic, 0), tp(topic, 1), tp(topic, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testOnlyAssignsPartitionsFromSubscribedTopics) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic, 2);
    f.put(f.v2(consumerId, {topic}, {tp(topic, 0), tp(topic, 1), tp("other", 0), tp("other", 1)}, generationId, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic, 0), tp(topic, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testOneConsumerMultipleTopics) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic1, 1);
    f.put_topic(topic2, 2);
    f.put(f.subscription(consumerId, {topic1, topic2}, 0));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumerId), (Parts{tp(topic1, 0), tp(topic2, 0), tp(topic2, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testTwoConsumersOneTopicOnePartition) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic, 1);
    f.put(f.subscription(consumer1, {topic}, 0));
    f.put(f.subscription(consumer2, {topic}, 1));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    EXPECT_TRUE(is_fully_balanced(a));
  });
}

STICKY_CASE(testTwoConsumersOneTopicTwoPartitions) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic, 2);
    f.put(f.subscription(consumer1, {topic}, 0));
    f.put(f.subscription(consumer2, {topic}, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic, 0)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic, 1)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testMultipleConsumersMixedTopicSubscriptions) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testTwoConsumersTwoTopicsSixPartitions) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic(topic1, 3);
    f.put_topic(topic2, 3);
    f.put(f.subscription(consumer1, {topic1, topic2}, 0));
    f.put(f.subscription(consumer2, {topic1, topic2}, 1));
    Assignment a = f.assign();
    EXPECT_EQ(a.at(consumer1), (Parts{tp(topic1, 0), tp(topic1, 2), tp(topic2, 1)}));
    EXPECT_EQ(a.at(consumer2), (Parts{tp(topic1, 1), tp(topic2, 0), tp(topic2, 2)}));
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testConsumerOwningMinQuotaExpectedMaxQuota) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testAllConsumersAreUnderMinQuota) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testAddRemoveConsumerOneTopic) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testTopicBalanceAfterReassignment) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testAddRemoveTwoConsumersTwoTopics) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testPoorRoundRobinAssignmentScenario) {
  for_each_rack(kind, [&](Fixture& f) {
    for (int i = 1; i <= 5; ++i) f.put_topic("topic" + std::to_string(i), (i % 2) + 1);
    f.put(f.subscription("consumer1", {"topic1", "topic2", "topic3", "topic4", "topic5"}, 0));
    f.put(f.subscription("consumer2", {"topic1", "topic3", "topic5"}, 1));
    f.put(f.subscription("consumer3", {"topic1", "topic3", "topic5"}, 2));
    f.put(f.subscription("consumer4", {"topic1", "topic2", "topic3", "topic4", "topic5"}, 3));
    Assignment a = f.assign();
    f.verify_validity_and_balance(a);
  });
}

STICKY_CASE(testAddRemoveTopicTwoConsumers) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testReassignmentAfterOneConsumerLeaves) {
  for_each_rack(kind, [&](Fixture& f) {
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
  });
}

STICKY_CASE(testReassignmentAfterOneConsumerAdded) {
  for_each_rack(kind, [&](Fixture& f) {
    f.put_topic("topic", 20);
    for (int i = 1; i < 10; ++i) f.put(f.subscription(consumerName(i, 10), {"topic"}, i));
    Assignment a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
    f.put(f.subscription(consumerName(10, 10), {"topic"}, 10));
    a = f.assign();
    EXPECT_TRUE(f.transferring_empty());
    f.verify_validity_and_balance(a);
  });
}
