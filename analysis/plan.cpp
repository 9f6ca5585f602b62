#include "analysis/plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "models/common/priorities.hpp"
#include "analysis/histogram.hpp"
#include "analysis/queueing.hpp"
#include "models/kafka/world.hpp"
#include "sim/engine.hpp"
#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Key spaces larger than this are taken as evenly spread (computing exact shares costs one hash
/// per key).
constexpr std::uint64_t kMaxExactKeys = 2'000'000;
/// Candidates simulated per search round, fixed so that the rounds (and so the output) do not
/// depend on the number of threads.
constexpr std::int32_t kRoundWidth = 4;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// A number for messages: integers without decimals, others with three significant decimals.
std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) return fmt("%.0f", v);
  if (std::fabs(v) >= 100) return fmt("%.1f", v);
  return fmt("%.3g", v);
}

/// JSON cannot hold infinities: they are written as the string "inf".
nlohmann::json jnum(double v) {
  if (std::isfinite(v)) return nlohmann::json::parse(format_number(v));
  return v > 0 ? "inf" : "-inf";
}

bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return *end == '\0' && std::isfinite(out);
}

/// Third moment of a processing-time distribution where it has a closed form (seconds^3).
std::optional<double> third_moment(const sim::Distribution& d) {
  using K = sim::Distribution::Kind;
  switch (d.kind) {
    case K::Constant:
      return d.value * d.value * d.value;
    case K::Exponential:
      return 6 * d.value * d.value * d.value;
    case K::Uniform:
      return d.high == d.low ? d.low * d.low * d.low
                             : (std::pow(d.high, 4) - std::pow(d.low, 4)) / (4 * (d.high - d.low));
    case K::Lognormal:
      return std::pow(d.value, 3) * std::exp(4.5 * d.sigma * d.sigma);
    case K::Empirical: {
      double s = 0;
      for (double v : d.values) s += v * v * v;
      return d.values.empty() ? 0 : s / static_cast<double>(d.values.size());
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

// ---- SLOs --------------------------------------------------------------------------------------

Slo parse_slo(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw InputError("--slo \"" + text + "\": expected NAME=VALUE, e.g. p99_latency=500ms, max_lag_seconds=30s, recovery=60s");
  }
  Slo s;
  s.name = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  auto seconds_value = [&](double scale_to_unit) {
    sim::Time t;
    double v;
    if (scenarios::parse_duration(value, t)) return static_cast<double>(t) / 1e9 * scale_to_unit;
    if (parse_number(value, v) && v >= 0) return v;
    throw InputError("--slo " + s.name + ": expected a duration such as 500ms or 30s (or a plain number of " +
                     (scale_to_unit == 1000 ? std::string("milliseconds") : std::string("seconds")) + "), got \"" +
                     value + "\"");
  };
  static const std::map<std::string, double> quantiles{{"p50_latency", 0.5},   {"p90_latency", 0.9},
                                                       {"p99_latency", 0.99},  {"p999_latency", 0.999},
                                                       {"max_latency", 1.0}};
  if (auto it = quantiles.find(s.name); it != quantiles.end()) {
    s.kind = Slo::Kind::Latency;
    s.quantile = it->second;
    s.unit = "ms";
    s.limit = seconds_value(1000);
  } else if (s.name == "max_lag_seconds") {
    s.kind = Slo::Kind::MaxLagSeconds;
    s.unit = "s";
    s.limit = seconds_value(1);
  } else if (s.name == "recovery") {
    s.kind = Slo::Kind::Recovery;
    s.unit = "s";
    s.limit = seconds_value(1);
  } else if (s.name == "max_lag") {
    s.kind = Slo::Kind::MaxLag;
    s.unit = "records";
    double v;
    if (!parse_number(value, v) || v < 0 || v != std::floor(v)) {
      throw InputError("--slo max_lag: expected a record count (a non-negative integer), got \"" + value + "\"");
    }
    s.limit = v;
  } else {
    throw InputError("--slo " + s.name +
                     ": unknown SLO (expected one of: p50_latency, p90_latency, p99_latency, p999_latency, "
                     "max_latency, max_lag, max_lag_seconds, recovery)");
  }
  return s;
}

std::string describe(const Slo& s) { return s.name + " <= " + num(s.limit) + " " + s.unit; }

// ---- Load profile ------------------------------------------------------------------------------

Peak find_peak(const models::Scenario& sc, const std::vector<std::string>& topics) {
  std::set<sim::Time> cuts{0};
  std::vector<const models::ProducerSpec*> producers;
  for (const auto& p : sc.producers) {
    if (std::find(topics.begin(), topics.end(), p.topic) == topics.end()) continue;
    producers.push_back(&p);
    if (p.start < sc.duration) cuts.insert(p.start);
    if (p.stop < sc.duration) cuts.insert(p.stop);
    for (const auto& [t, r] : p.rate.steps)
      if (t < sc.duration) cuts.insert(t);
  }
  auto rate = [&](sim::Time t) {
    double r = 0;
    for (const auto* p : producers)
      if (t >= p->start && t < p->stop) r += p->count * p->rate.rate_at(t);
    return r;
  };
  Peak pk;
  pk.end_s = sim::to_seconds(sc.duration);
  std::vector<sim::Time> ts(cuts.begin(), cuts.end());
  std::size_t best = 0;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const double r = rate(ts[i]);
    if (r > pk.rate * (1 + 1e-12)) {
      pk.rate = r;
      best = i;
    }
  }
  pk.start_s = sim::to_seconds(ts[best]);
  for (std::size_t i = best + 1; i < ts.size(); ++i) {
    if (rate(ts[i]) < pk.rate * (1 - 1e-12)) {
      pk.end_s = sim::to_seconds(ts[i]);
      break;
    }
  }
  return pk;
}

PartitionLoadProfile partition_load_profile(const models::Scenario& sc, std::size_t group, const Peak& peak) {
  namespace part = models::partitioners;
  const auto& g = sc.groups.at(group);
  PartitionLoadProfile out;
  const sim::Time at = static_cast<sim::Time>(std::llround(peak.start_s * 1e9));
  for (const auto& tn : g.topics) {
    const models::TopicSpec* t = sc.topic(tn);
    const std::size_t first = out.rate.size();
    for (std::int32_t p = 0; p < t->partitions; ++p) {
      out.names.push_back(tn + "-" + std::to_string(p));
      out.rate.push_back(0);
    }
    for (const auto& pr : sc.producers) {
      if (pr.topic != tn || at < pr.start || at >= pr.stop) continue;
      const double r = pr.count * pr.rate.rate_at(at);
      std::vector<double> share(static_cast<std::size_t>(t->partitions), 1.0 / t->partitions);
      const bool keyed = pr.keys.kind == models::KeySpec::Kind::Uniform || pr.keys.kind == models::KeySpec::Kind::Zipf;
      if (keyed) {
        out.keyed = true;
        auto kind = part::Partitioner::parse(pr.partitioner).value_or(part::Partitioner::Kind::Default);
        part::Partitioner pt(kind, sc.client, t->partitions, sim::Rng(0));
        if (pt.keyed_is_pure() && pr.keys.cardinality <= kMaxExactKeys) {
          queueing::KeyDistribution kd;
          kd.kind = pr.keys.kind == models::KeySpec::Kind::Zipf ? queueing::KeyDistribution::Kind::Zipf
                                                                : queueing::KeyDistribution::Kind::Uniform;
          kd.cardinality = pr.keys.cardinality;
          kd.exponent = pr.keys.exponent;
          std::string buf;
          auto shares = queueing::partition_shares(kd, t->partitions, [&](std::uint64_t k) {
            buf.assign(pr.keys.prefix);
            buf += std::to_string(k);
            return pt.keyed_partition(buf);
          });
          share = shares.share;
        }
      } else if (pr.keys.kind == models::KeySpec::Kind::Sequential) {
        out.keyed = true;
      }
      for (std::size_t i = 0; i < share.size(); ++i) out.rate[first + i] += r * share[i];
    }
  }
  double total = 0, hottest = 0;
  for (double r : out.rate) {
    total += r;
    hottest = std::max(hottest, r);
  }
  out.hottest_share = total > 0 ? hottest / total : 0;
  out.imbalance = out.hottest_share * static_cast<double>(out.rate.size());
  return out;
}

// ---- Analytic bracket --------------------------------------------------------------------------

namespace {

/// The assignment the group's assignor hands @p members synthetic members, as indices into the
/// load profile.
std::vector<std::vector<std::size_t>> synthetic_assignment(const models::Scenario& sc, std::size_t group,
                                                           const PartitionLoadProfile& loads, std::int32_t members) {
  namespace as = models::assignors;
  const auto& g = sc.groups.at(group);
  std::vector<std::vector<std::size_t>> out(static_cast<std::size_t>(std::max(members, 0)));
  if (members <= 0) return out;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < loads.names.size(); ++i) index[loads.names[i]] = i;
  as::AssignFn fn = as::find_assignor(g.assignor, sc.client);
  if (fn) {
    as::ClusterMetadata cluster;
    for (const auto& t : sc.topics) {
      as::TopicMetadata tm;
      tm.name = t.name;
      tm.partitions = t.partitions;
      cluster.topics.push_back(tm);
    }
    std::vector<as::MemberSubscription> subs;
    char id[32];
    for (std::int32_t m = 0; m < members; ++m) {
      std::snprintf(id, sizeof id, "member-%06d", m);
      as::MemberSubscription s;
      s.member_id = id;
      s.topics = g.topics;
      subs.push_back(s);
    }
    try {
      as::Assignment a = fn(cluster, subs);
      std::size_t k = 0;
      for (const auto& [mid, tps] : a) {
        for (const auto& tp : tps) {
          auto it = index.find(models::to_string(tp));
          if (it != index.end()) out[k].push_back(it->second);
        }
        ++k;
      }
      return out;
    } catch (const cgsim::Error&) {
      // Fall through to an even deal when the modelled assignor rejects synthetic members.
    }
  }
  for (std::size_t i = 0; i < loads.names.size(); ++i) out[i % out.size()].push_back(i);
  return out;
}

}  // namespace

