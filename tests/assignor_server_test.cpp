// Ports of Kafka 3.9's group-coordinator assignor tests (RangeAssignorTest,
// OptimizedUniformAssignmentBuilderTest, UniformHeterogeneousAssignmentBuilderTest): the same inputs
// and expected outputs, run against cgsim's server-range and uniform assignors.
//
// Kafka's tests build the group spec directly: members in a TreeMap, subscriptions as HashSets of
// topic ids, previous assignments as HashMaps (mkAssignment) or LinkedHashMaps (mkOrderedAssignment),
// and fixed topic ids for the uniform tests. ServerOptions reproduces those shapes. Cases about topics
// missing from the metadata are not ported: in cgsim's input the coordinator has already dropped them.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

const std::string topic1 = "topic1", topic2 = "topic2", topic3 = "topic3", topic4 = "topic4";
const std::string memberA = "A", memberB = "B", memberC = "C";

TopicMetadata T(const std::string& name, int partitions) {
  static const std::map<std::string, std::string> ids{{"topic1", "T1-A4s3VTwiI5CTbEp6POw"},
                                                      {"topic2", "T2-B4s3VTwiI5YHbPp6YUe"},
                                                      {"topic3", "T3-CU8fVTLCz5YMkLoDQsa"},
                                                      {"topic4", "T4-Tw9fVTLCz5HbPp6YQsa"}};
  TopicMetadata t{name, partitions, {}, {}};
  t.topic_id = ids.at(name);
  return t;
}

/// mkTopicAssignment(topic, partitions...) entries, concatenated.
std::vector<TopicPartition> owned(std::initializer_list<std::pair<std::string, std::vector<int>>> entries) {
  std::vector<TopicPartition> out;
  for (const auto& [t, ps] : entries)
    for (int p : ps) out.push_back({t, p});
  return out;
}

MemberSubscription M(const std::string& id, std::vector<std::string> topics, std::vector<TopicPartition> prev = {},
                     std::optional<std::string> instance = std::nullopt) {
  return member(id, std::move(topics), std::nullopt, std::move(instance), std::move(prev), -1);
}

using Expected = std::map<std::string, std::set<TopicPartition>>;
Expected E(std::initializer_list<std::pair<std::string, std::vector<TopicPartition>>> entries) {
  Expected e;
  for (const auto& [m, ps] : entries) e[m] = {ps.begin(), ps.end()};
  return e;
}

void expect_assignment(const Expected& expected, const Assignment& actual) {
  for (const auto& [m, ps] : expected) {
    auto it = actual.find(m);
    ASSERT_NE(it, actual.end()) << m;
    EXPECT_EQ(std::set<TopicPartition>(it->second.begin(), it->second.end()), ps) << m;
  }
}

server::ServerOptions test_spec(bool ordered_previous = false) {
  server::ServerOptions o;
  o.members_in_id_order = true;
  o.subscriptions_as_id_sets = true;
  o.previous_in_given_order = ordered_previous;
  return o;
}

Assignment uniform(const ClusterMetadata& c, const std::vector<MemberSubscription>& m, bool ordered_previous = false) {
  return assign_uniform_detailed_with(c, m, test_spec(ordered_previous)).assignment;
}
Assignment range(const ClusterMetadata& c, const std::vector<MemberSubscription>& m) {
  return assign_server_range_detailed_with(c, m, test_spec()).assignment;
}

/// checkValidityAndBalance of the uniform tests: subscribed, disjoint, sizes within one.
void check_validity_and_balance(const std::vector<MemberSubscription>& members, const Assignment& a) {
  std::set<TopicPartition> seen;
  std::size_t mn = SIZE_MAX, mx = 0;
  for (const auto& m : members) {
    const auto& ps = a.at(m.member_id);
    for (const auto& p : ps) {
      EXPECT_NE(std::find(m.topics.begin(), m.topics.end(), p.topic), m.topics.end()) << to_string(p);
      EXPECT_TRUE(seen.insert(p).second) << to_string(p) << " assigned twice";
    }
    mn = std::min(mn, ps.size());
    mx = std::max(mx, ps.size());
  }
  EXPECT_LE(mx - mn, 1u);
}

}  // namespace

// ---- group-coordinator RangeAssignorTest ----------------------------------------------------------

