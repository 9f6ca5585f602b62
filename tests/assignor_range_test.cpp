// Ports of Kafka 3.9's RangeAssignorTest (clients) and the MemberInfo ordering cases of
// AbstractPartitionAssignorTest: the same inputs and expected outputs, run against cgsim's
// assign_range. Kafka's parameterised cases run once per rack configuration, with its test-only
// "prefer rack-aware logic" switch on, as Kafka's setUp does.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/member_order.hpp"
#include "models/kafka/assignors/server_common.hpp"
#include "rack_configs.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

/// The state Kafka's RangeAssignorTest keeps between setUp/initializeRacks and the helpers.
struct Fixture {
  int replication_factor = 3;
  int num_broker_racks = 0;
  bool has_consumer_rack = false;
  RangeOptions options{true};

  explicit Fixture(RackConfig c, int max_consumers = 3) {
    replication_factor = max_consumers;
    num_broker_racks = c != RackConfig::NoBrokerRack ? max_consumers : 0;
    has_consumer_rack = c != RackConfig::NoConsumerRack;
  }
  TopicMetadata topic(const std::string& t, int n) const {
    return topic_on_racks(t, n, replication_factor, num_broker_racks, 0);
  }
  std::optional<std::string> rack(int consumer_index) const {
    const int num_racks = num_broker_racks > 0 ? num_broker_racks : static_cast<int>(all_racks().size());
    if (!has_consumer_rack) return std::nullopt;
    return all_racks()[static_cast<std::size_t>(consumer_index % num_racks)];
  }
  MemberSubscription sub(const std::string& id, std::vector<std::string> topics, int index,
                         std::optional<std::string> instance = std::nullopt) const {
    return member(id, std::move(topics), rack(index), std::move(instance));
  }
  Assignment assign(const ClusterMetadata& c, const std::vector<MemberSubscription>& m) const {
    return assign_range_with(c, m, options);
  }
};

/// Calls @p body(fixture) for every rack configuration, each with a fresh fixture set up for it
/// and for @p max_consumers consumers.
template <typename Body>
void for_each_rack(int max_consumers, Body&& body) {
  for_each_rack_config([&](RackConfig rc) {
    Fixture f(rc, max_consumers);
    body(f);
  });
}
template <typename Body>
void for_each_rack(Body&& body) {
  for_each_rack(3, std::forward<Body>(body));
}

std::set<TopicPartition> as_set(const std::vector<TopicPartition>& v) { return {v.begin(), v.end()}; }
std::set<TopicPartition> as_set(const std::string& s) { return as_set(parse_partitions(s)); }

/// Kafka's AbstractPartitionAssignorTest.verifyRackAssignment: consumers are named consumer0..n-1,
/// topics get replicas on consecutive brokers continuing across topics in the listed order, the
/// result is compared as sorted strings and, when @p mismatches >= 0, the number of partitions given
/// to a consumer whose rack holds none of their replicas is checked.
void verify_rack_assignment(const RangeOptions& options, const std::vector<std::pair<std::string, int>>& topics,
                            int rf, const std::vector<std::optional<std::string>>& broker_racks,
                            const std::vector<std::optional<std::string>>& consumer_racks,
                            const std::vector<std::vector<std::string>>& consumer_topics,
                            const std::vector<std::string>& expected, int mismatches) {
  ClusterMetadata cluster;
  int next = 0;
  for (const auto& [t, n] : topics) {
    cluster.topics.push_back(topic_on_brokers(t, n, rf, broker_racks, next));
    next += n;
  }
  std::vector<MemberSubscription> members;
  for (std::size_t i = 0; i < consumer_racks.size(); ++i)
    members.push_back(member("consumer" + std::to_string(i), consumer_topics[i], consumer_racks[i]));
  const Assignment a = assign_range_with(cluster, members, options);
  ASSERT_EQ(a.size(), members.size());
  for (std::size_t i = 0; i < members.size(); ++i)
    EXPECT_EQ(to_sorted_string(a.at(members[i].member_id)), expected[i]) << "consumer" << i;
  if (mismatches >= 0) {
    int count = 0;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!consumer_racks[i]) continue;
      for (const auto& tp : a.at(members[i].member_id)) {
        const auto& racks_of = cluster.find(tp.topic)->partition_racks;
        const bool local = static_cast<std::size_t>(tp.partition) < racks_of.size() &&
                           std::count(racks_of[static_cast<std::size_t>(tp.partition)].begin(),
                                      racks_of[static_cast<std::size_t>(tp.partition)].end(), *consumer_racks[i]) > 0;
        if (!local) ++count;
      }
    }
    EXPECT_EQ(count, mismatches) << "partitions with rack mismatch";
  }
}

