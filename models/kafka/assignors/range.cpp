/// @file range.cpp
/// The Java client's RangeAssignor (Kafka 3.9), including KIP-881 rack-aware assignment.
///
/// Algorithm
/// ---------
/// Each topic is assigned on its own. Its subscribers are sorted as MemberInfo sorts them (static
/// members first by group.instance.id, then dynamic members by member id). With P partitions and C
/// subscribers every subscriber may take P/C partitions and the first P%C of them one more; the
/// partitions are handed out in ascending order, so each consumer receives a contiguous range.
///
/// Rack awareness applies when some consumer of a topic has a rack, that rack is among the racks of
/// the topic's replicas, and the partitions do not all have replicas on every rack. Then, before the
/// plain pass, a rack pass runs:
///  * topics with the same subscribers (same members and racks) and the same partition count are
///    co-partitioned: partition p of all of them goes to the first remaining consumer whose rack holds
///    a replica of p in every one of those topics and who still has quota in each of them;
///  * any other topic that needs rack awareness gives each consumer, in order, the lowest unassigned
///    partitions that have a replica on its rack, up to its quota;
///  * the plain pass then places the rest without regard to racks, still respecting the quotas.
/// When the rack pass ran, every member's list is finally sorted by topic, then partition.
///
/// Output order without racks: topics in the iteration order of the Java HashMap that maps topic name
/// to partitions (see java_order.hpp), each topic's partitions ascending.
///
/// Example: consumers C0 and C1 subscribe to t0 and t1, three partitions each.
///   t0: 3/2 = 1 each, 3%2 = 1 extra for C0 -> C0 [t0-0, t0-1], C1 [t0-2]
///   t1: likewise                           -> C0 [t1-0, t1-1], C1 [t1-2]
///   result: C0 [t0-0, t0-1, t1-0, t1-1], C1 [t0-2, t1-2]
/// With racks: C0 on rack a, C1 on rack b, one replica per partition, t0-0/t0-2 on a, t0-1 on b
/// (t1 likewise); t0 and t1 are co-partitioned: p0 -> C0 (a), p1 -> C1 (b), p2 -> C0 (a):
///   result: C0 [t0-0, t0-2, t1-0, t1-2], C1 [t0-1, t1-1]
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/member_order.hpp"

namespace cgsim::models::assignors {

namespace {

/// The assignment state of one topic: its sorted subscribers, their quotas, what is still unassigned.
struct TopicState {
  const std::string* topic = nullptr;
  int partitions = 0;
  /// Indices into the member vector, sorted as MemberInfo sorts.
  std::vector<std::size_t> consumers;
  /// Each consumer's rack, empty when it has none (parallel to consumers).
  std::vector<const std::string*> consumer_rack;
  /// Racks holding a replica of each partition; empty when no subscriber has a rack.
  std::vector<std::set<std::string>> partition_racks;
  bool needs_rack_aware = false;

  std::vector<char> assigned;
  std::size_t first_unassigned = 0;
  std::vector<int> count;  // partitions assigned per consumer (parallel to consumers)
  int quota = 0;
  int extra_left = 0;

  int max_assignable(std::size_t c) const {
    return std::max(0, quota + (extra_left > 0 ? 1 : 0) - count[c]);
  }
  bool racks_match(std::size_t c, int p) const {
    const std::string* rack = consumer_rack[c];
    if (rack == nullptr) return true;
    if (partition_racks.empty()) return false;
    return partition_racks[static_cast<std::size_t>(p)].count(*rack) > 0;
  }
};

class RangeRun {
 public:
  RangeRun(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
           const RangeOptions& options)
      : cluster_(cluster), members_(members), options_(options), out_(members.size()) {}

  Assignment run() {
    build_topic_states();
    bool use_rack_aware = false;
    for (const auto& t : topics_) use_rack_aware = use_rack_aware || t.needs_rack_aware;
    if (use_rack_aware) rack_pass();
    for (auto& t : topics_) assign_ranges(t, /*rack_only=*/false);

    Assignment result;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      auto& list = out_[m];
      if (use_rack_aware)
        std::sort(list.begin(), list.end(), [](const TopicPartition& a, const TopicPartition& b) {
          const int c = java::compare(a.topic, b.topic);
          return c != 0 ? c < 0 : a.partition < b.partition;
        });
      auto& slot = result[members_[m].member_id];
      slot.insert(slot.end(), list.begin(), list.end());
    }
    return result;
  }

