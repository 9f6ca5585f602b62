#include "models/assignors/server_common.hpp"

#include <algorithm>
#include <unordered_set>

#include "models/assignors/java_order.hpp"

namespace cgsim::models::assignors::server {

Uuid topic_id(std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  Uuid id;
  id.msb = h;
  h ^= 0xffULL;
  h *= 0x100000001b3ULL;
  id.lsb = h;
  return id;
}

GroupView::GroupView(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  for (const auto& t : cluster.topics) {
    if (topic_index.count(t.name) || t.partitions <= 0) continue;
    topic_index.emplace(t.name, static_cast<int>(topics.size()));
    topics.push_back({&t, topic_id(t.name)});
  }
  std::vector<std::string_view> ids;
  for (const auto& m : members) ids.push_back(m.member_id);
  member_order = java::hash_order(ids);

  const std::size_t n = members.size();
  subscriptions.assign(n, {});
  subscription_name_count.assign(n, 0);
  subscribed.assign(n, std::vector<char>(topics.size(), 0));
  previous.assign(n, {});
  std::unordered_map<std::string_view, std::size_t> name_counts;
  for (std::size_t m = 0; m < n; ++m) {
    // new HashSet<>(list) of names, iterated through the image.
    std::vector<std::string_view> names;
    std::unordered_set<std::string_view> seen;
    for (const auto& t : members[m].topics)
      if (seen.insert(t).second) names.push_back(t);
    subscription_name_count[m] = names.size();
    for (std::string_view name : names) ++name_counts[name];
    for (std::size_t i : java::hash_order(names, java::HashOrder::capacity_for_collection(names.size()))) {
      auto it = topic_index.find(names[i]);
      if (it == topic_index.end()) continue;
      subscriptions[m].push_back(it->second);
      subscribed[m][static_cast<std::size_t>(it->second)] = 1;
    }

    // Previous assignment: owned partitions grouped by topic in first-appearance order, put into a
    // HashMap keyed by topic id; each topic's partitions in a HashSet built from the list.
    std::vector<std::string_view> order;
    std::unordered_map<std::string_view, std::vector<std::int32_t>> grouped;
    for (const auto& tp : members[m].owned) {
      auto [it, added] = grouped.try_emplace(tp.topic);
      if (added) order.push_back(tp.topic);
      it->second.push_back(tp.partition);
    }
    java::HashOrder by_id;
    for (std::size_t i = 0; i < order.size(); ++i) by_id.insert(i, topic_id(order[i]).hash());
    for (std::size_t i : by_id.order()) {
      const auto& parts = grouped.at(order[i]);
      java::HashOrder set(java::HashOrder::capacity_for_collection(parts.size()));
      std::unordered_set<std::int32_t> dup;
      for (std::size_t k = 0; k < parts.size(); ++k)
        if (dup.insert(parts[k]).second) set.insert(k, parts[k]);
      std::vector<std::int32_t> ps;
      for (std::size_t k : set.order()) ps.push_back(parts[k]);
      auto it = topic_index.find(order[i]);
      previous[m].emplace_back(it == topic_index.end() ? -1 : it->second, std::move(ps));
    }
  }
  for (const auto& [name, count] : name_counts)
    if (count != n) homogeneous = false;
}

Assignment sorted_sets(const std::vector<MemberSubscription>& members,
                       const std::vector<std::vector<TopicPartition>>& per_member) {
  Assignment out;
  for (std::size_t m = 0; m < members.size(); ++m) {
    auto list = per_member[m];
    std::sort(list.begin(), list.end(), [](const TopicPartition& a, const TopicPartition& b) {
      const int c = java::compare(a.topic, b.topic);
      return c != 0 ? c < 0 : a.partition < b.partition;
    });
    auto& slot = out[members[m].member_id];
    slot.insert(slot.end(), list.begin(), list.end());
  }
  return out;
}

}  // namespace cgsim::models::assignors::server
