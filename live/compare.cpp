#include "live/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace cgsim::live {

namespace {

std::string fmt(double v, int precision = 3) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << v;
  return o.str();
}

std::string fmt_assignment(const std::map<std::string, std::vector<std::string>>& a) {
  std::string out;
  for (const auto& [name, parts] : a) {
    if (!out.empty()) out += "; ";
    out += name + ":";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  }
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

const analysis::GroupSummary* find_group(const analysis::RunSummary& run, const std::string& id) {
  for (const auto& g : run.groups)
    if (g.id == id) return &g;
  return nullptr;
}

}  // namespace

std::vector<analysis::GenerationRecord> settled_generations(const analysis::RunSummary& run, const models::GroupSpec& group) {
  std::vector<analysis::GenerationRecord> gens;
  for (const auto& g : run.generations)
    if (g.group == group.id) gens.push_back(g);
  std::stable_sort(gens.begin(), gens.end(), [](const auto& a, const auto& b) { return a.generation < b.generation; });
  // A generation of the incremental protocol's first round withholds the partitions that change
  // owner: the settled generation also hands out as many partitions as the group ever had.
  std::size_t most = 0;
  auto handed_out = [](const analysis::GenerationRecord& g) {
    std::size_t n = 0;
    for (const auto& [name, parts] : g.assignment) n += parts.size();
    return n;
  };
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

bool ValidationReport::ok() const {
  for (const auto& c : checks)
    if (!c.ok && !c.informational) return false;
  return true;
}

nlohmann::json ValidationReport::to_json() const {
  nlohmann::json j;
  j["ok"] = ok();
  j["checks"] = nlohmann::json::array();
  for (const auto& c : checks) {
    j["checks"].push_back({{"kind", c.kind},
                           {"subject", c.subject},
                           {"simulator", c.simulator},
                           {"live", c.live},
                           {"tolerance", c.tolerance},
                           {"ok", c.ok},
                           {"informational", c.informational},
                           {"note", c.note}});
  }
  j["notes"] = notes;
  return j;
}

std::string ValidationReport::table() const {
  const char* headers[] = {"check", "subject", "simulator", "live", "tolerance", "result"};
  std::vector<std::array<std::string, 6>> rows;
  for (const auto& c : checks) {
    std::string result = c.informational ? (c.ok ? "info" : "info (differs)") : (c.ok ? "ok" : "MISMATCH");
    rows.push_back({c.kind, c.subject, c.simulator, c.live, c.tolerance, result});
  }
  // Cells longer than 60 characters are cut to 57 and "...".
  for (auto& r : rows) {
    for (auto& cell : r) {
      if (cell.size() > 60) {
        cell.resize(57);
        cell += "...";
      }
    }
  }
  std::size_t w[6];
  for (int i = 0; i < 6; ++i) w[i] = std::string(headers[i]).size();
  for (const auto& r : rows)
    for (int i = 0; i < 6; ++i) w[i] = std::max(w[i], r[static_cast<std::size_t>(i)].size());
  std::ostringstream o;
  auto line = [&](const std::array<std::string, 6>& r) {
    for (int i = 0; i < 6; ++i) {
      o << std::left << std::setw(static_cast<int>(w[i])) << r[static_cast<std::size_t>(i)];
      o << (i < 5 ? "  " : "\n");
    }
  };
  line({headers[0], headers[1], headers[2], headers[3], headers[4], headers[5]});
  std::size_t total = 10;
  for (auto x : w) total += x;
  o << std::string(total, '-') << '\n';
  for (const auto& r : rows) line(r);
  std::size_t failed = 0, counted = 0;
  for (const auto& c : checks) {
    if (c.informational) continue;
    ++counted;
    if (!c.ok) ++failed;
  }
  o << (failed ? "MISMATCH: " : "OK: ") << counted - failed << " of " << counted << " checks within tolerance";
  o << '\n';
  for (const auto& n : notes) o << "note: " << n << '\n';
  return o.str();
}

ValidationReport compare_runs(const models::Scenario& sc, const analysis::RunSummary& sim,
                              const analysis::RunSummary& live, const CompareOptions& opt) {
  ValidationReport rep;
  const Tolerances& tol = opt.tol;
  if (opt.mock) {
    rep.notes.push_back(
        "mock cluster: member ids are not built from client.id, so assignments are compared up to which member got "
        "which share, and rebalance durations are informational (its join phase waits session.timeout.ms - 1 s)");
  }

  // Records produced: the same arrival process on both sides.
  {
    double s = static_cast<double>(sim.produced), l = static_cast<double>(live.produced);
    double allowed = tol.produced_rel * s + 3 * std::sqrt(std::max(s, 1.0)) + 10;
    rep.checks.push_back({"produced", "all topics", std::to_string(sim.produced), std::to_string(live.produced),
                          "±" + fmt(allowed, 0), std::abs(s - l) <= allowed, false, ""});
  }

  for (const auto& gs : sc.groups) {
    const auto sim_gens = settled_generations(sim, gs);
    const auto live_gens = settled_generations(live, gs);
    const std::int32_t sim_settled = sim_gens.empty() ? INT32_MAX : sim_gens.front().generation;
    const std::int32_t live_settled = live_gens.empty() ? INT32_MAX : live_gens.front().generation;
    const auto sim_rb = group_rebalances(sim, gs.id, sim_settled);
    const auto live_rb = group_rebalances(live, gs.id, live_settled);

    // Number of rebalances (start-up folded into one), exact.
    rep.checks.push_back({"rebalances", gs.id, std::to_string(sim_rb.done.size()), std::to_string(live_rb.done.size()),
                          "exact", sim_rb.done.size() == live_rb.done.size(), false, ""});
    if (sim_rb.open || live_rb.open) {
      rep.checks.push_back({"rebalances_open_at_end", gs.id, std::to_string(sim_rb.open), std::to_string(live_rb.open),
                            "info", sim_rb.open == live_rb.open, true, ""});
    }

    // Assignment of every settled generation, exact (by name; by shares on the mock cluster).
    // A sticky assignor starts from what members owned: when one side's start-up took generations
    // of its own (members joining one by one, which thread start order decides), the settled
    // assignments inherit that history and are shown only.
    auto startup = [&](const analysis::RunSummary& run, const std::vector<analysis::GenerationRecord>& settled) {
      std::size_t all = 0;
      for (const auto& g : run.generations) all += g.group == gs.id;
      return all - settled.size();
    };
    const std::size_t sim_startup = startup(sim, sim_gens), live_startup = startup(live, live_gens);
    const bool history = gs.assignor.find("sticky") != std::string::npos && (sim_startup > 0 || live_startup > 0);
    if (history) {
      rep.notes.push_back(gs.id + ": start-up took " + std::to_string(live_startup + 1) + " generation(s) live and " +
                          std::to_string(sim_startup + 1) +
                          " simulated; the sticky assignor carries their outcome, so assignments are informational");
    }
    const std::size_t n = std::max(sim_gens.size(), live_gens.size());
    for (std::size_t i = 0; i < n; ++i) {
      Check c;
      c.kind = "assignment";
      c.subject = gs.id + " #" + std::to_string(i);
      c.informational = history;
      c.tolerance = opt.mock ? "exact up to member order" : "exact";
      const analysis::GenerationRecord* a = i < sim_gens.size() ? &sim_gens[i] : nullptr;
      const analysis::GenerationRecord* b = i < live_gens.size() ? &live_gens[i] : nullptr;
      c.simulator = a ? "gen " + std::to_string(a->generation) + ": " + fmt_assignment(a->assignment) : "(none)";
      c.live = b ? "gen " + std::to_string(b->generation) + ": " + fmt_assignment(b->assignment) : "(none)";
      if (a && b) {
        c.ok = opt.mock ? shares(a->assignment) == shares(b->assignment) : a->assignment == b->assignment;
      } else {
        c.ok = false;
      }
      rep.checks.push_back(c);
    }

    // Rebalance durations, of rebalances paired by trigger and time (never by index): what is
    // left unpaired on either side is reported as unmatched.
    const double hb = heartbeat_period_s(sc, gs);
    const double window = std::max(tol.rebalance_window_min_s, static_cast<double>(gs.session_timeout) / 1e9 + hb);
    for (const auto& p : pair_rebalances(sim_rb.done, live_rb.done, window)) {
      const analysis::RebalanceRecord* a = p.sim >= 0 ? &sim_rb.done[static_cast<std::size_t>(p.sim)] : nullptr;
      const analysis::RebalanceRecord* b = p.live >= 0 ? &live_rb.done[static_cast<std::size_t>(p.live)] : nullptr;
      if (!a || !b) {
        const auto* r = a ? a : b;
        rep.checks.push_back({"rebalance_unmatched",
                              gs.id + " (" + r->trigger + ") at " + fmt(r->start_s, 2) + " s",
                              a ? "start " + fmt(a->start_s, 2) + " s" : "(none)",
                              b ? "start " + fmt(b->start_s, 2) + " s" : "(none)",
                              "same trigger within ±" + fmt(window, 2) + " s", false, opt.mock,
                              a ? "no live rebalance to pair with" : "no simulated rebalance to pair with"});
        continue;
      }
      const std::string label = gs.id + " #" + std::to_string(p.sim) + " (" + a->trigger +
                                (a->trigger == b->trigger ? "" : " / live: " + b->trigger) + ")";
      double da = a->end_s - a->start_s, db = b->end_s - b->start_s;
      double allowed = std::max(tol.rebalance_rel * da, tol.rebalance_abs_s + hb);
      Check c{"rebalance_duration_s", label, fmt(da), fmt(db), "±" + fmt(allowed), std::abs(da - db) <= allowed, opt.mock,
              "start " + fmt(a->start_s, 2) + " s simulated, " + fmt(b->start_s, 2) + " s live"};
      rep.checks.push_back(c);
      if (a->partitions_moved != b->partitions_moved) {
        rep.checks.push_back({"partitions_moved", label, std::to_string(a->partitions_moved),
                              std::to_string(b->partitions_moved), "info", false, true, ""});
      }
    }

    const auto* sg = find_group(sim, gs.id);
    const auto* lg = find_group(live, gs.id);
    if (!sg || !lg) {
      rep.checks.push_back({"group", gs.id, sg ? "present" : "missing", lg ? "present" : "missing", "exact", false, false, ""});
      continue;
    }

    // Per-consumer share of the group's processed records.
    std::set<std::string> names;
    for (const auto& c : sg->consumers) names.insert(c.name);
    for (const auto& c : lg->consumers) names.insert(c.name);
    auto consumed_of = [](const analysis::GroupSummary& g, const std::string& name) -> double {
      for (const auto& c : g.consumers)
        if (c.name == name) return static_cast<double>(c.consumed);
      return 0;
    };
    const double st = std::max<double>(1, static_cast<double>(sg->consumed));
    const double lt = std::max<double>(1, static_cast<double>(lg->consumed));
    for (const auto& name : names) {
      double a = consumed_of(*sg, name) / st, b = consumed_of(*lg, name) / lt;
      double allowed = tol.share_abs + 3 * std::sqrt(std::max(a * (1 - a), 0.0) / lt);
      rep.checks.push_back({"share", name, fmt(a), fmt(b), "±" + fmt(allowed), std::abs(a - b) <= allowed, false, ""});
    }

    // Duplicates: what a crash leaves uncommitted depends on where in its commit interval it
    // falls, which is random on both sides; the bound is one commit window of the crashed
    // member's throughput per crash.
    {
      std::size_t crashes = 0;
      for (const auto& f : sc.faults) {
        if (f.group != gs.id) continue;
        if (f.kind == models::FaultSpec::Kind::Crash) ++crashes;
        if (f.kind == models::FaultSpec::Kind::Restart) ++crashes;
        if (f.kind == models::FaultSpec::Kind::RollingRestart) crashes += static_cast<std::size_t>(gs.consumers.count);
      }
      const double seconds = std::max(1e-9, sim.simulated_seconds);
      const double per_member = static_cast<double>(sg->consumed) / seconds / std::max(1, gs.consumers.count);
      double window = 0;
      switch (gs.commit.kind) {
        case models::CommitSpec::Kind::Auto: window = static_cast<double>(gs.commit.interval) / 1e9; break;
        case models::CommitSpec::Kind::AfterBatch: window = 0; break;
        case models::CommitSpec::Kind::None: window = seconds; break;
      }
      const double s = static_cast<double>(sg->duplicates), l = static_cast<double>(lg->duplicates);
      const double allowed = 5 + tol.duplicates_rel * s +
                             static_cast<double>(crashes) * (per_member * window + gs.max_poll_records);
      rep.checks.push_back({"duplicates", gs.id, std::to_string(sg->duplicates), std::to_string(lg->duplicates),
                            "±" + fmt(allowed, 0), std::abs(s - l) <= allowed, false, ""});
      // Per fault: the duplicates each fault caused, paired in order. The bound is that of the
      // group's total for one fault: one commit window of a member's throughput plus one batch
      // (members times that for a rolling restart), since any fault may drop one member's
      // uncommitted work (a crash, a cooperative revocation, a max.poll.interval.ms loss).
      {
        std::vector<const analysis::FaultRecord*> fs, fl;
        for (const auto& f : sim.faults)
          if (f.group == gs.id) fs.push_back(&f);
        for (const auto& f : live.faults)
          if (f.group == gs.id) fl.push_back(&f);
        const std::size_t nf = std::max(fs.size(), fl.size());
        for (std::size_t i = 0; i < nf; ++i) {
          const analysis::FaultRecord* a = i < fs.size() ? fs[i] : nullptr;
          const analysis::FaultRecord* b = i < fl.size() ? fl[i] : nullptr;
          const analysis::FaultRecord* f = a ? a : b;
          const double members = f->kind == "rolling_restart" ? std::max(1, gs.consumers.count) : 1;
          const double sd = a ? static_cast<double>(a->duplicates) : 0, ld = b ? static_cast<double>(b->duplicates) : 0;
          const double fault_allowed = 5 + tol.duplicates_rel * sd + members * (per_member * window + gs.max_poll_records);
          std::ostringstream subject;
          subject << f->kind << " " << f->subject << " at " << fmt(f->at_s, 1) << " s";
          rep.checks.push_back({"fault_duplicates", subject.str(), a ? std::to_string(a->duplicates) : "(none)",
                                b ? std::to_string(b->duplicates) : "(none)", "±" + fmt(fault_allowed, 0),
                                a && b && a->kind == b->kind && std::abs(sd - ld) <= fault_allowed, false, ""});
        }
      }
      // Records lost to a crash: at most the one in hand per crash with librdkafka's offset store.
      const double sl = static_cast<double>(lost_of(*sg)), ll = static_cast<double>(lost_of(*lg));
      const double lost_allowed = static_cast<double>(crashes) * 2 + 2;
      rep.checks.push_back({"lost", gs.id, std::to_string(lost_of(*sg)), std::to_string(lost_of(*lg)),
                            "±" + fmt(lost_allowed, 0), std::abs(sl - ll) <= lost_allowed, false, ""});
    }

    // Records caught in a stall (their partition was handed out between their production and
    // their processing): how many and how long they waited follows the rebalances' timing, so
    // their count and mean latency are compared with the rebalance duration's tolerance: each
    // rebalance may last one heartbeat period + 0.25 s more or less, and an eager rebalance stalls
    // every partition, i.e. the group's whole production rate, for that long.
    {
      const double seconds = std::max(1e-9, sim.simulated_seconds);
      const double rate = static_cast<double>(sg->produced) / seconds;
      const double per_rebalance = hb + tol.rebalance_abs_s;
      const double n_rb = static_cast<double>(std::max(sim_rb.done.size(), live_rb.done.size()));
      const double a = static_cast<double>(sg->stalled.records), b = static_cast<double>(lg->stalled.records);
      const double allowed = 10 + tol.stalled_rel * a + rate * n_rb * per_rebalance;
      rep.checks.push_back({"stalled_records", gs.id, std::to_string(sg->stalled.records),
                            std::to_string(lg->stalled.records), opt.mock ? "info" : "±" + fmt(allowed, 0),
                            std::abs(a - b) <= allowed, opt.mock, ""});
      const double ma = sg->stalled.mean_ms, mb = lg->stalled.mean_ms;
      const double mean_allowed = std::max(tol.stalled_rel * ma, per_rebalance * 1000);
      rep.checks.push_back({"stalled_mean_ms", gs.id, fmt(ma), fmt(mb), opt.mock ? "info" : "±" + fmt(mean_allowed, 1) + " ms",
                            std::abs(ma - mb) <= mean_allowed, opt.mock, "ms"});
    }

    // Nothing lost on the live side: every record produced was processed or is still lag.
    {
      const auto lhs = lg->consumed - lg->duplicates;
      const auto rhs = lg->produced - lg->final_lag - lg->skipped - lost_of(*lg);
      rep.checks.push_back({"live_conservation", gs.id, "consumed-duplicates = produced-lag-skipped-lost",
                            std::to_string(lhs) + " vs " + std::to_string(rhs), "exact", lhs == rhs, false, ""});
    }
  }

  // End-to-end latency percentiles over first processings. Those of every record are shown only:
  // on a run with faults the records caught in a stall make up the tail, and where a percentile
  // lands among them depends on rebalance timing. The percentiles of the records not caught in a
  // stall (the steady state: fetch, batching, processing) are the ones compared; the stalled
  // records are compared per group above.
  auto lat = [&](const char* kind, double a, double b, double rel, double abs_ms, bool info) {
    double allowed = std::max(rel * a, abs_ms);
    rep.checks.push_back({kind, "all groups", fmt(a), fmt(b), info ? "info" : "±" + fmt(allowed, 1) + " ms",
                          std::abs(a - b) <= allowed, info, "ms"});
  };
  lat("latency_steady_p50_ms", sim.latency_steady_ms.p50, live.latency_steady_ms.p50, tol.latency_rel, tol.latency_abs_ms, false);
  lat("latency_steady_p90_ms", sim.latency_steady_ms.p90, live.latency_steady_ms.p90, tol.latency_rel, tol.latency_abs_ms, false);
  lat("latency_steady_p99_ms", sim.latency_steady_ms.p99, live.latency_steady_ms.p99, tol.tail_rel, tol.tail_abs_ms, false);
  lat("latency_p50_ms", sim.latency_ms.p50, live.latency_ms.p50, tol.latency_rel, tol.latency_abs_ms, true);
  lat("latency_p90_ms", sim.latency_ms.p90, live.latency_ms.p90, tol.latency_rel, tol.latency_abs_ms, true);
  lat("latency_p99_ms", sim.latency_ms.p99, live.latency_ms.p99, tol.tail_rel, tol.tail_abs_ms, true);
  lat("latency_p999_ms", sim.latency_ms.p999, live.latency_ms.p999, tol.tail_rel, tol.tail_abs_ms, true);
  lat("latency_max_ms", sim.latency_ms.max, live.latency_ms.max, tol.tail_rel, tol.tail_abs_ms, true);
  return rep;
}

}  // namespace cgsim::live