 private:
  /// Topics in the order Kafka iterates them: the leader's HashMap of subscriptions (member ids in
  /// join order) feeds a HashSet of subscribed topics, which feeds the HashMap of topics that exist.
  void build_topic_states() {
    std::vector<std::string_view> member_ids;
    member_ids.reserve(members_.size());
    for (const auto& m : members_) member_ids.push_back(m.member_id);
    member_order_ = java::hash_order(member_ids);

    // Subscriptions arrive with their topics sorted (ConsumerProtocol sorts them on the wire);
    // members usually share subscriptions, so each distinct list is sorted once.
    std::map<std::vector<std::string>, std::vector<std::string_view>> sorted_lists;
    std::vector<std::string_view> subscribed;
    for (std::size_t m : member_order_) {
      auto [it, added] = sorted_lists.try_emplace(members_[m].topics);
      if (added) {
        it->second.assign(members_[m].topics.begin(), members_[m].topics.end());
        std::sort(it->second.begin(), it->second.end(), java::Less{});
      }
      subscribed.insert(subscribed.end(), it->second.begin(), it->second.end());
    }
    std::vector<std::string_view> existing;
    std::unordered_map<std::string_view, const TopicMetadata*> by_name;
    for (const auto& t : cluster_.topics) by_name.emplace(t.name, &t);
    for (std::size_t i : java::hash_order(subscribed)) {
      auto it = by_name.find(subscribed[i]);
      if (it != by_name.end() && it->second->partitions > 0) existing.push_back(subscribed[i]);
    }

    // Members sorted once as MemberInfo sorts them (a stable sort of the map order); each topic's
    // subscribers are then ordered by that rank.
    std::vector<std::size_t> sorted = member_order_;
    std::stable_sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) {
      return java_member_compare(members_[a], members_[b]) < 0;
    });
    std::vector<std::size_t> rank(members_.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) rank[sorted[i]] = i;
    std::unordered_map<std::string_view, std::vector<std::size_t>> subscribers;
    for (std::size_t m : member_order_) {
      const auto& topics = sorted_lists.at(members_[m].topics);
      for (std::size_t i = 0; i < topics.size(); ++i)
        if (i == 0 || topics[i] != topics[i - 1]) subscribers[topics[i]].push_back(m);
    }

    for (std::size_t i : java::hash_order(existing)) {
      const TopicMetadata& meta = *by_name.at(existing[i]);
      TopicState t;
      t.topic = &meta.name;
      t.partitions = meta.partitions;
      t.consumers = subscribers[existing[i]];
      std::sort(t.consumers.begin(), t.consumers.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
      std::set<std::string> consumer_racks;
      for (std::size_t m : t.consumers) {
        const auto& rack = members_[m].rack;
        const bool has = rack && !rack->empty();
        t.consumer_rack.push_back(has ? &*rack : nullptr);
        if (has) consumer_racks.insert(*rack);
      }
      t.assigned.assign(static_cast<std::size_t>(t.partitions), 0);
      t.count.assign(t.consumers.size(), 0);
      if (!t.consumers.empty()) {
        t.quota = t.partitions / static_cast<int>(t.consumers.size());
        t.extra_left = t.partitions % static_cast<int>(t.consumers.size());
      }
      std::set<std::string> all_partition_racks;
      if (!consumer_racks.empty()) {
        t.partition_racks.resize(static_cast<std::size_t>(t.partitions));
        for (std::size_t p = 0; p < t.partition_racks.size(); ++p) {
          if (p < meta.partition_racks.size())
            t.partition_racks[p].insert(meta.partition_racks[p].begin(), meta.partition_racks[p].end());
          all_partition_racks.insert(t.partition_racks[p].begin(), t.partition_racks[p].end());
        }
      }
      t.needs_rack_aware = use_rack_aware_assignment(consumer_racks, all_partition_racks, t.partition_racks);
      topics_.push_back(std::move(t));
    }
  }