using Opt = std::vector<std::optional<std::string>>;
Opt opt(std::initializer_list<const char*> l) {
  Opt o;
  for (const char* s : l) o.push_back(s ? std::optional<std::string>(s) : std::nullopt);
  return o;
}

/// Kafka's RangeAssignorTest.verifyNonRackAwareAssignment: all the rack combinations under which the
/// result must equal the plain range assignment.
void verify_non_rack_aware(const std::vector<std::pair<std::string, int>>& topics,
                           const std::vector<std::vector<std::string>>& consumer_topics,
                           const std::vector<std::string>& expected) {
  const RangeOptions plain{false}, prefer{true};
  verify_rack_assignment(plain, topics, 3, null_racks(3), racks(3), consumer_topics, expected, -1);
  verify_rack_assignment(plain, topics, 3, racks(3), null_racks(3), consumer_topics, expected, -1);
  verify_rack_assignment(plain, topics, 3, racks(3), racks(3), consumer_topics, expected, 0);
  verify_rack_assignment(plain, topics, 4, racks(4), racks(3), consumer_topics, expected, 0);
  verify_rack_assignment(plain, topics, 3, racks(3), opt({"d", "e", "f"}), consumer_topics, expected, -1);
  verify_rack_assignment(plain, topics, 3, racks(3), opt({nullptr, "e", "f"}), consumer_topics, expected, -1);
  verify_rack_assignment(prefer, topics, 3, racks(3), racks(3), consumer_topics, expected, 0);
}

}  // namespace

TEST(RangeAssignorTest, testOneConsumerNoTopic) {
  for (bool has_rack : {true, false}) {
    Fixture f(has_rack ? RackConfig::BrokerAndConsumerRack : RackConfig::NoConsumerRack);
    const Assignment a = f.assign({}, {f.sub("consumer1", {}, 0)});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(a.at("consumer1").empty());
  }
}

TEST(RangeAssignorTest, testOneConsumerNonexistentTopic) {
  for (bool has_rack : {true, false}) {
    Fixture f(has_rack ? RackConfig::BrokerAndConsumerRack : RackConfig::NoConsumerRack);
    const Assignment a = f.assign({}, {f.sub("consumer1", {"topic1"}, 0)});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_TRUE(a.at("consumer1").empty());
  }
}

TEST(RangeAssignorTest, testOneConsumerOneTopic) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 3)}}, {f.sub("consumer1", {"topic1"}, 0)});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0, topic1-1, topic1-2"));
  });
}

TEST(RangeAssignorTest, testOnlyAssignsPartitionsFromSubscribedTopics) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 3), f.topic("other", 3)}}, {f.sub("consumer1", {"topic1"}, 0)});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0, topic1-1, topic1-2"));
  });
}

TEST(RangeAssignorTest, testOneConsumerMultipleTopics) {
  for_each_rack([&](Fixture& f) {
    const Assignment a =
        f.assign({{f.topic("topic1", 1), f.topic("topic2", 2)}}, {f.sub("consumer1", {"topic1", "topic2"}, 0)});
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0, topic2-0, topic2-1"));
  });
}

TEST(RangeAssignorTest, testTwoConsumersOneTopicOnePartition) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 1)}},
                                  {f.sub("consumer1", {"topic1"}, 0), f.sub("consumer2", {"topic1"}, 1)});
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0"));
    EXPECT_TRUE(a.at("consumer2").empty());
  });
}

TEST(RangeAssignorTest, testTwoConsumersOneTopicTwoPartitions) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 2)}},
                                  {f.sub("consumer1", {"topic1"}, 0), f.sub("consumer2", {"topic1"}, 1)});
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0"));
    EXPECT_EQ(as_set(a.at("consumer2")), as_set("topic1-1"));
  });
}

