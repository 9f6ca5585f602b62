#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>

#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/option_error.hpp"
#include "analysis/metrics/format.hpp"
#include "analysis/metrics/queueing.hpp"
#include "models/common/error.hpp"
#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/partitioners/partitioner.hpp"

namespace cgsim::analysis {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Key spaces larger than this are taken as evenly spread (computing exact shares costs one hash
/// per key).
constexpr std::uint64_t kMaxExactKeys = 2'000'000;

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
    throw OptionError("slos", "\"" + text + "\"", "expected NAME=VALUE, e.g. p99_latency=500ms, max_lag_seconds=30s, recovery=60s");
  }
  Slo s;
  s.name = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  auto seconds_value = [&](double scale_to_unit) {
    sim::Time t;
    double v;
    if (scenarios::parse_duration(value, t)) return static_cast<double>(t) / 1e9 * scale_to_unit;
    if (parse_number(value, v) && v >= 0) return v;
    throw OptionError("slos", s.name,
                      "expected a duration such as 500ms or 30s (or a plain number of " +
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
  } else if (s.name == "max_lag" || s.name == "ordering_violations") {
    s.kind = s.name == "max_lag" ? Slo::Kind::MaxLag : Slo::Kind::Ordering;
    s.unit = "records";
    double v;
    if (!parse_number(value, v) || v < 0 || v != std::floor(v)) {
      throw OptionError("slos", s.name, "expected a record count (a non-negative integer), got \"" + value + "\"");
    }
    s.limit = v;
  } else {
    throw OptionError("slos", s.name,
                      "unknown SLO (expected one of: p50_latency, p90_latency, p99_latency, p999_latency, "
                      "max_latency, max_lag, max_lag_seconds, recovery, ordering_violations)");
  }
  return s;
}

std::string describe(const Slo& s) { return s.name + " <= " + format_short(s.limit) + " " + s.unit; }

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

ModelSummary group_model(const models::Scenario& sc, std::size_t group) {
  ModelSummary m;
  const auto& g = sc.groups.at(group);
  if (g.consumers.count <= 0 || g.topics.empty()) return m;
  const Peak peak = find_peak(sc, g.topics);
  m.peak_rate = peak.rate;
  if (peak.rate <= 0) return m;
  const PartitionLoadProfile loads = partition_load_profile(sc, group, peak);
  Slo p99;
  p99.kind = Slo::Kind::Latency;
  p99.name = "p99_latency";
  p99.quantile = 0.99;
  p99.limit = kInf;
  const AnalyticEstimate e = analytic_estimate(sc, group, loads, g.consumers.count, 0, {p99});
  m.utilisation = e.max_utilisation;
  m.mean_utilisation = peak.rate * g.consumers.processing_time.mean() / g.consumers.count;
  const auto& [lo, hi] = e.latency_ms.at("p99_latency");
  m.p99_latency_ms_low = std::isfinite(lo) ? lo : -1;
  m.p99_latency_ms_high = std::isfinite(hi) ? hi : -1;
  return m;
}

// ---- What no configuration can meet, and what the model lacks ------------------------------

std::vector<std::string> infeasible_slos(const models::Scenario& sc, std::size_t group, std::int32_t failures,
                                         const std::vector<Slo>& slos, const std::vector<PartitionSearch>& searches) {
  std::vector<std::string> out;
  const auto& g = sc.groups.at(group);
  const double st = sim::to_seconds(g.session_timeout);
  const double hb = sim::to_seconds(g.heartbeat_interval);
  const double commit = g.commit.kind == models::CommitSpec::Kind::Auto ? sim::to_seconds(g.commit.interval) : 0;
  for (const auto& s : slos) {
    if (s.kind != Slo::Kind::MaxLagSeconds || failures <= 0 || s.limit >= st) continue;
    out.push_back(
        "max_lag_seconds <= " + format_short(s.limit) + " s cannot be met with a consumer crash: the coordinator "
        "notices a crash only when the consumer's session expires (session_timeout " + format_short(st) +
        " s); until then, and until the others have rejoined (about one heartbeat interval, " + format_short(hb) +
        " s) and the new owner has committed (up to one commit interval, " + format_short(commit) +
        " s), nobody reads the crashed consumer's partitions, so its oldest uncommitted record reaches " +
        format_short(st) + " + " + format_short(hb) + " = " + format_short(st + hb) + " s to " +
        format_short(st + hb + commit) + " s whatever the consumer and partition counts. Lower session_timeout "
        "below " + format_short(s.limit) + " s (heartbeat_interval at most a third of it), or relax the SLO to at "
        "least " + format_short(st + hb + commit) + " s");
  }
  const double es = g.consumers.processing_time.mean();
  bool every = !searches.empty();
  double least = kInf;
  for (const auto& ps : searches) {
    double hot = 0;
    for (double r : ps.loads.rate) hot = std::max(hot, r);
    least = std::min(least, hot * es);
    every = every && hot * es >= 1;
  }
  if (every) {
    out.push_back("at the peak the hottest partition alone needs rho = " + fmt("%.2f", least) +
                  " of one consumer (its records/s x mean processing time " + format_short(es * 1e3) +
                  " ms) at every partition count tried; a partition is read by one consumer at a time, so no "
                  "consumer count keeps up: spread the hot keys, try more partitions or make processing faster");
  }
  return out;
}

std::vector<std::string> explain_model_gap(const Candidate& c, const PartitionSearch& ps, const models::GroupSpec& g) {
  std::vector<std::string> out;
  auto fig = [&](const std::string& n) {
    auto it = c.figures.find(n);
    return it == c.figures.end() ? -1.0 : it->second.max;
  };
  double model_p99 = -1;
  for (const auto& [name, range] : c.analytic.latency_ms) {
    const double model = range.second;
    if (name == "p99_latency") model_p99 = model;
    if (!(model > 0) || !std::isfinite(model)) continue;
    const double steady = fig("steady_" + name);
    const double with_startup = name == "p99_latency" ? fig("steady_p99_latency_with_startup") : -1;
    if (with_startup > 10 * model && steady <= 10 * model) {
      out.push_back(name + ": start-up backlog: counting the records of the " + format_short(fig("steady_warmup_s")) +
                    " s warm-up (the initial rebalance's backlog draining) it would be " + format_short(with_startup) +
                    " ms, " + format_short(with_startup / model) + "x the model's " + format_short(model) +
                    " ms; the model has no start-up, and the SLO is checked after the warm-up");
    }
    if (steady > 10 * model && std::isfinite(steady)) {
      const bool hot = ps.loads.imbalance > 1.2 && c.analytic.max_utilisation > 0.8;
      out.push_back(name + " " + format_short(steady) + " ms is " + format_short(steady / model) + "x the model's " +
                    format_short(model) + " ms: " +
                    (hot ? "hot keys: the hottest partition takes " + fmt("%.1f", 100 * ps.loads.hottest_share) +
                               "% of the load and its consumer runs at rho " + fmt("%.2f", c.analytic.max_utilisation) +
                               "; bursts of a hot key queue behind each other, which a Poisson M/G/1 does not see"
                         : "poll batching: a consumer fetches up to max_poll_records (" +
                               std::to_string(g.max_poll_records) +
                               ") per poll and works the batch partition by partition; the model serves records one "
                               "by one in arrival order"));
    }
  }
  const double lag_s = fig("failure_max_lag_seconds");
  if (lag_s > 0 && model_p99 > 0 && std::isfinite(lag_s)) {
    const double commit = g.commit.kind == models::CommitSpec::Kind::Auto ? sim::to_seconds(g.commit.interval) : 0;
    const double model_lag = commit + model_p99 / 1e3;
    if (lag_s > 10 * model_lag) {
      out.push_back("max_lag_seconds " + format_short(lag_s) + " s after the crash is " +
                    format_short(lag_s / model_lag) + "x the model's steady " + format_short(model_lag) +
                    " s (commit interval + p99): rebalance stall: the crashed consumer's partitions wait for the "
                    "session timeout (" + format_short(sim::to_seconds(g.session_timeout)) +
                    " s) and the rebalance, which the model does not have");
    }
  }
  return out;
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

}  // namespace cgsim::analysis