AnalyticEstimate analytic_estimate(const models::Scenario& sc, std::size_t group, const PartitionLoadProfile& loads,
                                   std::int32_t consumers, std::int32_t failures, const std::vector<Slo>& slos) {
  AnalyticEstimate e;
  e.partitions = static_cast<std::int32_t>(loads.rate.size());
  e.consumers = consumers;
  e.failures = failures;
  const auto& dist = sc.groups.at(group).consumers.processing_time;
  const double es = dist.mean(), es2 = dist.second_moment();
  const std::optional<double> es3 = third_moment(dist);
  std::vector<queueing::PartitionLoad> parts;
  for (double r : loads.rate) parts.push_back({r, es, es2});
  auto busiest = [&](std::int32_t members, std::vector<queueing::ConsumerLoad>* keep) {
    if (members <= 0) return kInf;
    auto cl = queueing::consumer_loads(parts, synthetic_assignment(sc, group, loads, members));
    double u = 0;
    for (const auto& c : cl) u = std::max(u, c.utilisation);
    if (keep) *keep = std::move(cl);
    return u;
  };
  std::vector<queueing::ConsumerLoad> steady;
  e.max_utilisation = busiest(consumers, &steady);
  e.max_utilisation_failed = failures > 0 ? busiest(consumers - failures, nullptr) : e.max_utilisation;
  e.stable = e.max_utilisation < 1 && e.max_utilisation_failed < 1;
  e.plausible = e.stable;
  for (const auto& s : slos) {
    if (s.kind != Slo::Kind::Latency || s.quantile >= 1) continue;
    double lo = kInf, hi = 0;
    for (const auto& c : steady) {
      if (c.lambda <= 0) continue;
      double q = c.stable ? queueing::mg1_sojourn_quantile(c.lambda, c.es, c.es2, s.quantile, es3) * 1000 : kInf;
      lo = std::min(lo, q);
      hi = std::max(hi, q);
    }
    if (lo == kInf && hi == 0) lo = 0;
    e.latency_ms[s.name] = {lo, hi};
    if (lo > s.limit) e.plausible = false;
  }
  return e;
}