TEST(RangeAssignorTest, testMultipleConsumersMixedTopics) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 3), f.topic("topic2", 2)}},
                                  {f.sub("consumer1", {"topic1"}, 0), f.sub("consumer2", {"topic1", "topic2"}, 1),
                                   f.sub("consumer3", {"topic1"}, 2)});
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0"));
    EXPECT_EQ(as_set(a.at("consumer2")), as_set("topic1-1, topic2-0, topic2-1"));
    EXPECT_EQ(as_set(a.at("consumer3")), as_set("topic1-2"));
  });
}

TEST(RangeAssignorTest, testTwoConsumersTwoTopicsSixPartitions) {
  for_each_rack([&](Fixture& f) {
    const Assignment a = f.assign({{f.topic("topic1", 3), f.topic("topic2", 3)}},
                                  {f.sub("consumer1", {"topic1", "topic2"}, 0),
                                   f.sub("consumer2", {"topic1", "topic2"}, 1)});
    EXPECT_EQ(as_set(a.at("consumer1")), as_set("topic1-0, topic1-1, topic2-0, topic2-1"));
    EXPECT_EQ(as_set(a.at("consumer2")), as_set("topic1-2, topic2-2"));
  });
}

TEST(RangeAssignorTest, testTwoStaticConsumersTwoTopicsSixPartitions) {
  for_each_rack([&](Fixture& f) {
    // consumer-a sorts before consumer-b by member id, but instance ids decide.
    const Assignment a = f.assign({{f.topic("topic1", 3), f.topic("topic2", 3)}},
                                  {f.sub("consumer-b", {"topic1", "topic2"}, 0, "instance1"),
                                   f.sub("consumer-a", {"topic1", "topic2"}, 1, "instance2")});
    EXPECT_EQ(as_set(a.at("consumer-b")), as_set("topic1-0, topic1-1, topic2-0, topic2-1"));
    EXPECT_EQ(as_set(a.at("consumer-a")), as_set("topic1-2, topic2-2"));
  });
}

TEST(RangeAssignorTest, testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions) {
  for_each_rack([&](Fixture& f) {
    // The static member sorts first although its member id is higher.
    const Assignment a = f.assign({{f.topic("topic1", 3), f.topic("topic2", 3)}},
                                  {f.sub("consumer-b", {"topic1", "topic2"}, 0, "instance1"),
                                   f.sub("consumer-a", {"topic1", "topic2"}, 1)});
    EXPECT_EQ(as_set(a.at("consumer-b")), as_set("topic1-0, topic1-1, topic2-0, topic2-1"));
    EXPECT_EQ(as_set(a.at("consumer-a")), as_set("topic1-2, topic2-2"));
  });
}

TEST(RangeAssignorTest, testStaticMemberRangeAssignmentPersistent) {
  for_each_rack(5, [&](Fixture& f) {
    const ClusterMetadata cluster{{f.topic("topic1", 5), f.topic("topic2", 4)}};
    std::vector<MemberSubscription> members{
        f.sub("consumer1", {"topic1", "topic2"}, 0, "instance1"),
        f.sub("consumer2", {"topic1", "topic2"}, 1, "instance2"),
        f.sub("consumer3", {"topic1", "topic2"}, 2, "instance3"),
        f.sub("consumer4", {"topic1", "topic2"}, 3)};
    Assignment expected{{"consumer1", parse_partitions("topic1-0, topic1-1, topic2-0")},
                        {"consumer2", parse_partitions("topic1-2, topic2-1")},
                        {"consumer3", parse_partitions("topic1-3, topic2-2")},
                        {"consumer4", parse_partitions("topic1-4, topic2-3")}};
    EXPECT_EQ(f.assign(cluster, members), expected);

    // A new dynamic member replaces the dynamic one; the static members keep their partitions.
    members.pop_back();
    members.push_back(f.sub("consumer5", {"topic1", "topic2"}, 4));
    expected.erase("consumer4");
    expected["consumer5"] = parse_partitions("topic1-4, topic2-3");
    EXPECT_EQ(f.assign(cluster, members), expected);
  });
}

