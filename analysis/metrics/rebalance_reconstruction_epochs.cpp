/// @file rebalance_reconstruction_epochs.cpp
/// Rebalances of a group on KIP-848's consumer protocol, rebuilt from its members' reports.
///
/// Under the consumer protocol there is no generation shared by the group: each member moves to
/// the group's epoch on its own, after revoking what it must give up, and a member whose
/// assignment does not change moves without calling a listener at all. A listener also reports
/// the member epoch from before the move while it runs. So the epochs the clients report cannot
/// delimit the group's states; ownership can. The group is settled at an instant when every
/// partition of its topics is held by exactly one live member, none is without a share, and none
/// has yet to receive more in its current member epoch (known afterwards from its later reports);
/// each settled state whose
/// ownership differs from the previous one is a generation (numbered by the highest member epoch
/// seen so far, kept increasing), and the rebalance that led to it runs from the first sign of
/// change after the previous one (a revocation, a new member's first assignment, a changed
/// assignment, a join or leave fault) to the settled instant. This is what the simulator's
/// coordinator records too: a rebalance from the epoch bump until every member owns its target.
#include <algorithm>
#include <map>
#include <set>

#include "analysis/metrics/rebalance_reconstruction.hpp"

namespace cgsim::analysis {

namespace {

double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

Reconstruction reconstruct_epoch_rebalances(const MembershipLog& g, const std::vector<std::string>& names,
                                            std::int64_t end_ns) {
  Reconstruction out;
  // Every report in time order; at one instant, revocations and stops before assignments.
  struct Ev {
    std::int64_t t;
    int order;  // 0: revoke, 1: stop, 2: assign
    const std::string* consumer;
    const std::vector<std::int32_t>* partitions;
    std::int32_t epoch;
  };
  std::vector<Ev> evs;
  for (const auto& r : g.revokes) evs.push_back({r.t, 0, &r.consumer, &r.partitions, -1});
  for (const auto& r : g.stops) evs.push_back({r.t, 1, &r.consumer, &r.partitions, -1});
  for (const auto& a : g.assigns) evs.push_back({a.t, 2, &a.consumer, &a.current, a.generation});
  // An assignment is partial when the same member later receives more in the same member epoch:
  // its target included partitions another member was still giving up.
  std::set<const std::vector<std::int32_t>*> partial;
  for (std::size_t i = 0; i < g.assigns.size(); ++i) {
    const MembershipLog::Assign& a = g.assigns[i];
    if (a.generation < 0) continue;
    for (std::size_t j = i + 1; j < g.assigns.size(); ++j) {
      const MembershipLog::Assign& b = g.assigns[j];
      if (b.consumer == a.consumer && b.generation == a.generation && b.t >= a.t && b.current.size() > a.current.size()) {
        partial.insert(&a.current);
        break;
      }
    }
  }
  std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.order < b.order; });

  std::set<std::int32_t> all;  // the partitions that exist at the instant looked at
  auto exist_at = [&](std::int64_t t) {
    all.clear();
    for (auto p : g.partitions) {
      auto c = g.created.find(p);
      if (c == g.created.end() || c->second <= t) all.insert(p);
    }
  };
  exist_at(0);
  std::map<std::string, std::set<std::int32_t>> held;  // live members -> what each holds now
  std::set<std::string> reconciling;                   // members whose last assignment was partial
  std::map<std::int32_t, std::string> owners;          // at the last settled state
  std::int64_t prev_end = -1;
  std::int64_t change = INT64_MAX;  // first sign of change since the last settled state
  std::int64_t revoked = 0;
  std::int32_t epoch_seen = 0, last_gen = 0;
  bool first = true;
  for (auto& s : g.starts) change = std::min(change, s);

  auto settled_owners = [&](std::map<std::int32_t, std::string>& now) {
    if (!reconciling.empty()) return false;
    std::size_t n = 0;
    for (const auto& [name, parts] : held) {
      // A member that holds nothing while there are partitions enough for everyone has not
      // received its share yet (the assignors balance a homogeneous group).
      if (parts.empty() && held.size() <= all.size()) return false;
      for (auto p : parts) {
        if (!all.count(p) || !now.emplace(p, name).second) return false;
        ++n;
      }
    }
    return n == all.size();
  };

