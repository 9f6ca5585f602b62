#include "analysis/experiments/plan_runs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>

#include "analysis/experiments/kafka_ordering.hpp"
#include "analysis/experiments/plan.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "analysis/metrics/warmup.hpp"
#include "models/common/error.hpp"
#include "models/common/priorities.hpp"
#include "models/kafka/world.hpp"
#include "sim/engine.hpp"

namespace cgsim::analysis {

namespace planning {

PlanRun run_for_plan(const models::Scenario& sc, std::size_t group, double settle_s, bool keep_log_ends,
                     bool ordering) {
  sim::Engine engine;
  models::World world(engine, sc);
  PlanRun out;
  // Ordering is counted as the run command counts it: the ordering pass feeds a summary builder's
  // ledger, of which only the planned group's ordering figures are read.
  std::optional<SummaryBuilder> builder;
  std::optional<KafkaOrdering> order;
  if (ordering) {
    std::vector<std::string> ids;
    for (const auto& g : sc.groups) ids.push_back(g.id);
    builder.emplace(std::move(ids));
    order.emplace(world, *builder);
  }
  const std::int32_t gi = static_cast<std::int32_t>(group);
  const auto& gspec = sc.groups.at(group);
  WarmupTracker warmup(sc.output.warmup ? *sc.output.warmup : -1, warmup_threshold_s(sc, group));
  const sim::Time settle = static_cast<sim::Time>(std::llround(settle_s * 1e9));
  sim::Time window_start = sim::kNever;
  auto& sig = world.signals();
  sig.processed.connect([&](std::int32_t g, std::int32_t c, const models::ProcessedRecord* recs, std::size_t n) {
    if (g != gi) return;
    std::uint64_t dups = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (recs[k].duplicate) {
        ++dups;
      } else {
        const std::int64_t lat = recs[k].done - recs[k].appended;
        out.latency_all.add(lat);
        if (recs[k].appended >= window_start) out.latency.add(lat);
      }
    }
    out.duplicates += dups;
    if (order && (dups != 0 || order->stale(group, c))) order->batch(group, c, recs, n);
  });
  sig.fault.connect([&](const models::FaultSpec& f, sim::Time t) {
    if (f.group == gspec.id) warmup.fault(t);
  });
  sig.generation.connect([&](const models::GenerationInfo& info) {
    if (order) order->generation(info);
    if (info.group != gi) return;
    const double t = sim::to_seconds(info.at);
    bool any = false;
    for (const auto& [c, parts] : info.assignment) any |= !parts.empty();
    if (any && out.first_assignment_s < 0) {
      out.first_assignment_s = t;
      warmup.assigned(info.at);
    }
    out.generations.emplace_back(t, info.assignment);
  });
  models::Group& grp = world.group(group);
  out.partitions = grp.partitions();
  const sim::Time interval = sc.output.sample_interval;
  std::function<void()> sample = [&] {
    const sim::Time now = engine.now();
    std::int64_t total = 0;
    sim::Time oldest = now, oldest_unprocessed = now;
    std::vector<std::int64_t> ends;
    for (std::int32_t gid : grp.partitions()) {
      auto& log = world.broker().log(gid);
      const std::int64_t end = log.end_at(now);
      const std::int64_t committed = grp.offsets(gid).committed;
      const std::int64_t from = committed >= 0 ? committed : log.start_offset();
      const std::int64_t lag = std::max<std::int64_t>(0, end - from);
      total += lag;
      if (lag > 0 && from >= log.start_offset()) oldest = std::min(oldest, log.time_at(from));
      const std::int64_t frontier = grp.offsets(gid).frontier;
      if (frontier < end && frontier >= log.start_offset()) oldest_unprocessed = std::min(oldest_unprocessed, log.time_at(frontier));
      if (keep_log_ends) ends.push_back(end);
    }
    const bool open = warmup.end_ns() == WarmupTracker::kOpen;
    warmup.sample(now, sim::to_seconds(now - oldest_unprocessed));
    if (open && warmup.end_ns() != WarmupTracker::kOpen) {
      out.warmup_s = sim::to_seconds(warmup.end_ns());
      out.warmup_reason = warmup.reason();
      window_start = warmup.end_ns() + settle;
      out.window_start_s = sim::to_seconds(window_start);
    }
    out.group_lag.push_back({sim::to_seconds(now), 0, total, sim::to_seconds(now - oldest)});
    if (keep_log_ends) out.log_ends.emplace_back(sim::to_seconds(now), std::move(ends));
    world.truncate_logs();
    if (now + interval <= sc.duration) engine.schedule_at(now + interval, models::priority::kSample, sample);
  };
  if (sc.output.warmup) {
    out.warmup_s = sim::to_seconds(*sc.output.warmup);
    out.warmup_reason = "set";
    window_start = *sc.output.warmup + settle;
    out.window_start_s = sim::to_seconds(window_start);
  }
  world.start();
  engine.schedule_at(interval, models::priority::kSample, sample);
  world.run();
  if (out.warmup_reason.empty()) out.warmup_reason = "not_drained";
  if (builder) {
    const OrderingSummary o = builder->ordering(group);
    out.ordering_violations = static_cast<std::int64_t>(o.out_of_order + o.overlapping);
  }
  return out;
}

void run_figures(RunFigures& f, const PlanRun& r, const std::string& prefix) {
  const auto q = [&](double p) { return static_cast<double>(r.latency.quantile(p)) / 1e6; };
  f.v[prefix + "p50_latency"] = q(0.5);
  f.v[prefix + "p90_latency"] = q(0.9);
  f.v[prefix + "p99_latency"] = q(0.99);
  f.v[prefix + "p999_latency"] = q(0.999);
  f.v[prefix + "max_latency"] = static_cast<double>(r.latency.max()) / 1e6;
  double max_lag = 0, max_lag_s = 0;
  for (const auto& l : r.group_lag) {
    if (r.window_start_s < 0 || l.time_s < r.window_start_s) continue;
    max_lag = std::max(max_lag, static_cast<double>(l.lag));
    max_lag_s = std::max(max_lag_s, l.lag_seconds);
  }
  f.v[prefix + "max_lag"] = max_lag;
  f.v[prefix + "max_lag_seconds"] = max_lag_s;
  f.v[prefix + "duplicates"] = static_cast<double>(r.duplicates);
  if (r.ordering_violations >= 0) f.v[prefix + "ordering_violations"] = static_cast<double>(r.ordering_violations);
  // Start-up included: what the SLO would see without the warm-up (for the model comparison).
  f.v[prefix + "p99_latency_with_startup"] = static_cast<double>(r.latency_all.quantile(0.99)) / 1e6;
  f.v[prefix + "warmup_s"] = r.warmup_s >= 0 ? r.warmup_s : kInf;
  if (r.window_start_s < 0 || r.latency.count() == 0) {
    // The start-up backlog never drained: the configuration has no steady state to judge.
    for (const char* n : {"p50_latency", "p90_latency", "p99_latency", "p999_latency", "max_latency", "max_lag",
                          "max_lag_seconds"})
      f.v[prefix + n] = kInf;
  }
}

std::vector<std::int32_t> pick_victims(const PlanRun& r, const std::string& group_id, double at, double window_s,
                                       std::int32_t n, std::int32_t consumers, std::vector<std::string>& names) {
  const std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>>* gen = nullptr;
  for (const auto& [t, a] : r.generations)
    if (t <= at) gen = &a;
  std::map<std::int32_t, double> produced;  // gid -> records in (at - window, at]
  const std::vector<std::int64_t>* first = nullptr;
  const std::vector<std::int64_t>* last = nullptr;
  for (const auto& [t, ends] : r.log_ends) {
    if (t <= at - window_s) first = &ends;
    if (t <= at) last = &ends;
  }
  if (last) {
    for (std::size_t i = 0; i < r.partitions.size(); ++i) {
      produced[r.partitions[i]] = static_cast<double>((*last)[i] - (first ? (*first)[i] : 0));
    }
  }
  std::vector<std::pair<double, std::int32_t>> load;  // (-load, index): heaviest first, then lowest index
  for (std::int32_t c = 0; c < consumers; ++c) {
    double sum = 0;
    if (gen) {
      for (const auto& [idx, parts] : *gen)
        if (idx == c)
          for (auto p : parts) sum += produced.count(p) ? produced[p] : 0;
    }
    load.emplace_back(-sum, c);
  }
  std::sort(load.begin(), load.end());
  std::vector<std::int32_t> out;
  for (std::int32_t k = 0; k < n && k < static_cast<std::int32_t>(load.size()); ++k) {
    out.push_back(load[static_cast<std::size_t>(k)].second);
  }
  std::sort(out.begin(), out.end());
  for (auto c : out) names.push_back(group_id + "/" + std::to_string(c));
  return out;
}

}  // namespace planning

