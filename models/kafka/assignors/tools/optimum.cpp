#include "models/kafka/assignors/tools/optimum.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

namespace cgsim::models::assignors {

namespace {

using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using Graph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, long,
                    boost::property<boost::edge_residual_capacity_t, long,
                                    boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                    boost::property<boost::edge_weight_t, double>>>>>;
using Edge = Traits::edge_descriptor;

struct Network {
  Graph g;
  // Costs are doubles: Boost adds the infinite distances of vertices the source cannot reach to
  // their potentials, which overflows an integer type.
  Edge add(std::size_t u, std::size_t v, long capacity, double cost) {
    const Edge e = boost::add_edge(u, v, g).first;
    const Edge r = boost::add_edge(v, u, g).first;
    boost::get(boost::edge_capacity, g)[e] = capacity;
    boost::get(boost::edge_capacity, g)[r] = 0;
    boost::get(boost::edge_weight, g)[e] = cost;
    boost::get(boost::edge_weight, g)[r] = -cost;
    boost::get(boost::edge_reverse, g)[e] = r;
    boost::get(boost::edge_reverse, g)[r] = e;
    return e;
  }
  long flow(const Edge& e) const {
    return boost::get(boost::edge_capacity, g)[e] - boost::get(boost::edge_residual_capacity, g)[e];
  }
};

/// Partitions of one topic that had the same previous owner (-1: none) form one class.
struct Class {
  int topic;
  int owner;
  std::vector<int> partitions;
};

struct Problem {
  std::vector<const TopicMetadata*> topics;
  std::vector<std::vector<int>> subscribers;  // per topic: eligible members
  std::vector<int> eligible;                  // members with at least one partition available
  std::vector<Class> classes;
  long total = 0;
};

Problem build(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  Problem pr;
  std::unordered_map<std::string, int> index;
  for (const auto& t : cluster.topics) {
    if (t.partitions <= 0 || index.count(t.name)) continue;
    bool subscribed = false;
    for (const auto& m : members) subscribed = subscribed || std::count(m.topics.begin(), m.topics.end(), t.name) > 0;
    if (!subscribed) continue;
    index.emplace(t.name, static_cast<int>(pr.topics.size()));
    pr.topics.push_back(&t);
  }
  pr.subscribers.assign(pr.topics.size(), {});
  std::vector<char> is_eligible(members.size(), 0);
  for (std::size_t m = 0; m < members.size(); ++m)
    for (const auto& name : members[m].topics) {
      auto it = index.find(name);
      if (it == index.end()) continue;
      auto& subs = pr.subscribers[static_cast<std::size_t>(it->second)];
      if (std::find(subs.begin(), subs.end(), static_cast<int>(m)) == subs.end()) subs.push_back(static_cast<int>(m));
      is_eligible[m] = 1;
    }
  for (std::size_t m = 0; m < members.size(); ++m)
    if (is_eligible[m]) pr.eligible.push_back(static_cast<int>(m));

  // Previous owner of each partition: the first member listing it.
  std::map<std::pair<int, int>, int> owner;
  for (std::size_t m = 0; m < members.size(); ++m)
    for (const auto& tp : members[m].owned) {
      auto it = index.find(tp.topic);
      if (it == index.end() || tp.partition < 0 || tp.partition >= pr.topics[static_cast<std::size_t>(it->second)]->partitions)
        continue;
      owner.emplace(std::make_pair(it->second, tp.partition), static_cast<int>(m));
    }
  std::map<std::pair<int, int>, std::size_t> class_index;
  for (std::size_t t = 0; t < pr.topics.size(); ++t)
    for (int p = 0; p < pr.topics[t]->partitions; ++p) {
      auto it = owner.find({static_cast<int>(t), p});
      const int o = it == owner.end() ? -1 : it->second;
      auto [ci, added] = class_index.emplace(std::make_pair(static_cast<int>(t), o), pr.classes.size());
      if (added) pr.classes.push_back({static_cast<int>(t), o, {}});
      pr.classes[ci->second].partitions.push_back(p);
      ++pr.total;
    }
  return pr;
}

/// Solves for the band [lo, hi]; returns nullopt when no assignment fits in it.
std::optional<Optimum> solve(const Problem& pr, const std::vector<MemberSubscription>& members, long lo, long hi) {
  const long m_count = static_cast<long>(pr.eligible.size());
  const std::size_t S = 0, T = 1, s = 2, t = 3, class_base = 4, member_base = 4 + pr.classes.size();
  Network net;
  for (std::size_t i = 0; i < member_base + members.size(); ++i) boost::add_vertex(net.g);

  std::vector<std::vector<std::pair<int, Edge>>> class_edges(pr.classes.size());
  for (std::size_t c = 0; c < pr.classes.size(); ++c) {
    const auto& cl = pr.classes[c];
    const long n = static_cast<long>(cl.partitions.size());
    net.add(S, class_base + c, n, 0);  // every partition must be assigned (lower bound = upper bound)
    for (int m : pr.subscribers[static_cast<std::size_t>(cl.topic)])
      class_edges[c].emplace_back(m, net.add(class_base + c, member_base + static_cast<std::size_t>(m), n,
                                              cl.owner >= 0 && cl.owner != m ? 1 : 0));
  }
  net.add(s, T, pr.total, 0);
  for (int m : pr.eligible) {
    net.add(member_base + static_cast<std::size_t>(m), t, hi - lo, 0);
    if (lo > 0) net.add(member_base + static_cast<std::size_t>(m), T, lo, 0);
  }
  if (lo > 0) net.add(S, t, lo * m_count, 0);
  net.add(t, s, pr.total + lo * m_count, 0);

  boost::successive_shortest_path_nonnegative_weights(net.g, S, T);
  long delivered = 0;
  auto [ei, ee] = boost::out_edges(S, net.g);
  for (; ei != ee; ++ei)
    if (boost::get(boost::edge_capacity, net.g)[*ei] > 0) delivered += net.flow(*ei);
  if (delivered != pr.total + lo * m_count) return std::nullopt;

  Optimum o;
  o.lo = lo;
  o.hi = hi;
  std::vector<std::vector<TopicPartition>> lists(members.size());
  for (std::size_t c = 0; c < pr.classes.size(); ++c) {
    const auto& cl = pr.classes[c];
    std::size_t next = 0;
    for (const auto& [m, e] : class_edges[c]) {
      const long f = net.flow(e);
      for (long k = 0; k < f; ++k)
        lists[static_cast<std::size_t>(m)].push_back({pr.topics[static_cast<std::size_t>(cl.topic)]->name, cl.partitions[next++]});
      if (cl.owner >= 0 && cl.owner != m) o.moves += f;
    }
  }
  long mn = 0, mx = 0;
  bool first = true;
  for (int m : pr.eligible) {
    const long n = static_cast<long>(lists[static_cast<std::size_t>(m)].size());
    mn = first ? n : std::min(mn, n);
    mx = first ? n : std::max(mx, n);
    first = false;
  }
  o.spread = mx - mn;
  for (std::size_t m = 0; m < members.size(); ++m) {
    std::sort(lists[m].begin(), lists[m].end());
    o.assignment[members[m].member_id] = std::move(lists[m]);
  }
  return o;
}

}  // namespace

Optimum optimal_assignment(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  const Problem pr = build(cluster, members);
  Optimum none;
  for (const auto& m : members) none.assignment[m.member_id] = {};
  if (pr.total == 0 || pr.eligible.empty()) return none;
  const long m_count = static_cast<long>(pr.eligible.size());
  const long floor_share = pr.total / m_count, ceil_share = (pr.total + m_count - 1) / m_count;
  for (long d = ceil_share - floor_share; d <= pr.total; ++d)
    for (long lo = floor_share; lo >= 0 && lo + d >= ceil_share; --lo)
      if (auto o = solve(pr, members, lo, lo + d)) return *o;
  return none;  // unreachable: [0, total] is always feasible
}

std::int64_t count_moves(const std::map<TopicPartition, std::string>& owners, const Assignment& after) {
  std::int64_t moves = 0;
  for (const auto& [member, list] : after)
    for (const auto& tp : list) {
      auto it = owners.find(tp);
      if (it != owners.end() && it->second != member) ++moves;
    }
  return moves;
}

std::int64_t balance_of(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members,
                        const Assignment& a) {
  const Problem pr = build(cluster, members);
  if (pr.eligible.empty()) return 0;
  std::size_t mn = SIZE_MAX, mx = 0;
  for (int m : pr.eligible) {
    auto it = a.find(members[static_cast<std::size_t>(m)].member_id);
    const std::size_t n = it == a.end() ? 0 : it->second.size();
    mn = std::min(mn, n);
    mx = std::max(mx, n);
  }
  return static_cast<std::int64_t>(mx - mn);
}

}  // namespace cgsim::models::assignors