TEST(ServerRangeAssignorTest, testOneMemberNoTopic) {
  const Assignment a = range({}, {M(memberA, {})});
  EXPECT_TRUE(a.at(memberA).empty());
}

TEST(ServerRangeAssignorTest, testFirstAssignmentTwoMembersTwoTopicsSameSubscriptions) {
  const ClusterMetadata c{{T(topic1, 3), T(topic3, 2)}};
  const Assignment a = range(c, {M(memberA, {topic1, topic3}), M(memberB, {topic1, topic3})});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1}}, {topic3, {0}}})},
                       {memberB, owned({{topic1, {2}}, {topic3, {1}}})}}),
                    a);
}

TEST(ServerRangeAssignorTest, testFirstAssignmentThreeMembersThreeTopicsDifferentSubscriptions) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3), T(topic3, 2)}};
  const Assignment a = range(c, {M(memberA, {topic1, topic2}), M(memberB, {topic3}), M(memberC, {topic2, topic3})});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1, 2}}, {topic2, {0, 1}}})},
                       {memberB, owned({{topic3, {0}}})},
                       {memberC, owned({{topic2, {2}}, {topic3, {1}}})}}),
                    a);
}

TEST(ServerRangeAssignorTest, testFirstAssignmentNumMembersGreaterThanNumPartitions) {
  const ClusterMetadata c{{T(topic1, 3), T(topic3, 2)}};
  const Assignment a =
      range(c, {M(memberA, {topic1, topic3}), M(memberB, {topic1, topic3}), M(memberC, {topic1, topic3})});
  expect_assignment(E({{memberA, owned({{topic1, {0}}, {topic3, {0}}})},
                       {memberB, owned({{topic1, {1}}, {topic3, {1}}})},
                       {memberC, owned({{topic1, {2}}})}}),
                    a);
}

TEST(ServerRangeAssignorTest, testStaticMembership) {
  const ClusterMetadata c{{T(topic1, 3)}};
  std::vector<MemberSubscription> members{M(memberA, {topic1}, {}, "instanceA"), M(memberB, {topic1}, {}, "instanceB")};
  const Assignment first = range(c, members);
  // memberA rejoins as memberA1 with the same instance id: the same partitions.
  members[0].member_id = "memberA1";
  const Assignment second = range(c, members);
  EXPECT_EQ(first.at(memberA), second.at("memberA1"));
  EXPECT_EQ(first.at(memberB), second.at(memberB));
}

TEST(ServerRangeAssignorTest, testMixedStaticMembership) {
  const ClusterMetadata c{{T(topic1, 5)}};
  std::vector<MemberSubscription> members{M(memberA, {topic1}, {}, "instanceA"), M(memberC, {topic1}, {}, "instanceC"),
                                          M(memberB, {topic1})};
  const Assignment first = range(c, members);
  members[0].member_id = "memberA1";
  const Assignment second = range(c, members);
  EXPECT_EQ(first.at(memberA), second.at("memberA1"));
  EXPECT_EQ(first.at(memberB), second.at(memberB));
  EXPECT_EQ(first.at(memberC), second.at(memberC));
}

TEST(ServerRangeAssignorTest, testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithTwoMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3)}};
  const Assignment a = range(c, {M(memberB, {topic1, topic2}, owned({{topic1, {2}}, {topic2, {2}}}))});
  expect_assignment(E({{memberB, owned({{topic1, {0, 1, 2}}, {topic2, {0, 1, 2}}})}}), a);
}

TEST(ServerRangeAssignorTest, testReassignmentWhenMultipleSubscriptionsRemovedAfterInitialAssignmentWithThreeMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3), T(topic3, 2)}};
  const Assignment a = range(c, {M(memberA, {topic1}, owned({{topic1, {0, 1, 2}}, {topic2, {0}}})),
                                 M(memberB, {topic1, topic2, topic3}, owned({{topic2, {1}}})),
                                 M(memberC, {topic2}, owned({{topic2, {2}}, {topic3, {0, 1}}}))});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1}}})},
                       {memberB, owned({{topic1, {2}}, {topic2, {0, 1}}, {topic3, {0, 1}}})},
                       {memberC, owned({{topic2, {2}}})}}),
                    a);
}

