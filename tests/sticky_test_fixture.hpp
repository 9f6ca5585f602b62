#pragma once
/// @file sticky_test_fixture.hpp
/// What the ports of Kafka's sticky assignor tests share (assignor_sticky_test.cpp and
/// assignor_sticky_more_test.cpp): the fixture run once per rack configuration, list helpers and STICKY_CASE, which
/// defines one AbstractStickyAssignorTest case for both assignors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"
#include "rack_configs.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

namespace {

enum class Kind { Sticky, Cooperative };

using Parts = std::vector<TopicPartition>;
inline TopicPartition tp(const std::string& t, int p) { return {t, p}; }
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

/// Calls @p body(fixture) for every rack configuration, each with a fresh fixture of @p kind
/// whose racks are set up for it (the parameterised cases' initializeRacks).
template <typename Body>
void for_each_rack(Kind kind, Body&& body) {
  for_each_rack_config([&](RackConfig rc) {
    Fixture f(kind);
    f.initialize_racks(rc);
    body(f);
  });
}

inline bool is_fully_balanced(const Assignment& a) {
  std::size_t mn = SIZE_MAX, mx = 0;
  for (const auto& [c, p] : a) {
    mn = std::min(mn, p.size());
    mx = std::max(mx, p.size());
  }
  return a.empty() || mx - mn <= 1;
}

inline std::size_t count_topic(const Parts& p, const std::string& t) {
  return static_cast<std::size_t>(std::count_if(p.begin(), p.end(), [&](const TopicPartition& x) { return x.topic == t; }));
}

inline bool contains_all(const Parts& big, const Parts& small) {
  return std::all_of(small.begin(), small.end(), [&](const TopicPartition& x) { return std::count(big.begin(), big.end(), x) > 0; });
}

inline bool disjoint(const Parts& a, const Parts& b) { return !std::any_of(a.begin(), a.end(), [&](const TopicPartition& x) { return std::count(b.begin(), b.end(), x) > 0; }); }

}  // namespace

/// Defines an AbstractStickyAssignorTest case for both StickyAssignorTest and
/// CooperativeStickyAssignorTest.
#define STICKY_CASE(test_name)                                              \
  static void test_name##_body(Kind kind);                                  \
  TEST(StickyAssignorTest, test_name) { test_name##_body(Kind::Sticky); }   \
  TEST(CooperativeStickyAssignorTest, test_name) { test_name##_body(Kind::Cooperative); } \
  static void test_name##_body(Kind kind)
