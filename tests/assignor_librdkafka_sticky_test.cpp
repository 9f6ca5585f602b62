// Ports of librdkafka 2.0.2's sticky assignor unit tests (the ut_test* cases in
// rdkafka_sticky_assignor.c): the same metadata, members and expected assignments, run against
// cgsim's port of its cooperative-sticky assignor. Like librdkafka's tests they check the
// assignor's own output (before the consumer group's cooperative adjustment), treat each member's
// assignment as a set, and after verifying an assignment make it the members' owned partitions for
// the next run (ut_set_owned). A few cases at the end check the cooperative adjustment.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

/// ut_init_member: member id doubles as group.instance.id; subscription as listed.
MemberSubscription ut_member(const std::string& id, std::vector<std::string> topics) {
  return member(id, std::move(topics), std::nullopt, id);
}

/// rd_kafka_metadata_new_topic_mockv(cnt, name, partitions, ...)
ClusterMetadata mock(std::initializer_list<std::pair<const char*, int>> topics) {
  ClusterMetadata c;
  for (const auto& [n, p] : topics) c.topics.push_back({n, p, {}, {}});
  return c;
}

/// Runs the assignor on members [first, first + count) and stores each member's assignment.
struct Group {
  std::vector<MemberSubscription> members;
  std::vector<std::vector<TopicPartition>> assignment;

  void run(const ClusterMetadata& metadata, std::size_t first, std::size_t count) {
    std::vector<MemberSubscription> subset(members.begin() + static_cast<long>(first),
                                           members.begin() + static_cast<long>(first + count));
    const Assignment a = assign_sticky_librdkafka_unadjusted(metadata, subset);
    assignment.resize(members.size());
    for (std::size_t i = first; i < first + count; ++i) assignment[i] = a.at(members[i].member_id);
  }
  void run(const ClusterMetadata& metadata) { run(metadata, 0, members.size()); }

  /// verifyAssignment: exactly these partitions, in any order.
  void expect(std::size_t i, const std::string& partitions) const {
    const auto expected = parse_partitions(partitions);
    EXPECT_EQ(std::set<TopicPartition>(assignment[i].begin(), assignment[i].end()),
              std::set<TopicPartition>(expected.begin(), expected.end()))
        << members[i].member_id;
    EXPECT_EQ(assignment[i].size(), expected.size()) << members[i].member_id;
  }

  /// verifyValidityAndBalance0: subscribed topics only, no partition twice, and two members whose
  /// sizes differ by more than one share no topic. Also sets owned := assignment (ut_set_owned).
  void verify(std::size_t first, std::size_t count) {
    for (std::size_t i = first; i < first + count; ++i) {
      const auto& mine = assignment[i];
      for (const auto& p : mine)
        EXPECT_NE(std::find(members[i].topics.begin(), members[i].topics.end(), p.topic), members[i].topics.end())
            << to_string(p) << " assigned to " << members[i].member_id << " which does not subscribe to it";
      members[i].owned = mine;
      for (std::size_t j = i + 1; j < first + count; ++j) {
        const auto& other = assignment[j];
        const long diff = static_cast<long>(mine.size()) - static_cast<long>(other.size());
        const bool balanced = diff >= -1 && diff <= 1;
        for (const auto& p : mine) {
          EXPECT_EQ(std::count(other.begin(), other.end(), p), 0) << to_string(p) << " assigned twice";
          if (!balanced) {
            EXPECT_FALSE(std::any_of(other.begin(), other.end(), [&](const TopicPartition& x) { return x.topic == p.topic; }))
                << members[i].member_id << " and " << members[j].member_id << " are imbalanced on " << p.topic;
          }
        }
      }
    }
  }
  void verify() { verify(0, members.size()); }

  /// isFullyBalanced0: sizes differ by at most one.
  void fully_balanced(std::size_t first, std::size_t count) const {
    std::size_t mn = SIZE_MAX, mx = 0;
    for (std::size_t i = first; i < first + count; ++i) {
      mn = std::min(mn, assignment[i].size());
      mx = std::max(mx, assignment[i].size());
    }
    EXPECT_LE(mx - mn, 1u);
  }
  void fully_balanced() const { fully_balanced(0, members.size()); }

  void erase(std::size_t i) {
    members.erase(members.begin() + static_cast<long>(i));
    assignment.erase(assignment.begin() + static_cast<long>(i));
  }
};

std::string topic_name(int i) { return "topic" + std::to_string(i); }

}  // namespace

