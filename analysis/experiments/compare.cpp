#include "analysis/experiments/compare.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/experiments/simulate.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace cgsim::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// How long before the crash the pre-crash backlog level is taken from (as FaultLedger does).
constexpr double kPreCrashSpan = 10.0;
/// A peak counts as a rise only above twice the pre-crash level and this many records above it.
constexpr double kRiseFloor = 10.0;

std::string read_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such scenario file");
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw InputError(path + ": cannot be read");
  return text.str();
}

/// The first crash of @p faults: its time (s) and the time of the group's next fault after it
/// (the end of its window, @p end_s when none).
bool first_crash(const std::vector<models::FaultSpec>& faults, double end_s, double& at_s, double& window_end_s) {
  const models::FaultSpec* crash = nullptr;
  for (const auto& f : faults)
    if (f.kind == models::FaultSpec::Kind::Crash && (!crash || f.at < crash->at)) crash = &f;
  if (!crash) return false;
  at_s = sim::to_seconds(crash->at);
  window_end_s = end_s;
  for (const auto& f : faults)
    if (&f != crash && f.group == crash->group && f.at > crash->at) window_end_s = std::min(window_end_s, sim::to_seconds(f.at));
  return true;
}

std::string rabbitmq_assignment(const models::rabbitmq::Scenario& sc) {
  namespace rmq = models::rabbitmq;
  std::map<std::string, int> kinds;
  for (const auto& e : sc.exchanges) ++kinds[rmq::to_string(e.kind)];
  std::string ex;
  for (const auto& [k, n] : kinds) ex += (ex.empty() ? "" : "+") + k;
  std::size_t consumed = 0, sac = 0;
  for (const auto& q : sc.queues) {
    const bool has_consumers = std::any_of(sc.consumers.begin(), sc.consumers.end(),
                                           [&](const rmq::ConsumerGroupSpec& c) { return c.queue == q.name; });
    if (!has_consumers) continue;
    ++consumed;
    if (q.single_active_consumer) ++sac;
  }
  std::string out = ex + " to " + std::to_string(consumed) + (consumed == 1 ? " queue" : " queues");
  if (sac == consumed && sac > 0) out += ", single active consumer";
  else if (sac > 0) out += ", " + std::to_string(sac) + " single active consumer";
  else out += ", competing consumers";
  return out;
}

std::string pulsar_assignment(const models::pulsar::ScenarioFile& sc) {
  std::string out;
  for (const auto& s : sc.pulsar.subscriptions) {
    if (!out.empty()) out += "; ";
    out += models::pulsar::to_string(s.type);
    if (s.type == models::pulsar::SubscriptionType::KeyShared) out += std::string(" ") + models::pulsar::to_string(s.key_shared_mode);
  }
  return out;
}

std::string kafka_assignment(const models::Scenario& sc) {
  std::string out;
  for (const auto& g : sc.groups) {
    if (!out.empty()) out += "; ";
    out += g.assignor + ", " + g.protocol;
  }
  return out;
}

/// Shares of first processings: {min, max} in percent over consumers that processed any.
std::pair<double, double> shares(const RunSummary& s) {
  std::uint64_t total = 0;
  std::vector<std::uint64_t> per;
  for (const auto& g : s.groups)
    for (const auto& c : g.consumers) {
      const std::uint64_t first = c.consumed - std::min(c.consumed, c.duplicates);
      if (first == 0) continue;
      per.push_back(first);
      total += first;
    }
  if (per.empty() || total == 0) return {kNaN, kNaN};
  const auto [lo, hi] = std::minmax_element(per.begin(), per.end());
  return {100.0 * static_cast<double>(*lo) / static_cast<double>(total),
          100.0 * static_cast<double>(*hi) / static_cast<double>(total)};
}

/// The figures every family shares, from the run's summary and its backlog summed over groups.
CompareRun figures_of(const CompareSubject& subject, std::uint64_t seed, const RunSummary& s,
                      const LatencySummary& steady, const LatencySummary& all, const BacklogSeries& backlog) {
  CompareRun r;
  r.seed = seed;
  std::fill(std::begin(r.figures), std::end(r.figures), kNaN);
  auto set = [&](CompareFigure f, double v) { r.figures[static_cast<std::size_t>(f)] = v; };
  set(CompareFigure::LatencyP50, steady.p50);
  set(CompareFigure::LatencyP99, steady.p99);
  set(CompareFigure::LatencyP99All, all.p99);
  set(CompareFigure::Duplicates, static_cast<double>(s.duplicates));
  set(CompareFigure::OutOfOrder, static_cast<double>(s.ordering.out_of_order));
  set(CompareFigure::KeysAffected, static_cast<double>(s.ordering.keys_affected));
  const auto [lo, hi] = shares(s);
  set(CompareFigure::ShareMin, lo);
  set(CompareFigure::ShareMax, hi);
  double crash_s = 0, window_end = 0;
  const std::vector<models::FaultSpec>& faults =
      subject.family == "kafka" ? subject.kafka.faults
                                : subject.family == "rabbitmq" ? subject.rabbitmq.faults : subject.pulsar.faults;
  if (first_crash(faults, s.simulated_seconds, crash_s, window_end)) {
    double dup = 0;
    for (const auto& f : s.faults)
      if (f.kind == "crash" && std::abs(f.at_s - crash_s) < 1e-9) dup += static_cast<double>(f.duplicates);
    set(CompareFigure::CrashDuplicates, dup);
    const CrashBacklog b = crash_backlog(backlog, crash_s, window_end);
    set(CompareFigure::PreCrashBacklog, b.pre);
    set(CompareFigure::PeakBacklog, b.peak);
    set(CompareFigure::RecoveryS, b.recovery_s);
  }
  return r;
}

