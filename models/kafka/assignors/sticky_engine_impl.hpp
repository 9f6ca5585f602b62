#pragma once
/// @file sticky_engine_impl.hpp
/// The state and steps of Kafka's AbstractStickyAssignor on integer ids (see sticky_engine.cpp for
/// the outline). Internal to the sticky assignors: the indexing and racks are here, the constrained
/// path is in sticky_constrained.cpp and the general path in sticky_general.cpp.
#include "models/kafka/assignors/sticky_engine.hpp"

#include <algorithm>
#include <list>
#include <map>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "models/kafka/assignors/java_order.hpp"

namespace cgsim::models::assignors::sticky_engine::detail {

inline constexpr int kNone = -1;

inline void remove_first(std::vector<int>& v, int x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it != v.end()) v.erase(it);
}

class Engine {
 public:
  Engine(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
         const std::vector<MemberView>& views, const Options& options)
      : cluster_(cluster), members_(members), views_(views), options_(options), n_(members.size()) {}

  Result run() {
    index_members();
    index_topics();
    build_rack_info();
    const bool equal = all_subscriptions_equal();
    Result result;
    result.constrained = equal;
    if (equal)
      constrained(result);
    else
      general();
    for (std::size_t m = 0; m < n_; ++m) {
      auto& list = result.assignment[members_[m].member_id];
      for (int g : out_[m]) list.push_back(tp(g));
    }
    return result;
  }

 private:
  // ---- indexing --------------------------------------------------------------------------------

  void index_members() {
    std::vector<std::string_view> ids;
    for (const auto& m : members_) ids.push_back(m.member_id);
    member_order_ = java::hash_order(ids);
    // Duplicated member ids collapse in the leader's map: only the first occurrence takes part.
    std::vector<std::size_t> sorted(n_);
    std::iota(sorted.begin(), sorted.end(), 0);
    std::sort(sorted.begin(), sorted.end(),
              [&](std::size_t a, std::size_t b) { return java::compare(ids[a], ids[b]) < 0; });
    rank_.assign(n_, 0);
    for (std::size_t i = 0; i < n_; ++i) rank_[sorted[i]] = static_cast<int>(i);
    // Members usually send the same topic list as the member before them (in input order): give
    // such runs one class, so that work per list is done once per class. Equal classes imply equal
    // lists; equal lists may still have different classes.
    list_class_.assign(n_, 0);
    for (std::size_t i = 1; i < n_; ++i)
      list_class_[i] = same_list(members_[i - 1].topics, members_[i].topics) ? list_class_[i - 1] : list_class_[i - 1] + 1;
  }