// ---- OptimizedUniformAssignmentBuilderTest (homogeneous) ----------------------------------------

TEST(OptimizedUniformAssignmentBuilderTest, testOneMemberNoTopicSubscription) {
  const Assignment a = uniform({{T(topic1, 3)}}, {M(memberA, {})});
  EXPECT_TRUE(a.at(memberA).empty());
}

TEST(OptimizedUniformAssignmentBuilderTest, testFirstAssignmentTwoMembersTwoTopicsNoMemberRacks) {
  const ClusterMetadata c{{T(topic1, 3), T(topic3, 2)}};
  const std::vector<MemberSubscription> members{M(memberA, {topic1, topic3}), M(memberB, {topic1, topic3})};
  const Assignment a = uniform(c, members);
  expect_assignment(E({{memberA, owned({{topic1, {0}}, {topic3, {0, 1}}})}, {memberB, owned({{topic1, {1, 2}}})}}), a);
  check_validity_and_balance(members, a);
}

TEST(OptimizedUniformAssignmentBuilderTest, testFirstAssignmentNumMembersGreaterThanTotalNumPartitions) {
  const ClusterMetadata c{{T(topic3, 2)}};
  const std::vector<MemberSubscription> members{M(memberA, {topic3}), M(memberB, {topic3}), M(memberC, {topic3})};
  const Assignment a = uniform(c, members);
  expect_assignment(E({{memberA, owned({{topic3, {0}}})}, {memberB, owned({{topic3, {1}}})}, {memberC, {}}}), a);
}

TEST(OptimizedUniformAssignmentBuilderTest, testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3)}};
  const std::vector<MemberSubscription> members{
      M(memberA, {topic1, topic2}, owned({{topic1, {0, 1}}, {topic2, {0, 1}}})),
      M(memberB, {topic1, topic2}, owned({{topic1, {2}}, {topic2, {2}}}))};
  const Assignment a = uniform(c, members, /*ordered_previous=*/true);
  expect_assignment(E({{memberA, owned({{topic1, {0, 1}}, {topic2, {0}}})},
                       {memberB, owned({{topic1, {2}}, {topic2, {1, 2}}})}}),
                    a);
  check_validity_and_balance(members, a);
}

TEST(OptimizedUniformAssignmentBuilderTest, testReassignmentWhenPartitionsAreAddedForTwoMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 6), T(topic2, 5)}};
  const std::vector<MemberSubscription> members{
      M(memberA, {topic1, topic2}, owned({{topic1, {0, 2}}, {topic2, {0}}})),
      M(memberB, {topic1, topic2}, owned({{topic1, {1}}, {topic2, {1, 2}}}))};
  const Assignment a = uniform(c, members, true);
  expect_assignment(E({{memberA, owned({{topic1, {0, 2, 3}}, {topic2, {0, 3, 4}}})},
                       {memberB, owned({{topic1, {1, 4, 5}}, {topic2, {1, 2}}})}}),
                    a);
  check_validity_and_balance(members, a);
}

TEST(OptimizedUniformAssignmentBuilderTest, testReassignmentWhenOneMemberAddedAfterInitialAssignmentWithTwoMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3)}};
  const std::vector<MemberSubscription> members{
      M(memberA, {topic1, topic2}, owned({{topic1, {0, 2}}, {topic2, {0}}})),
      M(memberB, {topic1, topic2}, owned({{topic1, {1}}, {topic2, {1, 2}}})), M(memberC, {topic1, topic2})};
  const Assignment a = uniform(c, members, true);
  expect_assignment(E({{memberA, owned({{topic1, {0, 2}}})},
                       {memberB, owned({{topic1, {1}}, {topic2, {1}}})},
                       {memberC, owned({{topic2, {0, 2}}})}}),
                    a);
  check_validity_and_balance(members, a);
}

TEST(OptimizedUniformAssignmentBuilderTest, testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 3)}};
  const std::vector<MemberSubscription> members{M(memberA, {topic1, topic2}, owned({{topic1, {0}}, {topic2, {0}}})),
                                                M(memberB, {topic1, topic2}, owned({{topic1, {1}}, {topic2, {1}}}))};
  const Assignment a = uniform(c, members);
  expect_assignment(E({{memberA, owned({{topic1, {0}}, {topic2, {0, 2}}})},
                       {memberB, owned({{topic1, {1, 2}}, {topic2, {1}}})}}),
                    a);
  check_validity_and_balance(members, a);
}