/// Sums per-group samples taken at the same instants into one series.
template <class Samples, class Time, class Value>
BacklogSeries total_backlog(const Samples& samples, Time time_of, Value value_of) {
  std::map<double, std::uint64_t> sum;
  for (const auto& x : samples) sum[time_of(x)] += value_of(x);
  return BacklogSeries(sum.begin(), sum.end());
}

}  // namespace

const char* compare_figure_name(CompareFigure f) {
  switch (f) {
    case CompareFigure::LatencyP50: return "latency_p50_ms";
    case CompareFigure::LatencyP99: return "latency_p99_ms";
    case CompareFigure::LatencyP99All: return "latency_p99_with_crash_ms";
    case CompareFigure::CrashDuplicates: return "crash_duplicates";
    case CompareFigure::Duplicates: return "duplicates";
    case CompareFigure::OutOfOrder: return "out_of_order";
    case CompareFigure::KeysAffected: return "keys_affected";
    case CompareFigure::PreCrashBacklog: return "pre_crash_backlog";
    case CompareFigure::PeakBacklog: return "peak_backlog_after_crash";
    case CompareFigure::RecoveryS: return "recovery_s";
    case CompareFigure::ShareMin: return "share_min_pct";
    case CompareFigure::ShareMax: return "share_max_pct";
    case CompareFigure::Count: break;
  }
  return "?";
}

CrashBacklog crash_backlog(const BacklogSeries& total, double crash_s, double window_end_s) {
  CrashBacklog b;
  double peak_at = crash_s;
  bool any = false;
  for (const auto& [t, v] : total) {
    const double x = static_cast<double>(v);
    if (t >= crash_s - kPreCrashSpan && t < crash_s) b.pre = std::max(b.pre, x);
    if (t >= crash_s && t <= window_end_s && (!any || x > b.peak)) {
      b.peak = x;
      peak_at = t;
      any = true;
    }
  }
  if (!any || b.peak <= std::max(2 * b.pre, b.pre + kRiseFloor)) return b;
  b.recovery_s = -1;
  for (const auto& [t, v] : total)
    if (t > peak_at && static_cast<double>(v) <= b.pre) {
      b.recovery_s = t - crash_s;
      break;
    }
  return b;
}

CompareSubject load_compare_subject(const std::string& path, const CostBudget& budget) {
  const std::string text = read_text(path);
  CompareSubject s;
  s.file = path;
  double window_end = 0;
  if (scenarios::is_rabbitmq_scenario_text(text)) {
    s.family = "rabbitmq";
    s.rabbitmq = scenarios::load_rabbitmq_scenario_file(path);
    s.scenario = s.rabbitmq.name;
    s.seed = s.rabbitmq.seed;
    s.assignment = rabbitmq_assignment(s.rabbitmq);
    s.has_crash = first_crash(s.rabbitmq.faults, sim::to_seconds(s.rabbitmq.duration), s.crash_at_s, window_end);
  } else if (scenarios::is_pulsar_scenario_text(text)) {
    s.family = "pulsar";
    s.pulsar = scenarios::load_pulsar_scenario_file(path);
    s.scenario = s.pulsar.name;
    s.seed = s.pulsar.seed;
    s.assignment = pulsar_assignment(s.pulsar);
    s.has_crash = first_crash(s.pulsar.faults, sim::to_seconds(s.pulsar.duration), s.crash_at_s, window_end);
  } else {
    s.family = "kafka";
    s.kafka = scenarios::load_scenario_file(path);
    check_budget(estimate_cost(s.kafka, false), budget, path);
    s.scenario = s.kafka.name;
    s.seed = s.kafka.seed;
    s.assignment = kafka_assignment(s.kafka);
    s.has_crash = first_crash(s.kafka.faults, sim::to_seconds(s.kafka.duration), s.crash_at_s, window_end);
  }
  return s;
}

CompareRun run_compare(const CompareSubject& subject, std::uint64_t seed) {
  if (subject.family == "kafka") {
    models::Scenario sc = subject.kafka;
    sc.seed = seed;
    const SimulationResult r = simulate_full(sc, SimulateOptions{});
    const BacklogSeries backlog = total_backlog(
        r.group_lag, [](const GroupLagSample& x) { return x.time_s; },
        [](const GroupLagSample& x) { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, x.lag)); });
    // Steady: records not caught in a stall (start-up, rebalances); with the crash: every record
    // appended after the warm-up, so the stall behind an undetected crash is in it.
    return figures_of(subject, seed, r.summary, r.summary.latency_steady_ms, r.summary.warmup.steady_latency_ms, backlog);
  }
  FamilyRun run;
  if (subject.family == "rabbitmq") {
    models::rabbitmq::Scenario sc = subject.rabbitmq;
    sc.seed = seed;
    run = simulate_rabbitmq(sc);
  } else {
    models::pulsar::ScenarioFile sc = subject.pulsar;
    sc.seed = seed;
    run = simulate_pulsar(sc);
  }
  const BacklogSeries backlog = total_backlog(
      run.backlog, [](const BacklogSample& x) { return x.time_s; }, [](const BacklogSample& x) { return x.backlog; });
  // No stall to leave out in these families: steady is every first processing; with the crash,
  // those after the warm-up (the whole run when nothing was published after it).
  const WarmupSummary& w = run.summary.warmup;
  const bool steady = !w.reason.empty() && w.steady_latency_ms.count > 0;
  return figures_of(subject, seed, run.summary, run.summary.latency_ms, steady ? w.steady_latency_ms : run.summary.latency_ms,
                    backlog);
}

}  // namespace cgsim::analysis
