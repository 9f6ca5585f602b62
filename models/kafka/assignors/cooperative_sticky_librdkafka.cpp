/// @file cooperative_sticky_librdkafka.cpp
/// librdkafka 2.0.2's cooperative-sticky assignor (rdkafka_sticky_assignor.c) followed by the
/// consumer group's cooperative adjustment (rdkafka_cgrp.c). librdkafka offers no eager "sticky".
///
/// Algorithm
/// ---------
/// A port of the Java sticky assignor's general path as it was before Kafka added the constrained
/// path; there is no special case for equal subscriptions, and it differs from Kafka 3.9 in details:
///  * Previous owners come from the owned partitions each member sends. The leader does not read
///    generations (every member counts as generation -1), so when several members claim a partition
///    the first claimant in join order keeps it and the second becomes its "previous owner".
///  * Partitions are ordered by number of potential consumers, then topic and partition; when all
///    members subscribe to the same partitions, the order instead starts with one partition per
///    member taken round-robin from the most loaded member (preferring partitions that had another
///    owner before), then the rest.
///  * Unassigned partitions go to the least loaded eligible member (then lowest member id); then
///    partitions move from a member that holds two or more more than another eligible member, with
///    Java's partition-movement bookkeeping, reverting if the balance score did not improve. The
///    balance test is stricter than Java's: a member below its maximum blocks balance as soon as a
///    partition it could hold sits with a member holding more partitions than it.
///  * Cooperative adjustment: a partition keeps its place if its owner is unchanged, partitions nobody
///    owned go to their new owner, partitions owned by one member and assigned to another are
///    withheld, and partitions a member owns that the assignor did not hand out at all (for example
///    of a topic nobody subscribes to any more) are given back to it.
/// librdkafka iterates its hash maps in reverse insertion order (newest first); cgsim reproduces
/// that order exactly, so list orders match as well.
///
/// Example: members c1, c2, topic t with 4 partitions; c1 owns t-0..t-3, c2 joins. c1 holds 4, c2
/// 0: partitions move from c1 to c2 until balanced (t-0 and t-1 go, the first ones visited), and
/// the cooperative step withholds them because c1 still owns them:
///   round 1: c1 [t-2, t-3], c2 [], withheld [t-0, t-1]; round 2: c1 [t-2, t-3], c2 [t-0, t-1]
#include <algorithm>
#include <list>
#include <map>
#include <unordered_map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/member_order.hpp"

