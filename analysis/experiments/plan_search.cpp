/// @file plan_search.cpp
/// run_plan(): checks the options, brackets every point's search with the analytic models, then
/// simulates candidates in fixed rounds, judges them against the SLOs and picks the answers.
#include <algorithm>
#include <chrono>
#include <optional>
#include <cmath>
#include <set>
#include <tuple>

#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/option_error.hpp"
#include "analysis/experiments/plan_runs.hpp"
#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

using planning::kInf;
using planning::PlanRun;
using planning::RunFigures;

bool PlanResult::ok() const {
  if (points.empty()) return false;
  for (const auto& p : points)
    if (p.best_consumers < 0) return false;
  return true;
}

namespace {

/// Candidates simulated per search round, fixed so that the rounds (and so the output) do not
/// depend on the number of threads.
constexpr std::int32_t kRoundWidth = 4;

std::size_t group_index(const models::Scenario& sc, const std::string& id) {
  if (id.empty()) return 0;
  for (std::size_t i = 0; i < sc.groups.size(); ++i)
    if (sc.groups[i].id == id) return i;
  std::string list;
  for (const auto& g : sc.groups) list += (list.empty() ? "" : ", ") + g.id;
  throw OptionError("group", id, "no such group in the scenario (expected one of: " + list + ")");
}

/// Options that need no scenario: at least one SLO, each once, and at least one seed.
void check_options(const PlanOptions& o) {
  if (o.slos.empty()) throw OptionError("slos", "", "expected at least one SLO, e.g. p99_latency=500ms");
  if (o.seeds == 0) throw OptionError("seeds", "", "expected at least 1");
  std::set<std::string> seen;
  for (const auto& s : o.slos)
    if (!seen.insert(s.name).second) throw OptionError("slos", s.name, "given twice");
}

/// The plan's settings (everything but its points), with the failure count resolved and the
/// SLOs checked against the planned group.
PlanResult plan_settings(const PlanOptions& o, const models::Scenario& base, const models::GroupSpec& g) {
  PlanResult res;
  res.scenario = base.name;
  res.scenario_file = o.scenario_file;
  res.group = g.id;
  res.base_seed = base.seed;
  res.seeds = o.seeds;
  res.slos = o.slos;
  res.latency_under_failure = o.latency_under_failure;
  res.recovery = o.recovery;
  res.axes = o.axes;
  res.scenario_partitions = base.topic(g.topics.front())->partitions;
  if (o.failures) {
    if (*o.failures < 0) throw OptionError("failures", "", "expected a number >= 0");
    res.failures = *o.failures;
  } else {
    for (const auto& f : base.faults)
      if (f.kind == models::FaultSpec::Kind::Crash && f.group == g.id) ++res.failures;
  }
  for (const auto& s : o.slos) {
    if (s.kind == Slo::Kind::Recovery && res.failures == 0) {
      throw OptionError("slos", "recovery", "needs a failure to recover from; plan for 1 or more failures", "failures");
    }
    if ((s.kind == Slo::Kind::MaxLagSeconds || s.kind == Slo::Kind::Recovery) &&
        g.commit.kind == models::CommitSpec::Kind::None) {
      throw OptionError("slos", s.name,
                        "group " + g.id +
                            " commits no offsets (commit: none), so its lag only grows; lag SLOs need commits");
    }
  }
  return res;
}

/// The candidate partition counts (the scenario's when none are given), after checking the
/// candidate counts and that no axis varies what the search chooses.
std::vector<std::int32_t> partition_candidates(const PlanOptions& o, const PlanResult& res, std::size_t gi) {
  std::vector<std::int32_t> counts = o.partitions;
  if (counts.empty()) counts.push_back(res.scenario_partitions);
  for (auto p : counts)
    if (p < 1) throw OptionError("partitions", "", "expected counts >= 1, got " + std::to_string(p));
  for (auto c : o.consumers)
    if (c < 1) throw OptionError("consumers", "", "expected counts >= 1, got " + std::to_string(c));
  const std::string count_path = "groups." + std::to_string(gi) + ".consumers.count";
  for (const auto& a : o.axes) {
    if (a.path == count_path) throw OptionError("axes", a.path, "the plan chooses the consumer count; give candidate consumer counts instead", "consumers");
    if (a.path.rfind("topics.", 0) == 0 && a.path.size() > 11 && a.path.substr(a.path.size() - 11) == ".partitions") {
      throw OptionError("axes", a.path, "the plan chooses among partition counts; give candidate partition counts instead",
                        "partitions");
    }
  }
  return counts;
}

/// One point of the cross product: its peak and, per partition count, the analytic bracket of
/// the consumer search.
PointPlan bracket_point(const PlanOptions& o, const std::vector<scenarios::Override>& combo, std::size_t gi,
                        const models::GroupSpec& g, const std::vector<std::int32_t>& partition_counts,
                        const PlanResult& res) {
  PointPlan pp;
  pp.params = combo;
  auto ov = o.base_overrides;
  ov.insert(ov.end(), combo.begin(), combo.end());
  models::Scenario psc = scenarios::load_scenario_file(o.scenario_file, ov);
  pp.peak = find_peak(psc, g.topics);
  if (pp.peak.rate <= 0) throw InputError(o.scenario_file + ": no producer writes to the topics of group " + g.id);
  for (auto P : partition_counts) {
    PartitionSearch ps;
    ps.partitions = P;
    models::Scenario ssc = candidate_scenario(o, combo, gi, P, std::max(1, psc.groups[gi].consumers.count), {}, 0);
    ps.loads = partition_load_profile(ssc, gi, pp.peak);
    ps.min_consumers = res.failures + 1;
    ps.max_consumers = static_cast<std::int32_t>(ps.loads.rate.size()) + res.failures;
    ps.analytic_lower = ps.max_consumers + 1;
    for (std::int32_t c = ps.min_consumers; c <= ps.max_consumers; ++c) {
      if (analytic_estimate(ssc, gi, ps.loads, c, res.failures, o.slos).plausible) {
        ps.analytic_lower = c;
        break;
      }
    }
    pp.searches.push_back(std::move(ps));
  }
  pp.infeasible = infeasible_slos(psc, gi, res.failures, o.slos, pp.searches);
  return pp;
}

/// One candidate of one round: (point, partition search, consumer count).
struct Key {
  std::size_t point;
  std::size_t search;
  std::int32_t consumers;
};

using Evaluated = std::map<std::tuple<std::size_t, std::size_t, std::int32_t>, Candidate>;

/// The consumer counts search @p s of point @p p proposes next: explicit candidates once; else
/// a round around the analytic lower bound, then downwards from the lowest count that passed or
/// upwards from the highest that failed.
std::vector<std::int32_t> proposals(const PlanOptions& o, const PlanResult& res, const Evaluated& done, std::size_t p,
                                    std::size_t s) {
  const PartitionSearch& ps = res.points[p].searches[s];
  if (!res.points[p].infeasible.empty()) return {};
  auto evaluated = [&](std::int32_t c) { return done.count({p, s, c}) > 0; };
  std::vector<std::int32_t> out;
  auto add = [&](std::int32_t c) {
    if (c >= ps.min_consumers && c <= ps.max_consumers && !evaluated(c) &&
        std::find(out.begin(), out.end(), c) == out.end() && static_cast<std::int32_t>(out.size()) < kRoundWidth) {
      out.push_back(c);
    }
  };
  if (!o.consumers.empty()) {
    for (auto c : o.consumers)
      if (c >= ps.min_consumers && !evaluated(c)) out.push_back(c);
    return out;
  }
  std::int32_t lowest_pass = -1, highest_eval = -1;
  for (std::int32_t c = ps.min_consumers; c <= ps.max_consumers; ++c) {
    if (!evaluated(c)) continue;
    highest_eval = std::max(highest_eval, c);
    if (lowest_pass < 0 && done.at({p, s, c}).meets) lowest_pass = c;
  }
  if (highest_eval < 0) {
    std::int32_t start = std::min(ps.analytic_lower, ps.max_consumers);
    for (std::int32_t c = start - 1; c < start - 1 + kRoundWidth; ++c) add(c);
    if (out.empty()) add(ps.max_consumers);
  } else if (lowest_pass >= 0) {
    if (lowest_pass > ps.min_consumers && !evaluated(lowest_pass - 1)) {
      for (std::int32_t c = lowest_pass - 1; c >= lowest_pass - kRoundWidth; --c) add(c);
    }
  } else {
    for (std::int32_t c = highest_eval + 1; c <= highest_eval + kRoundWidth; ++c) add(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The figures of one round's runs, per (key, seed): failure-free runs first, then the failure
/// runs, which need the failure-free run's assignment to pick their victims.
struct RoundRuns {
  std::vector<RunFigures> steady;
  std::vector<RunFigures> failure;
};

/// Simulates the round's units @p units (key x seeds + seed index); the other entries of the
/// result stay empty.
RoundRuns simulate_round(const PlanOptions& o, const PlanResult& res, std::size_t gi, const std::vector<Key>& keys,
                         int round, const std::vector<std::size_t>& units) {
  const std::int32_t F = res.failures;
  const std::size_t S = o.seeds;
  const bool ordering = std::any_of(o.slos.begin(), o.slos.end(), [](const Slo& s) { return s.kind == Slo::Kind::Ordering; });
  const bool progress = o.progress && (stderr_is_tty() || o.progress_anywhere);
  // Each candidate with units to run here is checked before the round starts any run (a shard
  // checks its own units, as many at once as it runs).
  const unsigned jobs = o.jobs == 0 ? default_jobs() : o.jobs;
  const auto parallel = static_cast<unsigned>(std::min<std::size_t>(jobs, units.size()));
  std::vector<bool> runs_key(keys.size(), false);
  for (std::size_t i : units) runs_key[i / S] = true;
  for (std::size_t ki = 0; ki < keys.size(); ++ki) {
    if (!runs_key[ki]) continue;
    const Key& k = keys[ki];
    const PointPlan& pp = res.points[k.point];
    const PartitionSearch& ps = pp.searches[k.search];
    const models::Scenario sc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, {}, 0);
    check_budget(estimate_cost(sc, false), o.budget,
                 o.scenario_file + " (" + std::to_string(ps.partitions) + " partitions, " +
                     std::to_string(k.consumers) + " consumers)",
                 parallel);
  }
  RoundRuns runs{std::vector<RunFigures>(keys.size() * S), std::vector<RunFigures>(keys.size() * S)};
  {
    ProgressBar bar("runs (round " + std::to_string(round) + ", failure-free)", units.size(), progress);
    parallel_for(units.size(), o.jobs, [&](std::size_t j) {
      const std::size_t i = units[j];
      const Key& k = keys[i / S];
      const PointPlan& pp = res.points[k.point];
      const PartitionSearch& ps = pp.searches[k.search];
      models::Scenario sc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, {}, 0);
      sc.seed += static_cast<std::uint64_t>(i % S);
      PlanRun r = planning::run_for_plan(sc, gi, o.recovery.settle_s, F > 0, ordering);
      RunFigures& f = runs.steady[i];
      planning::run_figures(f, r, "steady_");
      f.first_assignment_s = r.first_assignment_s;
      if (F > 0) {
        f.failure_s = std::max(pp.peak.start_s, r.window_start_s + o.recovery.window_s);
        if (r.first_assignment_s < 0 || f.failure_s >= sim::to_seconds(sc.duration)) {
          f.too_short = true;
        } else {
          f.victims = planning::pick_victims(r, res.group, f.failure_s, o.recovery.window_s, F, k.consumers,
                                             f.victim_names);
        }
      }
    }, &bar);
  }
  if (F > 0) {
    ProgressBar bar("runs (round " + std::to_string(round) + ", with failures)", units.size(), progress);
    parallel_for(units.size(), o.jobs, [&](std::size_t j) {
      const std::size_t i = units[j];
      const RunFigures& st = runs.steady[i];
      if (st.too_short) return;
      const Key& k = keys[i / S];
      const PointPlan& pp = res.points[k.point];
      const PartitionSearch& ps = pp.searches[k.search];
      const sim::Time at = static_cast<sim::Time>(std::llround(st.failure_s * 1e9));
      models::Scenario sc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, st.victims, at);
      sc.seed += static_cast<std::uint64_t>(i % S);
      PlanRun r = planning::run_for_plan(sc, gi, o.recovery.settle_s, false, ordering);
      RunFigures& f = runs.failure[i];
      planning::run_figures(f, r, "failure_");
      Recovery rec = measure_recovery(r.group_lag, 0, st.failure_s, o.recovery);
      f.v["recovery"] = rec.recovery_s;
      f.v["failure_drain_seconds"] = f.v["failure_max_lag"] / pp.peak.rate;
      f.failure_s = st.failure_s;
    }, &bar);
  }
  return runs;
}

/// One SLO's verdict from the figures of every seed (@p vals: figure name -> values).
SloVerdict judge_slo(const Slo& slo, const std::map<std::string, std::vector<double>>& vals, bool under_failure,
                     std::int32_t F, bool too_short) {
  SloVerdict v;
  v.slo = slo.name;
  v.limit = slo.limit;
  std::vector<double> xs;
  auto take = [&](const std::string& n) {
    auto it = vals.find(n);
    if (it != vals.end()) xs.insert(xs.end(), it->second.begin(), it->second.end());
  };
  switch (slo.kind) {
    case Slo::Kind::Latency:
      take("steady_" + slo.name);
      v.run = "steady";
      if (under_failure && F > 0) {
        take("failure_" + slo.name);
        v.run = "steady+failure";
      }
      break;
    case Slo::Kind::MaxLag:
    case Slo::Kind::MaxLagSeconds:
      take("steady_" + slo.name);
      take("failure_" + slo.name);
      v.run = F > 0 ? "steady+failure" : "steady";
      break;
    case Slo::Kind::Recovery:
      take("recovery");
      v.run = "failure";
      break;
    case Slo::Kind::Ordering:
      // A failure is what breaks ordering in Kafka: both kinds of run count.
      take("steady_ordering_violations");
      take("failure_ordering_violations");
      v.run = F > 0 ? "steady+failure" : "steady";
      break;
  }
  if (xs.empty()) {
    v.worst = kInf;
    v.mean = kInf;
  } else {
    v.worst = *std::max_element(xs.begin(), xs.end());
    bool finite = std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); });
    MetricStats st = finite ? metric_stats(xs) : MetricStats{kInf, 0, 0, 0, kInf, xs.size()};
    v.mean = st.mean;
    v.ci95 = st.ci95;
  }
  v.met = v.worst <= slo.limit && !too_short;
  return v;
}

