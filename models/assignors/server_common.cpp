#include "models/assignors/server_common.hpp"

#include <algorithm>
#include <map>
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

Uuid topic_id(const TopicMetadata& topic) {
  if (!topic.topic_id.empty())
    if (auto id = parse_uuid(topic.topic_id)) return *id;
  return topic_id(topic.name);
}

std::optional<Uuid> parse_uuid(std::string_view s) {
  if (s.size() != 22) return std::nullopt;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  // 22 characters carry 132 bits: the 16 bytes of the id, then 4 zero bits.
  unsigned char bytes[17] = {};
  int bits = 0, acc = 0;
  std::size_t n = 0;
  for (char c : s) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < sizeof bytes) bytes[n++] = static_cast<unsigned char>((acc >> bits) & 0xFF);
    }
  }
  Uuid id;
  for (int i = 0; i < 8; ++i) id.msb = (id.msb << 8) | bytes[i];
  for (int i = 8; i < 16; ++i) id.lsb = (id.lsb << 8) | bytes[i];
  return id;
}

std::string format_uuid(const Uuid& id) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(id.msb >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<unsigned char>(id.lsb >> (56 - 8 * i));
  std::string out;
  int bits = 0, acc = 0;
  for (unsigned char b : bytes) {
    acc = ((acc << 8) | b) & 0xFFFF;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

GroupView::GroupView(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                     const ServerOptions& options) {
  for (const auto& t : cluster.topics) {
    if (topic_index.count(t.name) || t.partitions <= 0) continue;
    topic_index.emplace(t.name, static_cast<int>(topics.size()));
    topics.push_back({&t, topic_id(t)});
  }
  std::vector<std::string_view> ids;
  for (const auto& m : members) ids.push_back(m.member_id);
  if (options.members_in_id_order) {
    for (std::size_t i = 0; i < ids.size(); ++i) member_order.push_back(i);
    std::sort(member_order.begin(), member_order.end(),
              [&](std::size_t a, std::size_t b) { return java::compare(ids[a], ids[b]) < 0; });
  } else {
    member_order = java::hash_order(ids);
  }

  const std::size_t n = members.size();
  subscriptions.assign(n, {});
  subscription_name_count.assign(n, 0);
  subscribed.assign(n, std::vector<char>(topics.size(), 0));
  previous.assign(n, {});
  std::unordered_map<std::string_view, std::size_t> name_counts;
  // Members usually share subscriptions: compute each distinct topic list's view once.
  struct SubscriptionView {
    std::vector<int> order;
    std::vector<std::string_view> names;
  };
  std::map<std::vector<std::string>, SubscriptionView> subscription_cache;
  for (std::size_t m = 0; m < n; ++m) {
    // new HashSet<>(list) of names, iterated through the image.
    auto [cached, added] = subscription_cache.try_emplace(members[m].topics);
    SubscriptionView& view = cached->second;
    if (added) {
      std::unordered_set<std::string_view> seen;
      for (const auto& t : members[m].topics)
        if (seen.insert(t).second) view.names.push_back(t);
      const auto& names = view.names;
      std::vector<std::size_t> order;
      if (options.subscriptions_as_id_sets) {
        java::HashOrder set(java::HashOrder::capacity_for_collection(names.size()));
        for (std::size_t i = 0; i < names.size(); ++i) {
          auto it = topic_index.find(names[i]);
          if (it != topic_index.end()) set.insert(i, topics[static_cast<std::size_t>(it->second)].id.hash());
        }
        order = set.order();
      } else {
        order = java::hash_order(names, java::HashOrder::capacity_for_collection(names.size()));
      }
      for (std::size_t i : order) {
        auto it = topic_index.find(names[i]);
        if (it != topic_index.end()) view.order.push_back(it->second);
      }
    }
    subscription_name_count[m] = view.names.size();
    for (std::string_view name : view.names) ++name_counts[name];
    subscriptions[m] = view.order;
    for (int t : view.order) subscribed[m][static_cast<std::size_t>(t)] = 1;

    // Previous assignment: owned partitions grouped by topic in first-appearance order, put into a
    // HashMap keyed by topic id; each topic's partitions in a HashSet built from the list.
    std::vector<std::string_view> owned_topics;
    std::unordered_map<std::string_view, std::vector<std::int32_t>> grouped;
    for (const auto& tp : members[m].owned) {
      auto [it, added] = grouped.try_emplace(tp.topic);
      if (added) owned_topics.push_back(tp.topic);
      it->second.push_back(tp.partition);
    }
    java::HashOrder by_id;
    auto id_of = [&](std::string_view name) {
      auto it = topic_index.find(name);
      return it == topic_index.end() ? topic_id(name) : topics[static_cast<std::size_t>(it->second)].id;
    };
    for (std::size_t i = 0; i < owned_topics.size(); ++i) by_id.insert(i, id_of(owned_topics[i]).hash());
    std::vector<std::size_t> topic_order = by_id.order();
    if (options.previous_in_given_order)
      for (std::size_t i = 0; i < topic_order.size(); ++i) topic_order[i] = i;
    for (std::size_t i : topic_order) {
      const auto& parts = grouped.at(owned_topics[i]);
      java::HashOrder set(java::HashOrder::capacity_for_collection(parts.size()));
      std::unordered_set<std::int32_t> dup;
      for (std::size_t k = 0; k < parts.size(); ++k)
        if (dup.insert(parts[k]).second) set.insert(k, parts[k]);
      std::vector<std::int32_t> ps;
      for (std::size_t k : set.order()) ps.push_back(parts[k]);
      auto it = topic_index.find(owned_topics[i]);
      previous[m].emplace_back(it == topic_index.end() ? -1 : it->second, std::move(ps));
    }
  }
  for (const auto& [name, count] : name_counts)
    if (count != n) homogeneous = false;
}

Assignment sorted_sets(const std::vector<MemberSubscription>& members,
                       const std::vector<std::vector<TopicPartition>>& per_member) {
  // Rank the topic names once (String.compareTo order), then sort each list on integers.
  std::vector<std::string_view> names;
  std::unordered_map<std::string_view, int> rank;
  for (const auto& list : per_member)
    for (const auto& tp : list)
      if (rank.emplace(tp.topic, 0).second) names.push_back(tp.topic);
  std::sort(names.begin(), names.end(), java::Less{});
  for (std::size_t i = 0; i < names.size(); ++i) rank[names[i]] = static_cast<int>(i);
  Assignment out;
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::vector<std::pair<std::pair<int, std::int32_t>, const TopicPartition*>> keyed;
    keyed.reserve(per_member[m].size());
    for (const auto& tp : per_member[m]) keyed.push_back({{rank.at(tp.topic), tp.partition}, &tp});
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    auto& slot = out[members[m].member_id];
    slot.reserve(slot.size() + keyed.size());
    for (const auto& k : keyed) slot.push_back(*k.second);
  }
  return out;
}

}  // namespace cgsim::models::assignors::server
