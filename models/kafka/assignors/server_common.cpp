#include "models/kafka/assignors/server_common.hpp"

#include <algorithm>
#include <map>
#include <unordered_set>

#include "models/kafka/assignors/java_order.hpp"

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

  // Every topic name gets an id: existing topics 0..T-1, other names after them.
  std::unordered_map<std::string_view, int> name_ids(topic_index.begin(), topic_index.end());
  std::vector<std::string_view> extra_names;
  auto name_id = [&](std::string_view name) {
    auto [it, added] = name_ids.emplace(name, static_cast<int>(topics.size() + extra_names.size()));
    if (added) extra_names.push_back(name);
    return it->second;
  };
  std::vector<std::size_t> name_counts;
  std::vector<std::size_t> last_seen;
  // Members usually share subscriptions: compute each distinct topic list's view once.
  struct SubscriptionView {
    std::vector<int> order;
  };
  std::map<std::vector<int>, SubscriptionView> subscription_cache;
  std::vector<int> ids_of_member;
  // Scratch for grouping a member's owned partitions by topic: per name id, the member whose group
  // it last started and that group's index.
  std::vector<std::pair<int, std::vector<std::int32_t>>> grouped;
  std::vector<std::size_t> group_member, group_index;
  for (std::size_t m = 0; m < n; ++m) {
    // new HashSet<>(list) of names (duplicates dropped), iterated through the image. Members in a
    // row with the same list (the common case) reuse the previous member's ids.
    const bool same_as_previous = m > 0 && members[m].topics == members[m - 1].topics;
    if (same_as_previous) {
      for (int id : ids_of_member) ++name_counts[static_cast<std::size_t>(id)];
    } else {
      ids_of_member.clear();
    }
    static const std::vector<std::string> kNoTopics;
    const std::vector<std::string>& to_scan = same_as_previous ? kNoTopics : members[m].topics;
    for (const auto& t : to_scan) {
      const int id = name_id(t);
      if (static_cast<std::size_t>(id) >= last_seen.size()) {
        last_seen.resize(static_cast<std::size_t>(id) + 1, SIZE_MAX);
        name_counts.resize(static_cast<std::size_t>(id) + 1, 0);
      }
      if (last_seen[static_cast<std::size_t>(id)] == m) continue;
      last_seen[static_cast<std::size_t>(id)] = m;
      ids_of_member.push_back(id);
      ++name_counts[static_cast<std::size_t>(id)];
    }
    subscription_name_count[m] = ids_of_member.size();
    auto [cached, added] = subscription_cache.try_emplace(ids_of_member);
    SubscriptionView& view = cached->second;
    if (added) {
      std::vector<std::string_view> names;
      for (int id : ids_of_member)
        names.push_back(static_cast<std::size_t>(id) < topics.size() ? std::string_view(topics[static_cast<std::size_t>(id)].meta->name)
                                                                     : extra_names[static_cast<std::size_t>(id) - topics.size()]);
      std::vector<std::size_t> order;
      if (options.subscriptions_as_id_sets) {
        java::HashOrder set(java::HashOrder::capacity_for_collection(names.size()));
        for (std::size_t i = 0; i < names.size(); ++i)
          if (static_cast<std::size_t>(ids_of_member[i]) < topics.size())
            set.insert(i, topics[static_cast<std::size_t>(ids_of_member[i])].id.hash());
        order = set.order();
      } else {
        java::HashOrder set(java::HashOrder::capacity_for_collection(names.size()));
        for (std::size_t i = 0; i < names.size(); ++i) set.insert(i, java::hash(names[i]));
        order = set.order();
      }
      for (std::size_t i : order)
        if (static_cast<std::size_t>(ids_of_member[i]) < topics.size()) view.order.push_back(ids_of_member[i]);
    }
    subscriptions[m] = view.order;
    for (int t : view.order) subscribed[m][static_cast<std::size_t>(t)] = 1;

    if (!options.with_previous) continue;
    // Previous assignment: owned partitions grouped by topic in first-appearance order, put into a
    // HashMap keyed by topic id; each topic's partitions in a HashSet built from the list.
    grouped.clear();
    std::string_view last_name;
    int last_id = -1;
    for (const auto& tp : members[m].owned) {
      // Owned lists usually come grouped by topic: look a name up only when it changes.
      if (last_id < 0 || tp.topic != last_name) {
        last_id = name_id(tp.topic);
        last_name = tp.topic;
        if (static_cast<std::size_t>(last_id) >= group_member.size()) {
          group_member.resize(static_cast<std::size_t>(last_id) + 1, SIZE_MAX);
          group_index.resize(static_cast<std::size_t>(last_id) + 1, 0);
        }
      }
      const auto id = static_cast<std::size_t>(last_id);
      if (group_member[id] != m) {
        group_member[id] = m;
        group_index[id] = grouped.size();
        grouped.emplace_back(last_id, std::vector<std::int32_t>{});
      }
      grouped[group_index[id]].second.push_back(tp.partition);
    }
    auto id_of = [&](int id) {
      return static_cast<std::size_t>(id) < topics.size() ? topics[static_cast<std::size_t>(id)].id
                                                           : topic_id(extra_names[static_cast<std::size_t>(id) - topics.size()]);
    };
    std::vector<std::int32_t> hashes;
    hashes.reserve(grouped.size());
    for (const auto& g : grouped) hashes.push_back(id_of(g.first).hash());
    std::vector<std::size_t> topic_order = java::put_order(hashes, java::HashOrder::kDefaultCapacity);
    if (options.previous_in_given_order)
      for (std::size_t i = 0; i < topic_order.size(); ++i) topic_order[i] = i;
    previous[m].reserve(topic_order.size());
    for (std::size_t i : topic_order) {
      const auto& parts = grouped[i].second;
      std::vector<std::int32_t> distinct;
      distinct.reserve(parts.size());
      if (parts.size() <= 16) {
        for (std::int32_t p : parts)
          if (std::find(distinct.begin(), distinct.end(), p) == distinct.end()) distinct.push_back(p);
      } else {
        std::unordered_set<std::int32_t> seen(parts.size());
        for (std::int32_t p : parts)
          if (seen.insert(p).second) distinct.push_back(p);
      }
      std::vector<std::int32_t> ps;
      ps.reserve(distinct.size());
      for (std::size_t k : java::put_order(distinct, java::HashOrder::capacity_for_collection(parts.size())))
        ps.push_back(distinct[k]);
      const int id = grouped[i].first;
      previous[m].emplace_back(static_cast<std::size_t>(id) < topics.size() ? id : -1, std::move(ps));
    }
  }
  for (std::size_t id = 0; id < name_counts.size(); ++id)
    if (name_counts[id] != 0 && name_counts[id] != n) homogeneous = false;

  // Topic names in String.compareTo order, for reporting.
  std::vector<int> by_name(topics.size());
  for (std::size_t t = 0; t < topics.size(); ++t) by_name[t] = static_cast<int>(t);
  std::sort(by_name.begin(), by_name.end(), [&](int a, int b) {
    return java::compare(topics[static_cast<std::size_t>(a)].meta->name, topics[static_cast<std::size_t>(b)].meta->name) < 0;
  });
  topic_rank.assign(topics.size(), 0);
  for (std::size_t i = 0; i < by_name.size(); ++i) topic_rank[static_cast<std::size_t>(by_name[i])] = static_cast<int>(i);
}

Assignment GroupView::report(const std::vector<MemberSubscription>& members,
                             std::vector<std::vector<std::pair<int, std::int32_t>>>& per_member) const {
  Assignment out;
  for (std::size_t m = 0; m < members.size(); ++m) {
    auto& list = per_member[m];
    std::sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
      const int ra = topic_rank[static_cast<std::size_t>(a.first)], rb = topic_rank[static_cast<std::size_t>(b.first)];
      return ra != rb ? ra < rb : a.second < b.second;
    });
    auto& slot = out[members[m].member_id];
    slot.reserve(slot.size() + list.size());
    for (const auto& [t, p] : list) slot.push_back({topics[static_cast<std::size_t>(t)].meta->name, p});
  }
  return out;
}

}  // namespace cgsim::models::assignors::server
