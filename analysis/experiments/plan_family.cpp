#include "analysis/experiments/plan_family.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <variant>

#include "analysis/experiments/option_error.hpp"
#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

namespace rmq = models::rabbitmq;
namespace pl = models::pulsar;

/// What the plan changes in the scenario and what it needs to know about the planned group.
struct Target {
  std::string family;
  std::string group;
  std::string count_path;             ///< e.g. consumers.0.count, subscriptions.1.consumers.count
  std::string names_path;             ///< Pulsar consumer names, when the scenario lists them
  std::vector<std::string> names;
  std::string partitions_path;        ///< Pulsar: topics.<t>.partitions
  std::int32_t partitions = 1;        ///< the scenario's (1 for a RabbitMQ queue or an unpartitioned topic)
  double mean_processing_s = 0;
  std::int32_t crash_faults = 0;      ///< crash faults on the group in the scenario
  double ack_group_s = 0;             ///< Pulsar: the client's acknowledgement group time
  double first_crash_s = -1;
  Peak peak;
};

struct Producer {
  const models::RateSpec* rate;
  double instances;
  double start_s, stop_s;
};

Peak peak_of(const std::vector<Producer>& producers, double duration_s) {
  std::vector<double> at{0};
  for (const auto& p : producers) {
    at.push_back(p.start_s);
    at.push_back(p.stop_s);
    for (const auto& st : p.rate->steps) at.push_back(sim::to_seconds(st.first));
  }
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  at.erase(std::remove_if(at.begin(), at.end(), [&](double t) { return t < 0 || t >= duration_s; }), at.end());
  auto rate = [&](double t) {
    double r = 0;
    for (const auto& p : producers)
      if (t >= p.start_s && t < p.stop_s) r += p.instances * p.rate->rate_at(static_cast<sim::Time>(std::llround(t * 1e9)));
    return r;
  };
  Peak peak;
  peak.end_s = duration_s;
  for (std::size_t i = 0; i < at.size(); ++i) {
    const double r = rate(at[i]);
    if (r > peak.rate) {
      peak.rate = r;
      peak.start_s = at[i];
      peak.end_s = duration_s;
      for (std::size_t k = i + 1; k < at.size(); ++k)
        if (rate(at[k]) != r) {
          peak.end_s = at[k];
          break;
        }
    }
  }
  return peak;
}

double stop_s(sim::Time stop, double duration_s) { return stop == sim::kNever ? duration_s : sim::to_seconds(stop); }

void count_crashes(Target& t, const std::vector<models::FaultSpec>& faults) {
  for (const auto& f : faults) {
    if (f.group != t.group || f.kind != models::FaultSpec::Kind::Crash) continue;
    ++t.crash_faults;
    if (t.first_crash_s < 0) t.first_crash_s = sim::to_seconds(f.at);
  }
}