TEST(rdkafka_sticky_assignor, ut_testOneConsumerNoTopic) {
  Group g{{ut_member("consumer1", {"topic1"})}, {}};
  g.run(mock({}));
  g.expect(0, "");
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testOneConsumerNonexistentTopic) {
  Group g{{ut_member("consumer1", {"topic1"})}, {}};
  g.run(mock({{"topic1", 0}}));
  g.expect(0, "");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testOneConsumerOneTopic) {
  Group g{{ut_member("consumer1", {"topic1"})}, {}};
  g.run(mock({{"topic1", 3}}));
  ASSERT_EQ(g.assignment[0].size(), 3u);
  g.expect(0, "topic1-0, topic1-1, topic1-2");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testOnlyAssignsPartitionsFromSubscribedTopics) {
  Group g{{ut_member("consumer1", {"topic1"})}, {}};
  g.run(mock({{"topic1", 3}, {"topic2", 3}}));
  g.expect(0, "topic1-0, topic1-1, topic1-2");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testOneConsumerMultipleTopics) {
  Group g{{ut_member("consumer1", {"topic1", "topic2"})}, {}};
  g.run(mock({{"topic1", 1}, {"topic2", 2}}));
  g.expect(0, "topic1-0, topic2-0, topic2-1");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testTwoConsumersOneTopicOnePartition) {
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"})}, {}};
  g.run(mock({{"topic1", 1}}));
  g.expect(0, "topic1-0");
  g.expect(1, "");
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testTwoConsumersOneTopicTwoPartitions) {
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"})}, {}};
  g.run(mock({{"topic1", 2}}));
  g.expect(0, "topic1-0");
  g.expect(1, "topic1-1");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testMultipleConsumersMixedTopicSubscriptions) {
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1", "topic2"}),
           ut_member("consumer3", {"topic1"})},
          {}};
  g.run(mock({{"topic1", 3}, {"topic2", 2}}));
  g.expect(0, "topic1-0, topic1-2");
  g.expect(1, "topic2-0, topic2-1");
  g.expect(2, "topic1-1");
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testTwoConsumersTwoTopicsSixPartitions) {
  Group g{{ut_member("consumer1", {"topic1", "topic2"}), ut_member("consumer2", {"topic1", "topic2"})}, {}};
  g.run(mock({{"topic1", 3}, {"topic2", 3}}));
  g.expect(0, "topic1-0, topic1-2, topic2-1");
  g.expect(1, "topic1-1, topic2-0, topic2-2");
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testAddRemoveConsumerOneTopic) {
  const ClusterMetadata md = mock({{"topic1", 3}});
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"})}, {}};
  g.run(md, 0, 1);
  g.expect(0, "topic1-0, topic1-1, topic1-2");
  g.verify(0, 1);
  // Add consumer2.
  g.run(md);
  g.expect(0, "topic1-1, topic1-2");
  g.expect(1, "topic1-0");
  g.verify();
  g.fully_balanced();
  // Remove consumer1.
  g.run(md, 1, 1);
  g.expect(1, "topic1-0, topic1-1, topic1-2");
  g.verify(1, 1);
}