/// The candidate of round key @p ki: its analytic estimate, figures over seeds and verdicts.
Candidate judge_candidate(const PlanOptions& o, const PlanResult& res, std::size_t gi, const Key& k, std::size_t ki,
                          const RoundRuns& runs) {
  const std::int32_t F = res.failures;
  const std::size_t S = o.seeds;
  const PointPlan& pp = res.points[k.point];
  const PartitionSearch& ps = pp.searches[k.search];
  Candidate c;
  c.partitions = ps.partitions;
  c.consumers = k.consumers;
  models::Scenario ssc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, {}, 0);
  c.analytic = analytic_estimate(ssc, gi, ps.loads, k.consumers, F, o.slos);
  bool too_short = false;
  std::map<std::string, std::vector<double>> vals;
  for (std::size_t s = 0; s < S; ++s) {
    const RunFigures& st = runs.steady[ki * S + s];
    for (const auto& [n, v] : st.v) vals[n].push_back(v);
    if (F > 0) {
      too_short |= st.too_short;
      if (s == 0) {
        c.failure_s = st.failure_s;
        c.victims = st.victim_names;
      }
      if (!st.too_short)
        for (const auto& [n, v] : runs.failure[ki * S + s].v) vals[n].push_back(v);
    }
  }
  for (const auto& [n, xs] : vals) {
    bool finite = std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); });
    MetricStats st = finite ? metric_stats(xs) : MetricStats{kInf, 0, 0, *std::min_element(xs.begin(), xs.end()), kInf, xs.size()};
    c.figures[n] = st;
  }
  c.meets = !too_short;
  for (const auto& slo : o.slos) {
    SloVerdict v = judge_slo(slo, vals, o.latency_under_failure, F, too_short);
    c.meets = c.meets && v.met;
    c.verdicts.push_back(v);
  }
  c.notes = explain_model_gap(c, ps, ssc.groups[gi]);
  return c;
}