Target target_of(const FamilyScenario& fs, const std::string& group) {
  Target t;
  t.family = fs.broker();
  if (const auto* sc = std::get_if<rmq::Scenario>(&fs.scenario)) {
    std::size_t g = 0;
    if (!group.empty()) {
      while (g < sc->consumers.size() && sc->consumers[g].name != group) ++g;
      if (g == sc->consumers.size()) throw OptionError("group", group, "no consumer group of that name in the scenario");
    }
    const auto& spec = sc->consumers[g];
    t.group = spec.name;
    t.count_path = "consumers." + std::to_string(g) + ".count";
    t.mean_processing_s = spec.processing_time.mean();
    const double d = sim::to_seconds(sc->duration);
    std::vector<Producer> ps;
    for (const auto& p : sc->producers) ps.push_back({&p.rate, static_cast<double>(p.count), sim::to_seconds(p.start), stop_s(p.stop, d)});
    t.peak = peak_of(ps, d);
    count_crashes(t, sc->faults);
    return t;
  }
  const auto& sc = std::get<pl::ScenarioFile>(fs.scenario);
  std::size_t g = 0;
  if (!group.empty()) {
    while (g < sc.pulsar.subscriptions.size() && sc.pulsar.subscriptions[g].name != group) ++g;
    if (g == sc.pulsar.subscriptions.size()) throw OptionError("group", group, "no subscription of that name in the scenario");
  }
  const auto& spec = sc.pulsar.subscriptions[g];
  t.group = spec.name;
  t.count_path = "subscriptions." + std::to_string(g) + ".consumers.count";
  if (!spec.consumers.names.empty()) {
    t.names_path = "subscriptions." + std::to_string(g) + ".consumers.names";
    t.names = spec.consumers.names;
  }
  t.mean_processing_s = spec.consumers.processing_time.mean();
  t.ack_group_s = sim::to_seconds(spec.ack_group_time);
  const std::int32_t topic = sc.topic_index(spec.topic);
  t.partitions = std::max(1, sc.pulsar.topics[static_cast<std::size_t>(topic)].partitions);
  if (sc.pulsar.topics[static_cast<std::size_t>(topic)].partitions > 0) t.partitions_path = "topics." + std::to_string(topic) + ".partitions";
  const double d = sim::to_seconds(sc.duration);
  std::vector<Producer> ps;
  for (const auto& p : sc.pulsar.producers)
    if (p.topic == spec.topic) ps.push_back({&p.rate, static_cast<double>(p.count), sim::to_seconds(p.start), stop_s(p.stop, d)});
  t.peak = peak_of(ps, d);
  count_crashes(t, sc.faults);
  return t;
}

/// SLOs that no consumer count meets for certain, each with its reason: a Pulsar crash loses the
/// acknowledgements its client was still grouping, and the broker sends those messages again, so a
/// key with two of them in the lost group is processed again behind its later record. Whether any
/// key has is where the crash falls in the ack cycle: a count that shows 0 was lucky.
std::vector<std::string> infeasible_family_slos(const Target& t, std::int32_t failures, const std::vector<Slo>& slos) {
  std::vector<std::string> out;
  if (t.family != "pulsar" || failures <= 0 || t.ack_group_s <= 0) return out;
  for (const auto& s : slos) {
    if (s.kind != Slo::Kind::Ordering || s.limit >= 1) continue;
    out.push_back("ordering_violations = 0 cannot be guaranteed with a consumer crash: the client groups its "
                  "acknowledgements for ack_group_time " + format_short(t.ack_group_s * 1e3) + " ms, a crash loses "
                  "the group it was collecting, and the broker delivers those messages again; a key with two "
                  "messages in that group is processed again after its later one, whatever the consumer count "
                  "(a count that shows 0 only had the crash land where no key had two). Set ack_group_time: 0 "
                  "on the subscription (each acknowledgement sent at once), or allow a few violations");
  }
  return out;
}

/// The crash time: the start of the peak when the rate rises to it after the start, else the
/// scenario's first crash of the group, else the middle of the run.
double failure_time(const Target& t, double duration_s) {
  if (t.peak.start_s > 0) return t.peak.start_s;
  if (t.first_crash_s > 0) return t.first_crash_s;
  return duration_s / 2;
}

std::string quoted(const std::string& s) { return nlohmann::json(s).dump(); }

std::vector<scenarios::Override> candidate_overrides(const Target& t, std::int32_t partitions, std::int32_t consumers,
                                                     std::int32_t failures, double at_s) {
  std::vector<scenarios::Override> ov;
  auto add = [&](const std::string& path, const std::string& value) { ov.push_back({path, value, "plan"}); };
  add(t.count_path, std::to_string(consumers));
  if (!t.names_path.empty()) {
    std::string names = "[";
    for (std::int32_t i = 0; i < consumers; ++i)
      names += (i ? ", " : "") + quoted(static_cast<std::size_t>(i) < t.names.size() ? t.names[static_cast<std::size_t>(i)]
                                                                                    : t.group + "-" + std::to_string(i));
    add(t.names_path, names + "]");
  }
  if (!t.partitions_path.empty()) add(t.partitions_path, std::to_string(partitions));
  std::string faults;
  for (std::int32_t i = 0; i < failures; ++i)
    faults += std::string(i ? ", " : "[") + "{at: " + std::to_string(std::llround(at_s * 1000)) + "ms, crash: " +
              quoted(t.group + "/" + std::to_string(i)) + "}";
  add("faults", faults.empty() ? "" : faults + "]");
  return ov;
}