TEST(rdkafka_sticky_assignor, ut_testPoorRoundRobinAssignmentScenario) {
  Group g{{ut_member("consumer1", {"topic1", "topic2", "topic3", "topic4", "topic5"}),
           ut_member("consumer2", {"topic1", "topic3", "topic5"}), ut_member("consumer3", {"topic1", "topic3", "topic5"}),
           ut_member("consumer4", {"topic1", "topic2", "topic3", "topic4", "topic5"})},
          {}};
  g.run(mock({{"topic1", 2}, {"topic2", 1}, {"topic3", 2}, {"topic4", 1}, {"topic5", 2}}));
  g.expect(0, "topic2-0, topic3-0");
  g.expect(1, "topic1-0, topic3-1");
  g.expect(2, "topic1-1, topic5-0");
  g.expect(3, "topic4-0, topic5-1");
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testAddRemoveTopicTwoConsumers) {
  Group g{{ut_member("consumer1", {"topic1", "topic2"}), ut_member("consumer2", {"topic1", "topic2"})}, {}};
  g.run(mock({{"topic1", 3}}));
  g.expect(0, "topic1-0, topic1-2");
  g.expect(1, "topic1-1");
  g.verify();
  // Add topic2.
  g.run(mock({{"topic1", 3}, {"topic2", 3}}));
  g.expect(0, "topic1-0, topic1-2, topic2-1");
  g.expect(1, "topic1-1, topic2-2, topic2-0");
  g.verify();
  g.fully_balanced();
  // Remove topic1.
  g.run(mock({{"topic2", 3}}));
  g.expect(0, "topic2-1");
  g.expect(1, "topic2-0, topic2-2");
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testReassignmentAfterOneConsumerLeaves) {
  ClusterMetadata md;
  for (int i = 0; i < 19; ++i) md.topics.push_back({topic_name(i + 1), i + 1, {}, {}});
  Group g;
  for (int i = 1; i <= 19; ++i) {
    std::vector<std::string> topics;
    for (int j = 1; j <= i; ++j) topics.push_back(topic_name(j));
    g.members.push_back(ut_member("consumer" + std::to_string(i), topics));
  }
  g.run(md);
  g.verify();
  g.erase(9);  // consumer10
  g.run(md);
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testReassignmentAfterOneConsumerAdded) {
  const ClusterMetadata md = mock({{"topic1", 20}});
  Group g;
  for (int i = 1; i <= 9; ++i) g.members.push_back(ut_member("consumer" + std::to_string(i), {"topic1"}));
  g.run(md, 0, 8);
  g.verify(0, 8);
  g.run(md);
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testSameSubscriptions) {
  ClusterMetadata md;
  std::vector<std::string> all;
  for (int i = 0; i < 15; ++i) {
    md.topics.push_back({topic_name(i + 1), i + 1, {}, {}});
    all.push_back(topic_name(i + 1));
  }
  Group g;
  for (int i = 1; i <= 9; ++i) g.members.push_back(ut_member("consumer" + std::to_string(i), all));
  g.run(md);
  g.verify();
  g.erase(5);  // consumer6, as librdkafka's memmove of members[6..] onto members[5] does
  g.run(md);
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testLargeAssignmentWithMultipleConsumersLeaving) {
  ClusterMetadata md;
  for (int i = 0; i < 40; ++i) md.topics.push_back({topic_name(i + 1), i + 1, {}, {}});
  Group g;
  for (int i = 0; i < 200; ++i) {
    const int sub_cnt = ((i + 1) * 17) % 40;
    std::vector<std::string> topics;
    for (int j = 0; j < sub_cnt; ++j) topics.push_back(md.topics[static_cast<std::size_t>(j)].name);
    g.members.push_back(ut_member("consumer" + std::to_string(i + 1), topics));
  }
  g.run(md);
  g.verify();
  for (int i = static_cast<int>(g.members.size()) - 1; i >= 0; i -= 4) g.erase(static_cast<std::size_t>(i));
  g.run(md);
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testNewSubscription) {
  const ClusterMetadata md = mock({{"topic1", 1}, {"topic2", 2}, {"topic3", 3}, {"topic4", 4}, {"topic5", 5}});
  Group g;
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> topics;
    for (int j = 5 - (1 + i); j >= 0; --j) topics.push_back(md.topics[static_cast<std::size_t>(j)].name);
    g.members.push_back(ut_member("consumer" + std::to_string(i), topics));
  }
  g.run(md);
  g.verify();
  g.fully_balanced();
  g.members[0].topics.push_back("topic1");
  g.run(md);
  g.verify();
  g.fully_balanced();
}

TEST(rdkafka_sticky_assignor, ut_testMoveExistingAssignments) {
  const ClusterMetadata md = mock({{"topic1", 3}});
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"}), ut_member("consumer3", {"topic1"}),
           ut_member("consumer4", {"topic1"})},
          {}};
  g.run(md);
  g.verify();
  std::vector<std::vector<TopicPartition>> before = g.assignment;
  for (const auto& a : before) EXPECT_LE(a.size(), 1u);
  // Remove the potential group leader consumer1.
  g.run(md, 1, 3);
  g.verify(1, 3);
  for (std::size_t i = 1; i < 4; ++i) {
    ASSERT_EQ(g.assignment[i].size(), 1u) << g.members[i].member_id;
    if (!before[i].empty()) {
      EXPECT_EQ(g.assignment[i][0], before[i][0]) << "stickiness not honoured";
    }
  }
}

TEST(rdkafka_sticky_assignor, ut_testStickiness) {
  const ClusterMetadata md = mock({{"topic1", 1}, {"topic2", 1}, {"topic3", 1}, {"topic4", 1}, {"topic5", 1}, {"topic6", 1}});
  Group g{{ut_member("consumer1", {"topic1", "topic2"}), ut_member("consumer2", {"topic1", "topic2", "topic3", "topic4"}),
           ut_member("consumer3", {"topic4", "topic5", "topic6"})},
          {}};
  g.run(md);
  g.verify();
}