  for (std::size_t i = 0; i < evs.size();) {
    const std::int64_t t = evs[i].t;
    if (t > end_ns) break;
    for (; i < evs.size() && evs[i].t == t; ++i) {
      const Ev& e = evs[i];
      if (e.order == 0) {
        auto h = held.find(*e.consumer);
        if (h != held.end())
          for (auto p : *e.partitions) h->second.erase(p);
        revoked += static_cast<std::int64_t>(e.partitions->size());
        change = std::min(change, t);
      } else if (e.order == 1) {
        // A member that stops: what it held is free. A crashed member's partitions wait for the
        // coordinator to notice (session timeout); the rebalance starts with the first
        // reassignment, as it starts with the epoch bump in the simulator.
        held.erase(*e.consumer);
        reconciling.erase(*e.consumer);
      } else {
        if (partial.count(e.partitions)) {
          reconciling.insert(*e.consumer);
        } else {
          reconciling.erase(*e.consumer);
        }
        auto [h, fresh] = held.try_emplace(*e.consumer);
        std::set<std::int32_t> now(e.partitions->begin(), e.partitions->end());
        if (fresh || now != h->second) change = std::min(change, t);
        h->second = std::move(now);
        epoch_seen = std::max(epoch_seen, e.epoch);
      }
    }
    std::map<std::int32_t, std::string> now;
    if (!g.created.empty()) exist_at(t);
    if (held.empty() || !settled_owners(now) || (!first && now == owners)) continue;

    GenerationRecord gr;
    gr.group = g.group;
    gr.generation = std::max(epoch_seen, last_gen + 1);
    gr.start_s = secs(t);
    for (const auto& [name, parts] : held) {
      auto& v = gr.assignment[name];
      for (auto p : parts) v.push_back(names[static_cast<std::size_t>(p)]);
      std::sort(v.begin(), v.end());
    }
    out.generations.push_back(gr);

    RebalanceRecord rr;
    rr.group = g.group;
    rr.start_s = secs(std::min(change, t));
    rr.end_s = secs(t);
    rr.generation = gr.generation;
    rr.protocol = "consumer";
    rr.trigger = first ? "initial" : "unknown";
    std::int64_t fault_t = INT64_MAX;
    for (const auto& f : g.faults) {
      if (f.t <= prev_end || f.t > t) continue;
      // A leave starts its rebalance at once (the member revokes, then sends its leave
      // heartbeat); a joiner bumps the group epoch only with its first heartbeat, after its
      // client's start-up, which its first (empty) assignment reports.
      if (f.kind == models::FaultSpec::Kind::Leave) rr.start_s = std::min(rr.start_s, secs(f.t));
      if (!first && f.t < fault_t) {
        fault_t = f.t;
        rr.trigger = rebalance_trigger(f.kind);
      }
    }
    for (const auto& [p, c] : now) {
      auto o = owners.find(p);
      if (o == owners.end() || o->second != c) ++rr.partitions_moved;
    }
    rr.partitions_revoked = revoked;
    rr.partitions_assigned = static_cast<std::int64_t>(now.size());
    out.rebalances.push_back(rr);

    owners = std::move(now);
    last_gen = gr.generation;
    prev_end = t;
    change = INT64_MAX;
    revoked = 0;
    first = false;
  }

  // A rebalance that had started but not settled by the end.
  if (change != INT64_MAX && change <= end_ns && !first) {
    RebalanceRecord rr;
    rr.group = g.group;
    rr.start_s = secs(change);
    rr.end_s = -1;
    rr.generation = last_gen + 1;
    rr.trigger = "unknown";
    for (const auto& f : g.faults)
      if (f.t > prev_end) {
        rr.trigger = rebalance_trigger(f.kind);
        break;
      }
    rr.protocol = "consumer";
    out.rebalances.push_back(rr);
  }
  return out;
}

}  // namespace cgsim::analysis