/// The planned group's figures of one run.
struct RunFigures {
  LatencySummary latency;
  double max_lag = 0, duplicates = 0, ordering = 0;
};

RunFigures figures_of(const FamilyRun& r, const std::string& group) {
  RunFigures f;
  for (const auto& g : r.summary.groups) {
    if (g.id != group) continue;
    // Steady figures, after the group's warm-up (the whole run when nothing was published after it).
    const bool steady = !g.warmup.reason.empty() && g.warmup.steady_latency_ms.count > 0;
    f.latency = steady ? g.warmup.steady_latency_ms : g.latency_ms;
    f.max_lag = static_cast<double>(steady ? g.warmup.steady_max_lag : g.max_lag);
    f.ordering = static_cast<double>(g.ordering.out_of_order);
  }
  // The duplicates a fault caused (requeues after negative acks are retries, not duplicates).
  for (const auto& fr : r.summary.faults)
    if (fr.group == group) f.duplicates += static_cast<double>(fr.duplicates);
  return f;
}

double quantile_of(const LatencySummary& l, double q) {
  if (q >= 1) return l.max;
  if (q >= 0.999) return l.p999;
  if (q >= 0.99) return l.p99;
  if (q >= 0.9) return l.p90;
  return l.p50;
}

}  // namespace

Slo parse_family_slo(const std::string& text) {
  if (text.rfind("duplicates=", 0) == 0) {
    Slo s = parse_slo("max_lag=" + text.substr(11));
    s.name = "duplicates";
    return s;
  }
  Slo s = parse_slo(text);
  if (s.kind == Slo::Kind::MaxLagSeconds || s.kind == Slo::Kind::Recovery)
    throw OptionError("slos", s.name,
                      "not available for RabbitMQ and Pulsar plans (expected p50/p90/p99/p999_latency, max_latency, "
                      "max_lag (the backlog), duplicates or ordering_violations)");
  return s;
}

