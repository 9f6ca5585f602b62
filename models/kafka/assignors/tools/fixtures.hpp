#pragma once
/// @file fixtures.hpp
/// Builders for assignor inputs in the shapes Kafka's and librdkafka's own assignor tests use: replica
/// placement over racked brokers, members with subscriptions, partition lists written as "t1-0, t2-3".
/// Used by the ported unit tests, the differential test and the benchmark.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"

namespace cgsim::models::assignors::fixtures {

/// The rack names Kafka's tests draw from.
inline const std::vector<std::string>& all_racks() {
  static const std::vector<std::string> racks{"a", "b", "c", "d", "e", "f"};
  return racks;
}

/// The first @p n rack names, cycling through all_racks().
inline std::vector<std::optional<std::string>> racks(int n) {
  std::vector<std::optional<std::string>> out;
  for (int i = 0; i < n; ++i) out.emplace_back(all_racks()[static_cast<std::size_t>(i) % all_racks().size()]);
  return out;
}

/// @p n brokers without racks.
inline std::vector<std::optional<std::string>> null_racks(int n) {
  return std::vector<std::optional<std::string>>(static_cast<std::size_t>(n));
}

/// A topic whose partition i has replicas on brokers (i + j + next_node) % brokers, j < rf; each
/// replica contributes its broker's rack when it has one.
inline TopicMetadata topic_on_brokers(const std::string& name, int partitions, int replication_factor,
                                      const std::vector<std::optional<std::string>>& broker_racks,
                                      int next_node = 0) {
  TopicMetadata t{name, partitions, {}};
  const int brokers = static_cast<int>(broker_racks.size());
  bool any_rack = false;
  for (const auto& r : broker_racks) any_rack = any_rack || r.has_value();
  if (!any_rack || brokers == 0) return t;
  t.partition_racks.resize(static_cast<std::size_t>(partitions));
  for (int i = 0; i < partitions; ++i)
    for (int j = 0; j < replication_factor; ++j) {
      const auto& rack = broker_racks[static_cast<std::size_t>((i + j + next_node) % brokers)];
      if (rack) t.partition_racks[static_cast<std::size_t>(i)].push_back(*rack);
    }
  return t;
}

/// Kafka's layout with @p num_broker_racks racks and rf brokers per rack (no racks when <= 0).
inline TopicMetadata topic_on_racks(const std::string& name, int partitions, int replication_factor,
                                    int num_broker_racks, int next_node = 0) {
  const int brokers = num_broker_racks <= 0 ? replication_factor : num_broker_racks * replication_factor;
  std::vector<std::optional<std::string>> broker_racks;
  for (int i = 0; i < brokers; ++i)
    broker_racks.push_back(num_broker_racks <= 0
                               ? std::nullopt
                               : std::optional<std::string>(all_racks()[static_cast<std::size_t>(i % num_broker_racks)]));
  return topic_on_brokers(name, partitions, replication_factor, broker_racks, next_node);
}

/// Parses "t1-0, t1-1, t2-3" (the topic is everything before the last '-').
inline std::vector<TopicPartition> parse_partitions(const std::string& text) {
  std::vector<TopicPartition> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    item = item.substr(b, item.find_last_not_of(' ') - b + 1);
    const auto dash = item.rfind('-');
    out.push_back({item.substr(0, dash), std::stoi(item.substr(dash + 1))});
  }
  return out;
}

/// "t1-0, t1-1" with the entries sorted as strings, as Kafka's tests print an assignment.
inline std::string to_sorted_string(const std::vector<TopicPartition>& partitions) {
  std::vector<std::string> names;
  for (const auto& tp : partitions) names.push_back(to_string(tp));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// A member with the given subscription.
inline MemberSubscription member(const std::string& id, std::vector<std::string> topics,
                                 std::optional<std::string> rack = std::nullopt,
                                 std::optional<std::string> instance = std::nullopt,
                                 std::vector<TopicPartition> owned = {}, std::int32_t generation = -1) {
  MemberSubscription m;
  m.member_id = id;
  m.group_instance_id = std::move(instance);
  m.rack = std::move(rack);
  m.topics = std::move(topics);
  m.owned = std::move(owned);
  m.generation = generation;
  return m;
}

/// Total number of partitions in an assignment.
inline std::size_t total_assigned(const Assignment& a) {
  std::size_t n = 0;
  for (const auto& [m, list] : a) n += list.size();
  return n;
}

}  // namespace cgsim::models::assignors::fixtures