namespace {
/// Kafka's checkStaticAssignment: the assignment keyed by group.instance.id.
std::map<std::string, std::vector<TopicPartition>> by_instance(const Assignment& a,
                                                               const std::vector<MemberSubscription>& members) {
  std::map<std::string, std::vector<TopicPartition>> out;
  for (const auto& m : members)
    if (m.group_instance_id) out[*m.group_instance_id] = a.at(m.member_id);
  return out;
}
}  // namespace

TEST(RangeAssignorTest, testStaticMemberRangeAssignmentPersistentAfterMemberIdChanges) {
  for_each_rack([&](Fixture& f) {
    const ClusterMetadata cluster{{f.topic("topic1", 5), f.topic("topic2", 5)}};
    std::vector<MemberSubscription> members{f.sub("consumer1", {"topic1", "topic2"}, 0, "instance1"),
                                            f.sub("consumer2", {"topic1", "topic2"}, 1, "instance2"),
                                            f.sub("consumer3", {"topic1", "topic2"}, 2, "instance3")};
    const auto first = by_instance(f.assign(cluster, members), members);
    std::map<std::string, std::set<TopicPartition>> expected{
        {"instance1", as_set("topic1-0, topic1-1, topic2-0, topic2-1")},
        {"instance2", as_set("topic1-2, topic1-3, topic2-2, topic2-3")},
        {"instance3", as_set("topic1-4, topic2-4")}};
    for (const auto& [inst, parts] : expected) EXPECT_EQ(as_set(first.at(inst)), parts) << inst;

    // New member ids for instance3 and instance2: the assignment per instance stays.
    members[2].member_id = "consumer4";
    members[1].member_id = "consumer5";
    EXPECT_EQ(by_instance(f.assign(cluster, members), members), first);
  });
}

TEST(RangeAssignorTest, testRackAwareStaticMemberRangeAssignmentPersistentAfterMemberIdChanges) {
  Fixture f(RackConfig::BrokerAndConsumerRack);
  const ClusterMetadata cluster{{topic_on_racks("topic1", 5, 2, 3), topic_on_racks("topic2", 5, 2, 3)}};
  std::vector<MemberSubscription> members{f.sub("consumer1", {"topic1", "topic2"}, 0, "instance1"),
                                          f.sub("consumer2", {"topic1", "topic2"}, 1, "instance2"),
                                          f.sub("consumer3", {"topic1", "topic2"}, 2, "instance3")};
  const auto first = by_instance(f.assign(cluster, members), members);
  std::map<std::string, std::vector<TopicPartition>> expected{
      {"instance1", parse_partitions("topic1-0, topic1-2, topic2-0, topic2-2")},
      {"instance2", parse_partitions("topic1-1, topic1-3, topic2-1, topic2-3")},
      {"instance3", parse_partitions("topic1-4, topic2-4")}};
  EXPECT_EQ(first, expected);

  members[2].member_id = "consumer4";
  members[1].member_id = "consumer5";
  EXPECT_EQ(by_instance(f.assign(cluster, members), members), first);
}

TEST(RangeAssignorTest, testRackAwareAssignmentWithUniformSubscription) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 6}, {"t2", 7}, {"t3", 2}};
  const std::vector<std::string> all{"t1", "t2", "t3"};
  const std::vector<std::vector<std::string>> ct{all, all, all};
  verify_non_rack_aware(topics, ct, {"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0", "t1-2, t1-3, t2-3, t2-4, t3-1",
                                     "t1-4, t1-5, t2-5, t2-6"});
  const RangeOptions plain{false};
  verify_rack_assignment(plain, topics, 1, racks(3), racks(3), ct,
                         {"t1-0, t1-3, t2-0, t2-3, t2-6", "t1-1, t1-4, t2-1, t2-4, t3-0", "t1-2, t1-5, t2-2, t2-5, t3-1"}, 0);
  verify_rack_assignment(plain, topics, 2, racks(3), racks(3), ct,
                         {"t1-0, t1-2, t2-0, t2-2, t2-3, t3-1", "t1-1, t1-3, t2-1, t2-4, t3-0", "t1-4, t1-5, t2-5, t2-6"}, 1);
  verify_rack_assignment(plain, topics, 3, racks(2), racks(3), ct,
                         {"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0", "t1-2, t1-3, t2-3, t2-4, t3-1", "t1-4, t1-5, t2-5, t2-6"}, 4);
}