namespace {

/// One search of a family plan: a partition count of one point, and the candidates judged so far.
struct FamilySearch {
  std::size_t point = 0, index = 0;  ///< point, and search within the point
  Target target;
  std::vector<scenarios::Override> base_ov;
  std::int32_t failures = 0;
  double at_s = 0, work = 0;
  PartitionSearch search;
  std::map<std::int32_t, Candidate> done;
  bool finished = false;
};

/// The figures of one unit (candidate x seed): its failure-free run and, with failures, its
/// failure run.
struct UnitFigures {
  RunFigures steady, failure;
};

nlohmann::json figures_json(const RunFigures& f) {
  const auto& l = f.latency;
  return {{"p50", exact_number(l.p50)},   {"p90", exact_number(l.p90)}, {"p99", exact_number(l.p99)},
          {"p999", exact_number(l.p999)}, {"max", exact_number(l.max)}, {"mean", exact_number(l.mean)},
          {"max_lag", exact_number(f.max_lag)}, {"duplicates", exact_number(f.duplicates)},
          {"ordering", exact_number(f.ordering)}};
}

RunFigures figures_from(const nlohmann::json& j, const std::string& unit) {
  try {
    RunFigures f;
    f.latency.p50 = exact_number_from(j.at("p50"));
    f.latency.p90 = exact_number_from(j.at("p90"));
    f.latency.p99 = exact_number_from(j.at("p99"));
    f.latency.p999 = exact_number_from(j.at("p999"));
    f.latency.max = exact_number_from(j.at("max"));
    f.latency.mean = exact_number_from(j.at("mean"));
    f.max_lag = exact_number_from(j.at("max_lag"));
    f.duplicates = exact_number_from(j.at("duplicates"));
    f.ordering = exact_number_from(j.at("ordering"));
    return f;
  } catch (const std::exception& e) {
    throw InputError("plan unit " + unit + ": malformed figures (" + escape_bytes(e.what()) +
                     "): expected p50, p90, p99, p999, max, mean, max_lag, duplicates and ordering");
  }
}

/// Thrown by a search that needs candidates whose units have not run yet.
struct NeedsCandidates {
  std::vector<std::int32_t> consumers;
};

std::string unit_name(const FamilySearch& fs, std::int32_t c, std::size_t seed) {
  return "p" + std::to_string(fs.point) + ".s" + std::to_string(fs.index) + ".c" + std::to_string(c) + ".r" +
         std::to_string(seed);
}

/// The candidate @p c of @p fs judged from its units' figures (@p figs: per seed).
Candidate judge(const PlanOptions& o, const FamilySearch& fs, std::int32_t c, const std::vector<const UnitFigures*>& figs) {
  const std::int32_t F = fs.failures;
  const Target& t = fs.target;
  Candidate cand;
  cand.partitions = fs.search.partitions;
  cand.consumers = c;
  cand.analytic.partitions = fs.search.partitions;
  cand.analytic.consumers = c;
  cand.analytic.failures = F;
  cand.analytic.max_utilisation = fs.work / c;
  cand.analytic.max_utilisation_failed = fs.work / std::max(1, c - F);
  cand.analytic.stable = cand.analytic.max_utilisation_failed < 1;
  cand.analytic.plausible = cand.analytic.stable;
  if (F > 0) {
    cand.failure_s = fs.at_s;
    for (std::int32_t i = 0; i < F; ++i) cand.victims.push_back(t.group + "/" + std::to_string(i));
  }
  // Per seed, the failure-free run then the failure run.
  auto values = [&](bool steady, bool failure, auto get) {
    std::vector<double> xs;
    for (const UnitFigures* u : figs) {
      if (steady) xs.push_back(get(u->steady));
      if (failure && F > 0) xs.push_back(get(u->failure));
    }
    return xs;
  };
  cand.meets = true;
  for (const Slo& slo : o.slos) {
    SloVerdict v;
    v.slo = slo.name;
    v.limit = slo.limit;
    std::vector<double> xs;
    if (slo.kind == Slo::Kind::Latency) {
      const bool both = o.latency_under_failure && F > 0;
      xs = values(true, both, [&](const RunFigures& f) { return quantile_of(f.latency, slo.quantile); });
      v.run = both ? "steady+failure" : "steady";
    } else if (slo.name == "duplicates") {
      xs = values(F == 0, F > 0, [](const RunFigures& f) { return f.duplicates; });
      v.run = F > 0 ? "failure" : "steady";
    } else {
      const bool ordering = slo.kind == Slo::Kind::Ordering;
      xs = values(true, true, [&](const RunFigures& f) { return ordering ? f.ordering : f.max_lag; });
      v.run = F > 0 ? "steady+failure" : "steady";
    }
    const MetricStats st = metric_stats(xs);
    v.worst = st.max;
    v.mean = st.mean;
    v.ci95 = st.ci95;
    v.met = v.worst <= v.limit;
    cand.meets = cand.meets && v.met;
    cand.verdicts.push_back(v);
  }
  cand.figures["steady_p99_latency"] = metric_stats(values(true, false, [](const RunFigures& f) { return f.latency.p99; }));
  cand.figures["steady_max_lag"] = metric_stats(values(true, false, [](const RunFigures& f) { return f.max_lag; }));
  cand.figures["steady_ordering_violations"] = metric_stats(values(true, false, [](const RunFigures& f) { return f.ordering; }));
  if (F > 0) {
    cand.figures["failure_p99_latency"] = metric_stats(values(false, true, [](const RunFigures& f) { return f.latency.p99; }));
    cand.figures["failure_max_lag"] = metric_stats(values(false, true, [](const RunFigures& f) { return f.max_lag; }));
    cand.figures["failure_ordering_violations"] = metric_stats(values(false, true, [](const RunFigures& f) { return f.ordering; }));
    cand.figures["duplicates"] = metric_stats(values(false, true, [](const RunFigures& f) { return f.duplicates; }));
  }
  return cand;
}

/// Runs @p fs's search as far as the figures in @p units allow; throws NeedsCandidates for the
/// next candidate whose units are missing (every missing one of an explicit --consumers list).
void advance(const PlanOptions& o, FamilySearch& fs, const std::map<std::string, UnitFigures>& units) {
  PartitionSearch& search = fs.search;
  auto evaluate = [&](std::int32_t c) -> const Candidate& {
    if (auto it = fs.done.find(c); it != fs.done.end()) return it->second;
    std::vector<const UnitFigures*> figs;
    for (std::size_t i = 0; i < o.seeds; ++i) {
      auto it = units.find(unit_name(fs, c, i));
      if (it == units.end()) throw NeedsCandidates{{c}};
      figs.push_back(&it->second);
    }
    return fs.done.emplace(c, judge(o, fs, c, figs)).first->second;
  };
  search.answer = -1;
  if (!o.consumers.empty()) {
    NeedsCandidates missing;
    for (const std::int32_t c : o.consumers) {
      if (fs.done.count(c) || std::count(missing.consumers.begin(), missing.consumers.end(), c)) continue;
      try {
        evaluate(c);
      } catch (const NeedsCandidates&) {
        missing.consumers.push_back(c);
      }
    }
    if (!missing.consumers.empty()) throw missing;
    for (const std::int32_t c : o.consumers)
      if (evaluate(c).meets && search.answer < 0) search.answer = c;
  } else {
    // Up from the queueing bound until a count meets every SLO, then down while the one below does too.
    std::int32_t c = std::min(search.analytic_lower, search.max_consumers);
    while (!evaluate(c).meets && c < search.max_consumers) ++c;
    if (evaluate(c).meets) {
      while (c > search.min_consumers && evaluate(c - 1).meets) --c;
      search.answer = c;
      if (c > search.min_consumers) evaluate(c - 1);
    }
  }
  fs.finished = true;
}

/// A round's candidates: those the searches wait for.
struct RoundKey {
  std::size_t search;  ///< index into the plan's searches
  std::int32_t consumers;
};

/// Simulates the units @p ran of a round (unit i: key i / seeds, seed i % seeds) into @p out.
void simulate_units(const PlanOptions& o, const std::string& family, const std::vector<FamilySearch>& searches,
                    const std::vector<RoundKey>& keys, const std::vector<std::size_t>& ran,
                    std::vector<UnitFigures>& out) {
  const unsigned jobs = o.jobs == 0 ? default_jobs() : o.jobs;
  // Per key, the failure-free scenario and (with failures) the failure one, loaded and costed
  // before any run starts; only the keys with units to run here.
  std::vector<std::vector<FamilyScenario>> scs(keys.size());
  std::vector<std::pair<std::size_t, std::size_t>> tasks;  // (index into ran, run kind)
  for (std::size_t j = 0; j < ran.size(); ++j) {
    const auto& fs = searches[keys[ran[j] / o.seeds].search];
    for (std::size_t kind = 0; kind < (fs.failures > 0 ? 2u : 1u); ++kind) tasks.push_back({j, kind});
  }
  const auto parallel = static_cast<unsigned>(std::min<std::size_t>(jobs, tasks.size()));
  for (std::size_t j = 0; j < ran.size(); ++j) {
    const std::size_t k = ran[j] / o.seeds;
    if (!scs[k].empty()) continue;
    const FamilySearch& fs = searches[keys[k].search];
    const std::int32_t P = fs.search.partitions, c = keys[k].consumers;
    for (std::size_t kind = 0; kind < (fs.failures > 0 ? 2u : 1u); ++kind) {
      auto ov = fs.base_ov;
      const auto cand = candidate_overrides(fs.target, P, c, kind == 0 ? 0 : fs.failures, fs.at_s);
      ov.insert(ov.end(), cand.begin(), cand.end());
      scs[k].push_back(load_family_scenario(o.scenario_file, family, ov));
      check_budget(estimate_cost(scs[k].back()), o.budget,
                   o.scenario_file + " (" + std::to_string(P) + " partitions, " + std::to_string(c) + " consumers)",
                   parallel);
    }
  }
  out.assign(ran.size(), UnitFigures{});
  parallel_for(tasks.size(), jobs, [&](std::size_t ti) {
    const auto [j, kind] = tasks[ti];
    const std::size_t k = ran[j] / o.seeds;
    FamilyScenario sc = scs[k][kind];
    sc.set_seed(sc.seed() + ran[j] % o.seeds);
    const RunFigures f = figures_of(simulate_family(sc), searches[keys[k].search].target.group);
    (kind == 0 ? out[j].steady : out[j].failure) = f;
  });
}

}  // namespace

