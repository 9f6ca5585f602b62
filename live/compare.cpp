#include "live/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"

namespace cgsim::live {

namespace {

using analysis::fmt;

std::string fmt_assignment(const std::map<std::string, std::vector<std::string>>& a) {
  std::string out;
  for (const auto& [name, parts] : a) {
    if (!out.empty()) out += "; ";
    out += name + ":";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  }
  return out;
}

/// How many partitions each member holds, largest first, and every partition handed out: what
/// a settled consumer-protocol epoch fixes whatever the broker's random member and topic ids.
std::pair<std::vector<std::size_t>, std::vector<std::string>> balance(const std::map<std::string, std::vector<std::string>>& a) {
  std::pair<std::vector<std::size_t>, std::vector<std::string>> out;
  for (const auto& [name, parts] : a) {
    out.first.push_back(parts.size());
    out.second.insert(out.second.end(), parts.begin(), parts.end());
  }
  std::sort(out.first.rbegin(), out.first.rend());
  std::sort(out.second.begin(), out.second.end());
  return out;
}

/// The partition lists of an assignment without their owners, sorted: equal for two assignments
/// that differ only in which member got which share.
std::vector<std::vector<std::string>> shares(const std::map<std::string, std::vector<std::string>>& a) {
  std::vector<std::vector<std::string>> out;
  for (const auto& [name, parts] : a) out.push_back(parts);
  std::sort(out.begin(), out.end());
  return out;
}

/// Rebalances of one group with the start-up ones folded into the first, which ends with the
/// first settled generation.
struct GroupRebalances {
  std::vector<analysis::RebalanceRecord> done;  ///< the initial one first
  std::size_t open = 0;                         ///< still running at the end
};

GroupRebalances group_rebalances(const analysis::RunSummary& run, const std::string& group, std::int32_t settled) {
  GroupRebalances out;
  std::vector<analysis::RebalanceRecord> rs;
  for (const auto& r : run.rebalances)
    if (r.group == group) rs.push_back(r);
  std::stable_sort(rs.begin(), rs.end(), [](const auto& a, const auto& b) { return a.generation < b.generation; });
  analysis::RebalanceRecord initial;
  bool have_initial = false;
  for (const auto& r : rs) {
    if (r.end_s < 0) {
      ++out.open;
      continue;
    }
    if (r.generation <= settled) {
      if (!have_initial) {
        initial = r;
        initial.trigger = "initial";  // whatever brought the first member in, this is the start-up
        have_initial = true;
      } else {
        initial.start_s = std::min(initial.start_s, r.start_s);
        initial.end_s = std::max(initial.end_s, r.end_s);
        initial.generation = r.generation;
      }
      continue;
    }
    out.done.push_back(r);
  }
  if (have_initial) out.done.insert(out.done.begin(), initial);
  return out;
}

}  // namespace

bool triggers_pair(const std::string& sim, const std::string& live) {
  if (sim == live) return true;
  // The live recorder names a rebalance after the fault in its window, or "unknown" when there is
  // none: that names no trigger, so it pairs with any. A member restarted without static
  // membership leaves and later joins again, which the coordinator (and the simulator) call
  // "leave" and "join".
  if (live == "unknown" || sim == "unknown") return true;
  return live == "restart" && (sim == "leave" || sim == "join");
}

std::vector<RebalancePair> pair_rebalances(const std::vector<analysis::RebalanceRecord>& sim,
                                           const std::vector<analysis::RebalanceRecord>& live, double window_s) {
  struct Candidate {
    bool same;  // the same trigger name (preferred over a compatible one)
    double gap;
    std::size_t i, j;
  };
  std::vector<Candidate> cs;
  for (std::size_t i = 0; i < sim.size(); ++i) {
    for (std::size_t j = 0; j < live.size(); ++j) {
      if (!triggers_pair(sim[i].trigger, live[j].trigger)) continue;
      const double gap = std::abs(sim[i].start_s - live[j].start_s);
      if (gap > window_s) continue;
      cs.push_back({sim[i].trigger == live[j].trigger, gap, i, j});
    }
  }
  // The closest pairs first, those with the same trigger name before merely compatible ones.
  std::stable_sort(cs.begin(), cs.end(), [](const Candidate& a, const Candidate& b) {
    if (a.same != b.same) return a.same;
    return a.gap < b.gap;
  });
  std::vector<std::int64_t> of_sim(sim.size(), -1), of_live(live.size(), -1);
  for (const auto& c : cs) {
    if (of_sim[c.i] >= 0 || of_live[c.j] >= 0) continue;
    of_sim[c.i] = static_cast<std::int64_t>(c.j);
    of_live[c.j] = static_cast<std::int64_t>(c.i);
  }
  std::vector<RebalancePair> out;
  for (std::size_t i = 0; i < sim.size(); ++i) out.push_back({static_cast<std::int64_t>(i), of_sim[i]});
  for (std::size_t j = 0; j < live.size(); ++j)
    if (of_live[j] < 0) out.push_back({-1, static_cast<std::int64_t>(j)});
  // In time order, an unmatched live rebalance among the simulated ones by its start.
  auto start = [&](const RebalancePair& p) { return p.sim >= 0 ? sim[static_cast<std::size_t>(p.sim)].start_s
                                                              : live[static_cast<std::size_t>(p.live)].start_s; };
  std::stable_sort(out.begin(), out.end(), [&](const RebalancePair& a, const RebalancePair& b) { return start(a) < start(b); });
  return out;
}

namespace {

/// The period at which members actually heartbeat, in seconds. librdkafka sends a due heartbeat
/// only when its main thread wakes up, on one of its timers: the 1 s housekeeping timer, the
/// 500 ms max.poll.interval.ms check and, with auto-commit, the auto-commit timer; the period is
/// the heartbeat interval rounded up to the first multiple of one of them. Java heartbeats on time.
double heartbeat_period_s(const models::Scenario& sc, const models::GroupSpec& gs) {
  const double hb = static_cast<double>(gs.heartbeat_interval) / 1e9;
  if (sc.client != models::ClientFlavor::Librdkafka) return hb;
  std::vector<double> timers{1.0, 0.5};
  if (gs.commit.kind == models::CommitSpec::Kind::Auto && gs.commit.interval > 0) {
    timers.push_back(static_cast<double>(gs.commit.interval) / 1e9);
  }
  double best = 1e300;
  for (double t : timers) best = std::min(best, std::ceil(hb / t - 1e-9) * t);
  return std::max(best, hb);
}

}  // namespace

const analysis::GroupSummary* find_group(const analysis::RunSummary& run, const std::string& id) {
  for (const auto& g : run.groups)
    if (g.id == id) return &g;
  return nullptr;
}

std::vector<Check> share_checks(const analysis::GroupSummary& sim, const analysis::GroupSummary& live, double share_abs) {
  std::set<std::string> names;
  for (const auto& c : sim.consumers) names.insert(c.name);
  for (const auto& c : live.consumers) names.insert(c.name);
  auto consumed_of = [](const analysis::GroupSummary& x, const std::string& name) -> double {
    for (const auto& c : x.consumers)
      if (c.name == name) return static_cast<double>(c.consumed);
    return 0;
  };
  const double st = std::max<double>(1, static_cast<double>(sim.consumed));
  const double lt = std::max<double>(1, static_cast<double>(live.consumed));
  std::vector<Check> out;
  for (const auto& name : names) {
    const double a = consumed_of(sim, name) / st, b = consumed_of(live, name) / lt;
    out.push_back({"share", name, fmt(a), fmt(b), "±" + fmt(share_abs), std::abs(a - b) <= share_abs, false, "", ""});
  }
  return out;
}

std::vector<analysis::GenerationRecord> settled_generations(const analysis::RunSummary& run, const models::GroupSpec& group) {
  std::vector<analysis::GenerationRecord> gens;
  for (const auto& g : run.generations)
    if (g.group == group.id) gens.push_back(g);
  std::stable_sort(gens.begin(), gens.end(), [](const auto& a, const auto& b) { return a.generation < b.generation; });
  // A generation of the incremental protocol's first round withholds the partitions that change
  // owner: the settled generation also hands out as many partitions as the group had before its
  // topics first grew (an add_partitions fault), or ever.
  double grown_s = -1;
  for (const auto& f : run.faults)
    if (f.group == group.id && f.kind == "add_partitions" && (grown_s < 0 || f.at_s < grown_s)) grown_s = f.at_s;
  std::size_t most = 0;
  auto handed_out = [](const analysis::GenerationRecord& g) {
    std::size_t n = 0;
    for (const auto& [name, parts] : g.assignment) n += parts.size();
    return n;
  };
  for (const auto& g : gens)
    if (grown_s < 0 || g.start_s < grown_s) most = std::max(most, handed_out(g));
  if (most == 0)
    for (const auto& g : gens) most = std::max(most, handed_out(g));
  std::size_t first = 0;
  bool found = false;
  for (std::size_t i = 0; i < gens.size() && !found; ++i) {
    bool all = handed_out(gens[i]) == most;
    for (std::int32_t c = 0; c < group.consumers.count; ++c) {
      if (!gens[i].assignment.count(group.id + "/" + std::to_string(c))) all = false;
    }
    if (all) {
      first = i;
      found = true;
    }
  }
  return std::vector<analysis::GenerationRecord>(gens.begin() + static_cast<std::ptrdiff_t>(first), gens.end());
}

namespace {

/// One run of one group, as the comparison needs it.
struct GroupRun {
  std::vector<analysis::GenerationRecord> gens;  ///< settled generations
  GroupRebalances rb;
  std::size_t startup = 0;  ///< generations folded away
  const analysis::GroupSummary* g = nullptr;
  std::vector<const analysis::FaultRecord*> faults;
};

GroupRun group_run(const analysis::RunSummary& run, const models::GroupSpec& gs) {
  GroupRun out;
  out.gens = settled_generations(run, gs);
  const std::int32_t settled = out.gens.empty() ? INT32_MAX : out.gens.front().generation;
  out.rb = group_rebalances(run, gs.id, settled);
  std::size_t all = 0;
  for (const auto& g : run.generations) all += g.group == gs.id;
  out.startup = all - out.gens.size();
  out.g = find_group(run, gs.id);
  for (const auto& f : run.faults)
    if (f.group == gs.id) out.faults.push_back(&f);
  return out;
}

template <typename Runs, typename F>
Distribution over(const Runs& runs, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(r));
  return distribution(std::move(v));
}

}  // namespace