  bool use_rack_aware_assignment(const std::set<std::string>& consumer_racks,
                                 const std::set<std::string>& partition_racks,
                                 const std::vector<std::set<std::string>>& per_partition) const {
    if (consumer_racks.empty()) return false;
    bool overlap = false;
    for (const auto& r : consumer_racks) overlap = overlap || partition_racks.count(r) > 0;
    if (!overlap) return false;
    if (options_.prefer_rack_aware) return true;
    return !std::all_of(per_partition.begin(), per_partition.end(),
                        [&](const std::set<std::string>& s) { return s == partition_racks; });
  }

  /// Groups topics by (subscribers with their racks, partition-rack map size); a group of two or more
  /// topics is assigned co-partitioned, a single topic by rack-filtered ranges if it needs it. Groups
  /// touch disjoint topics and the lists are sorted afterwards, so the order of groups is immaterial.
  void rack_pass() {
    using Key = std::pair<std::vector<std::pair<std::size_t, std::optional<std::string>>>, std::size_t>;
    std::map<Key, std::vector<TopicState*>> groups;
    for (auto& t : topics_) {
      Key key;
      for (std::size_t c = 0; c < t.consumers.size(); ++c)
        key.first.emplace_back(t.consumers[c], t.consumer_rack[c] ? std::optional<std::string>(*t.consumer_rack[c])
                                                                  : std::nullopt);
      key.second = t.partition_racks.size();
      groups[key].push_back(&t);
    }
    for (auto& [key, states] : groups) {
      if (states.size() > 1)
        assign_co_partitioned(states, static_cast<int>(key.second));
      else if (states.front()->needs_rack_aware)
        assign_ranges(*states.front(), /*rack_only=*/true);
    }
  }

  void assign_co_partitioned(const std::vector<TopicState*>& states, int num_partitions) {
    const std::size_t n = states.front()->consumers.size();
    std::vector<std::size_t> remaining(n);
    for (std::size_t c = 0; c < n; ++c) remaining[c] = c;
    for (int p = 0; p < num_partitions; ++p) {
      auto it = std::find_if(remaining.begin(), remaining.end(), [&](std::size_t c) {
        return std::all_of(states.begin(), states.end(), [&](const TopicState* t) {
          return t->racks_match(c, p) && t->max_assignable(c) > 0;
        });
      });
      if (it == remaining.end()) continue;
      const std::size_t c = *it;
      for (TopicState* t : states) give(*t, c, {p});
      const bool full = std::none_of(states.begin(), states.end(),
                                     [&](const TopicState* t) { return t->max_assignable(c) > 0; });
      if (full) {
        remaining.erase(it);
        if (remaining.empty()) break;
      }
    }
  }

  /// Gives each consumer in order the lowest unassigned partitions it may take (all of them, or with
  /// @p rack_only those with a replica on its rack), up to its current quota.
  void assign_ranges(TopicState& t, bool rack_only) {
    for (std::size_t c = 0; c < t.consumers.size(); ++c) {
      while (t.first_unassigned < t.assigned.size() && t.assigned[t.first_unassigned]) ++t.first_unassigned;
      if (t.first_unassigned == t.assigned.size()) break;
      const int limit = t.max_assignable(c);
      std::vector<int> take;
      for (std::size_t p = t.first_unassigned; p < t.assigned.size() && static_cast<int>(take.size()) < limit; ++p)
        if (!t.assigned[p] && (!rack_only || t.racks_match(c, static_cast<int>(p))))
          take.push_back(static_cast<int>(p));
      if (take.empty()) continue;
      give(t, c, take);
    }
  }

  void give(TopicState& t, std::size_t c, const std::vector<int>& partitions) {
    auto& list = out_[t.consumers[c]];
    for (int p : partitions) {
      list.push_back({*t.topic, p});
      t.assigned[static_cast<std::size_t>(p)] = 1;
    }
    t.count[c] += static_cast<int>(partitions.size());
    if (t.count[c] > t.quota) --t.extra_left;
  }

  const ClusterMetadata& cluster_;
  const std::vector<MemberSubscription>& members_;
  RangeOptions options_;
  std::vector<std::size_t> member_order_;
  std::vector<TopicState> topics_;
  std::vector<std::vector<TopicPartition>> out_;
};

}  // namespace

Assignment assign_range_with(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                             const RangeOptions& options) {
  return RangeRun(cluster, members, options).run();
}

Assignment assign_range(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return assign_range_with(cluster, members, RangeOptions{});
}

}  // namespace cgsim::models::assignors