TEST(RangeAssignorTest, testRackAwareAssignmentWithNonEqualSubscription) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 6}, {"t2", 7}, {"t3", 2}};
  const std::vector<std::string> all{"t1", "t2", "t3"};
  const std::vector<std::vector<std::string>> ct{all, all, {"t1", "t3"}};
  verify_non_rack_aware(topics, ct, {"t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0", "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1",
                                     "t1-4, t1-5"});
  const RangeOptions plain{false};
  verify_rack_assignment(plain, topics, 1, racks(3), racks(3), ct,
                         {"t1-0, t1-3, t2-0, t2-2, t2-3, t2-6", "t1-1, t1-4, t2-1, t2-4, t2-5, t3-0", "t1-2, t1-5, t3-1"}, 2);
  verify_rack_assignment(plain, topics, 2, racks(3), racks(3), ct,
                         {"t1-0, t1-2, t2-0, t2-2, t2-3, t2-5, t3-1", "t1-1, t1-3, t2-1, t2-4, t2-6, t3-0", "t1-4, t1-5"}, 0);
  verify_rack_assignment(plain, topics, 3, racks(2), racks(3), ct,
                         {"t1-0, t1-1, t2-0, t2-1, t2-2, t2-3, t3-0", "t1-2, t1-3, t2-4, t2-5, t2-6, t3-1", "t1-4, t1-5"}, 2);
}

TEST(RangeAssignorTest, testRackAwareAssignmentWithUniformPartitions) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 5}, {"t2", 5}, {"t3", 5}};
  const std::vector<std::string> all{"t1", "t2", "t3"};
  const std::vector<std::vector<std::string>> ct{all, all, all};
  const std::vector<std::string> plain_result{"t1-0, t1-1, t2-0, t2-1, t3-0, t3-1", "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3",
                                              "t1-4, t2-4, t3-4"};
  verify_non_rack_aware(topics, ct, plain_result);
  // Co-partitioning takes precedence over rack alignment.
  const RangeOptions plain{false};
  verify_rack_assignment(plain, topics, 1, racks(3), racks(3), ct, plain_result, 10);
  verify_rack_assignment(plain, topics, 2, racks(3), racks(3), ct, plain_result, 5);
  verify_rack_assignment(plain, topics, 3, racks(2), racks(3), ct, plain_result, 3);
}

TEST(RangeAssignorTest, testRackAwareAssignmentWithUniformPartitionsNonEqualSubscription) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 5}, {"t2", 5}, {"t3", 5}};
  const std::vector<std::string> all{"t1", "t2", "t3"};
  const std::vector<std::vector<std::string>> ct{all, all, {"t1", "t3"}};
  verify_non_rack_aware(topics, ct, {"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1", "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3",
                                     "t1-4, t3-4"});
  const RangeOptions plain{false};
  verify_rack_assignment(plain, topics, 1, racks(3), racks(3), ct,
                         {"t1-0, t1-1, t2-0, t2-1, t2-4, t3-0, t3-1", "t1-2, t1-3, t2-2, t2-3, t3-2, t3-3", "t1-4, t3-4"}, 9);
  verify_rack_assignment(plain, topics, 2, racks(3), racks(3), ct,
                         {"t1-2, t2-0, t2-1, t2-3, t3-2", "t1-0, t1-3, t2-2, t2-4, t3-0, t3-3", "t1-1, t1-4, t3-1, t3-4"}, 0);
  verify_rack_assignment(plain, topics, 3, racks(2), racks(3), ct,
                         {"t1-0, t1-1, t2-0, t2-1, t2-2, t3-0, t3-1", "t1-2, t1-3, t2-3, t2-4, t3-2, t3-3", "t1-4, t3-4"}, 2);
}

