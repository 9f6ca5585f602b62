/// @file uniform_heterogeneous.cpp
/// The group coordinator's UniformAssignor for heterogeneous groups (Kafka 3.9
/// UniformHeterogeneousAssignmentBuilder): members subscribe to different topics.
///
/// Algorithm
/// ---------
///  1. Every member keeps its previous partitions of topics it still subscribes to.
///  2. The other partitions are sorted: topics with more partitions per subscriber first, then
///     topics with fewer subscribers, then by partition number (ties between topics follow the
///     iteration order of the coordinator's hash set of partitions). Each goes to the subscriber with
///     the fewest partitions (then lowest member id) that is not yet holding all it could hold.
///  3. Balancing: partitions of topics with two or more subscribers are visited in the same order;
///     a partition whose owner holds two or more partitions more than some other subscriber moves to
///     the least loaded subscriber, until the assignment is balanced (sizes within one, or no member
///     below its maximum could take a partition from a member with two more) or nothing moves.
///     Kafka 3.9.1 refuses to move a partition a second time within one assignment (its movement
///     bookkeeping raises PartitionAssignorException); cgsim reproduces that failure.
/// The result is a set per member (reported sorted).
///
/// Example: A subscribes to t1 (4 partitions) and t2 (2), B only to t2; nobody held anything.
/// Order: t1 (4 per subscriber) before t2 (1 per subscriber). t1-0..t1-3 all go to A (B cannot
/// take them); t2-0 goes to B (0 partitions), t2-1 to B (1 < 4). Result: A [t1-0..t1-3],
/// B [t2-0, t2-1]; balanced in Kafka's sense since B holds everything it could.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/java_order.hpp"
#include "models/kafka/assignors/server_common.hpp"

namespace cgsim::models::assignors::detail {

namespace {

class Heterogeneous {
 public:
  Heterogeneous(const std::vector<MemberSubscription>& members, const server::GroupView& g)
      : members_(members), g_(g), n_(members.size()) {}

  server::Targets run() {
    setup();
    if (topic_order_.empty()) return server::Targets(n_);
    assign_sticky();
    assign_unassigned();
    balance();
    server::Targets out(n_);
    for (int g = 0; g < total_; ++g)
      if (owner_[static_cast<std::size_t>(g)] >= 0)
        out[static_cast<std::size_t>(owner_[static_cast<std::size_t>(g)])].emplace_back(topic_of_[static_cast<std::size_t>(g)],
                                                                                        partition_of(g));
    return out;
  }

 private:
  // Partitions are global ids over all existing topics (cluster order).
  TopicPartition tp(int g) const {
    const int t = topic_of_[static_cast<std::size_t>(g)];
    return {g_.topics[static_cast<std::size_t>(t)].meta->name, g - offset_[static_cast<std::size_t>(t)]};
  }
  int partition_of(int g) const { return g - offset_[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])]; }

