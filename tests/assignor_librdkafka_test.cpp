// Ports of librdkafka 2.0.2's generic assignor unit test (ut_assignors in rdkafka_assignor.c): the
// same metadata, members and expected assignments for its range and roundrobin assignors, plus the
// cases where librdkafka's member ordering differs from the Java client's.
#include <gtest/gtest.h>

#include <algorithm>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"
#include "models/kafka/assignors/member_order.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

/// librdkafka's test gives every member its own name as group.instance.id and compares the
/// assignment sorted by topic, written "topic:partition".
MemberSubscription ut_member(const std::string& name, std::vector<std::string> topics) {
  return member(name, std::move(topics), std::nullopt, name);
}

std::vector<std::string> sorted_names(std::vector<TopicPartition> v) {
  std::sort(v.begin(), v.end());
  std::vector<std::string> out;
  for (const auto& tp : v) out.push_back(tp.topic + ":" + std::to_string(tp.partition));
  return out;
}

void expect(const Assignment& a, const std::string& m, std::vector<std::string> partitions) {
  EXPECT_EQ(sorted_names(a.at(m)), partitions) << m;
}

}  // namespace

TEST(ut_assignors, SymmetricalSubscription) {
  const ClusterMetadata cluster{{{"a", 3, {}}, {"b", 4, {}}, {"c", 2, {}}, {"d", 1, {}}}};
  const std::vector<MemberSubscription> members{ut_member("consumer1", {"d", "b", "a", "c"}),
                                                ut_member("consumer2", {"a", "b", "c", "d"})};
  const Assignment range = assign_range_librdkafka(cluster, members);
  expect(range, "consumer1", {"a:0", "a:1", "b:0", "b:1", "c:0", "d:0"});
  expect(range, "consumer2", {"a:2", "b:2", "b:3", "c:1"});
  const Assignment rr = assign_roundrobin_librdkafka(cluster, members);
  expect(rr, "consumer1", {"a:0", "a:2", "b:1", "b:3", "c:1"});
  expect(rr, "consumer2", {"a:1", "b:0", "b:2", "c:0", "d:0"});
}

TEST(ut_assignors, OneTimesThreePartitionsAsymmetrical) {
  const ClusterMetadata cluster{{{"a", 3, {}}}};
  const std::vector<MemberSubscription> members{ut_member("consumer1", {"a", "b", "c"}),
                                                ut_member("consumer2", {"a"})};
  const Assignment range = assign_range_librdkafka(cluster, members);
  expect(range, "consumer1", {"a:0", "a:1"});
  expect(range, "consumer2", {"a:2"});
  const Assignment rr = assign_roundrobin_librdkafka(cluster, members);
  expect(rr, "consumer1", {"a:0", "a:2"});
  expect(rr, "consumer2", {"a:1"});
}

TEST(ut_assignors, Issue2121Asymmetrical) {
  ClusterMetadata cluster;
  for (const char* t : {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}) cluster.topics.push_back({t, 1, {}});
  const std::vector<MemberSubscription> members{
      ut_member("consumer1", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}),
      ut_member("consumer2", {"b", "d", "f", "h", "l"})};
  const Assignment range = assign_range_librdkafka(cluster, members);
  expect(range, "consumer1", {"a:0", "b:0", "c:0", "d:0", "e:0", "f:0", "g:0", "h:0", "i:0", "j:0", "k:0", "l:0"});
  expect(range, "consumer2", {});
  const Assignment rr = assign_roundrobin_librdkafka(cluster, members);
  expect(rr, "consumer1", {"a:0", "c:0", "e:0", "g:0", "i:0", "j:0", "k:0"});
  expect(rr, "consumer2", {"b:0", "d:0", "f:0", "h:0", "l:0"});
}

// ---- Where librdkafka's ordering differs from Java's --------------------------------------------

TEST(LibrdkafkaOrdering, StaticAndDynamicMembersCompareByMemberId) {
  // Java puts the static member first; librdkafka compares member ids when one side is dynamic.
  const ClusterMetadata cluster{{{"t", 3, {}}}};
  const std::vector<MemberSubscription> members{member("m-b", {"t"}, {}, "i-1"), member("m-a", {"t"})};
  EXPECT_EQ(sorted_names(assign_range_librdkafka(cluster, members).at("m-a")), (std::vector<std::string>{"t:0", "t:1"}));
  EXPECT_EQ(sorted_names(assign_range(cluster, members).at("m-b")), (std::vector<std::string>{"t:0", "t:1"}));
  EXPECT_EQ(sorted_names(assign_roundrobin_librdkafka(cluster, members).at("m-a")),
            (std::vector<std::string>{"t:0", "t:2"}));
  EXPECT_EQ(sorted_names(assign_roundrobin(cluster, members).at("m-b")), (std::vector<std::string>{"t:0", "t:2"}));
}

TEST(LibrdkafkaOrdering, RangeListsFollowMetadataOrder) {
  const ClusterMetadata cluster{{{"zeta", 1, {}}, {"alpha", 1, {}}}};
  const Assignment a = assign_range_librdkafka(cluster, {member("c", {"alpha", "zeta"})});
  EXPECT_EQ(a.at("c"), parse_partitions("zeta-0, alpha-0"));
}

TEST(LibrdkafkaOrdering, MergeSortWithNonTransitiveComparator) {
  // Static x (instance "z"), dynamic y, static w (instance "a"). librdkafka's relation mixes two keys
  // (instance ids between static members, member ids otherwise), so the order depends on the
  // sorting algorithm; the result must equal glibc's merge sort step for step.
  std::vector<MemberSubscription> ms{member("x", {}, {}, "z"), member("y", {}), member("w", {}, {}, "a")};
  std::vector<std::size_t> idx{0, 1, 2};
  glibc_merge_sort(idx, [&](std::size_t a, std::size_t b) { return librdkafka_member_compare(ms[a], ms[b]); });
  // msort: [x] | [y, w] -> sort [y, w]: y vs w by member id -> w, y; merge [x] with [w, y]:
  // x vs w: both static, "z" > "a" -> w; x vs y: member ids "x" < "y" -> x; then y.
  EXPECT_EQ(idx, (std::vector<std::size_t>{2, 0, 1}));
}
