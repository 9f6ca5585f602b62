#pragma once
/// @file member_order.hpp
/// How each client library orders group members before assigning.
///
/// Java (AbstractPartitionAssignor.MemberInfo): static members (with a group.instance.id) come first,
/// ordered by instance id; then dynamic members ordered by member id; strings compare as
/// `String.compareTo`. Sorting is stable (`Collections.sort`).
///
/// librdkafka 2.0.2 (rd_kafka_group_member_cmp): two static members compare by instance id, any other
/// pair by member id, bytewise with the shorter string first on a common prefix. This relation is
/// not transitive when static and dynamic members are mixed, so the result depends on the sorting
/// algorithm: librdkafka calls qsort(), which in glibc is a top-down merge sort (first half n/2,
/// ties taken from the left). glibc_merge_sort() reproduces that algorithm step for step.
#include <cstring>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/assignors/java_order.hpp"

namespace cgsim::models::assignors {

/// Java's MemberInfo.compareTo: <0, 0, >0.
inline int java_member_compare(const MemberSubscription& a, const MemberSubscription& b) {
  if (a.group_instance_id && b.group_instance_id) return java::compare(*a.group_instance_id, *b.group_instance_id);
  if (a.group_instance_id) return -1;
  if (b.group_instance_id) return 1;
  return java::compare(a.member_id, b.member_id);
}

/// librdkafka's length-aware byte comparison of two protocol strings.
inline int librdkafka_str_compare(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  const int r = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (r != 0) return r;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

/// librdkafka's rd_kafka_group_member_cmp.
inline int librdkafka_member_compare(const MemberSubscription& a, const MemberSubscription& b) {
  if (a.group_instance_id && b.group_instance_id)
    return librdkafka_str_compare(*a.group_instance_id, *b.group_instance_id);
  return librdkafka_str_compare(a.member_id, b.member_id);
}

namespace detail {
template <typename T, typename Cmp>
void glibc_msort(T* b, std::size_t n, T* tmp, Cmp& cmp) {
  if (n <= 1) return;
  const std::size_t n1 = n / 2, n2 = n - n1;
  T* b1 = b;
  T* b2 = b + n1;
  glibc_msort(b1, n1, tmp, cmp);
  glibc_msort(b2, n2, tmp, cmp);
  std::size_t i = 0, j = 0, k = 0;
  while (i < n1 && j < n2) {
    if (cmp(b1[i], b2[j]) <= 0)
      tmp[k++] = b1[i++];
    else
      tmp[k++] = b2[j++];
  }
  while (i < n1) tmp[k++] = b1[i++];
  // The rest of the right half is already in place.
  for (std::size_t x = 0; x < k; ++x) b[x] = tmp[x];
}
}  // namespace detail

/// Sorts @p v exactly as glibc's qsort() merge sort does with a three-way comparator @p cmp
/// (returning <0, 0, >0), including for comparators that are not transitive.
template <typename T, typename Cmp>
void glibc_merge_sort(std::vector<T>& v, Cmp cmp) {
  std::vector<T> tmp(v.size());
  detail::glibc_msort(v.data(), v.size(), tmp.data(), cmp);
}

/// The topics each member subscribes to, by member index.
inline std::vector<std::unordered_set<std::string_view>> subscribed_topics(const std::vector<MemberSubscription>& members) {
  std::vector<std::unordered_set<std::string_view>> subscribed(members.size());
  for (std::size_t m = 0; m < members.size(); ++m)
    for (const auto& t : members[m].topics) subscribed[m].insert(t);
  return subscribed;
}

/// The assignment of partition lists @p out (by member index) to @p members' ids; every member
/// has an entry, and a member id listed twice gets both lists in member order.
inline Assignment by_member_id(const std::vector<MemberSubscription>& members,
                               const std::vector<std::vector<TopicPartition>>& out) {
  Assignment result;
  for (std::size_t m = 0; m < members.size(); ++m) {
    auto& slot = result[members[m].member_id];
    slot.insert(slot.end(), out[m].begin(), out[m].end());
  }
  return result;
}

}  // namespace cgsim::models::assignors