/// Search @p ps's answer (the smallest count meeting every SLO) and the SLOs that bound it.
void answer_search(PartitionSearch& ps) {
  const Candidate* below = nullptr;
  for (const auto& c : ps.candidates) {
    if (c.meets) {
      ps.answer = c.consumers;
      break;
    }
    below = &c;
  }
  if (ps.answer >= 0 && below && below->consumers == ps.answer - 1) {
    std::vector<std::pair<double, std::string>> v;
    for (const auto& vd : below->verdicts)
      if (!vd.met) v.emplace_back(vd.limit > 0 ? -vd.worst / vd.limit : -kInf, vd.slo);
    std::sort(v.begin(), v.end());
    for (const auto& [ratio, name] : v) ps.binding.push_back(name);
  }
}

/// A warning when a recovery SLO cannot be observed in what is left of the run after a failure.
std::optional<std::string> recovery_warning(const PlanOptions& o, const PointPlan& pp, const models::Scenario& base) {
  for (const auto& ps : pp.searches)
    for (const auto& c : ps.candidates)
      if (c.failure_s >= 0) {
        double left = sim::to_seconds(base.duration) - c.failure_s;
        for (const auto& slo : o.slos)
          if (slo.kind == Slo::Kind::Recovery && left < slo.limit + o.recovery.hold_s) {
            return "the run continues only " + format_short(left) + " s after the failure; recovery up to " +
                   format_short(slo.limit) + " s plus the " + format_short(o.recovery.hold_s) +
                   " s hold needs a longer duration to be observed";
          }
      }
  return std::nullopt;
}