// ---- UniformHeterogeneousAssignmentBuilderTest --------------------------------------------------

TEST(UniformHeterogeneousAssignmentBuilderTest, testFirstAssignmentTwoMembersTwoTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic3, 6)}};
  const Assignment a = uniform(c, {M(memberA, {topic1, topic3}), M(memberB, {topic3})});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1, 2}}, {topic3, {3, 5}}})}, {memberB, owned({{topic3, {0, 1, 2, 4}}})}}),
                    a);
}

TEST(UniformHeterogeneousAssignmentBuilderTest, testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment) {
  const ClusterMetadata c{{T(topic1, 6), T(topic2, 4), T(topic3, 4)}};
  const Assignment a = uniform(c, {M(memberA, {topic1}, owned({{topic1, {0, 1, 2}}})),
                                   M(memberB, {topic1, topic2}, owned({{topic1, {3}}, {topic2, {0}}})),
                                   M(memberC, {topic1, topic2, topic3},
                                     owned({{topic1, {4, 5}}, {topic2, {1, 2, 3}}, {topic3, {0, 1, 2, 3}}}))});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1, 2, 3, 4}}})},
                       {memberB, owned({{topic2, {0, 1, 2, 3}}})},
                       {memberC, owned({{topic1, {5}}, {topic3, {0, 1, 2, 3}}})}}),
                    a);
}

TEST(UniformHeterogeneousAssignmentBuilderTest, testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersThreeTopics) {
  const ClusterMetadata c{{T(topic1, 3), T(topic2, 8), T(topic3, 3)}};
  const Assignment a = uniform(c, {M(memberA, {topic1, topic3}, owned({{topic1, {0, 1, 2}}, {topic3, {0, 1}}})),
                                   M(memberB, {topic2}, owned({{topic2, {3, 4, 5, 6}}}))});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1, 2}}, {topic3, {0, 1, 2}}})},
                       {memberB, owned({{topic2, {0, 1, 2, 3, 4, 5, 6, 7}}})}}),
                    a);
}

TEST(UniformHeterogeneousAssignmentBuilderTest, testFirstAssignmentWithTwoMembersIncludingOneWithoutSubscriptions) {
  const ClusterMetadata c{{T(topic1, 3)}};
  const Assignment a = uniform(c, {M(memberA, {topic1}), M(memberB, {})});
  expect_assignment(E({{memberA, owned({{topic1, {0, 1, 2}}})}, {memberB, {}}}), a);
}

// Not an upstream case: a group on which Kafka 3.9.1's heterogeneous builder throws, because its
// movement bookkeeping rejects moving a partition a second time within one assignment. Found by the
// differential test; the reference harness reports the same exception for this input.
TEST(UniformHeterogeneousAssignmentBuilder391, FailsWhenAPartitionMovesTwice) {
  const ClusterMetadata c{{{"payments-0", 8, {}, {}}, {"topic_f546_1", 3, {}, {}}}};
  const std::vector<MemberSubscription> members{
      member("consumer-group-0-f0115652-c0d8-8329-dc63-9a01f3a4c1e5", {"topic_f546_1"}),
      member("consumer-group-1-48e21ccd-dfb8-b127-f37e-9a9b237c1680", {"topic_f546_1", "payments-0"}, {}, {},
             parse_partitions("payments-0-3, payments-0-1"), 18),
      member("consumer-group-2-7db6252c-3c71-2c57-9870-496b564e4a0c", {"payments-0", "topic_f546_1"}, {}, {},
             parse_partitions("payments-0-7, payments-0-4, topic_f546_1-0, topic_f546_1-1, payments-0-6, topic_f546_1-2"),
             18),
      member("consumer-group-3-93ef1806-be8f-b2fe-e36b-6c34b1705e7d", {"payments-0", "topic_f546_1"})};
  try {
    assign_uniform(c, members);
    FAIL() << "Kafka 3.9.1 throws PartitionAssignorException on this group";
  } catch (const AssignorFailure& e) {
    EXPECT_NE(std::string(e.what()).find("Mismatch in partition movement record"), std::string::npos) << e.what();
  }
}