  void setup() {
    for (std::size_t t = 0; t < g_.topics.size(); ++t) {
      offset_.push_back(total_);
      total_ += g_.partition_count(static_cast<int>(t));
    }
    topic_of_.resize(static_cast<std::size_t>(total_));
    for (std::size_t t = 0; t < g_.topics.size(); ++t)
      for (int p = 0; p < g_.partition_count(static_cast<int>(t)); ++p) topic_of_[static_cast<std::size_t>(offset_[t] + p)] = static_cast<int>(t);

    // subscribedTopicIds (a HashSet filled member by member) and membersPerTopic.
    java::HashOrder topic_set;
    std::vector<char> seen(g_.topics.size(), 0);
    members_per_topic_.assign(g_.topics.size(), {});
    for (std::size_t m : g_.member_order)
      for (int t : g_.subscriptions[m]) {
        if (!seen[static_cast<std::size_t>(t)]) {
          seen[static_cast<std::size_t>(t)] = 1;
          topic_set.insert(static_cast<std::size_t>(t), g_.topics[static_cast<std::size_t>(t)].id.hash());
        }
        members_per_topic_[static_cast<std::size_t>(t)].push_back(static_cast<int>(m));
      }
    topic_order_ = topic_set.order();

    // The set of all subscribed partitions, filled topic by topic: its iteration order breaks ties
    // when partitions are sorted.
    java::HashOrder partition_set;
    for (std::size_t t : topic_order_)
      for (int p = 0; p < g_.partition_count(static_cast<int>(t)); ++p) {
        const int gid = offset_[t] + p;
        partition_set.insert(static_cast<std::size_t>(gid), server::topic_id_partition_hash(g_.topics[t].id, p));
      }
    set_order_.clear();
    for (std::size_t x : partition_set.order()) set_order_.push_back(static_cast<int>(x));

    size_.assign(n_, 0);
    max_.assign(n_, 0);
    for (std::size_t m : g_.member_order)
      for (int t : g_.subscriptions[m]) max_[m] += g_.partition_count(t);
    owner_.assign(static_cast<std::size_t>(total_), -1);
    unassigned_.assign(static_cast<std::size_t>(total_), 0);
    for (int gid : set_order_) unassigned_[static_cast<std::size_t>(gid)] = 1;
    for (std::size_t m : g_.member_order)
      if (size_[m] < max_[m]) sorted_.insert(static_cast<int>(m));
  }

  // ---- AssignmentManager -------------------------------------------------------------------------

  struct BySize {
    const Heterogeneous* h;
    bool operator()(int a, int b) const {
      const int sa = h->size_[static_cast<std::size_t>(a)], sb = h->size_[static_cast<std::size_t>(b)];
      if (sa != sb) return sa < sb;
      return java::compare(h->members_[static_cast<std::size_t>(a)].member_id,
                           h->members_[static_cast<std::size_t>(b)].member_id) < 0;
    }
  };

  bool at_max(int m) const { return size_[static_cast<std::size_t>(m)] >= max_[static_cast<std::size_t>(m)]; }

  void add(int gid, int m) {
    owner_[static_cast<std::size_t>(gid)] = m;
    sorted_.erase(m);
    ++size_[static_cast<std::size_t>(m)];
    if (!at_max(m)) sorted_.insert(m);
    unassigned_[static_cast<std::size_t>(gid)] = 0;
  }

  void remove(int gid, int m) {
    if (owner_[static_cast<std::size_t>(gid)] == m) owner_[static_cast<std::size_t>(gid)] = -1;
    sorted_.erase(m);
    if (size_[static_cast<std::size_t>(m)] > 0) --size_[static_cast<std::size_t>(m)];
    if (!at_max(m)) sorted_.insert(m);
  }

  // ---- steps -----------------------------------------------------------------------------------

  void assign_sticky() {
    for (std::size_t m : g_.member_order)
      for (const auto& [t, parts] : g_.previous[m]) {
        if (t < 0 || !g_.subscribed[m][static_cast<std::size_t>(t)]) continue;
        for (std::int32_t p : parts) add(offset_[static_cast<std::size_t>(t)] + p, static_cast<int>(m));
      }
  }

  /// The partitions still in the unassigned set, sorted as sortTopicIdPartitions sorts them.
  std::vector<int> sorted_unassigned() const {
    std::vector<int> list;
    for (int gid : set_order_)
      if (unassigned_[static_cast<std::size_t>(gid)]) list.push_back(gid);
    std::stable_sort(list.begin(), list.end(), [&](int a, int b) {
      const int ta = topic_of_[static_cast<std::size_t>(a)], tb = topic_of_[static_cast<std::size_t>(b)];
      const auto sa = members_per_topic_[static_cast<std::size_t>(ta)].size(), sb = members_per_topic_[static_cast<std::size_t>(tb)].size();
      const double ra = static_cast<double>(g_.partition_count(ta)) / static_cast<double>(sa);
      const double rb = static_cast<double>(g_.partition_count(tb)) / static_cast<double>(sb);
      if (ra != rb) return ra > rb;
      if (sa != sb) return sa < sb;
      return partition_of(a) < partition_of(b);
    });
    return list;
  }