TEST(rdkafka_sticky_assignor, ut_testStickiness2) {
  const ClusterMetadata md = mock({{"topic1", 6}});
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"}), ut_member("consumer3", {"topic1"})},
          {}};
  g.run(md, 0, 1);
  g.verify(0, 1);
  g.expect(0, "topic1-0, topic1-1, topic1-2, topic1-3, topic1-4, topic1-5");
  g.run(md, 0, 2);
  g.verify(0, 2);
  g.fully_balanced(0, 2);
  g.expect(0, "topic1-3, topic1-4, topic1-5");
  g.expect(1, "topic1-0, topic1-1, topic1-2");
  for (int i = 0; i < 2; ++i) {  // twice: it must be stable
    g.run(md, 0, 3);
    g.verify(0, 3);
    g.fully_balanced(0, 3);
    g.expect(0, "topic1-4, topic1-5");
    g.expect(1, "topic1-1, topic1-2");
    g.expect(2, "topic1-0, topic1-3");
  }
  g.run(md, 1, 2);
  g.verify(1, 2);
  g.expect(1, "topic1-1, topic1-2, topic1-5");
  g.expect(2, "topic1-0, topic1-3, topic1-4");
  g.run(md, 2, 1);
  g.verify(2, 1);
  g.expect(2, "topic1-0, topic1-1, topic1-2, topic1-3, topic1-4, topic1-5");
}

TEST(rdkafka_sticky_assignor, ut_testAssignmentUpdatedForDeletedTopic) {
  Group g{{ut_member("consumer1", {"topic1", "topic2", "topic3"})}, {}};
  g.run(mock({{"topic1", 1}, {"topic3", 100}}));
  g.verify();
  EXPECT_EQ(g.assignment[0].size(), 101u);
}

TEST(rdkafka_sticky_assignor, ut_testNoExceptionThrownWhenOnlySubscribedTopicDeleted) {
  Group g{{ut_member("consumer1", {"topic"})}, {}};
  g.run(mock({{"topic1", 3}}));
  g.verify();
  g.run(mock({}));
  g.verify();
  EXPECT_TRUE(g.assignment[0].empty());
}

TEST(rdkafka_sticky_assignor, ut_testConflictingPreviousAssignments) {
  Group g{{ut_member("consumer1", {"topic1"}), ut_member("consumer2", {"topic1"})}, {}};
  g.run(mock({{"topic1", 2}}));
  ASSERT_EQ(g.assignment[0].size(), 1u);
  ASSERT_EQ(g.assignment[1].size(), 1u);
  EXPECT_NE(g.assignment[0][0].partition, g.assignment[1][0].partition);
  g.verify();
  g.fully_balanced();
}

// ---- The consumer group's cooperative adjustment on top of the assignor --------------------------

TEST(LibrdkafkaCooperativeSticky, NewMemberWaitsForRevokedPartitions) {
  const ClusterMetadata md = mock({{"t", 4}});
  std::vector<MemberSubscription> ms{member("c1", {"t"}, {}, {}, parse_partitions("t-0, t-1, t-2, t-3"), 1),
                                     member("c2", {"t"})};
  const AssignResult r = assign_cooperative_sticky_librdkafka_detailed(md, ms);
  // The assignor moves two partitions to c2; both are still owned by c1, so they are withheld.
  EXPECT_EQ(r.assignment.at("c1").size(), 2u);
  EXPECT_TRUE(r.assignment.at("c2").empty());
  EXPECT_EQ(r.withheld.size(), 2u);
  // Next round: c1 owns what it kept, c2 nothing; the withheld partitions go to c2.
  ms[0].owned = r.assignment.at("c1");
  const AssignResult r2 = assign_cooperative_sticky_librdkafka_detailed(md, ms);
  EXPECT_EQ(std::set<TopicPartition>(r2.assignment.at("c2").begin(), r2.assignment.at("c2").end()),
            std::set<TopicPartition>(r.withheld.begin(), r.withheld.end()));
  EXPECT_TRUE(r2.withheld.empty());
}

TEST(LibrdkafkaCooperativeSticky, OwnedPartitionsOfTopicsNobodyWantsAreGivenBack) {
  // c1 owns partitions of "gone", which nobody subscribes to: librdkafka hands them back to c1.
  const ClusterMetadata md = mock({{"t", 2}, {"gone", 2}});
  const std::vector<MemberSubscription> ms{member("c1", {"t"}, {}, {}, parse_partitions("gone-0, gone-1"), 3)};
  const AssignResult r = assign_cooperative_sticky_librdkafka_detailed(md, ms);
  const auto& a = r.assignment.at("c1");
  EXPECT_EQ(std::set<TopicPartition>(a.begin(), a.end()), std::set<TopicPartition>({{"gone", 0}, {"gone", 1}, {"t", 0}, {"t", 1}}));
}

TEST(LibrdkafkaCooperativeSticky, NoEagerStickyInLibrdkafka) {
  EXPECT_EQ(find_assignor("sticky", ClientFlavor::Librdkafka), nullptr);
  EXPECT_NE(find_assignor("cooperative-sticky", ClientFlavor::Librdkafka), nullptr);
}