TEST(RangeAssignorTest, testRackAwareAssignmentWithCoPartitioning) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 6}, {"t2", 6}, {"t3", 2}, {"t4", 2}};
  std::vector<std::vector<std::string>> ct{{"t1", "t2"}, {"t1", "t2"}, {"t3", "t4"}, {"t3", "t4"}};
  const Opt consumer_racks = opt({"a", "b", "b", "a"});
  std::vector<std::string> plain_result{"t1-0, t1-1, t1-2, t2-0, t2-1, t2-2", "t1-3, t1-4, t1-5, t2-3, t2-4, t2-5",
                                        "t3-0, t4-0", "t3-1, t4-1"};
  const RangeOptions plain{false};
  verify_rack_assignment(plain, topics, 3, racks(2), consumer_racks, ct, plain_result, -1);
  verify_rack_assignment(plain, topics, 2, racks(2), consumer_racks, ct, plain_result, 0);
  verify_rack_assignment(plain, topics, 1, racks(2), consumer_racks, ct,
                         {"t1-0, t1-2, t1-4, t2-0, t2-2, t2-4", "t1-1, t1-3, t1-5, t2-1, t2-3, t2-5", "t3-1, t4-1",
                          "t3-0, t4-0"},
                         0);

  const std::vector<std::string> all{"t1", "t2", "t3", "t4"};
  ct = {all, all, all, all};
  plain_result = {"t1-0, t1-1, t2-0, t2-1, t3-0, t4-0", "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1", "t1-4, t2-4",
                  "t1-5, t2-5"};
  verify_rack_assignment(plain, topics, 3, racks(2), consumer_racks, ct, plain_result, -1);
  verify_rack_assignment(plain, topics, 2, racks(2), consumer_racks, ct, plain_result, 0);
  verify_rack_assignment(plain, topics, 1, racks(2), consumer_racks, ct,
                         {"t1-0, t1-2, t2-0, t2-2, t3-0, t4-0", "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1", "t1-5, t2-5",
                          "t1-4, t2-4"},
                         0);
  verify_rack_assignment(plain, topics, 1, racks(3), consumer_racks, ct,
                         {"t1-0, t1-3, t2-0, t2-3, t3-0, t4-0", "t1-1, t1-4, t2-1, t2-4, t3-1, t4-1", "t1-2, t2-2",
                          "t1-5, t2-5"},
                         6);
}

TEST(RangeAssignorTest, testCoPartitionedAssignmentWithSameSubscription) {
  const std::vector<std::pair<std::string, int>> topics{{"t1", 6}, {"t2", 6}, {"t3", 2}, {"t4", 2}, {"t5", 4}, {"t6", 4}};
  const std::vector<std::string> list{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"};
  const std::vector<std::vector<std::string>> ct{list, list, list};
  const Opt consumer_racks = opt({"a", "b", "c"});
  const std::vector<std::string> plain_result{"t1-0, t1-1, t2-0, t2-1, t3-0, t4-0, t5-0, t5-1, t6-0, t6-1",
                                              "t1-2, t1-3, t2-2, t2-3, t3-1, t4-1, t5-2, t6-2",
                                              "t1-4, t1-5, t2-4, t2-5, t5-3, t6-3"};
  verify_rack_assignment(RangeOptions{false}, topics, 3, null_racks(3), consumer_racks, ct, plain_result, -1);
  const RangeOptions prefer{true};
  verify_rack_assignment(prefer, topics, 3, racks(3), consumer_racks, ct, plain_result, 0);
  verify_rack_assignment(prefer, topics, 2, racks(3), consumer_racks, ct,
                         {"t1-0, t1-2, t2-0, t2-2, t3-0, t4-0, t5-1, t6-1", "t1-1, t1-3, t2-1, t2-3, t3-1, t4-1, t5-2, t6-2",
                          "t1-4, t1-5, t2-4, t2-5, t5-0, t5-3, t6-0, t6-3"},
                         0);
}

// ---- AbstractPartitionAssignorTest: MemberInfo ordering ------------------------------------------

namespace {
std::vector<std::string> java_sorted(std::vector<MemberSubscription> members) {
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return java_member_compare(a, b) < 0; });
  std::vector<std::string> ids;
  for (const auto& m : members) ids.push_back(m.member_id);
  return ids;
}
}  // namespace