// ---- Recovery ----------------------------------------------------------------------------------

Recovery measure_recovery(const std::vector<GroupLagSample>& samples, std::int32_t group, double failure_s,
                          const RecoveryOptions& o) {
  Recovery r;
  r.failure_s = failure_s;
  std::vector<const GroupLagSample*> s;
  for (const auto& x : samples)
    if (x.group == group) s.push_back(&x);
  for (const auto* x : s)
    if (x->time_s >= failure_s - o.window_s && x->time_s < failure_s) r.baseline_s = std::max(r.baseline_s, x->lag_seconds);
  r.threshold_s = r.baseline_s + std::max(o.floor_s, o.margin * r.baseline_s);
  std::size_t first_exceed = s.size();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i]->time_s < failure_s) continue;
    r.peak_lag_s = std::max(r.peak_lag_s, s[i]->lag_seconds);
    r.peak_lag_records = std::max(r.peak_lag_records, s[i]->lag);
    if (s[i]->lag_seconds > r.threshold_s && first_exceed == s.size()) first_exceed = i;
  }
  if (first_exceed == s.size()) {
    r.recovered = true;
    r.recovery_s = 0;
    return r;
  }
  r.exceeded = true;
  r.recovery_s = kInf;
  for (std::size_t i = first_exceed + 1; i < s.size(); ++i) {
    if (s[i]->lag_seconds > r.threshold_s) continue;
    bool holds = true;
    for (std::size_t j = i; j < s.size() && s[j]->time_s <= s[i]->time_s + o.hold_s; ++j) {
      if (s[j]->lag_seconds > r.threshold_s) {
        holds = false;
        break;
      }
    }
    if (holds) {
      r.recovered = true;
      r.recovery_s = s[i]->time_s - failure_s;
      break;
    }
  }
  return r;
}

// ---- Planning ----------------------------------------------------------------------------------

bool PlanResult::ok() const {
  if (points.empty()) return false;
  for (const auto& p : points)
    if (p.best_consumers < 0) return false;
  return true;
}

