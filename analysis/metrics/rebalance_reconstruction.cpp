#include "analysis/metrics/rebalance_reconstruction.hpp"

#include <algorithm>
#include <climits>

namespace cgsim::analysis {

namespace {

double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

const char* rebalance_trigger(models::FaultSpec::Kind k) {
  switch (k) {
    case models::FaultSpec::Kind::Crash: return "session_timeout";
    case models::FaultSpec::Kind::Leave: return "leave";
    case models::FaultSpec::Kind::Join: return "join";
    case models::FaultSpec::Kind::Slow: return "max_poll_interval";
    case models::FaultSpec::Kind::Restart: return "restart";
    case models::FaultSpec::Kind::RollingRestart: return "restart";
    case models::FaultSpec::Kind::AddPartitions: return "metadata";
  }
  return "unknown";
}

Reconstruction reconstruct_rebalances(const MembershipLog& g, const std::vector<std::string>& names,
                                      std::int64_t end_ns) {
  if (g.consumer_protocol) return reconstruct_epoch_rebalances(g, names, end_ns);
  Reconstruction out;
  // Generation -> consumer -> its last assignment event in that generation.
  std::map<std::int32_t, std::map<std::string, const MembershipLog::Assign*>> gens;
  for (const auto& a : g.assigns) gens[a.generation][a.consumer] = &a;

  std::map<std::int32_t, std::string> owners;  // partition -> consumer, previous generation
  std::int64_t prev_end = -1;
  bool first = true;
  bool prev_revoked = false;  // cooperative: the previous generation revoked partitions
  const std::string protocol = g.cooperative ? "cooperative" : "eager";
  for (const auto& [gen, members] : gens) {
    std::int64_t t_first = INT64_MAX, t_last = INT64_MIN;
    GenerationRecord gr;
    gr.group = g.group;
    gr.generation = gen;
    std::map<std::int32_t, std::string> now_owners;
    for (const auto& [name, ev] : members) {
      t_first = std::min(t_first, ev->t);
      t_last = std::max(t_last, ev->t);
      auto& v = gr.assignment[name];
      for (auto p : ev->current) {
        v.push_back(names[static_cast<std::size_t>(p)]);
        now_owners[p] = name;
      }
      std::sort(v.begin(), v.end());
    }
    gr.start_s = secs(t_first);
    out.generations.push_back(gr);

    // When did this rebalance start? The earliest sign of it after the previous generation ended:
    // a revocation, a membership fault, or the coordinator seen preparing a rebalance.
    std::int64_t start = t_first;
    std::string trigger = first ? "initial" : "unknown";
    std::int64_t revoked = 0;
    auto in_window = [&](std::int64_t t) { return t > prev_end && t <= t_last; };
    if (first) {
      for (auto t : g.starts) start = std::min(start, t);
    }
    // Revocations by members of this generation (not by a member leaving the group): with the
    // incremental protocol they call for a follow-up round.
    std::int64_t revoked_by_members = 0;
    for (const auto& r : g.revokes) {
      if (!in_window(r.t)) continue;
      start = std::min(start, r.t);
      revoked += static_cast<std::int64_t>(r.partitions.size());
      if (members.count(r.consumer)) revoked_by_members += static_cast<std::int64_t>(r.partitions.size());
    }
    std::int64_t fault_t = INT64_MAX;
    for (const auto& f : g.faults) {
      if (!in_window(f.t)) continue;
      const bool membership = f.kind == models::FaultSpec::Kind::Join || f.kind == models::FaultSpec::Kind::Leave ||
                              ((f.kind == models::FaultSpec::Kind::Restart ||
                                f.kind == models::FaultSpec::Kind::RollingRestart) &&
                               !g.static_membership);
      if (membership) start = std::min(start, f.t);
      if (!first && f.t < fault_t) {
        fault_t = f.t;
        trigger = rebalance_trigger(f.kind);
      }
    }
    for (const auto& [t, state] : g.states) {
      if (in_window(t) && (state == "PreparingRebalance" || state == "CompletingRebalance")) start = std::min(start, t);
    }

    std::int64_t moved = 0;
    for (const auto& [p, c] : now_owners) {
      auto o = owners.find(p);
      if (o == owners.end() || o->second != c) ++moved;
    }
    if (g.cooperative && prev_revoked && !out.rebalances.empty() && out.rebalances.back().group == g.group) {
      // The incremental protocol's follow-up round: members that revoked partitions rejoin at
      // once and this generation hands the withheld partitions out. One rebalance, two rounds,
      // as the simulator counts it.
      RebalanceRecord& rr = out.rebalances.back();
      rr.end_s = secs(t_last);
      rr.generation = gen;
      rr.rounds += 1;
      rr.partitions_moved += moved;
      rr.partitions_revoked += revoked;
      rr.partitions_assigned = static_cast<std::int64_t>(now_owners.size());
      owners = std::move(now_owners);
      prev_end = t_last;
      prev_revoked = revoked_by_members > 0;
      continue;
    }
    RebalanceRecord rr;
    rr.group = g.group;
    rr.start_s = secs(start);
    rr.end_s = secs(t_last);
    rr.generation = gen;
    rr.trigger = trigger;
    rr.protocol = protocol;
    rr.partitions_moved = moved;
    rr.partitions_revoked = g.cooperative ? revoked : static_cast<std::int64_t>(owners.size());
    rr.partitions_assigned = static_cast<std::int64_t>(now_owners.size());
    out.rebalances.push_back(rr);

    owners = std::move(now_owners);
    prev_end = t_last;
    prev_revoked = revoked_by_members > 0;
    first = false;
  }

  // A rebalance that started after the last generation and had not finished by the end.
  std::int64_t open = INT64_MAX;
  for (const auto& r : g.revokes)
    if (r.t > prev_end && r.t <= end_ns) open = std::min(open, r.t);
  for (const auto& [t, state] : g.states)
    if (t > prev_end && t <= end_ns && state == "PreparingRebalance") open = std::min(open, t);
  if (open != INT64_MAX) {
    RebalanceRecord rr;
    rr.group = g.group;
    rr.start_s = secs(open);
    rr.end_s = -1;
    rr.generation = gens.empty() ? 0 : gens.rbegin()->first + 1;
    rr.trigger = "unknown";
    for (const auto& f : g.faults)
      if (f.t > prev_end) {
        rr.trigger = rebalance_trigger(f.kind);
        break;
      }
    rr.protocol = protocol;
    out.rebalances.push_back(rr);
  }
  return out;
}

std::map<std::int32_t, std::vector<std::int64_t>> partition_hand_outs(const MembershipLog& g) {
  struct Ev {
    std::int64_t t;
    int order;  // 0: revoke or stop, 1: assign
    const std::string* consumer;
    const std::vector<std::int32_t>* partitions;
  };
  std::vector<Ev> evs;
  for (const auto& r : g.revokes) evs.push_back({r.t, 0, &r.consumer, &r.partitions});
  for (const auto& r : g.stops) evs.push_back({r.t, 0, &r.consumer, &r.partitions});
  for (const auto& a : g.assigns) evs.push_back({a.t, 1, &a.consumer, &a.current});
  std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.order < b.order; });
  std::map<std::int32_t, std::string> owner;
  std::map<std::int32_t, std::vector<std::int64_t>> handed_out;
  for (const Ev& e : evs) {
    for (auto p : *e.partitions) {
      auto it = owner.find(p);
      if (e.order == 0) {
        if (it != owner.end() && it->second == *e.consumer) owner.erase(it);
      } else if (it == owner.end() || it->second != *e.consumer) {
        owner[p] = *e.consumer;
        handed_out[p].push_back(e.t);
      }
    }
  }
  return handed_out;
}

}  // namespace cgsim::analysis