/// Keeps the topic's partition count when some consumer count meets every SLO with it, even if
/// another count needs fewer consumers: repartitioning a keyed topic remaps keys. Says why, and
/// what a change of partition count costs when the recommendation makes one.
void prefer_scenario_partitions(PointPlan& pp, std::int32_t scenario_partitions) {
  const PartitionSearch* keep = nullptr;
  for (const auto& ps : pp.searches)
    if (ps.partitions == scenario_partitions && ps.answer >= 0) keep = &ps;
  const bool keyed = !pp.searches.empty() && pp.searches.front().loads.keyed;
  const std::string cost =
      keyed ? "a keyed record goes to hash(key) mod partitions, so changing the count moves most keys to another "
              "partition: records of a key written before and after the change sit in different partitions and "
              "may be processed out of order across the change (unless producers pause until the old partitions "
              "have drained), and existing records stay where they are"
            : "existing records stay in their partitions, and consumers rebalance onto the new ones";
  if (keep) {
    pp.best_partitions = keep->partitions;
    pp.best_consumers = keep->answer;
    pp.binding = keep->binding;
    for (const auto& ps : pp.searches) {
      if (ps.partitions == scenario_partitions || ps.answer < 0) continue;
      pp.notes.push_back("keeps the topic's " + std::to_string(scenario_partitions) +
                         " partitions: adding consumers suffices (" + std::to_string(ps.partitions) +
                         " partitions would need " + std::to_string(ps.answer) + " consumers). Repartitioning costs: " +
                         cost);
    }
  } else if (pp.best_consumers >= 0 && pp.best_partitions != scenario_partitions) {
    pp.notes.push_back("no consumer count meets every SLO with the topic's " + std::to_string(scenario_partitions) +
                       " partitions, so the recommendation changes the partition count. It costs: " + cost +
                       ". Create a new topic with the new count and migrate, rather than adding partitions in place");
  }
}