namespace {

std::size_t group_index(const models::Scenario& sc, const std::string& id) {
  if (id.empty()) return 0;
  for (std::size_t i = 0; i < sc.groups.size(); ++i)
    if (sc.groups[i].id == id) return i;
  std::string list;
  for (const auto& g : sc.groups) list += (list.empty() ? "" : ", ") + g.id;
  throw InputError("--group " + id + ": no such group in the scenario (expected one of: " + list + ")");
}

std::string yaml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// What the planner measures in one simulated run of the planned group.
///
/// The SLO window starts `settle` seconds after the group's first assignment: the initial join
/// (group.initial.rebalance.delay plus the join round) holds back the first records for seconds,
/// which says nothing about the configuration's steady state. Latency counts records appended in
/// the window; lag figures count samples in it. simulate() has no such window, so the planner
/// runs the world with its own small collector.
struct PlanRun {
  double first_assignment_s = -1;
  double window_start_s = -1;
  Histogram latency;
  std::uint64_t duplicates = 0;
  std::vector<GroupLagSample> group_lag;  ///< every sample of the planned group (group index 0)
  /// Per sample time: the log-end offset of every partition of the group (for picking victims).
  std::vector<std::pair<double, std::vector<std::int64_t>>> log_ends;
  std::vector<std::int32_t> partitions;   ///< global ids, as in log_ends
  /// Generations: (start time, consumer index -> global partition ids).
  std::vector<std::pair<double, std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>>>> generations;
};

PlanRun run_for_plan(const models::Scenario& sc, std::size_t group, double settle_s, bool keep_log_ends) {
  sim::Engine engine;
  models::World world(engine, sc);
  PlanRun out;
  const std::int32_t gi = static_cast<std::int32_t>(group);
  sim::Time window_start = sim::kNever;
  auto& sig = world.signals();
  sig.processed.connect([&](std::int32_t g, std::int32_t, const models::ProcessedRecord* recs, std::size_t n) {
    if (g != gi) return;
    for (std::size_t k = 0; k < n; ++k) {
      if (recs[k].duplicate) {
        ++out.duplicates;
      } else if (recs[k].appended >= window_start) {
        out.latency.add(recs[k].done - recs[k].appended);
      }
    }
  });
  sig.generation.connect([&](const models::GenerationInfo& info) {
    if (info.group != gi) return;
    const double t = sim::to_seconds(info.at);
    bool any = false;
    for (const auto& [c, parts] : info.assignment) any |= !parts.empty();
    if (any && out.first_assignment_s < 0) {
      out.first_assignment_s = t;
      out.window_start_s = t + settle_s;
      window_start = static_cast<sim::Time>(std::llround(out.window_start_s * 1e9));
    }
    out.generations.emplace_back(t, info.assignment);
  });
  models::Group& grp = world.group(group);
  out.partitions = grp.partitions();
  const sim::Time interval = sc.output.sample_interval;
  std::function<void()> sample = [&] {
    const sim::Time now = engine.now();
    std::int64_t total = 0;
    sim::Time oldest = now;
    std::vector<std::int64_t> ends;
    for (std::int32_t gid : grp.partitions()) {
      auto& log = world.broker().log(gid);
      const std::int64_t end = log.end_at(now);
      const std::int64_t committed = grp.offsets(gid).committed;
      const std::int64_t from = committed >= 0 ? committed : log.start_offset();
      const std::int64_t lag = std::max<std::int64_t>(0, end - from);
      total += lag;
      if (lag > 0 && from >= log.start_offset()) oldest = std::min(oldest, log.time_at(from));
      if (keep_log_ends) ends.push_back(end);
    }
    out.group_lag.push_back({sim::to_seconds(now), 0, total, sim::to_seconds(now - oldest)});
    if (keep_log_ends) out.log_ends.emplace_back(sim::to_seconds(now), std::move(ends));
    world.truncate_logs();
    if (now + interval <= sc.duration) engine.schedule_at(now + interval, models::priority::kSample, sample);
  };
  world.start();
  engine.schedule_at(interval, models::priority::kSample, sample);
  world.run();
  return out;
}

/// What one simulated run contributes to a candidate's verdicts.
struct RunFigures {
  std::map<std::string, double> v;   // figure name -> value
  double first_assignment_s = -1;     // steady runs: when the group first had an assignment
  double failure_s = -1;              // failure runs
  std::vector<std::int32_t> victims;  // steady runs: the consumers a failure run should crash
  std::vector<std::string> victim_names;
  bool too_short = false;
};

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
}

/// The @p n consumers that carry the most load at @p at: the owners, in the generation in force
/// then, of the partitions that received the most records in the preceding window.
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

struct Key {
  std::size_t point;
  std::size_t search;
  std::int32_t consumers;
};

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