TEST(AbstractPartitionAssignorTest, testMemberInfoSortingWithoutGroupInstanceId) {
  EXPECT_EQ(java_sorted({member("a", {}), member("b", {}), member("c", {})}),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(AbstractPartitionAssignorTest, testMemberInfoSortingWithAllGroupInstanceId) {
  EXPECT_EQ(java_sorted({member("a", {}, {}, "y"), member("b", {}, {}, "z"), member("c", {}, {}, "x")}),
            (std::vector<std::string>{"c", "a", "b"}));
}

TEST(AbstractPartitionAssignorTest, testMemberInfoSortingSomeGroupInstanceId) {
  EXPECT_EQ(java_sorted({member("a", {}), member("b", {}, {}, "y"), member("c", {}, {}, "x")}),
            (std::vector<std::string>{"c", "b", "a"}));
}

TEST(AbstractPartitionAssignorTest, testMergeSortManyMemberInfo) {
  // 100 members with three-digit ids, every other one static; any input order sorts static first.
  std::vector<MemberSubscription> members;
  std::vector<std::string> statics, dynamics;
  for (int i = 0; i < 100; ++i) {
    const std::string id = std::to_string(i + 100);
    const bool is_static = (i * 7919) % 3 == 0;
    members.push_back(member(id, {}, {}, is_static ? std::optional<std::string>(id) : std::nullopt));
    (is_static ? statics : dynamics).push_back(id);
  }
  statics.insert(statics.end(), dynamics.begin(), dynamics.end());
  std::reverse(members.begin(), members.end());
  std::rotate(members.begin(), members.begin() + 37, members.end());
  EXPECT_EQ(java_sorted(members), statics);
}

// ---- Exactness of the Java orderings the assignors rely on ---------------------------------------

TEST(JavaOrder, StringHashMatchesJava) {
  // Values of "...".hashCode() in Java.
  EXPECT_EQ(java::hash(""), 0);
  EXPECT_EQ(java::hash("a"), 97);
  EXPECT_EQ(java::hash("topic1"), -868034334);
  EXPECT_EQ(java::hash("consumer-1"), -166239206);
}

TEST(JavaOrder, CompareFollowsUtf16CodeUnits) {
  EXPECT_LT(java::compare("a", "b"), 0);
  EXPECT_LT(java::compare("ab", "abc"), 0);
  EXPECT_EQ(java::compare("abc", "abc"), 0);
  // U+FF01 (3 UTF-8 bytes, one UTF-16 unit 0xFF01) sorts after U+1F600 (surrogates 0xD83D...).
  EXPECT_GT(java::compare("\xEF\xBC\x81", "\xF0\x9F\x98\x80"), 0);
  // U+00E9 sorts after ASCII.
  EXPECT_GT(java::compare("\xC3\xA9", "z"), 0);
}

TEST(JavaOrder, HashMapIterationOrder) {
  // new HashMap<>() with keys inserted t3, t1, t2 iterates t1, t2, t3 (adjacent hashes, one bucket each).
  const std::vector<std::string_view> keys{"t3", "t1", "t2"};
  const auto order = java::hash_order(keys);
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(keys[order[0]], "t1");
  EXPECT_EQ(keys[order[1]], "t2");
  EXPECT_EQ(keys[order[2]], "t3");
}

TEST(JavaOrder, TopicIdRoundTripsThroughKafkasStringForm) {
  // Uuid.fromString("T1-A4s3VTwiI5CTbEp6POw") in Java: bits 5719431763388092168 and
  // -8582694466532503749, hashCode() 418407434.
  const auto id = server::parse_uuid("T1-A4s3VTwiI5CTbEp6POw");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(server::format_uuid(*id), "T1-A4s3VTwiI5CTbEp6POw");
  EXPECT_EQ(id->msb, 5719431763388092168ULL);
  EXPECT_EQ(static_cast<std::int64_t>(id->lsb), -8582694466532503749LL);
  EXPECT_EQ(id->hash(), 418407434);
  EXPECT_FALSE(server::parse_uuid("not-a-uuid").has_value());
}