Check make_check(std::string kind, std::string subject, std::string simulator, std::string live, std::string tolerance,
                 bool ok, bool informational, std::string note) {
  Check c;
  c.kind = std::move(kind);
  c.subject = std::move(subject);
  c.simulator = std::move(simulator);
  c.live = std::move(live);
  c.tolerance = std::move(tolerance);
  c.ok = ok;
  c.informational = informational;
  c.note = std::move(note);
  return c;
}

std::string runs_label(std::size_t k, std::size_t n) {
  return n == 1 ? std::string() : ", repetition " + std::to_string(k + 1);
}

ValidationReport compare_runs(const models::Scenario& sc, const analysis::RunSummary& sim,
                              const analysis::RunSummary& live, const CompareOptions& opt) {
  return compare_distributions(sc, {sim}, {live}, opt);
}

ValidationReport compare_distributions(const models::Scenario& sc, const std::vector<analysis::RunSummary>& sims,
                                       const std::vector<analysis::RunSummary>& lives, const CompareOptions& opt) {
  if (sims.empty() || lives.empty()) throw Error("validate: nothing to compare (no simulated or no live run)");
  ValidationReport rep;
  const Tolerances& tol = opt.tol;
  const std::size_t nl = lives.size();
  if (opt.mock) {
    rep.evidence =
        "librdkafka's mock cluster: weaker evidence. It is not Kafka's coordinator (member ids not built from "
        "client.id, a fixed 3 s first join, waits of session.timeout.ms - 1 s after membership changes), so "
        "assignments are compared up to member order and rebalance timings are shown only; validate against a "
        "real broker (--bootstrap) for evidence about Kafka";
  } else {
    rep.evidence = "a real Kafka broker";
  }
  rep.notes.push_back(std::to_string(sims.size()) + " simulated seed(s) against " + std::to_string(nl) +
                      " live repetition(s); figures are median [min..max, n] over them");

  // The host first: a repetition that could not keep up makes the whole run inconclusive.
  for (std::size_t k = 0; k < opt.host.size(); ++k) {
    for (auto& c : host_checks(opt.host[k], nl == 1 ? "live run" : "repetition " + std::to_string(k + 1), tol)) {
      rep.checks.push_back(std::move(c));
    }
  }

  // Records produced: the same arrival process on both sides.
  {
    const auto s = over(sims, [](const auto& r) { return static_cast<double>(r.produced); });
    const auto l = over(lives, [](const auto& r) { return static_cast<double>(r.produced); });
    const double allowed = tol.produced_rel * s.median() + 3 * std::sqrt(std::max(s.median(), 1.0)) + 10;
    rep.checks.push_back(make_check("produced", "all topics", s.format(0), l.format(0), "±" + fmt(allowed, 0),
                          std::abs(s.median() - l.median()) <= allowed, false, ""));
  }

  for (const auto& gs : sc.groups) {
    std::vector<GroupRun> sr, lr;
    for (const auto& r : sims) sr.push_back(group_run(r, gs));
    for (const auto& r : lives) lr.push_back(group_run(r, gs));

    // Number of rebalances (start-up folded into one): every live count must be one the
    // simulator gives.
    {
      const auto s = over(sr, [](const GroupRun& r) { return static_cast<double>(r.rb.done.size()); });
      const auto l = over(lr, [](const GroupRun& r) { return static_cast<double>(r.rb.done.size()); });
      bool ok = true;
      for (double v : l.values) ok = ok && std::find(s.values.begin(), s.values.end(), v) != s.values.end();
      rep.checks.push_back(make_check("rebalances", gs.id, s.format(0), l.format(0), "exact", ok, false, ""));
      const auto so = over(sr, [](const GroupRun& r) { return static_cast<double>(r.rb.open); });
      const auto lo = over(lr, [](const GroupRun& r) { return static_cast<double>(r.rb.open); });
      if (so.max() > 0 || lo.max() > 0) {
        rep.checks.push_back(make_check("rebalances_open_at_end", gs.id, so.format(0), lo.format(0), "info",
                              so.values == lo.values, true, ""));
      }
    }

    // Assignment of every settled generation, exact (by name; by shares on the mock cluster):
    // each live repetition's generation must equal that generation of some simulated seed.
    // A sticky assignor starts from what members owned: when a start-up took generations of its
    // own (members joining one by one, which thread start order decides), the settled
    // assignments inherit that history and are shown only.
    {
      std::size_t sim_startup = 0, live_startup = 0, n = 0;
      for (const auto& r : sr) sim_startup = std::max(sim_startup, r.startup), n = std::max(n, r.gens.size());
      for (const auto& r : lr) live_startup = std::max(live_startup, r.startup), n = std::max(n, r.gens.size());
      const bool history = gs.assignor.find("sticky") != std::string::npos && (sim_startup > 0 || live_startup > 0);
      if (history) {
        rep.notes.push_back(gs.id + ": start-up took " + std::to_string(live_startup + 1) + " generation(s) live and " +
                            std::to_string(sim_startup + 1) +
                            " simulated; the sticky assignor carries their outcome, so assignments are informational");
      }
      // KIP-848: the broker makes member ids and topic ids random UUIDs and its assignors visit
      // members and topics in their hash order, so which member gets which partitions cannot be
      // reproduced; how many each gets (and that all are handed out) can.
      const bool kip848 = gs.protocol == "consumer" && !opt.mock;
      if (kip848) {
        rep.notes.push_back(gs.id + ": consumer protocol: member and topic ids are the broker's random UUIDs, which order "
                            "its assignor's choices, so each settled epoch's balance (partitions per member, every "
                            "partition handed out) is compared exactly and the assignment by name is shown");
      }
      auto same = [&](const analysis::GenerationRecord& a, const analysis::GenerationRecord& b) {
        if (kip848) return balance(a.assignment) == balance(b.assignment);
        return opt.mock ? shares(a.assignment) == shares(b.assignment) : a.assignment == b.assignment;
      };
      for (std::size_t i = 0; i < n; ++i) {
        Check c;
        c.kind = "assignment";
        c.subject = gs.id + " #" + std::to_string(i);
        c.informational = history;
        c.tolerance = opt.mock ? "exact up to member order" : kip848 ? "exact balance" : "exact";
        auto describe = [&](const std::vector<GroupRun>& runs, const char* what) {
          const GroupRun& first = runs.front();
          if (i >= first.gens.size()) return std::string("(none)");
          const auto& g = first.gens[i];
          std::size_t alike = 0;
          for (const auto& r : runs) alike += i < r.gens.size() && same(r.gens[i], g);
          std::string out = "gen " + std::to_string(g.generation) + ": " + fmt_assignment(g.assignment);
          if (runs.size() > 1) out += " (" + std::to_string(alike) + " of " + std::to_string(runs.size()) + " " + what + ")";
          return out;
        };
        c.simulator = describe(sr, "seeds alike");
        c.live = describe(lr, "repetitions alike");
        c.ok = true;
        for (std::size_t k = 0; k < lr.size(); ++k) {
          bool found = false;
          if (i < lr[k].gens.size()) {
            for (const auto& s : sr) found = found || (i < s.gens.size() && same(s.gens[i], lr[k].gens[i]));
          }
          if (!found) {
            c.ok = false;
            if (nl > 1) c.note += (c.note.empty() ? "differs in repetition " : ", ") + std::to_string(k + 1);
          }
        }
        rep.checks.push_back(c);
      }
    }

    // Rebalance durations, of rebalances paired by trigger and time (never by index) with those
    // of the first simulated seed; what is left unpaired is reported as unmatched.
    const double hb = heartbeat_period_s(sc, gs);
    const double window = std::max(tol.rebalance_window_min_s, static_cast<double>(gs.session_timeout) / 1e9 + hb);
    const auto& ref = sr.front().rb.done;
    std::vector<std::vector<double>> sim_d(ref.size()), live_d(ref.size()), sim_start(ref.size()), live_start(ref.size());
    std::vector<std::string> live_trigger(ref.size());
    std::vector<std::int64_t> live_moved(ref.size(), -1);
    for (std::size_t i = 0; i < ref.size(); ++i) {
      sim_d[i].push_back(ref[i].end_s - ref[i].start_s);
      sim_start[i].push_back(ref[i].start_s);
    }
    auto unmatched = [&](const analysis::RebalanceRecord& r, bool simulated, const std::string& where, bool info,
                         const std::string& note) {
      rep.checks.push_back(make_check("rebalance_unmatched", gs.id + " (" + r.trigger + ") at " + fmt(r.start_s, 2) + " s" + where,
                            simulated ? "start " + fmt(r.start_s, 2) + " s" : "(none)",
                            simulated ? "(none)" : "start " + fmt(r.start_s, 2) + " s",
                            "same trigger within ±" + fmt(window, 2) + " s", false, info,
                            note));
    };
    for (std::size_t s = 1; s < sr.size(); ++s) {
      const auto& other = sr[s].rb.done;
      for (const auto& p : pair_rebalances(ref, other, window)) {
        if (p.sim >= 0 && p.live >= 0) {
          const auto& b = other[static_cast<std::size_t>(p.live)];
          sim_d[static_cast<std::size_t>(p.sim)].push_back(b.end_s - b.start_s);
          sim_start[static_cast<std::size_t>(p.sim)].push_back(b.start_s);
        } else if (p.live >= 0) {
          // The simulator's own seeds disagree: shown, the model's spread.
          unmatched(other[static_cast<std::size_t>(p.live)], true, ", seed +" + std::to_string(s), true,
                    "not in the first seed: the model's own spread");
        }
      }
    }
    for (std::size_t k = 0; k < lr.size(); ++k) {
      const auto& other = lr[k].rb.done;
      for (const auto& p : pair_rebalances(ref, other, window)) {
        if (p.sim >= 0 && p.live >= 0) {
          const auto& b = other[static_cast<std::size_t>(p.live)];
          const auto i = static_cast<std::size_t>(p.sim);
          live_d[i].push_back(b.end_s - b.start_s);
          live_start[i].push_back(b.start_s);
          if (live_trigger[i].empty()) live_trigger[i] = b.trigger;
          if (live_moved[i] < 0) live_moved[i] = b.partitions_moved;
        } else if (p.sim >= 0) {
          unmatched(ref[static_cast<std::size_t>(p.sim)], true, runs_label(k, nl), opt.mock, "no live rebalance to pair with");
        } else {
          unmatched(other[static_cast<std::size_t>(p.live)], false, runs_label(k, nl), opt.mock,
                    "no simulated rebalance to pair with");
        }
      }
    }
    double stall_allowance_s = 0;  // sum over rebalances of the duration tolerance (stalled records below)
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const auto a = distribution(sim_d[i]);
      stall_allowance_s += std::max(tol.rebalance_rel * a.median(), tol.rebalance_abs_s);
      if (live_d[i].empty()) continue;
      const auto b = distribution(live_d[i]);
      const std::string& lt = live_trigger[i];
      const std::string label = gs.id + " #" + std::to_string(i) + " (" + ref[i].trigger +
                                (lt == ref[i].trigger ? "" : " / live: " + lt) + ")";
      const double allowed = std::max(tol.rebalance_rel * a.median(), tol.rebalance_abs_s);
      rep.checks.push_back(make_check("rebalance_duration_s", label, a.format(), b.format(), "±" + fmt(allowed),
                            std::abs(a.median() - b.median()) <= allowed, opt.mock,
                            "start " + fmt(ref[i].start_s, 2) + " s simulated, " +
                                distribution(live_start[i]).format(2) + " s live"));
      // When it started, counted from the scheduled fault before it (the run's start for the
      // first): how long the coordinator took to notice, with the duration's tolerance.
      double origin = 0;
      for (const auto& f : sc.faults) {
        const double at = static_cast<double>(f.at) / 1e9;
        if (f.group == gs.id && at <= ref[i].start_s + 1e-9) origin = std::max(origin, at);
      }
      std::vector<double> sd, ld;
      for (double t : sim_start[i]) sd.push_back(t - origin);
      for (double t : live_start[i]) ld.push_back(t - origin);
      const auto sa = distribution(sd), sb = distribution(ld);
      const double start_allowed = std::max(tol.rebalance_rel * sa.median(), tol.rebalance_abs_s);
      rep.checks.push_back(make_check("rebalance_start_s", label, sa.format(), sb.format(), "±" + fmt(start_allowed),
                                      std::abs(sa.median() - sb.median()) <= start_allowed, opt.mock,
                                      "seconds after " + (origin > 0 ? "the fault at " + fmt(origin, 2) + " s" : std::string("the start"))));
      if (live_moved[i] >= 0 && ref[i].partitions_moved != live_moved[i]) {
        rep.checks.push_back(make_check("partitions_moved", label, std::to_string(ref[i].partitions_moved),
                              std::to_string(live_moved[i]), "info", false, true, ""));
      }
    }

    bool missing = false;
    for (const auto* runs : {&sr, &lr})
      for (const auto& r : *runs) missing = missing || !r.g;
    if (missing) {
      rep.checks.push_back(make_check("group", gs.id, sr.front().g ? "present" : "missing", "missing in some run", "exact", false, false, ""));
      continue;
    }

    // Per-consumer share of the group's processed records.
    std::set<std::string> names;
    for (const auto* runs : {&sr, &lr})
      for (const auto& r : *runs)
        for (const auto& c : r.g->consumers) names.insert(c.name);
    for (const auto& name : names) {
      auto share = [&name](const GroupRun& r) {
        double mine = 0;
        for (const auto& c : r.g->consumers)
          if (c.name == name) mine = static_cast<double>(c.consumed);
        return mine / std::max<double>(1, static_cast<double>(r.g->consumed));
      };
      const auto a = over(sr, share), b = over(lr, share);
      // Under the consumer protocol which member holds which partitions follows the broker's
      // random ids (see the assignment check), and so does each member's share.
      const bool by_name = gs.protocol != "consumer" || opt.mock;
      rep.checks.push_back(make_check("share", name, a.format(), b.format(),
                            by_name ? "±" + fmt(tol.share_abs * 100, 1) + " pp" : "info",
                            std::abs(a.median() - b.median()) <= tol.share_abs + 1e-12, !by_name,
                            by_name ? "" : "consumer protocol: who holds what follows the broker's random ids"));
    }

    // Duplicates, of the group and of each fault: medians within 10 %, or the spread the runs
    // show if that is larger, at most 25 %.
    auto dup_check = [&](const std::string& kind, const std::string& subject, const Distribution& a,
                         const Distribution& b, bool present) {
      const double rel = duplicates_tolerance(a, b, tol);
      const double allowed = rel * a.median();
      rep.checks.push_back(make_check(kind, subject, a.format(0), b.format(0),
                            "±" + fmt(rel * 100, 1) + " % = ±" + fmt(allowed, 0),
                            present && std::abs(a.median() - b.median()) <= allowed + 1e-9, false, ""));
    };
    dup_check("duplicates", gs.id, over(sr, [](const GroupRun& r) { return static_cast<double>(r.g->duplicates); }),
              over(lr, [](const GroupRun& r) { return static_cast<double>(r.g->duplicates); }), true);
    {
      std::size_t nf = 0;
      for (const auto* runs : {&sr, &lr})
        for (const auto& r : *runs) nf = std::max(nf, r.faults.size());
      for (std::size_t i = 0; i < nf; ++i) {
        const analysis::FaultRecord* f = nullptr;
        bool present = true;
        std::vector<double> a, b;
        for (const auto& r : sr) {
          if (i < r.faults.size()) a.push_back(static_cast<double>(r.faults[i]->duplicates)), f = f ? f : r.faults[i];
          else present = false;
        }
        for (const auto& r : lr) {
          if (i < r.faults.size() && (!f || r.faults[i]->kind == f->kind)) {
            b.push_back(static_cast<double>(r.faults[i]->duplicates));
            f = f ? f : r.faults[i];
          } else {
            present = false;
          }
        }
        std::ostringstream subject;
        subject << f->kind << " " << f->subject << " at " << fmt(f->at_s, 1) << " s";
        dup_check("fault_duplicates", subject.str(), distribution(a), distribution(b), present);
      }
    }
    // Records lost to a crash: at most the one in hand per crash with librdkafka's offset store.
    {
      std::size_t crashes = 0;
      for (const auto& f : sc.faults) {
        if (f.group != gs.id) continue;
        if (f.kind == models::FaultSpec::Kind::Crash || f.kind == models::FaultSpec::Kind::Restart) ++crashes;
        if (f.kind == models::FaultSpec::Kind::RollingRestart) crashes += static_cast<std::size_t>(gs.consumers.count);
      }
      const auto a = over(sr, [](const GroupRun& r) { return static_cast<double>(lost_of(*r.g)); });
      const auto b = over(lr, [](const GroupRun& r) { return static_cast<double>(lost_of(*r.g)); });
      const double allowed = static_cast<double>(crashes) * 2 + 2;
      rep.checks.push_back(make_check("lost", gs.id, a.format(0), b.format(0), "±" + fmt(allowed, 0),
                            std::abs(a.median() - b.median()) <= allowed, false, ""));
    }

    // Records caught in a stall (their partition was handed out between their production and
    // their processing): how many and how long they waited follows the rebalances' timing, so
    // they are compared with the rebalance duration's tolerance: each rebalance may last that
    // much more or less, and an eager rebalance stalls the group's whole production for that long.
    {
      const double seconds = std::max(1e-9, sims.front().simulated_seconds);
      const double rate = static_cast<double>(sr.front().g->produced) / seconds;
      const auto a = over(sr, [](const GroupRun& r) { return static_cast<double>(r.g->stalled.records); });
      const auto b = over(lr, [](const GroupRun& r) { return static_cast<double>(r.g->stalled.records); });
      const double allowed = tol.rebalance_rel * a.median() + rate * stall_allowance_s;
      rep.checks.push_back(make_check("stalled_records", gs.id, a.format(0), b.format(0), opt.mock ? "info" : "±" + fmt(allowed, 0),
                            std::abs(a.median() - b.median()) <= allowed, opt.mock, ""));
      const auto ma = over(sr, [](const GroupRun& r) { return r.g->stalled.mean_ms; });
      const auto mb = over(lr, [](const GroupRun& r) { return r.g->stalled.mean_ms; });
      const double mean_allowed = std::max(tol.rebalance_rel * ma.median(), tol.rebalance_abs_s * 1000);
      rep.checks.push_back(make_check("stalled_mean_ms", gs.id, ma.format(1), mb.format(1),
                            opt.mock ? "info" : "±" + fmt(mean_allowed, 1) + " ms",
                            std::abs(ma.median() - mb.median()) <= mean_allowed, opt.mock, "ms"));
    }

    // The records still unprocessed at the end: lag that grows live while the simulator has none
    // is shown next to the host checks that explain it.
    rep.checks.push_back(make_check("final_lag", gs.id, over(sr, [](const GroupRun& r) { return static_cast<double>(r.g->final_lag); }).format(0),
                          over(lr, [](const GroupRun& r) { return static_cast<double>(r.g->final_lag); }).format(0),
                          "info", true, true, "records produced but not processed at the end"));

    // Nothing lost on the live side: every record produced was processed or is still lag.
    for (std::size_t k = 0; k < lr.size(); ++k) {
      const auto& g = *lr[k].g;
      const auto lhs = g.consumed - g.duplicates;
      const auto rhs = g.produced - g.final_lag - g.skipped - lost_of(g);
      rep.checks.push_back(make_check("live_conservation", gs.id + runs_label(k, nl), "consumed-duplicates = produced-lag-skipped-lost",
                            std::to_string(lhs) + " vs " + std::to_string(rhs), "exact", lhs == rhs, false, ""));
    }
  }

  // End-to-end latency percentiles over first processings. Those of every record are shown only:
  // on a run with faults the records caught in a stall make up the tail, and where a percentile
  // lands among them depends on rebalance timing. The percentiles of the records not caught in a
  // stall (the steady state: fetch, batching, processing) are the ones compared; the stalled
  // records are compared per group above. The steady p50 is compared net of each side's client
  // round trip: the simulator's modelled one, the host's measured one.
  {
    const bool net = opt.client_rtt_ms >= 0;
    const double sim_rtt = net ? 2 * static_cast<double>(sc.broker.request_latency) / 1e6 : 0;
    const double live_rtt = net ? opt.client_rtt_ms : 0;
    const auto a = over(sims, [&](const auto& r) { return r.latency_steady_ms.p50 - sim_rtt; });
    const auto b = over(lives, [&](const auto& r) { return r.latency_steady_ms.p50 - live_rtt; });
    const double allowed = std::max(tol.latency_p50_rel * a.median(), tol.latency_p50_abs_ms);
    rep.checks.push_back(make_check("latency_steady_p50_ms", "all groups", a.format(), b.format(), "±" + fmt(allowed, 1) + " ms",
                          std::abs(a.median() - b.median()) <= allowed, false,
                          net ? "net of the round trip: " + fmt(sim_rtt, 3) + " ms modelled, " + fmt(live_rtt, 3) +
                                    " ms measured"
                              : "the client round trip was not measured; nothing subtracted"));
  }
  auto lat = [&](const char* kind, auto pick, double rel, double abs_ms, bool info) {
    const auto a = over(sims, pick), b = over(lives, pick);
    const double allowed = std::max(rel * a.median(), abs_ms);
    rep.checks.push_back(make_check(kind, "all groups", a.format(), b.format(), info ? "info" : "±" + fmt(allowed, 1) + " ms",
                          std::abs(a.median() - b.median()) <= allowed, info, "ms"));
  };
  lat("latency_steady_p90_ms", [](const auto& r) { return r.latency_steady_ms.p90; }, tol.latency_rel, tol.latency_abs_ms, false);
  lat("latency_steady_p99_ms", [](const auto& r) { return r.latency_steady_ms.p99; }, tol.tail_rel, tol.tail_abs_ms, false);
  lat("latency_p50_ms", [](const auto& r) { return r.latency_ms.p50; }, tol.latency_rel, tol.latency_abs_ms, true);
  lat("latency_p90_ms", [](const auto& r) { return r.latency_ms.p90; }, tol.latency_rel, tol.latency_abs_ms, true);
  lat("latency_p99_ms", [](const auto& r) { return r.latency_ms.p99; }, tol.tail_rel, tol.tail_abs_ms, true);
  lat("latency_p999_ms", [](const auto& r) { return r.latency_ms.p999; }, tol.tail_rel, tol.tail_abs_ms, true);
  lat("latency_max_ms", [](const auto& r) { return r.latency_ms.max; }, tol.tail_rel, tol.tail_abs_ms, true);
  return rep;
}

}  // namespace cgsim::live
