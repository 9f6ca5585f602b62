#include "models/kafka/assignors/tools/random_cases.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "models/kafka/assignors/server_common.hpp"

namespace cgsim::models::assignors {

namespace {

using cgsim::sim::Rng;

int between(Rng& rng, int lo, int hi) { return lo + static_cast<int>(rng.below(static_cast<std::uint64_t>(hi - lo + 1))); }
bool chance(Rng& rng, double p) { return rng.uniform() < p; }

std::string hex(Rng& rng, int digits) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += kHex[rng.below(16)];
  return s;
}

std::string topic_name(Rng& rng, int i) {
  static const char* kWords[] = {"orders", "payments", "clicks", "chat", "match-events", "player_stats", "audit",
                                 "inventory", "sessions", "telemetry", "leaderboard", "billing.v2"};
  switch (rng.below(4)) {
    case 0: return "t" + std::to_string(i);
    case 1: return std::string(kWords[rng.below(12)]) + "-" + std::to_string(i);
    case 2: return "topic_" + hex(rng, 4) + "_" + std::to_string(i);
    default: return std::string(kWords[rng.below(12)]) + "." + std::to_string(i) + hex(rng, 2);
  }
}

template <typename T>
void shuffle(Rng& rng, std::vector<T>& v) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

std::vector<std::string> random_subset(Rng& rng, const std::vector<std::string>& all, int min_size) {
  std::vector<std::string> out;
  for (const auto& t : all)
    if (chance(rng, 0.5)) out.push_back(t);
  while (static_cast<int>(out.size()) < min_size && out.size() < all.size()) {
    const auto& t = all[rng.below(all.size())];
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  shuffle(rng, out);
  return out;
}

}  // namespace

std::string random_member_id(Rng& rng, int n) {
  return "consumer-group-" + std::to_string(n) + "-" + hex(rng, 8) + "-" + hex(rng, 4) + "-" + hex(rng, 4) + "-" +
         hex(rng, 4) + "-" + hex(rng, 12);
}

AssignCase random_case(Rng& rng, const std::string& assignor, const RandomCaseLimits& limits) {
  AssignCase c;
  c.assignor = assignor;

  // Topics and replica racks.
  const int num_topics = between(rng, 1, limits.max_topics);
  std::vector<std::string> names;
  std::set<std::string> used;
  while (static_cast<int>(names.size()) < num_topics) {
    std::string n = topic_name(rng, static_cast<int>(names.size()));
    if (used.insert(n).second) names.push_back(n);
  }
  std::vector<std::string> racks;
  if (chance(rng, 0.4)) {
    const int r = between(rng, 2, 4);
    for (int i = 0; i < r; ++i) racks.push_back(std::string("rack-") + static_cast<char>('a' + i));
  }
  const bool all_on_all_racks = !racks.empty() && chance(rng, 0.15);
  const bool explicit_ids = chance(rng, 0.2);
  for (const auto& name : names) {
    TopicMetadata t;
    t.name = name;
    const double size_kind = rng.uniform();
    t.partitions = size_kind < 0.4 ? between(rng, 1, 8) : size_kind < 0.8 ? between(rng, 1, 30) : between(rng, 1, limits.max_partitions);
    if (!racks.empty()) {
      const int rf = between(rng, 1, std::min<int>(3, static_cast<int>(racks.size())));
      const bool consecutive = chance(rng, 0.5);
      for (int p = 0; p < t.partitions; ++p) {
        std::vector<std::string> rs;
        if (all_on_all_racks) {
          rs = racks;
        } else if (consecutive) {
          for (int j = 0; j < rf; ++j) rs.push_back(racks[static_cast<std::size_t>(p + j) % racks.size()]);
        } else {
          std::vector<std::string> pool = racks;
          shuffle(rng, pool);
          rs.assign(pool.begin(), pool.begin() + rf);
        }
        t.partition_racks.push_back(std::move(rs));
      }
    }
    if (explicit_ids) t.topic_id = server::format_uuid({rng.next_u64(), rng.next_u64()});
    c.cluster.topics.push_back(std::move(t));
  }

  // Members.
  const int num_members = chance(rng, 0.5) ? between(rng, 1, std::min(10, limits.max_members)) : between(rng, 1, limits.max_members);
  const double static_share = std::array<double, 3>{0.0, 0.5, 1.0}[rng.below(3)];
  const bool homogeneous = chance(rng, 0.5);
  const std::vector<std::string> common = random_subset(rng, names, 1);
  for (int i = 0; i < num_members; ++i) {
    MemberSubscription m;
    m.member_id = random_member_id(rng, i);
    if (chance(rng, static_share)) m.group_instance_id = "instance-" + std::to_string(i) + "-" + hex(rng, 3);
    if (!racks.empty() && chance(rng, 0.85))
      m.rack = chance(rng, 0.05) ? std::string("rack-z") : racks[rng.below(racks.size())];
    if (homogeneous) {
      m.topics = common;
      shuffle(rng, m.topics);
    } else {
      m.topics = random_subset(rng, names, chance(rng, 0.05) ? 0 : 1);
      if (chance(rng, 0.05)) m.topics.push_back("ghost-" + hex(rng, 3));
    }
    c.members.push_back(std::move(m));
  }

  // A previous round: some current members were there (joiners were not), some members have left,
  // subscriptions may have changed. Its partitions were dealt to the less loaded of two candidates.
  if (chance(rng, 0.7)) {
    const std::int32_t generation = between(rng, 1, 20);
    struct Prev {
      int current;  // index into c.members, or -1 for a member that has left
      std::vector<std::string> topics;
      std::vector<TopicPartition> owned;
    };
    std::vector<Prev> prev;
    for (int i = 0; i < num_members; ++i) {
      if (chance(rng, 0.2)) continue;  // joined since
      Prev p{i, c.members[static_cast<std::size_t>(i)].topics, {}};
      if (chance(rng, 0.2)) p.topics = random_subset(rng, names, 1);
      prev.push_back(std::move(p));
    }
    const int leavers = between(rng, 0, 3);
    for (int i = 0; i < leavers; ++i) prev.push_back({-1, random_subset(rng, names, 1), {}});
    std::vector<TopicPartition> all;
    for (const auto& t : c.cluster.topics)
      for (int p = 0; p < t.partitions; ++p) all.push_back({t.name, p});
    shuffle(rng, all);
    for (const auto& tp : all) {
      std::vector<std::size_t> candidates;
      for (std::size_t k = 0; k < prev.size(); ++k)
        if (std::find(prev[k].topics.begin(), prev[k].topics.end(), tp.topic) != prev[k].topics.end()) candidates.push_back(k);
      if (candidates.empty()) continue;
      std::size_t a = candidates[rng.below(candidates.size())], b = candidates[rng.below(candidates.size())];
      if (prev[b].owned.size() < prev[a].owned.size()) a = b;
      prev[a].owned.push_back(tp);
    }
    for (auto& p : prev) {
      if (p.current < 0) continue;
      auto& m = c.members[static_cast<std::size_t>(p.current)];
      m.owned = std::move(p.owned);
      m.generation = generation;
      if (chance(rng, 0.05)) m.owned.push_back({"deleted-topic", static_cast<std::int32_t>(rng.below(4))});
    }
    // Stale and conflicting claims, which the sticky assignors resolve by generation.
    if (limits.conflicting_claims && chance(rng, 0.3)) {
      const int k = between(rng, 1, 3);
      for (int i = 0; i < k; ++i) {
        auto& m = c.members[rng.below(c.members.size())];
        m.generation = chance(rng, 0.5) ? std::max<std::int32_t>(0, generation - between(rng, 1, 2)) : generation;
        const int extra = between(rng, 1, 5);
        for (int e = 0; e < extra && !all.empty(); ++e) {
          const auto& tp = all[rng.below(all.size())];
          if (std::find(m.owned.begin(), m.owned.end(), tp) == m.owned.end()) m.owned.push_back(tp);
        }
      }
    }
  }
  return c;
}

}  // namespace cgsim::models::assignors