/// Collects point @p p's candidates into its searches and picks its answers and warnings.
void answer_point(const PlanOptions& o, PointPlan& pp, std::size_t p, const Evaluated& done, std::int32_t F,
                  const models::Scenario& base, std::int32_t scenario_partitions) {
  for (std::size_t s = 0; s < pp.searches.size(); ++s) {
    PartitionSearch& ps = pp.searches[s];
    for (auto& [key, c] : done)
      if (std::get<0>(key) == p && std::get<1>(key) == s) ps.candidates.push_back(c);
    std::sort(ps.candidates.begin(), ps.candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.consumers < b.consumers; });
    answer_search(ps);
    if (ps.answer >= 0 && (pp.best_consumers < 0 || ps.answer < pp.best_consumers ||
                           (ps.answer == pp.best_consumers && ps.partitions < pp.best_partitions))) {
      pp.best_consumers = ps.answer;
      pp.best_partitions = ps.partitions;
      pp.binding = ps.binding;
    }
    if (ps.candidates.empty() && pp.infeasible.empty()) {
      pp.warnings.push_back("partitions " + std::to_string(ps.partitions) + ": no candidate simulated");
    }
    for (const auto& c : ps.candidates) {
      if (F > 0 && c.failure_s < 0) {
        pp.warnings.push_back("partitions " + std::to_string(ps.partitions) + ", consumers " +
                              std::to_string(c.consumers) +
                              ": the run ends before the failure could be placed after warm-up; lengthen duration");
        break;
      }
    }
  }
  prefer_scenario_partitions(pp, scenario_partitions);
  if (F > 0) {
    if (auto w = recovery_warning(o, pp, base)) pp.warnings.push_back(*w);
  }
}

}  // namespace