PlanResult run_plan(const PlanOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.slos.empty()) throw InputError("plan: expected at least one --slo, e.g. --slo p99_latency=500ms");
  if (o.seeds == 0) throw InputError("--seeds: expected at least 1");
  {
    std::set<std::string> seen;
    for (const auto& s : o.slos)
      if (!seen.insert(s.name).second) throw InputError("--slo " + s.name + ": given twice");
  }
  const models::Scenario base = scenarios::load_scenario_file(o.scenario_file, o.base_overrides);
  const std::size_t gi = group_index(base, o.group);
  const models::GroupSpec& g = base.groups[gi];

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
    if (*o.failures < 0) throw InputError("--failures: expected a number >= 0");
    res.failures = *o.failures;
  } else {
    for (const auto& f : base.faults)
      if (f.kind == models::FaultSpec::Kind::Crash && f.group == g.id) ++res.failures;
  }
  for (const auto& s : o.slos) {
    if (s.kind == Slo::Kind::Recovery && res.failures == 0) {
      throw InputError("--slo recovery: needs a failure to recover from (give --failures N with N >= 1)");
    }
    if ((s.kind == Slo::Kind::MaxLagSeconds || s.kind == Slo::Kind::Recovery) &&
        g.commit.kind == models::CommitSpec::Kind::None) {
      throw InputError("--slo " + s.name + ": group " + g.id +
                       " commits no offsets (commit: none), so its lag only grows; lag SLOs need commits");
    }
  }
  std::vector<std::int32_t> partition_counts = o.partitions;
  if (partition_counts.empty()) partition_counts.push_back(res.scenario_partitions);
  for (auto p : partition_counts)
    if (p < 1) throw InputError("--partitions: expected counts >= 1, got " + std::to_string(p));
  for (auto c : o.consumers)
    if (c < 1) throw InputError("--consumers: expected counts >= 1, got " + std::to_string(c));
  const std::string count_path = "groups." + std::to_string(gi) + ".consumers.count";
  for (const auto& a : o.axes) {
    if (a.path == count_path) throw InputError("--vary " + a.path + ": use --consumers to choose candidate consumer counts");
    if (a.path.rfind("topics.", 0) == 0 && a.path.size() > 11 && a.path.substr(a.path.size() - 11) == ".partitions") {
      throw InputError("--vary " + a.path + ": use --partitions to choose candidate partition counts");
    }
  }

  // Per point and partition count: the analytic bracket.
  const auto combos = cross_product(o.axes);
  for (const auto& combo : combos) {
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
    if (std::any_of(partition_counts.begin(), partition_counts.end(),
                    [&](std::int32_t p) { return p != res.scenario_partitions; }) &&
        pp.searches.front().loads.keyed) {
      pp.warnings.push_back(
          "changing the partition count remaps keys: a keyed record goes to hash(key) mod partitions, so most keys "
          "move to another partition; per-key order is not kept across the change and existing records stay where "
          "they are. Create a new topic with the new count and migrate, rather than adding partitions in place.");
    }
    res.points.push_back(std::move(pp));
  }

  // Search rounds: each active search proposes up to kRoundWidth consumer counts; all proposals of
  // a round are simulated together (failure-free runs first, then the failure runs, which need the
  // failure-free run's assignment to pick their victims).
  std::map<std::tuple<std::size_t, std::size_t, std::int32_t>, Candidate> done;
  auto evaluated = [&](std::size_t p, std::size_t s, std::int32_t c) { return done.count({p, s, c}) > 0; };
  auto proposals = [&](std::size_t p, std::size_t s) {
    const PartitionSearch& ps = res.points[p].searches[s];
    std::vector<std::int32_t> out;
    auto add = [&](std::int32_t c) {
      if (c >= ps.min_consumers && c <= ps.max_consumers && !evaluated(p, s, c) &&
          std::find(out.begin(), out.end(), c) == out.end() && static_cast<std::int32_t>(out.size()) < kRoundWidth) {
        out.push_back(c);
      }
    };
    if (!o.consumers.empty()) {
      for (auto c : o.consumers)
        if (c >= ps.min_consumers && !evaluated(p, s, c)) out.push_back(c);
      return out;
    }
    std::int32_t lowest_pass = -1, highest_eval = -1;
    for (std::int32_t c = ps.min_consumers; c <= ps.max_consumers; ++c) {
      if (!evaluated(p, s, c)) continue;
      highest_eval = std::max(highest_eval, c);
      if (lowest_pass < 0 && done.at({p, s, c}).meets) lowest_pass = c;
    }
    if (highest_eval < 0) {
      std::int32_t start = std::min(ps.analytic_lower, ps.max_consumers);
      for (std::int32_t c = start - 1; c < start - 1 + kRoundWidth; ++c) add(c);
      if (out.empty()) add(ps.max_consumers);
    } else if (lowest_pass >= 0) {
      if (lowest_pass > ps.min_consumers && !evaluated(p, s, lowest_pass - 1)) {
        for (std::int32_t c = lowest_pass - 1; c >= lowest_pass - kRoundWidth; --c) add(c);
      }
    } else {
      for (std::int32_t c = highest_eval + 1; c <= highest_eval + kRoundWidth; ++c) add(c);
    }
    std::sort(out.begin(), out.end());
    return out;
  };

  const std::int32_t F = res.failures;
  const bool progress = o.progress && stderr_is_tty();
  for (int round = 1;; ++round) {
    std::vector<Key> keys;
    for (std::size_t p = 0; p < res.points.size(); ++p)
      for (std::size_t s = 0; s < res.points[p].searches.size(); ++s)
        for (auto c : proposals(p, s)) keys.push_back({p, s, c});
    if (keys.empty()) break;
    const std::size_t S = o.seeds;
    std::vector<RunFigures> steady(keys.size() * S), failure(keys.size() * S);
    {
      ProgressBar bar("runs (round " + std::to_string(round) + ", failure-free)", keys.size() * S, progress);
      parallel_for(keys.size() * S, o.jobs, [&](std::size_t i) {
        const Key& k = keys[i / S];
        const PointPlan& pp = res.points[k.point];
        const PartitionSearch& ps = pp.searches[k.search];
        models::Scenario sc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, {}, 0);
        sc.seed += static_cast<std::uint64_t>(i % S);
        PlanRun r = run_for_plan(sc, gi, o.recovery.settle_s, F > 0);
        RunFigures& f = steady[i];
        run_figures(f, r, "steady_");
        f.first_assignment_s = r.first_assignment_s;
        if (F > 0) {
          f.failure_s = std::max(pp.peak.start_s, r.window_start_s + o.recovery.window_s);
          if (r.first_assignment_s < 0 || f.failure_s >= sim::to_seconds(sc.duration)) {
            f.too_short = true;
          } else {
            f.victims = pick_victims(r, g.id, f.failure_s, o.recovery.window_s, F, k.consumers, f.victim_names);
          }
        }
      }, &bar);
    }
    if (F > 0) {
      ProgressBar bar("runs (round " + std::to_string(round) + ", with failures)", keys.size() * S, progress);
      parallel_for(keys.size() * S, o.jobs, [&](std::size_t i) {
        const RunFigures& st = steady[i];
        if (st.too_short) return;
        const Key& k = keys[i / S];
        const PointPlan& pp = res.points[k.point];
        const PartitionSearch& ps = pp.searches[k.search];
        const sim::Time at = static_cast<sim::Time>(std::llround(st.failure_s * 1e9));
        models::Scenario sc = candidate_scenario(o, pp.params, gi, ps.partitions, k.consumers, st.victims, at);
        sc.seed += static_cast<std::uint64_t>(i % S);
        PlanRun r = run_for_plan(sc, gi, o.recovery.settle_s, false);
        RunFigures& f = failure[i];
        run_figures(f, r, "failure_");
        Recovery rec = measure_recovery(r.group_lag, 0, st.failure_s, o.recovery);
        f.v["recovery"] = rec.recovery_s;
        f.v["failure_drain_seconds"] = f.v["failure_max_lag"] / pp.peak.rate;
        f.failure_s = st.failure_s;
      }, &bar);
    }

    // Verdicts.
    for (std::size_t ki = 0; ki < keys.size(); ++ki) {
      const Key& k = keys[ki];
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
        const RunFigures& st = steady[ki * S + s];
        for (const auto& [n, v] : st.v) vals[n].push_back(v);
        if (F > 0) {
          too_short |= st.too_short;
          if (s == 0) {
            c.failure_s = st.failure_s;
            c.victims = st.victim_names;
          }
          if (!st.too_short)
            for (const auto& [n, v] : failure[ki * S + s].v) vals[n].push_back(v);
        }
      }
      for (const auto& [n, xs] : vals) {
        bool finite = std::all_of(xs.begin(), xs.end(), [](double x) { return std::isfinite(x); });
        MetricStats st = finite ? metric_stats(xs) : MetricStats{kInf, 0, 0, *std::min_element(xs.begin(), xs.end()), kInf, xs.size()};
        c.figures[n] = st;
      }
      c.meets = !too_short;
      for (const auto& slo : o.slos) {
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
            if (o.latency_under_failure && F > 0) {
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
        c.meets = c.meets && v.met;
        c.verdicts.push_back(v);
      }
      done[{k.point, k.search, k.consumers}] = std::move(c);
    }
  }

  // Answers.
  for (std::size_t p = 0; p < res.points.size(); ++p) {
    PointPlan& pp = res.points[p];
    for (std::size_t s = 0; s < pp.searches.size(); ++s) {
      PartitionSearch& ps = pp.searches[s];
      for (auto& [key, c] : done)
        if (std::get<0>(key) == p && std::get<1>(key) == s) ps.candidates.push_back(c);
      std::sort(ps.candidates.begin(), ps.candidates.end(),
                [](const Candidate& a, const Candidate& b) { return a.consumers < b.consumers; });
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
      if (ps.answer >= 0 && (pp.best_consumers < 0 || ps.answer < pp.best_consumers ||
                             (ps.answer == pp.best_consumers && ps.partitions < pp.best_partitions))) {
        pp.best_consumers = ps.answer;
        pp.best_partitions = ps.partitions;
        pp.binding = ps.binding;
      }
      if (ps.candidates.empty()) pp.warnings.push_back("partitions " + std::to_string(ps.partitions) + ": no candidate simulated");
      for (const auto& c : ps.candidates) {
        if (F > 0 && c.failure_s < 0) {
          pp.warnings.push_back("partitions " + std::to_string(ps.partitions) + ", consumers " +
                                std::to_string(c.consumers) +
                                ": the run ends before the failure could be placed after warm-up; lengthen duration");
          break;
        }
      }
    }
    if (F > 0) {
      // Recovery longer than what is left of the run cannot be observed.
      for (const auto& ps : pp.searches)
        for (const auto& c : ps.candidates)
          if (c.failure_s >= 0) {
            double left = sim::to_seconds(base.duration) - c.failure_s;
            for (const auto& slo : o.slos)
              if (slo.kind == Slo::Kind::Recovery && left < slo.limit + o.recovery.hold_s) {
                pp.warnings.push_back("the run continues only " + num(left) + " s after the failure; recovery up to " +
                                      num(slo.limit) + " s plus the " + num(o.recovery.hold_s) +
                                      " s hold needs a longer duration to be observed");
                goto warned;
              }
          }
    warned:;
    }
  }
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