namespace {

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

models::Scenario candidate_scenario(const PlanOptions& o, const std::vector<scenarios::Override>& point, std::size_t group,
                                    std::int32_t partitions, std::int32_t consumers,
                                    const std::vector<std::int32_t>& crashes, sim::Time at) {
  auto ov = o.base_overrides;
  ov.insert(ov.end(), point.begin(), point.end());
  models::Scenario base = scenarios::load_scenario_file(o.scenario_file, ov);
  const auto& g = base.groups.at(group);
  for (std::size_t t = 0; t < base.topics.size(); ++t) {
    if (std::find(g.topics.begin(), g.topics.end(), base.topics[t].name) != g.topics.end()) {
      ov.push_back({"topics." + std::to_string(t) + ".partitions", std::to_string(partitions)});
    }
  }
  ov.push_back({"groups." + std::to_string(group) + ".consumers.count", std::to_string(consumers)});
  // Seconds with nanosecond decimals: the loader caps a duration's number, not its precision.
  char at_text[48];
  std::snprintf(at_text, sizeof at_text, "%lld.%09llds", static_cast<long long>(at / sim::kSecond),
                static_cast<long long>(at % sim::kSecond));
  std::string faults = "[";
  for (std::size_t i = 0; i < crashes.size(); ++i) {
    faults += (i ? ", " : "") + std::string("{at: ") + at_text + ", crash: " +
              yaml_quote(g.id + "/" + std::to_string(crashes[i])) + "}";
  }
  faults += "]";
  ov.push_back({"faults", faults});
  return scenarios::load_scenario_file(o.scenario_file, ov);
}

std::optional<SimulationResult> rerun_recommended(const PlanOptions& o, const PlanResult& r) {
  const auto& first = r.points.front();
  const std::int32_t P = first.best_partitions, C = first.best_consumers;
  const Candidate* cand = nullptr;
  for (const auto& s : first.searches)
    for (const auto& c : s.candidates)
      if ((C >= 0 && s.partitions == P && c.consumers == C) || (C < 0 && (!cand || c.consumers >= cand->consumers)))
        cand = &c;
  if (!cand) return std::nullopt;
  const auto base = scenarios::load_scenario_file(o.scenario_file, o.base_overrides);
  std::size_t gi = 0;
  for (std::size_t i = 0; i < base.groups.size(); ++i)
    if (base.groups[i].id == r.group) gi = i;
  std::vector<std::int32_t> crashes;
  for (const auto& v : cand->victims) crashes.push_back(split_consumer_name(v).second);
  const sim::Time at = cand->failure_s >= 0 ? static_cast<sim::Time>(std::llround(cand->failure_s * 1e9)) : 0;
  models::Scenario sc = candidate_scenario(o, first.params, gi, cand->partitions, cand->consumers, crashes, at);
  SimulateOptions so;
  so.series = true;
  check_budget(estimate_cost(sc, true), o.budget, o.scenario_file + " (the recommended configuration, with --out)");
  return simulate_full(sc, so);
}

nlohmann::json planning::figures_json(const planning::RunFigures& f) {
  nlohmann::json v = nlohmann::json::object();
  for (const auto& [name, x] : f.v) v[name] = exact_number(x);
  return {{"v", v},
          {"first_assignment_s", exact_number(f.first_assignment_s)},
          {"failure_s", exact_number(f.failure_s)},
          {"victims", f.victims},
          {"victim_names", f.victim_names},
          {"too_short", f.too_short}};
}

planning::RunFigures planning::figures_from_json(const nlohmann::json& j, const std::string& unit) {
  RunFigures f;
  try {
    for (const auto& [name, x] : j.at("v").items()) f.v[name] = exact_number_from(x);
    f.first_assignment_s = exact_number_from(j.at("first_assignment_s"));
    f.failure_s = exact_number_from(j.at("failure_s"));
    f.victims = j.at("victims").get<std::vector<std::int32_t>>();
    f.victim_names = j.at("victim_names").get<std::vector<std::string>>();
    f.too_short = j.at("too_short").get<bool>();
  } catch (const std::exception&) {
    throw InputError("plan unit " + unit + ": malformed figures (expected v, first_assignment_s, failure_s, victims, "
                     "victim_names, too_short)");
  }
  return f;
}

}  // namespace cgsim::analysis