/// The name of unit @p i of a round (see PlanRounds).
std::string unit_name(const std::vector<Key>& keys, std::size_t S, std::size_t i) {
  const Key& k = keys[i / S];
  return "p" + std::to_string(k.point) + ".s" + std::to_string(k.search) + ".c" + std::to_string(k.consumers) + ".r" +
         std::to_string(i % S);
}

/// The round's runs from @p rounds->known when every unit is there; else records the round as
/// pending, runs the shard's slice of it (if any) and returns nothing.
std::optional<RoundRuns> known_round(const PlanOptions& o, const PlanResult& res, std::size_t gi,
                                     const std::vector<Key>& keys, int round, PlanRounds& rounds) {
  const std::size_t S = o.seeds, n = keys.size() * S;
  std::vector<std::string> names;
  bool all = true;
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back(unit_name(keys, S, i));
    all = all && rounds.known.contains(names.back());
  }
  if (all) {
    RoundRuns runs{std::vector<RunFigures>(n), std::vector<RunFigures>(n)};
    for (std::size_t i = 0; i < n; ++i) {
      const auto& u = rounds.known.at(names[i]);
      if (!u.is_object() || !u.contains("steady") || !u.contains("failure")) {
        throw InputError("plan unit " + names[i] + ": malformed (expected steady and failure figures)");
      }
      runs.steady[i] = planning::figures_from_json(u.at("steady"), names[i]);
      runs.failure[i] = planning::figures_from_json(u.at("failure"), names[i]);
    }
    return runs;
  }
  rounds.pending_round = round;
  rounds.pending_units = names;
  if (rounds.shard) {
    for (std::size_t i = rounds.shard->index; i < n; i += rounds.shard->count) rounds.ran.push_back(i);
    const RoundRuns runs = simulate_round(o, res, gi, keys, round, rounds.ran);
    for (std::size_t i : rounds.ran) {
      rounds.ran_figures[names[i]] = {{"steady", planning::figures_json(runs.steady[i])},
                                      {"failure", planning::figures_json(runs.failure[i])}};
    }
  }
  return std::nullopt;
}

PlanResult run_plan(const PlanOptions& o, PlanRounds* rounds) {
  const auto t0 = std::chrono::steady_clock::now();
  check_options(o);
  const models::Scenario base = scenarios::load_scenario_file(o.scenario_file, o.base_overrides);
  const std::size_t gi = group_index(base, o.group);
  PlanResult res = plan_settings(o, base, base.groups[gi]);
  const std::vector<std::int32_t> partition_counts = partition_candidates(o, res, gi);
  for (const auto& combo : cross_product(o.axes)) res.points.push_back(bracket_point(o, combo, gi, base.groups[gi], partition_counts, res));

  // Search rounds: each active search proposes up to kRoundWidth consumer counts; all proposals of
  // a round are simulated together.
  Evaluated done;
  for (int round = 1;; ++round) {
    std::vector<Key> keys;
    for (std::size_t p = 0; p < res.points.size(); ++p)
      for (std::size_t s = 0; s < res.points[p].searches.size(); ++s)
        for (auto c : proposals(o, res, done, p, s)) keys.push_back({p, s, c});
    if (keys.empty()) break;
    RoundRuns runs;
    if (rounds) {
      auto known = known_round(o, res, gi, keys, round, *rounds);
      if (!known) return res;
      runs = std::move(*known);
    } else {
      std::vector<std::size_t> all(keys.size() * o.seeds);
      for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
      runs = simulate_round(o, res, gi, keys, round, all);
    }
    for (std::size_t ki = 0; ki < keys.size(); ++ki) {
      const Key& k = keys[ki];
      done[{k.point, k.search, k.consumers}] = judge_candidate(o, res, gi, k, ki, runs);
    }
  }

  if (rounds) rounds->pending_round = 0;
  for (std::size_t p = 0; p < res.points.size(); ++p) {
    answer_point(o, res.points[p], p, done, res.failures, base, res.scenario_partitions);
  }
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace cgsim::analysis