// ---- Output ------------------------------------------------------------------------------------

nlohmann::json to_json(const PlanResult& r) {
  nlohmann::json j;
  j["kind"] = "cgsim-plan";
  j["scenario"] = r.scenario;
  j["scenario_file"] = r.scenario_file;
  j["group"] = r.group;
  j["base_seed"] = r.base_seed;
  j["seeds"] = r.seeds;
  j["failures"] = r.failures;
  j["scenario_partitions"] = r.scenario_partitions;
  j["latency_under_failure"] = r.latency_under_failure;
  j["recovery_definition"] = {{"settle_s", jnum(r.recovery.settle_s)},
                              {"window_s", jnum(r.recovery.window_s)},
                              {"margin", jnum(r.recovery.margin)},
                              {"floor_s", jnum(r.recovery.floor_s)},
                              {"hold_s", jnum(r.recovery.hold_s)}};
  j["slos"] = nlohmann::json::array();
  for (const auto& s : r.slos) j["slos"].push_back({{"name", s.name}, {"limit", jnum(s.limit)}, {"unit", s.unit}});
  j["axes"] = nlohmann::json::array();
  for (const auto& a : r.axes) j["axes"].push_back({{"path", a.path}, {"values", a.values}});
  j["ok"] = r.ok();
  j["points"] = nlohmann::json::array();
  for (const auto& p : r.points) {
    nlohmann::json pj;
    pj["params"] = nlohmann::json::object();
    for (const auto& ov : p.params) pj["params"][ov.path] = ov.value;
    pj["peak"] = {{"rate", jnum(p.peak.rate)}, {"start_s", jnum(p.peak.start_s)}, {"end_s", jnum(p.peak.end_s)}};
    if (p.best_consumers >= 0) {
      pj["recommendation"] = {{"partitions", p.best_partitions}, {"consumers", p.best_consumers}, {"binding", p.binding}};
    } else {
      pj["recommendation"] = nullptr;
    }
    pj["warnings"] = p.warnings;
    pj["searches"] = nlohmann::json::array();
    for (const auto& s : p.searches) {
      nlohmann::json sj;
      sj["partitions"] = s.partitions;
      sj["hottest_share"] = jnum(s.loads.hottest_share);
      sj["imbalance"] = jnum(s.loads.imbalance);
      sj["keyed"] = s.loads.keyed;
      sj["min_consumers"] = s.min_consumers;
      sj["max_consumers"] = s.max_consumers;
      sj["analytic_lower"] = s.analytic_lower;
      sj["answer"] = s.answer >= 0 ? nlohmann::json(s.answer) : nlohmann::json(nullptr);
      sj["binding"] = s.binding;
      sj["candidates"] = nlohmann::json::array();
      for (const auto& c : s.candidates) {
        nlohmann::json cj;
        cj["consumers"] = c.consumers;
        cj["meets"] = c.meets;
        cj["analytic"] = {{"max_utilisation", jnum(c.analytic.max_utilisation)},
                          {"max_utilisation_after_failures", jnum(c.analytic.max_utilisation_failed)},
                          {"stable", c.analytic.stable},
                          {"plausible", c.analytic.plausible}};
        for (const auto& [n, lh] : c.analytic.latency_ms)
          cj["analytic"][n + "_ms"] = {{"low", jnum(lh.first)}, {"high", jnum(lh.second)}};
        cj["failure_s"] = jnum(c.failure_s);
        cj["victims"] = c.victims;
        cj["verdicts"] = nlohmann::json::array();
        for (const auto& v : c.verdicts) {
          cj["verdicts"].push_back({{"slo", v.slo},
                                    {"limit", jnum(v.limit)},
                                    {"worst", jnum(v.worst)},
                                    {"mean", jnum(v.mean)},
                                    {"ci95", jnum(v.ci95)},
                                    {"run", v.run},
                                    {"met", v.met}});
        }
        cj["figures"] = nlohmann::json::object();
        for (const auto& [n, st] : c.figures) {
          cj["figures"][n] = {{"mean", jnum(st.mean)}, {"ci95", jnum(st.ci95)}, {"max", jnum(st.max)}, {"n", st.n}};
        }
        sj["candidates"].push_back(std::move(cj));
      }
      pj["searches"].push_back(std::move(sj));
    }
    j["points"].push_back(std::move(pj));
  }
  return j;
}