  static bool same_list(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].size() != b[i].size() || std::char_traits<char>::compare(a[i].data(), b[i].data(), a[i].size()) != 0) return false;
    return true;
  }

  void index_topics() {
    std::unordered_map<std::string_view, const TopicMetadata*> meta;
    for (const auto& t : cluster_.topics) meta.emplace(t.name, &t);
    std::unordered_set<std::string_view> distinct;
    std::vector<std::string_view> names;
    // A list of a class already scanned adds no new name.
    std::vector<char> scanned(n_ == 0 ? 0 : static_cast<std::size_t>(list_class_.back()) + 1, 0);
    for (std::size_t m : member_order_) {
      if (scanned[static_cast<std::size_t>(list_class_[m])]) continue;
      scanned[static_cast<std::size_t>(list_class_[m])] = 1;
      for (const auto& t : members_[m].topics) {
        if (!distinct.insert(t).second) continue;
        auto it = meta.find(t);
        if (it != meta.end() && it->second->partitions > 0) names.push_back(t);
      }
    }
    std::sort(names.begin(), names.end(), java::Less{});
    for (std::string_view name : names) {
      topic_index_.emplace(name, static_cast<int>(topics_.size()));
      topics_.push_back(meta.at(name));
      offset_.push_back(total_);
      total_ += topics_.back()->partitions;
    }
    topic_of_.resize(static_cast<std::size_t>(total_));
    for (std::size_t t = 0; t < topics_.size(); ++t)
      for (int p = 0; p < topics_[t]->partitions; ++p) topic_of_[static_cast<std::size_t>(offset_[t] + p)] = static_cast<int>(t);
    topic_hash_.resize(topics_.size());
    for (std::size_t t = 0; t < topics_.size(); ++t) topic_hash_[t] = java::hash(topics_[t]->name);
  }

  /// Per member: subscribed topics (in the member's list order, repeats kept) and the subscribed
  /// flags; per topic: its subscribers in map order. Only the general path needs them.
  void index_subscriptions() {
    subscribed_.assign(n_, {});
    potential_topics_.assign(n_, {});
    potential_consumers_.assign(topics_.size(), {});
    // The first member of each list class resolves the names; the others copy.
    std::vector<std::size_t> resolved_by(n_ == 0 ? 0 : static_cast<std::size_t>(list_class_.back()) + 1, SIZE_MAX);
    for (std::size_t m : member_order_) {
      auto& mine = potential_topics_[m];
      const std::size_t first = resolved_by[static_cast<std::size_t>(list_class_[m])];
      if (first != SIZE_MAX) {
        mine = potential_topics_[first];
        subscribed_[m] = subscribed_[first];
      } else {
        resolved_by[static_cast<std::size_t>(list_class_[m])] = m;
        subscribed_[m].assign(topics_.size(), 0);
        for (const auto& name : members_[m].topics) {
          auto it = topic_index_.find(name);
          if (it == topic_index_.end()) continue;
          mine.push_back(it->second);
          subscribed_[m][static_cast<std::size_t>(it->second)] = 1;
        }
      }
      for (int t : mine) potential_consumers_[static_cast<std::size_t>(t)].push_back(static_cast<int>(m));
    }
  }

  int partition_count(int t) const { return topics_[static_cast<std::size_t>(t)]->partitions; }
  int gid(int t, int p) const { return offset_[static_cast<std::size_t>(t)] + p; }
  TopicPartition tp(int g) const {
    const int t = topic_of_[static_cast<std::size_t>(g)];
    return {topics_[static_cast<std::size_t>(t)]->name, g - offset_[static_cast<std::size_t>(t)]};
  }
  int partition_of(int g) const { return g - offset_[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])]; }
  /// TopicPartition.hashCode().
  std::int32_t tp_hash(int g) const {
    const auto t = static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)]);
    const auto p = static_cast<std::uint32_t>(g - offset_[t]);
    return static_cast<std::int32_t>(31u * (31u + p) + static_cast<std::uint32_t>(topic_hash_[t]));
  }
  /// The global id of a partition, or kNone for topics outside the assignment or partitions beyond
  /// the topic's count.
  int lookup(const TopicPartition& x) const {
    // Owned lists are grouped by topic: remember the last topic looked up.
    if (!lookup_valid_ || x.topic != lookup_name_) {
      lookup_valid_ = true;
      auto it = topic_index_.find(x.topic);
      lookup_name_ = it == topic_index_.end() ? std::string_view(x.topic) : it->first;
      lookup_topic_ = it == topic_index_.end() ? kNone : it->second;
    }
    if (lookup_topic_ == kNone || x.partition < 0 || x.partition >= partition_count(lookup_topic_)) return kNone;
    return gid(lookup_topic_, x.partition);
  }

  // ---- rack info (RackInfo) ----------------------------------------------------------------------

  void build_rack_info() {
    std::map<std::string, int> rack_ids;
    auto rack_id = [&](const std::string& r) {
      auto [it, added] = rack_ids.emplace(r, static_cast<int>(rack_ids.size()));
      return it->second;
    };
    std::vector<int> member_rack(n_, kNone);
    std::unordered_map<int, int> consumers_by_rack;
    for (std::size_t m : member_order_) {
      const auto& r = members_[m].rack;
      if (r && !r->empty()) {
        member_rack[m] = rack_id(*r);
        ++consumers_by_rack[member_rack[m]];
      }
    }
    if (consumers_by_rack.empty()) return;

    std::vector<std::vector<int>> racks_of(static_cast<std::size_t>(total_));
    std::set<int> all_partition_racks;
    for (std::size_t t = 0; t < topics_.size(); ++t)
      for (int p = 0; p < topics_[t]->partitions; ++p) {
        auto& set = racks_of[static_cast<std::size_t>(offset_[t] + p)];
        if (static_cast<std::size_t>(p) < topics_[t]->partition_racks.size())
          for (const auto& r : topics_[t]->partition_racks[static_cast<std::size_t>(p)]) set.push_back(rack_id(r));
        std::sort(set.begin(), set.end());
        set.erase(std::unique(set.begin(), set.end()), set.end());
        all_partition_racks.insert(set.begin(), set.end());
      }

    num_consumers_by_partition_.assign(static_cast<std::size_t>(total_), 0);
    for (int g = 0; g < total_; ++g)
      for (int r : racks_of[static_cast<std::size_t>(g)]) {
        auto it = consumers_by_rack.find(r);
        if (it != consumers_by_rack.end()) num_consumers_by_partition_[static_cast<std::size_t>(g)] += it->second;
      }
    have_num_consumers_ = true;

    bool overlap = false;
    for (const auto& [r, count] : consumers_by_rack) overlap = overlap || all_partition_racks.count(r) > 0;
    if (!overlap) return;
    bool use = options_.prefer_rack_aware;
    if (!use) {
      const std::vector<int> all(all_partition_racks.begin(), all_partition_racks.end());
      for (const auto& set : racks_of) use = use || set != all;
    }
    if (!use) return;
    rack_aware_ = true;
    consumer_rack_ = member_rack;
    partition_racks_ = std::move(racks_of);
  }

  bool racks_mismatch(int m, int g) const {
    if (!rack_aware_) return false;
    const int r = consumer_rack_[static_cast<std::size_t>(m)];
    if (r == kNone) return false;
    const auto& set = partition_racks_[static_cast<std::size_t>(g)];
    return !std::binary_search(set.begin(), set.end(), r);
  }
  bool rack_matches(int m, int g) const {
    const int r = consumer_rack_[static_cast<std::size_t>(m)];
    if (r == kNone) return false;
    const auto& set = partition_racks_[static_cast<std::size_t>(g)];
    return std::binary_search(set.begin(), set.end(), r);
  }

  /// RackInfo.nextRackConsumer: the first index at or after @p first (circularly) whose member's
  /// rack holds a replica of @p g, or kNone.
  template <typename List>
  int next_rack_consumer(int g, const List& list, int first) const {
    if (!rack_aware_ || partition_racks_[static_cast<std::size_t>(g)].empty()) return kNone;
    const int n = static_cast<int>(list.size());
    for (int i = 0; i < n; ++i) {
      const int index = (first + i) % n;
      if (rack_matches(list[static_cast<std::size_t>(index)], g)) return index;
    }
    return kNone;
  }

  void sort_by_rack_consumers(std::vector<int>& partitions) const {
    if (!have_num_consumers_) return;
    std::stable_sort(partitions.begin(), partitions.end(), [&](int a, int b) {
      return num_consumers_by_partition_[static_cast<std::size_t>(a)] < num_consumers_by_partition_[static_cast<std::size_t>(b)];
    });
  }

  // ---- ownership (allSubscriptionsEqual) ---------------------------------------------------------

  bool all_subscriptions_equal() {
    bool equal = true;
    std::unordered_set<std::string_view> first;
    // Lists of one class get the same answer: per class, 0 unknown, 1 same as the first, 2 not.
    std::vector<char> same_as_first(n_ == 0 ? 0 : static_cast<std::size_t>(list_class_.back()) + 1, 0);
    std::vector<int> previous_owner(static_cast<std::size_t>(total_), kNone);
    owned_.assign(n_, {});
    multiple_owners_.assign(static_cast<std::size_t>(total_), 0);
    for (std::size_t m : member_order_) {
      const auto& topics = members_[m].topics;
      if (first.empty()) {
        first.insert(topics.begin(), topics.end());
      } else if (equal) {
        char& known = same_as_first[static_cast<std::size_t>(list_class_[m])];
        if (known == 0)
          known = topics.size() == first.size() &&
                          std::all_of(topics.begin(), topics.end(), [&](const std::string& t) { return first.count(t) > 0; })
                      ? 1
                      : 2;
        if (known != 1) equal = false;
      }
      const std::int32_t generation = views_[m].data_generation.value_or(-1);
      max_generation_ = std::max(max_generation_, generation);
      for (const auto& x : views_[m].data_partitions) {
        const int g = lookup(x);
        if (g == kNone) continue;
        int& owner = previous_owner[static_cast<std::size_t>(g)];
        if (owner == kNone) {
          owned_[m].push_back(g);
          owner = static_cast<int>(m);
          continue;
        }
        const int other = owner;
        const std::int32_t other_generation = views_[static_cast<std::size_t>(other)].protocol_generation.value_or(-1);
        if (generation == other_generation) {
          if (!multiple_owners_[static_cast<std::size_t>(g)]) {
            multiple_owners_[static_cast<std::size_t>(g)] = 1;
            multiple_owner_list_.push_back(g);
          }
          remove_first(owned_[static_cast<std::size_t>(other)], g);
          owner = static_cast<int>(m);
        } else if (generation > other_generation) {
          owned_[m].push_back(g);
          remove_first(owned_[static_cast<std::size_t>(other)], g);
          owner = static_cast<int>(m);
        }
      }
    }
    return equal;
  }

  // ---- constrained path (ConstrainedAssignmentBuilder) -------------------------------------------

  void constrained(Result& result);

  // ---- general path (GeneralAssignmentBuilder) ---------------------------------------------------

  struct Movements {
    struct Record {
      int src, dst;
    };
    std::unordered_map<int, Record> by_partition;
    std::unordered_map<int, std::map<std::pair<int, int>, java::HashOrder>> by_topic;
  };

  int size_of(int m) const { return static_cast<int>(out_[static_cast<std::size_t>(m)].size()); }

  struct BySize {
    const Engine* e;
    bool operator()(int a, int b) const {
      const int sa = e->size_of(a), sb = e->size_of(b);
      if (sa != sb) return sa < sb;
      return e->rank_[static_cast<std::size_t>(a)] < e->rank_[static_cast<std::size_t>(b)];
    }
  };

  int max_assignment_size(int m) const {
    if (potential_topics_[static_cast<std::size_t>(m)].size() == topics_.size()) return total_;
    int sum = 0;
    for (int t : potential_topics_[static_cast<std::size_t>(m)]) sum += partition_count(t);
    return sum;
  }

  bool topic_reassignable(int t) const { return potential_consumers_[static_cast<std::size_t>(t)].size() >= 2; }

  void general();

  /// A fingerprint of what the next reassignment pass depends on: every member's partitions in
  /// order and the partition movements recorded so far (their maps' iteration order included).
  std::uint64_t loop_state(const Movements& mv) const {
    auto mix = [](std::uint64_t x) {  // splitmix64's finaliser
      x += 0x9e3779b97f4a7c15ULL;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      return x ^ (x >> 31);
    };
    std::uint64_t h = 0;
    for (std::size_t m = 0; m < n_; ++m) {
      h = mix(h ^ (m + 1));
      for (int g : out_[m]) h = mix(h ^ static_cast<std::uint64_t>(g + 2));
    }
    std::uint64_t parts = 0;  // unordered: summed, so the sum does not depend on the map's order
    for (const auto& [g, rec] : mv.by_partition) {
      parts += mix(mix(mix(static_cast<std::uint64_t>(g)) ^ static_cast<std::uint64_t>(rec.src + 1)) ^
                   static_cast<std::uint64_t>(rec.dst + 1));
    }
    std::uint64_t topics = 0;
    for (const auto& [t, pairs] : mv.by_topic) {
      std::uint64_t th = mix(static_cast<std::uint64_t>(t) + 7);
      for (const auto& [pair, order] : pairs) {
        th = mix(th ^ static_cast<std::uint64_t>(pair.first + 1));
        th = mix(th ^ static_cast<std::uint64_t>(pair.second + 1));
        for (std::size_t id : order.order()) th = mix(th ^ (id + 3));
      }
      topics += th;
    }
    return mix(mix(h ^ parts) ^ topics);
  }

  bool can_participate(int m) const {
    const int size = size_of(m);
    if (size < max_assignment_size(m)) return true;
    for (int g : out_[static_cast<std::size_t>(m)])
      if (topic_reassignable(topic_of_[static_cast<std::size_t>(g)])) return true;
    return false;
  }

  /// GeneralAssignmentBuilder.isBalanced(): sizes within one, or no member below its maximum could
  /// take a partition of one of its topics from a member holding two or more partitions more.
  bool is_balanced(const std::set<int, BySize>& sorted_members) const {
    if (sorted_members.empty()) throw AssignorFailure("NoSuchElementException");
    const int min = size_of(*sorted_members.begin());
    const int max = size_of(*sorted_members.rbegin());
    if (min >= max - 1) return true;
    std::vector<int> max_owner_size(topics_.size(), -1);
    for (std::size_t m = 0; m < n_; ++m) {
      if (!present_[m]) continue;
      const int s = static_cast<int>(out_[m].size());
      for (int g : out_[m]) {
        auto& x = max_owner_size[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])];
        x = std::max(x, s);
      }
    }
    for (int c : sorted_members) {
      const int size = size_of(c);
      if (size == max_assignment_size(c)) continue;
      for (int t : potential_topics_[static_cast<std::size_t>(c)])
        if (max_owner_size[static_cast<std::size_t>(t)] > size + 1) return false;
    }
    return true;
  }

  static long long score_of_sizes(std::vector<int> sizes) {
    std::sort(sizes.begin(), sizes.end());
    long long score = 0;
    const long long n = static_cast<long long>(sizes.size());
    for (long long i = 0; i < n; ++i) score += static_cast<long long>(sizes[static_cast<std::size_t>(i)]) * (2 * i - n + 1);
    return score;
  }
  long long balance_score() const {
    std::vector<int> sizes;
    for (std::size_t m = 0; m < n_; ++m)
      if (present_[m]) sizes.push_back(static_cast<int>(out_[m].size()));
    return score_of_sizes(std::move(sizes));
  }
  long long balance_score_of(const std::vector<std::vector<int>>& lists) const {
    std::vector<int> sizes;
    for (std::size_t m = 0; m < n_; ++m)
      if (present_[m]) sizes.push_back(static_cast<int>(lists[m].size()));
    return score_of_sizes(std::move(sizes));
  }

  void reassign_to_least_loaded(int g, std::set<int, BySize>& sorted_members, Movements& mv) {
    const int t = topic_of_[static_cast<std::size_t>(g)];
    for (int c : sorted_members)
      if (subscribed_[static_cast<std::size_t>(c)][static_cast<std::size_t>(t)]) {
        reassign(g, c, sorted_members, mv);
        return;
      }
    throw AssignorFailure("AssertionError: no consumer for " + to_string(tp(g)));
  }

  void reassign(int g, int new_consumer, std::set<int, BySize>& sorted_members, Movements& mv) {
    const int consumer = owner_[static_cast<std::size_t>(g)];
    const int to_move = actual_partition_to_move(mv, g, consumer, new_consumer);
    const int old = owner_[static_cast<std::size_t>(to_move)];
    sorted_members.erase(old);
    sorted_members.erase(new_consumer);
    move_partition(mv, to_move, old, new_consumer);
    remove_first(out_[static_cast<std::size_t>(old)], to_move);
    out_[static_cast<std::size_t>(new_consumer)].push_back(to_move);
    owner_[static_cast<std::size_t>(to_move)] = new_consumer;
    sorted_members.insert(new_consumer);
    sorted_members.insert(old);
  }

  // PartitionMovements
  int actual_partition_to_move(Movements& mv, int g, int old_consumer, int new_consumer) const {
    const int t = topic_of_[static_cast<std::size_t>(g)];
    auto topic_it = mv.by_topic.find(t);
    if (topic_it == mv.by_topic.end()) return g;
    auto rec = mv.by_partition.find(g);
    if (rec != mv.by_partition.end()) old_consumer = rec->second.src;
    auto set = topic_it->second.find({new_consumer, old_consumer});
    if (set == topic_it->second.end()) return g;
    return static_cast<int>(set->second.first());
  }
  void add_record(Movements& mv, int g, int src, int dst) const {
    mv.by_partition[g] = {src, dst};
    auto& pairs = mv.by_topic[topic_of_[static_cast<std::size_t>(g)]];
    auto it = pairs.find({src, dst});
    if (it == pairs.end()) it = pairs.emplace(std::make_pair(src, dst), java::HashOrder()).first;
    it->second.insert(static_cast<std::size_t>(g), tp_hash(g));
  }
  Movements::Record remove_record(Movements& mv, int g) const {
    const auto rec = mv.by_partition.at(g);
    mv.by_partition.erase(g);
    const int t = topic_of_[static_cast<std::size_t>(g)];
    auto& pairs = mv.by_topic.at(t);
    auto it = pairs.find({rec.src, rec.dst});
    it->second.erase(static_cast<std::size_t>(g), tp_hash(g));
    if (it->second.empty()) pairs.erase(it);
    if (pairs.empty()) mv.by_topic.erase(t);
    return rec;
  }
  void move_partition(Movements& mv, int g, int old_consumer, int new_consumer) const {
    if (mv.by_partition.count(g)) {
      const auto existing = remove_record(mv, g);
      if (existing.src != new_consumer) add_record(mv, g, existing.src, new_consumer);
    } else {
      add_record(mv, g, old_consumer, new_consumer);
    }
  }

  const ClusterMetadata& cluster_;
  const std::vector<MemberSubscription>& members_;
  const std::vector<MemberView>& views_;
  Options options_;
  std::size_t n_;

  std::vector<std::size_t> member_order_;
  std::vector<int> rank_;
  /// Per member (input order): its topic list's class (see index_members).
  std::vector<int> list_class_;

  std::vector<const TopicMetadata*> topics_;
  std::unordered_map<std::string_view, int> topic_index_;
  mutable std::string_view lookup_name_;
  mutable int lookup_topic_ = kNone;
  mutable bool lookup_valid_ = false;
  std::vector<int> offset_;
  std::vector<int> topic_of_;
  std::vector<std::int32_t> topic_hash_;
  int total_ = 0;
  std::vector<std::vector<char>> subscribed_;
  std::vector<std::vector<int>> potential_topics_;
  std::vector<std::vector<int>> potential_consumers_;

  bool rack_aware_ = false;
  std::vector<int> consumer_rack_;
  std::vector<std::vector<int>> partition_racks_;
  bool have_num_consumers_ = false;
  std::vector<int> num_consumers_by_partition_;

  std::int32_t max_generation_ = -1;
  std::vector<std::vector<int>> owned_;
  /// Per partition: claimed by two members of the same generation; and those partitions.
  std::vector<char> multiple_owners_;
  std::vector<int> multiple_owner_list_;
  /// Scratch for dropping first occurrences: the member pass that last dropped each partition.
  std::vector<int> removed_at_;
  int removal_stamp_ = 0;

  std::vector<std::vector<int>> out_;
  std::vector<char> present_;
  std::vector<int> owner_;
};

}  // namespace cgsim::models::assignors::sticky_engine::detail
