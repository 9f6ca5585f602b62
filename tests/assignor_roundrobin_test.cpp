// Ports of Kafka 3.9's RoundRobinAssignorTest (clients): the same inputs and expected outputs, run
// against cgsim's assign_roundrobin. Lists are compared in order, as the Java test does.
#include <gtest/gtest.h>

#include <map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {
ClusterMetadata two_topics(int n1, int n2) { return {{{"topic1", n1, {}}, {"topic2", n2, {}}}}; }
std::vector<TopicPartition> P(const std::string& s) { return parse_partitions(s); }
}  // namespace

TEST(RoundRobinAssignorTest, testOneConsumerNoTopic) {
  const Assignment a = assign_roundrobin({}, {member("consumer", {})});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(a.at("consumer").empty());
}

TEST(RoundRobinAssignorTest, testOneConsumerNonexistentTopic) {
  const Assignment a = assign_roundrobin({}, {member("consumer", {"topic"})});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(a.at("consumer").empty());
}

TEST(RoundRobinAssignorTest, testOneConsumerOneTopic) {
  const Assignment a = assign_roundrobin({{{"topic", 3, {}}}}, {member("consumer", {"topic"})});
  EXPECT_EQ(a.at("consumer"), P("topic-0, topic-1, topic-2"));
}

TEST(RoundRobinAssignorTest, testOnlyAssignsPartitionsFromSubscribedTopics) {
  const Assignment a = assign_roundrobin({{{"topic", 3, {}}, {"other", 3, {}}}}, {member("consumer", {"topic"})});
  EXPECT_EQ(a.at("consumer"), P("topic-0, topic-1, topic-2"));
}

TEST(RoundRobinAssignorTest, testOneConsumerMultipleTopics) {
  const Assignment a = assign_roundrobin(two_topics(1, 2), {member("consumer", {"topic1", "topic2"})});
  EXPECT_EQ(a.at("consumer"), P("topic1-0, topic2-0, topic2-1"));
}

TEST(RoundRobinAssignorTest, testTwoConsumersOneTopicOnePartition) {
  const Assignment a =
      assign_roundrobin({{{"topic", 1, {}}}}, {member("consumer1", {"topic"}), member("consumer2", {"topic"})});
  EXPECT_EQ(a.at("consumer1"), P("topic-0"));
  EXPECT_TRUE(a.at("consumer2").empty());
}

TEST(RoundRobinAssignorTest, testTwoConsumersOneTopicTwoPartitions) {
  const Assignment a =
      assign_roundrobin({{{"topic", 2, {}}}}, {member("consumer1", {"topic"}), member("consumer2", {"topic"})});
  EXPECT_EQ(a.at("consumer1"), P("topic-0"));
  EXPECT_EQ(a.at("consumer2"), P("topic-1"));
}

TEST(RoundRobinAssignorTest, testMultipleConsumersMixedTopics) {
  const Assignment a = assign_roundrobin(two_topics(3, 2), {member("consumer1", {"topic1"}),
                                                            member("consumer2", {"topic1", "topic2"}),
                                                            member("consumer3", {"topic1"})});
  EXPECT_EQ(a.at("consumer1"), P("topic1-0"));
  EXPECT_EQ(a.at("consumer2"), P("topic1-1, topic2-0, topic2-1"));
  EXPECT_EQ(a.at("consumer3"), P("topic1-2"));
}

TEST(RoundRobinAssignorTest, testTwoDynamicConsumersTwoTopicsSixPartitions) {
  const Assignment a = assign_roundrobin(
      two_topics(3, 3), {member("consumer1", {"topic1", "topic2"}), member("consumer2", {"topic1", "topic2"})});
  EXPECT_EQ(a.at("consumer1"), P("topic1-0, topic1-2, topic2-1"));
  EXPECT_EQ(a.at("consumer2"), P("topic1-1, topic2-0, topic2-2"));
}

TEST(RoundRobinAssignorTest, testTwoStaticConsumersTwoTopicsSixPartitions) {
  // consumer-a sorts first by member id, but the instance ids decide.
  const Assignment a = assign_roundrobin(two_topics(3, 3), {member("consumer-b", {"topic1", "topic2"}, {}, "instance1"),
                                                            member("consumer-a", {"topic1", "topic2"}, {}, "instance2")});
  EXPECT_EQ(a.at("consumer-b"), P("topic1-0, topic1-2, topic2-1"));
  EXPECT_EQ(a.at("consumer-a"), P("topic1-1, topic2-0, topic2-2"));
}

TEST(RoundRobinAssignorTest, testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions) {
  // The static member comes first although its member id sorts after the dynamic one's.
  const Assignment a = assign_roundrobin(two_topics(3, 3), {member("consumer-b", {"topic1", "topic2"}, {}, "instance1"),
                                                            member("consumer-a", {"topic1", "topic2"})});
  EXPECT_EQ(a.at("consumer-b"), P("topic1-0, topic1-2, topic2-1"));
  EXPECT_EQ(a.at("consumer-a"), P("topic1-1, topic2-0, topic2-2"));
}

TEST(RoundRobinAssignorTest, testStaticMemberRoundRobinAssignmentPersistent) {
  std::vector<MemberSubscription> members{member("consumer1", {"topic1", "topic2"}, {}, "instance1"),
                                          member("consumer2", {"topic1", "topic2"}, {}, "instance2"),
                                          member("consumer3", {"topic1", "topic2"}, {}, "instance3"),
                                          member("consumer4", {"topic1", "topic2"})};
  Assignment expected{{"consumer1", P("topic1-0, topic2-1")},
                      {"consumer2", P("topic1-1, topic2-2")},
                      {"consumer3", P("topic1-2")},
                      {"consumer4", P("topic2-0")}};
  EXPECT_EQ(assign_roundrobin(two_topics(3, 3), members), expected);

  // A new dynamic member replaces the dynamic one.
  members.back() = member("consumer5", {"topic1", "topic2"});
  expected.erase("consumer4");
  expected["consumer5"] = P("topic2-0");
  EXPECT_EQ(assign_roundrobin(two_topics(3, 3), members), expected);
}

TEST(RoundRobinAssignorTest, testStaticMemberRoundRobinAssignmentPersistentAfterMemberIdChanges) {
  std::vector<MemberSubscription> members{member("consumer1", {"topic1", "topic2"}, {}, "instance1"),
                                          member("consumer2", {"topic1", "topic2"}, {}, "instance2"),
                                          member("consumer3", {"topic1", "topic2"}, {}, "instance3")};
  auto by_instance = [&](const Assignment& a) {
    std::map<std::string, std::vector<TopicPartition>> out;
    for (const auto& m : members) out[*m.group_instance_id] = a.at(m.member_id);
    return out;
  };
  const std::map<std::string, std::vector<TopicPartition>> expected{
      {"instance1", P("topic1-0, topic1-3, topic2-1, topic2-4")},
      {"instance2", P("topic1-1, topic1-4, topic2-2")},
      {"instance3", P("topic1-2, topic2-0, topic2-3")}};
  const auto first = by_instance(assign_roundrobin(two_topics(5, 5), members));
  EXPECT_EQ(first, expected);

  members[2].member_id = "consumer4";
  members[1].member_id = "consumer5";
  EXPECT_EQ(by_instance(assign_roundrobin(two_topics(5, 5), members)), first);
}