namespace cgsim::models::assignors {

namespace {

/// librdkafka's rd_map: a hash map whose iteration visits the most recently inserted key first;
/// replacing the value of an existing key keeps its place.
template <typename K, typename V, typename H = std::hash<K>>
class RdMap {
 public:
  V* get(const K& k) {
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  const V* get(const K& k) const {
    auto it = index_.find(k);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  V& set(const K& k, V v) {
    auto it = index_.find(k);
    if (it != index_.end()) {
      it->second->second = std::move(v);
      return it->second->second;
    }
    items_.emplace_front(k, std::move(v));
    index_.emplace(k, items_.begin());
    return items_.front().second;
  }
  V& get_or_set(const K& k, V v) {
    if (V* x = get(k)) return *x;
    return set(k, std::move(v));
  }
  void erase(const K& k) {
    auto it = index_.find(k);
    if (it == index_.end()) return;
    items_.erase(it->second);
    index_.erase(it);
  }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  void clear() {
    items_.clear();
    index_.clear();
  }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::list<std::pair<K, V>> items_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator, H> index_;
};

struct PairHash {
  std::size_t operator()(const std::pair<int, int>& x) const {
    return std::hash<long long>()((static_cast<long long>(x.first) << 32) ^ static_cast<unsigned>(x.second));
  }
};

using PList = std::vector<int>;  // rd_kafka_topic_partition_list_t of partition ids

bool plist_find(const PList& l, int p) { return std::find(l.begin(), l.end(), p) != l.end(); }
void plist_del(PList& l, int p) {
  auto it = std::find(l.begin(), l.end(), p);
  if (it != l.end()) l.erase(it);
}

[[noreturn]] void crash(const std::string& where) {
  throw AssignorFailure("librdkafka 2.0.2 dereferences a missing entry in " + where + " (the client would crash)");
}

class Librdkafka {
 public:
  Librdkafka(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members)
      : cluster_(cluster), members_(members), n_(members.size()) {}

  AssignResult run(bool cooperative_adjustment) {
    intern();
    assign();
    if (cooperative_adjustment) return adjust();
    AssignResult raw;
    for (std::size_t m = 0; m < n_; ++m) {
      auto& slot = raw.assignment[members_[m].member_id];
      if (const PList* l = current_.get(static_cast<int>(m)))
        for (int p : *l) slot.push_back(names_[static_cast<std::size_t>(p)]);
    }
    return raw;
  }

 private:
  // ---- partition interning: known partitions first (metadata order), then any other owned ones ---

  int intern(const std::string& topic, int partition) {
    auto key = std::make_pair(topic, partition);
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    const int id = static_cast<int>(names_.size());
    ids_.emplace(key, id);
    names_.push_back({topic, partition});
    return id;
  }

  void intern() {
    for (const auto& t : cluster_.topics)
      for (int p = 0; p < t.partitions; ++p) intern(t.name, p);
    owned_.assign(n_, {});
    for (std::size_t m = 0; m < n_; ++m)
      for (const auto& tp : members_[m].owned) owned_[m].push_back(intern(tp.topic, tp.partition));
  }

  /// rd_kafka_topic_partition_cmp: topic bytewise, then partition.
  int tp_cmp(int a, int b) const {
    const auto& x = names_[static_cast<std::size_t>(a)];
    const auto& y = names_[static_cast<std::size_t>(b)];
    const int r = x.topic.compare(y.topic);
    if (r != 0) return r < 0 ? -1 : 1;
    return x.partition < y.partition ? -1 : (x.partition > y.partition ? 1 : 0);
  }

  bool subscribes(std::size_t m, const std::string& topic) const {
    const auto& t = members_[m].topics;
    return std::find(t.begin(), t.end(), topic) != t.end();
  }

  // ---- sortedCurrentSubscriptions: members ordered by (assignment size, member id) ----------------

  void sort_current() {
    std::stable_sort(sorted_current_.begin(), sorted_current_.end(), [&](int a, int b) {
      const auto sa = current_.get(a)->size(), sb = current_.get(b)->size();
      if (sa != sb) return sa < sb;
      return members_[static_cast<std::size_t>(a)].member_id < members_[static_cast<std::size_t>(b)].member_id;
    });
  }

  PList& current_of(int m, const char* where) {
    PList* l = current_.get(m);
    if (!l) crash(where);
    return *l;
  }

  // ---- the assignor (rd_kafka_sticky_assignor_assign_cb) ----------------------------------------

  void assign() {
    // prepopulateCurrentAssignments
    RdMap<int, std::vector<std::pair<int, int>>> claims;  // partition -> (member, generation)
    for (std::size_t m = 0; m < n_; ++m) {
      const int c = static_cast<int>(m);
      current_.set(c, {});
      potential_.set(c, {});
      for (int p : owned_[m]) {
        auto& list = claims.get_or_set(p, {});
        list.emplace_back(c, -1);  // the 2.0.2 leader never reads a member's generation
        partition_consumer_.set(p, c);
      }
    }
    for (auto& [p, list] : claims) {
      glibc_merge_sort(list, [](const std::pair<int, int>& a, const std::pair<int, int>& b) { return a.second - b.second; });
      current_.get(list[0].first)->push_back(p);
      if (list.size() > 1) prev_.set(p, list[1]);
    }
    const bool fresh = current_.empty();

    // populatePotentialMaps, topic by topic in metadata order.
    potential_set_.assign(n_, std::vector<char>(names_.size(), 0));
    std::vector<char> seen_topic;
    std::map<std::string, bool> topic_seen;
    for (const auto& t : cluster_.topics) {
      if (topic_seen[t.name]) continue;
      topic_seen[t.name] = true;
      for (std::size_t m = 0; m < n_; ++m) {
        if (!subscribes(m, t.name)) continue;
        for (int p = 0; p < t.partitions; ++p) {
          const int id = ids_.at({t.name, p});
          potential_.get(static_cast<int>(m))->push_back(id);
          potential_set_[m][static_cast<std::size_t>(id)] = 1;
          p2c_.get_or_set(id, {}).push_back(static_cast<int>(m));
        }
      }
    }

    PList sorted = sort_partitions(fresh);
    PList unassigned = sorted;

    bool revocation_required = false;
    for (auto& [c, partitions] : current_) {
      for (std::size_t i = 0; i < partitions.size(); ++i) {
        const int p = partitions[i];
        bool remove = false;
        if (!p2c_.get(p)) {
          remove = true;
          partition_consumer_.erase(p);
        } else if (!subscribes(static_cast<std::size_t>(c), names_[static_cast<std::size_t>(p)].topic)) {
          remove = true;
          revocation_required = true;
        } else {
          plist_del(unassigned, p);
        }
        if (remove) {
          partitions.erase(partitions.begin() + static_cast<long>(i));
          --i;
        }
      }
    }

    for (const auto& [c, partitions] : current_) sorted_current_.push_back(c);
    sort_current();
    balance(sorted, unassigned, revocation_required);
  }

  bool subscriptions_identical() const {
    const std::vector<int>* prev = nullptr;
    for (const auto& [p, consumers] : p2c_) {
      if (prev && consumers != *prev) return false;
      prev = &consumers;
    }
    const PList* prevp = nullptr;
    for (const auto& [c, plist] : potential_) {
      if (prevp) {
        if (plist.size() != prevp->size()) return false;
        for (int p : plist)
          if (!plist_find(*prevp, p)) return false;
      }
      prevp = &plist;
    }
    return true;
  }

  PList sort_partitions(bool fresh) {
    PList sorted;
    if (fresh || !subscriptions_identical()) {
      for (const auto& [p, consumers] : p2c_) sorted.push_back(p);
      std::stable_sort(sorted.begin(), sorted.end(), [&](int a, int b) {
        const auto ca = p2c_.get(a)->size(), cb = p2c_.get(b)->size();
        if (ca != cb) return ca < cb;
        return tp_cmp(a, b) < 0;
      });
      return sorted;
    }
    // Identical subscriptions: round-robin from the most loaded member.
    RdMap<int, PList> assignments;
    std::vector<int> consumers;
    for (auto& [c, partitions] : current_) {
      std::stable_sort(partitions.begin(), partitions.end(), [&](int a, int b) { return tp_cmp(a, b) < 0; });
      PList kept;
      for (int p : partitions)
        if (p2c_.get(p)) kept.push_back(p);
      if (!kept.empty()) {
        assignments.set(c, kept);
        consumers.push_back(c);
      }
    }
    auto by_count = [&](int a, int b) {
      const auto sa = assignments.get(a)->size(), sb = assignments.get(b)->size();
      if (sa != sb) return sa < sb;
      return members_[static_cast<std::size_t>(a)].member_id < members_[static_cast<std::size_t>(b)].member_id;
    };
    std::stable_sort(consumers.begin(), consumers.end(), by_count);
    while (!consumers.empty()) {
      const int c = consumers.back();
      PList& remaining = *assignments.get(c);
      PList previously;
      for (int p : remaining)
        if (prev_.get(p)) previously.push_back(p);
      bool resort = true;
      if (!previously.empty()) {
        plist_del(remaining, previously.front());
        sorted.push_back(previously.front());
      } else if (!remaining.empty()) {
        sorted.push_back(remaining.front());
        remaining.erase(remaining.begin());
      } else {
        consumers.pop_back();
        resort = false;
      }
      if (resort) std::stable_sort(consumers.begin(), consumers.end(), by_count);
    }
    const bool was_empty = sorted.empty();
    for (const auto& [p, cs] : p2c_)
      if (!plist_find(sorted, p)) sorted.push_back(p);
    if (was_empty) std::stable_sort(sorted.begin(), sorted.end(), [&](int a, int b) { return tp_cmp(a, b) < 0; });
    return sorted;
  }

  void assign_partition(int p) {
    for (int c : sorted_current_) {
      if (!potential_set_[static_cast<std::size_t>(c)][static_cast<std::size_t>(p)]) continue;
      current_.get(c)->push_back(p);
      partition_consumer_.set(p, c);
      sort_current();
      return;
    }
  }

  bool can_participate(int c) {
    const PList& cur = *current_.get(c);
    if (cur.size() < potential_.get(c)->size()) return true;
    for (int p : cur)
      if (const auto* cs = p2c_.get(p); cs && cs->size() >= 2) return true;
    return false;
  }

  static long long score(const RdMap<int, PList>& a) {
    if (a.size() < 2) return 0;
    std::vector<long long> sizes;
    for (const auto& [c, l] : a) sizes.push_back(static_cast<long long>(l.size()));
    std::sort(sizes.begin(), sizes.end());
    long long s = 0;
    const long long n = static_cast<long long>(sizes.size());
    for (long long i = 0; i < n; ++i) s += sizes[static_cast<std::size_t>(i)] * (2 * i - n + 1);
    return s;
  }

  void balance(PList& sorted, PList& unassigned, bool revocation_required) {
    const bool initializing = current_.get(sorted_current_.back())->empty();
    for (int p : unassigned) {
      if (p2c_.get(p)->empty()) continue;
      assign_partition(p);
    }
    for (const auto& [p, cs] : p2c_) {
      if (cs.size() >= 2) continue;
      plist_del(sorted, p);
      plist_del(unassigned, p);
    }
    RdMap<int, PList> fixed;
    for (std::size_t i = 0; i < sorted_current_.size(); ++i) {
      const int c = sorted_current_[i];
      if (can_participate(c)) continue;
      sorted_current_.erase(sorted_current_.begin() + static_cast<long>(i));
      --i;
      PList copy = *current_.get(c);
      current_.erase(c);
      fixed.set(c, std::move(copy));
    }
    // Deep copies (RD_MAP_COPY inserts the source's keys in its iteration order).
    RdMap<int, PList> pre_balance;
    for (const auto& [c, l] : current_) pre_balance.set(c, l);
    RdMap<int, int> pre_consumers;
    for (const auto& [p, c] : partition_consumer_) pre_consumers.set(p, c);

    if (!revocation_required && !unassigned.empty()) perform_reassignments(unassigned);
    const bool performed = perform_reassignments(sorted);
    if (!initializing && performed && score(current_) >= score(pre_balance)) {
      for (const auto& [c, l] : pre_balance) current_.set(c, l);
      partition_consumer_.clear();
      for (const auto& [p, c] : pre_consumers) partition_consumer_.set(p, c);
    }
    if (!fixed.empty()) {
      for (const auto& [c, l] : fixed) {
        current_.set(c, l);
        sorted_current_.push_back(c);
      }
      sort_current();
    }
  }

  bool is_balanced() {
    if (sorted_current_.empty()) crash("isBalanced (no consumer left to balance)");
    const std::size_t min = current_.get(sorted_current_.front())->size();
    const std::size_t max = current_.get(sorted_current_.back())->size();
    if (min + 1 >= max) return true;
    RdMap<int, int> all;
    for (const auto& [c, l] : current_)
      for (int p : l) all.set(p, c);
    for (int c : sorted_current_) {
      const PList& mine = *current_.get(c);
      const PList& potential = *potential_.get(c);
      if (mine.size() == potential.size()) continue;
      for (int p : potential) {
        if (plist_find(mine, p)) continue;
        const int* other = all.get(p);
        if (!other) crash("isBalanced (partition without owner)");
        if (mine.size() < current_of(*other, "isBalanced").size()) return false;
      }
    }
    return true;
  }

  bool perform_reassignments(const PList& partitions) {
    bool performed = false, modified;
    do {
      modified = false;
      for (std::size_t i = 0; i < partitions.size() && !is_balanced(); ++i) {
        const int p = partitions[i];
        const std::vector<int> consumers = *p2c_.get(p);
        const int* consumer_ptr = partition_consumer_.get(p);
        if (!consumer_ptr) crash("performReassignments (partition without consumer)");
        const int consumer = *consumer_ptr;
        const std::size_t cur = current_of(consumer, "performReassignments").size();
        if (const auto* prev = prev_.get(p)) {
          if (cur > current_of(prev->first, "performReassignments (previous owner)").size() + 1) {
            reassign_to(p, prev->first);
            performed = modified = true;
            continue;
          }
        }
        for (int other : consumers) {
          if (other == consumer) continue;
          if (cur <= current_of(other, "performReassignments").size() + 1) continue;
          reassign(p);
          performed = modified = true;
          break;
        }
      }
    } while (modified);
    return performed;
  }

  void reassign(int p) {
    for (int c : sorted_current_)
      if (potential_set_[static_cast<std::size_t>(c)][static_cast<std::size_t>(p)]) {
        reassign_to(p, c);
        return;
      }
    crash("reassignPartition (no new consumer)");
  }

  void reassign_to(int p, int new_consumer) {
    const int consumer = *partition_consumer_.get(p);
    const int to_move = actual_partition_to_move(p, consumer, new_consumer);
    const int* old_ptr = partition_consumer_.get(to_move);
    if (!old_ptr) crash("processPartitionMovement");
    const int old = *old_ptr;
    move_partition(to_move, old, new_consumer);
    current_of(new_consumer, "processPartitionMovement").push_back(to_move);
    plist_del(current_of(old, "processPartitionMovement"), to_move);
    partition_consumer_.set(to_move, new_consumer);
    sort_current();
  }

  // PartitionMovements
  int actual_partition_to_move(int p, int old_consumer, int new_consumer) {
    const std::string& topic = names_[static_cast<std::size_t>(p)].topic;
    auto* pairs = by_topic_.get(topic);
    if (!pairs) return p;
    if (const auto* rec = movements_.get(p)) old_consumer = rec->first;
    const PList* list = pairs->get({new_consumer, old_consumer});
    if (!list) return p;
    return list->front();
  }
  void add_record(int p, std::pair<int, int> pair) {
    movements_.set(p, pair);
    auto& pairs = by_topic_.get_or_set(names_[static_cast<std::size_t>(p)].topic, {});
    pairs.get_or_set(pair, {}).push_back(p);
  }
  std::pair<int, int> remove_record(int p) {
    const auto pair = *movements_.get(p);
    const std::string& topic = names_[static_cast<std::size_t>(p)].topic;
    auto& pairs = *by_topic_.get(topic);
    PList& list = *pairs.get(pair);
    plist_del(list, p);
    if (list.empty()) pairs.erase(pair);
    if (pairs.empty()) by_topic_.erase(topic);
    return pair;
  }
  void move_partition(int p, int old_consumer, int new_consumer) {
    if (movements_.get(p)) {
      const auto existing = remove_record(p);
      if (existing.first != new_consumer) add_record(p, {existing.first, new_consumer});
    } else {
      add_record(p, {old_consumer, new_consumer});
    }
  }

  // ---- the cooperative adjustment (rd_kafka_cooperative_protocol_adjust_assignment) ----------------

  AssignResult adjust() {
    std::vector<PList> assigned_lists(n_);
    for (std::size_t m = 0; m < n_; ++m)
      if (const PList* l = current_.get(static_cast<int>(m))) assigned_lists[m] = *l;

    RdMap<int, int> assigned, owned;
    for (std::size_t m = 0; m < n_; ++m)
      for (int p : assigned_lists[m]) assigned.set(p, static_cast<int>(m));
    for (std::size_t m = 0; m < n_; ++m)
      for (int p : owned_[m]) owned.set(p, static_cast<int>(m));

    struct Info {
      int member;
      bool match;
    };
    RdMap<int, Info> maybe_revoking, ready, unknown;
    for (const auto& [p, a] : assigned) {
      const int* b = owned.get(p);
      if (!b) continue;
      const bool match =
          librdkafka_member_compare(members_[static_cast<std::size_t>(a)], members_[static_cast<std::size_t>(*b)]) == 0;
      maybe_revoking.set(p, {*b, match});
    }
    for (const auto& [p, a] : assigned)
      if (!owned.get(p)) ready.set(p, {a, false});
    for (const auto& [p, o] : owned)
      if (!assigned.get(p)) unknown.set(p, {o, false});

    std::vector<PList> out(n_);
    AssignResult result;
    for (const auto& [p, info] : maybe_revoking) {
      if (!info.match) {
        result.withheld.push_back(names_[static_cast<std::size_t>(p)]);
        continue;
      }
      out[static_cast<std::size_t>(info.member)].push_back(p);
    }
    for (const auto& [p, info] : ready) out[static_cast<std::size_t>(info.member)].push_back(p);
    for (const auto& [p, info] : unknown) out[static_cast<std::size_t>(info.member)].push_back(p);

    for (std::size_t m = 0; m < n_; ++m) {
      auto& slot = result.assignment[members_[m].member_id];
      for (int p : out[m]) slot.push_back(names_[static_cast<std::size_t>(p)]);
    }
    std::sort(result.withheld.begin(), result.withheld.end());
    return result;
  }

  const ClusterMetadata& cluster_;
  const std::vector<MemberSubscription>& members_;
  std::size_t n_;
  std::map<std::pair<std::string, int>, int> ids_;
  std::vector<TopicPartition> names_;
  std::vector<PList> owned_;

  RdMap<int, PList> current_;
  RdMap<int, PList> potential_;
  std::vector<std::vector<char>> potential_set_;
  RdMap<int, std::vector<int>> p2c_;
  RdMap<int, int> partition_consumer_;
  RdMap<int, std::pair<int, int>> prev_;
  std::vector<int> sorted_current_;
  RdMap<int, std::pair<int, int>> movements_;
  RdMap<std::string, RdMap<std::pair<int, int>, PList, PairHash>> by_topic_;
};

}  // namespace

AssignResult assign_cooperative_sticky_librdkafka_detailed(const ClusterMetadata& cluster,
                                                           const std::vector<MemberSubscription>& members) {
  if (members.empty()) return {};
  return Librdkafka(cluster, members).run(true);
}

Assignment assign_sticky_librdkafka_unadjusted(const ClusterMetadata& cluster,
                                               const std::vector<MemberSubscription>& members) {
  if (members.empty()) return {};
  return Librdkafka(cluster, members).run(false).assignment;
}

Assignment assign_cooperative_sticky_librdkafka(const ClusterMetadata& cluster,
                                                const std::vector<MemberSubscription>& members) {
  return assign_cooperative_sticky_librdkafka_detailed(cluster, members).assignment;
}

}  // namespace cgsim::models::assignors