PlanResult run_family_plan(const PlanOptions& o, PlanRounds* rounds) {
  const std::string family = scenario_family(o.scenario_file);
  PlanResult res;
  res.scenario_file = o.scenario_file;
  res.seeds = o.seeds;
  res.slos = o.slos;
  res.latency_under_failure = o.latency_under_failure;
  res.axes = o.axes;
  std::vector<FamilySearch> searches;
  for (const auto& combo : cross_product(o.axes)) {
    auto base_ov = o.base_overrides;
    base_ov.insert(base_ov.end(), combo.begin(), combo.end());
    const FamilyScenario base = load_family_scenario(o.scenario_file, family, base_ov);
    const Target t = target_of(base, o.group);
    if (family == "rabbitmq" && !o.partitions.empty())
      throw OptionError("partitions", "", "a RabbitMQ queue has no partitions (plan the consumers on it)");
    if (family == "pulsar" && !o.partitions.empty() && t.partitions_path.empty())
      throw OptionError("partitions", "", "the subscription's topic is not partitioned");
    const std::int32_t F = o.failures.value_or(t.crash_faults);
    const double duration_s = std::visit([](const auto& s) { return sim::to_seconds(s.duration); }, base.scenario);
    res.scenario = base.name();
    res.base_seed = base.seed();
    res.group = t.group;
    res.failures = F;
    res.scenario_partitions = t.partitions;
    PointPlan point;
    point.params = combo;
    point.peak = t.peak;
    if (family == "rabbitmq") point.notes.push_back("RabbitMQ: \"partitions\" is the one queue the group consumes from");
    point.infeasible = infeasible_family_slos(t, F, o.slos);
    if (!point.infeasible.empty()) {
      res.points.push_back(std::move(point));
      continue;
    }
    const std::vector<std::int32_t> partition_counts = o.partitions.empty() ? std::vector<std::int32_t>{t.partitions} : o.partitions;
    for (std::size_t s = 0; s < partition_counts.size(); ++s) {
      FamilySearch fs;
      fs.point = res.points.size();
      fs.index = s;
      fs.target = t;
      fs.base_ov = base_ov;
      fs.failures = F;
      fs.at_s = failure_time(t, duration_s);
      fs.work = t.peak.rate * t.mean_processing_s;  // consumers busy at peak
      PartitionSearch& search = fs.search;
      search.partitions = partition_counts[s];
      search.loads.hottest_share = 1.0 / search.partitions;
      search.loads.imbalance = 1;
      search.min_consumers = F + 1;
      search.max_consumers = o.consumers.empty() ? F + 32 : *std::max_element(o.consumers.begin(), o.consumers.end());
      search.analytic_lower = std::clamp(static_cast<std::int32_t>(std::floor(fs.work)) + 1 + F, search.min_consumers,
                                         search.max_consumers + 1);
      searches.push_back(std::move(fs));
    }
    res.points.push_back(std::move(point));
  }

  // Rounds: every unfinished search advances until it needs a candidate not run yet; those
  // candidates (one per waiting search) are the round, simulated together. A search's path
  // depends only on its candidates' figures, so the rounds never change the answer.
  std::map<std::string, UnitFigures> units;
  for (int round = 1;; ++round) {
    std::vector<RoundKey> keys;
    for (std::size_t i = 0; i < searches.size(); ++i) {
      if (searches[i].finished) continue;
      try {
        advance(o, searches[i], units);
      } catch (const NeedsCandidates& n) {
        for (const std::int32_t c : n.consumers) keys.push_back({i, c});
      }
    }
    if (keys.empty()) break;
    std::vector<std::string> names;
    for (const auto& k : keys)
      for (std::size_t r = 0; r < o.seeds; ++r) names.push_back(unit_name(searches[k.search], k.consumers, r));
    if (rounds) {
      const bool all = std::all_of(names.begin(), names.end(), [&](const std::string& n) { return rounds->known.contains(n); });
      if (all) {
        for (const auto& n : names) {
          const auto& u = rounds->known.at(n);
          if (!u.is_object() || !u.contains("steady") || !u.contains("failure"))
            throw InputError("plan unit " + n + ": malformed (expected steady and failure figures)");
          units[n] = {figures_from(u.at("steady"), n), u.at("failure").is_null() ? RunFigures{} : figures_from(u.at("failure"), n)};
        }
        continue;
      }
      rounds->pending_round = round;
      rounds->pending_units = names;
      if (rounds->shard) {
        for (std::size_t i = rounds->shard->index; i < names.size(); i += rounds->shard->count) rounds->ran.push_back(i);
        std::vector<UnitFigures> figs;
        simulate_units(o, family, searches, keys, rounds->ran, figs);
        for (std::size_t j = 0; j < rounds->ran.size(); ++j) {
          const auto& fs = searches[keys[rounds->ran[j] / o.seeds].search];
          rounds->ran_figures[names[rounds->ran[j]]] = {
              {"steady", figures_json(figs[j].steady)},
              {"failure", fs.failures > 0 ? figures_json(figs[j].failure) : nlohmann::json()}};
        }
      }
      return res;
    }
    std::vector<std::size_t> all(names.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<UnitFigures> figs;
    simulate_units(o, family, searches, keys, all, figs);
    for (std::size_t i = 0; i < names.size(); ++i) units[names[i]] = figs[i];
  }
  if (rounds) rounds->pending_round = 0;

  for (auto& fs : searches) {
    PartitionSearch& search = fs.search;
    PointPlan& point = res.points[fs.point];
    if (search.answer > search.min_consumers && fs.done.count(search.answer - 1)) {
      std::vector<std::pair<double, std::string>> failed;
      for (const auto& v : fs.done.at(search.answer - 1).verdicts)
        if (!v.met) failed.push_back({v.limit > 0 ? v.worst / v.limit : INFINITY, v.slo});
      std::stable_sort(failed.begin(), failed.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      for (const auto& f : failed) search.binding.push_back(f.second);
    }
    for (auto& [c, cand] : fs.done) search.candidates.push_back(std::move(cand));
    if (search.answer >= 0 && (point.best_consumers < 0 || search.answer < point.best_consumers)) {
      point.best_consumers = search.answer;
      point.best_partitions = search.partitions;
      point.binding = search.binding;
    }
    point.searches.push_back(std::move(search));
  }
  return res;
}

std::optional<FamilyRun> rerun_family_recommended(const PlanOptions& o, const PlanResult& plan) {
  if (plan.points.empty() || plan.points.front().searches.empty()) return std::nullopt;
  const PointPlan& p = plan.points.front();
  std::int32_t P = p.best_partitions, C = p.best_consumers;
  if (C < 0) {  // none met the SLOs: the largest tried
    const auto& s = p.searches.back();
    if (s.candidates.empty()) return std::nullopt;
    P = s.partitions;
    C = s.candidates.back().consumers;
  }
  const std::string family = scenario_family(o.scenario_file);
  auto ov = o.base_overrides;
  ov.insert(ov.end(), p.params.begin(), p.params.end());
  const FamilyScenario base = load_family_scenario(o.scenario_file, family, ov);
  const Target t = target_of(base, o.group);
  const double duration_s = std::visit([](const auto& s) { return sim::to_seconds(s.duration); }, base.scenario);
  const auto cand = candidate_overrides(t, P, C, plan.failures, failure_time(t, duration_s));
  ov.insert(ov.end(), cand.begin(), cand.end());
  return simulate_family(load_family_scenario(o.scenario_file, family, ov));
}

}  // namespace cgsim::analysis