std::string format_plan(const PlanResult& r) {
  std::ostringstream o;
  o << "cgsim plan: " << r.scenario << ", group " << r.group << " (" << r.seeds << (r.seeds == 1 ? " seed" : " seeds")
    << ", " << r.failures << (r.failures == 1 ? " consumer crash" : " simultaneous consumer crashes")
    << " at peak)\n  SLOs:";
  for (std::size_t i = 0; i < r.slos.size(); ++i) o << (i ? ", " : " ") << describe(r.slos[i]);
  o << "\n";
  for (const auto& p : r.points) {
    o << "\n";
    if (!p.params.empty()) {
      o << "with";
      for (const auto& ov : p.params) o << " " << ov.path << "=" << ov.value;
      o << ":\n";
    }
    o << "  peak load " << num(p.peak.rate) << " records/s from " << num(p.peak.start_s) << " s to " << num(p.peak.end_s)
      << " s\n";
    for (const auto& s : p.searches) {
      o << "\n  partitions " << s.partitions << ": hottest partition takes " << fmt("%.1f", 100 * s.loads.hottest_share)
        << "% of the load (" << fmt("%.2f", s.loads.imbalance) << "x an even share); analytic lower bound: ";
      if (s.analytic_lower > s.max_consumers) {
        o << "none (no consumer count up to " << s.max_consumers << " is stable at peak in the M/G/1 model)\n";
      } else {
        o << s.analytic_lower << " consumers\n";
      }
      o << "    consumers  util max  model p99 ms      ";
      for (const auto& slo : r.slos) {
        std::string h = slo.name + (slo.unit == "records" ? "" : " " + slo.unit);
        o << std::string(h.size() < 22 ? 22 - h.size() : 1, ' ') << h;
      }
      o << "  verdict\n";
      for (const auto& c : s.candidates) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "    %9d  %8s  ", c.consumers,
                      (fmt("%.2f", c.analytic.max_utilisation) + (r.failures > 0 ? "/" + fmt("%.2f", c.analytic.max_utilisation_failed) : "")).c_str());
        o << buf;
        std::string model = "-";
        auto it = c.analytic.latency_ms.find("p99_latency");
        if (it != c.analytic.latency_ms.end()) model = num(it->second.first) + ".." + num(it->second.second);
        o << model << std::string(model.size() < 18 ? 18 - model.size() : 1, ' ');
        for (const auto& v : c.verdicts) {
          std::string cell = num(v.worst) + (v.met ? " ok" : " FAIL");
          o << std::string(cell.size() < 22 ? 22 - cell.size() : 1, ' ') << cell;
        }
        o << "  " << (c.meets ? "meets all" : "fails") << "\n";
      }
      if (s.answer >= 0) {
        o << "    -> " << s.answer << " consumers";
        if (!s.binding.empty()) {
          o << " (binding: ";
          for (std::size_t i = 0; i < s.binding.size(); ++i) o << (i ? ", " : "") << s.binding[i];
          o << " fails with " << s.answer - 1 << ")";
        } else {
          o << " (the fewest allowed)";
        }
        o << "\n";
      } else {
        o << "    -> no consumer count meets every SLO\n";
      }
    }
    o << "\n";
    if (p.best_consumers >= 0) {
      o << "  RECOMMENDATION: " << p.best_partitions << " partitions, " << p.best_consumers << " consumers";
      if (!p.binding.empty()) o << "; binding SLO: " << p.binding.front();
      o << "\n";
      for (const auto& s : p.searches) {
        if (s.partitions != p.best_partitions) continue;
        for (const auto& c : s.candidates) {
          if (c.consumers != p.best_consumers) continue;
          auto fig = [&](const std::string& n) {
            auto it = c.figures.find(n);
            return it == c.figures.end() ? std::string("-") : num(it->second.max);
          };
          o << "  lag at that size: steady max " << fig("steady_max_lag") << " records / "
            << fig("steady_max_lag_seconds") << " s";
          if (r.failures > 0) {
            o << "; with the failure at " << num(c.failure_s) << " s (";
            for (std::size_t i = 0; i < c.victims.size(); ++i) o << (i ? ", " : "") << c.victims[i];
            o << "): max " << fig("failure_max_lag") << " records, oldest uncommitted record "
              << fig("failure_max_lag_seconds") << " s old, " << fig("failure_drain_seconds")
              << " s of peak traffic; recovery " << fig("recovery") << " s";
          }
          o << "\n";
        }
      }
    } else {
      o << "  NO CONFIGURATION among those tried meets every SLO\n";
    }
    for (const auto& w : p.warnings) o << "  warning: " << w << "\n";
  }
  return o.str();
}

}  // namespace cgsim::analysis