  void assign_unassigned() {
    for (int gid : sorted_unassigned()) {
      const int t = topic_of_[static_cast<std::size_t>(gid)];
      std::vector<int> candidates;
      for (int m : members_per_topic_[static_cast<std::size_t>(t)])
        if (!at_max(m)) candidates.push_back(m);
      std::sort(candidates.begin(), candidates.end(), BySize{this});
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      for (int m : candidates)
        if (g_.subscribed[static_cast<std::size_t>(m)][static_cast<std::size_t>(t)] && !at_max(m)) {
          add(gid, m);
          break;
        }
    }
  }

  /// Members that may take part in balancing: below their maximum, or holding a partition of a
  /// topic with two or more subscribers.
  std::vector<char> participants() const {
    std::vector<char> yes(n_, 0);
    for (std::size_t m = 0; m < n_; ++m) yes[m] = size_[m] < max_[m];
    for (int gid = 0; gid < total_; ++gid) {
      const int o = owner_[static_cast<std::size_t>(gid)];
      if (o >= 0 && members_per_topic_[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(gid)])].size() >= 2)
        yes[static_cast<std::size_t>(o)] = 1;
    }
    return yes;
  }

  void balance() {
    for (int gid : set_order_)
      if (unassigned_[static_cast<std::size_t>(gid)])
        throw AssignorFailure("PartitionAssignorException: Some partitions were left unassigned");
    for (int gid : set_order_) {
      const int t = topic_of_[static_cast<std::size_t>(gid)];
      unassigned_[static_cast<std::size_t>(gid)] = members_per_topic_[static_cast<std::size_t>(t)].size() >= 2 ? 1 : 0;
    }
    const std::vector<char> participating = participants();
    for (std::size_t m : g_.member_order)
      if (!participating[m]) sorted_.erase(static_cast<int>(m));
    bool any = false;
    for (int gid : set_order_) any = any || unassigned_[static_cast<std::size_t>(gid)];
    if (any) perform_reassignments();
  }

  bool is_balanced() const {
    if (sorted_.empty()) throw AssignorFailure("NoSuchElementException");
    const int min = size_[static_cast<std::size_t>(*sorted_.begin())];
    const int max = size_[static_cast<std::size_t>(*sorted_.rbegin())];
    if (min >= max - 1) return true;
    std::vector<int> max_owner(g_.topics.size(), 0);
    for (int gid = 0; gid < total_; ++gid) {
      const int o = owner_[static_cast<std::size_t>(gid)];
      if (o < 0) continue;
      auto& x = max_owner[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(gid)])];
      x = std::max(x, size_[static_cast<std::size_t>(o)]);
    }
    for (int m : sorted_) {
      const int s = size_[static_cast<std::size_t>(m)];
      if (s == max_[static_cast<std::size_t>(m)]) continue;
      for (int t : g_.subscriptions[static_cast<std::size_t>(m)])
        if (max_owner[static_cast<std::size_t>(t)] > s + 1) return false;
    }
    return true;
  }

  void perform_reassignments() {
    bool modified;
    do {
      modified = false;
      bool moved = false;
      for (int gid : sorted_unassigned()) {
        if (moved && is_balanced()) return;
        moved = false;
        const int t = topic_of_[static_cast<std::size_t>(gid)];
        const int owner = owner_[static_cast<std::size_t>(gid)];
        if (owner < 0) throw AssignorFailure("PartitionAssignorException: Expected topicIdPartition to be assigned to a member");
        for (int other : members_per_topic_[static_cast<std::size_t>(t)]) {
          if (size_[static_cast<std::size_t>(owner)] > size_[static_cast<std::size_t>(other)] + 1) {
            reassign(gid);
            modified = moved = true;
            break;
          }
        }
      }
    } while (modified);
  }

  void reassign(int gid) {
    const int t = topic_of_[static_cast<std::size_t>(gid)];
    int new_owner = -1;
    for (int m : sorted_)
      if (g_.subscribed[static_cast<std::size_t>(m)][static_cast<std::size_t>(t)]) {
        new_owner = m;
        break;
      }
    if (new_owner < 0) throw AssignorFailure("PartitionAssignorException: No suitable new owner was found for the partition");
    const int owner = owner_[static_cast<std::size_t>(gid)];
    const int to_move = actual_partition_to_move(gid, owner, new_owner);
    const int old = owner_[static_cast<std::size_t>(to_move)];
    move_partition(to_move, old, new_owner);
    remove(to_move, old);
    add(to_move, new_owner);
  }

  // ---- PartitionMovements ------------------------------------------------------------------------

  struct Record {
    int src, dst;
  };

  int actual_partition_to_move(int gid, int old_owner, int new_owner) {
    const int t = topic_of_[static_cast<std::size_t>(gid)];
    auto topic_it = by_topic_.find(t);
    if (topic_it == by_topic_.end()) return gid;
    auto rec = by_partition_.find(gid);
    if (rec != by_partition_.end()) {
      if (old_owner != rec->second.dst)
        throw AssignorFailure("PartitionAssignorException: Old owner does not match expected value for partition");
      old_owner = rec->second.src;
    }
    auto set = topic_it->second.find({new_owner, old_owner});
    if (set == topic_it->second.end()) return gid;
    return static_cast<int>(set->second.first());
  }

  void add_record(int gid, int src, int dst) {
    by_partition_[gid] = {src, dst};
    auto& pairs = by_topic_[topic_of_[static_cast<std::size_t>(gid)]];
    auto it = pairs.find({src, dst});
    if (it == pairs.end()) it = pairs.emplace(std::make_pair(src, dst), java::HashOrder()).first;
    const int t = topic_of_[static_cast<std::size_t>(gid)];
    it->second.insert(static_cast<std::size_t>(gid), server::topic_id_partition_hash(g_.topics[static_cast<std::size_t>(t)].id, partition_of(gid)));
  }

  void move_partition(int gid, int old_owner, int new_owner) {
    auto rec = by_partition_.find(gid);
    if (rec == by_partition_.end()) {
      add_record(gid, old_owner, new_owner);
      return;
    }
    const Record existing = rec->second;
    by_partition_.erase(rec);
    const int t = topic_of_[static_cast<std::size_t>(gid)];
    auto& pairs = by_topic_.at(t);
    auto it = pairs.find({existing.src, existing.dst});
    it->second.erase(static_cast<std::size_t>(gid), server::topic_id_partition_hash(g_.topics[static_cast<std::size_t>(t)].id, partition_of(gid)));
    if (it->second.empty()) pairs.erase(it);
    if (pairs.empty()) by_topic_.erase(t);
    // Kafka 3.9's check is inverted: a recorded partition always has its current owner as the
    // record's destination, so moving it again fails.
    if (existing.dst == old_owner)
      throw AssignorFailure(
          "PartitionAssignorException: Mismatch in partition movement record with respect to partition ownership "
          "during a rebalance");
    if (existing.src != new_owner) add_record(gid, existing.src, new_owner);
  }

  const std::vector<MemberSubscription>& members_;
  const server::GroupView& g_;
  std::size_t n_;
  std::vector<int> offset_, topic_of_;
  int total_ = 0;
  std::vector<std::vector<int>> members_per_topic_;
  std::vector<std::size_t> topic_order_;
  std::vector<int> set_order_;
  std::vector<int> size_, max_, owner_;
  std::vector<char> unassigned_;
  std::set<int, BySize> sorted_{BySize{this}};
  std::unordered_map<int, Record> by_partition_;
  std::unordered_map<int, std::map<std::pair<int, int>, java::HashOrder>> by_topic_;
};

}  // namespace

server::Targets uniform_heterogeneous(const std::vector<MemberSubscription>& members, const server::GroupView& g) {
  return Heterogeneous(members, g).run();
}

}  // namespace cgsim::models::assignors::detail
