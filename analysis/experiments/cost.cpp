#include "analysis/experiments/cost.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

using models::Scenario;

// Measured costs (Release build, this machine; docs/performance.md, "Cost estimate").
constexpr double kBaseBytes = 12.5 * 1024 * 1024;  // a 1-partition, 1-consumer run
constexpr double kPartitionBytes = 260;             // a partition log and its broker state
constexpr double kGroupPartitionBytes = 260;        // a partition a group reads: fetch state, assignment, lag
constexpr double kConsumerBytes = 4096;             // client, membership, fetch session, summary
constexpr double kGroupBytes = 1024 * 1024;         // latency histograms and accumulators
constexpr double kRetainedRecordBytes = 16;         // an append time, with the log vector's growth
constexpr double kZipfKeyBytes = 56;                // the sampler's alias table while it is built
constexpr double kLagRowBytes = 48;                 // a lag sample and its CSV line (run --out)
constexpr double kConsumerRowBytes = 32;            // a throughput sample and its CSV line
constexpr double kEventsPerRecord = 0.75;           // KG-1: polls of one to three records
constexpr double kFetchEventsPerSecond = 4;         // an idle consumer's long polls (fetch.max.wait 500 ms)
constexpr double kEventSeconds = 150e-9;
constexpr double kRecordSeconds = 25e-9;            // arrival draw, partitioner, append
constexpr double kVisitSeconds = 20e-9;             // a partition or consumer visited by a sample
constexpr double kPartitionSetupSeconds = 2e-6;
constexpr double kConsumerSetupSeconds = 20e-6;
constexpr double kZipfKeySeconds = 200e-9;
// assign --churn: every assignor, the optimum and the JSON of each step.
constexpr double kChurnStepBytes = 3072;
constexpr double kChurnSecondsPerUnit = 23e-6;  // per step, assignor and (partition + member)
constexpr double kChurnAssignors = 6;

double seconds(sim::Time t) { return static_cast<double>(t) / 1e9; }

/// Records one producer instance appends during the run.
double records_of(const models::ProducerSpec& p, double duration_s) {
  const double start = std::clamp(seconds(p.start), 0.0, duration_s);
  const double stop = p.stop == sim::kNever ? duration_s : std::clamp(seconds(p.stop), 0.0, duration_s);
  if (stop <= start) return 0;
  if (p.rate.kind != models::RateSpec::Kind::Steps) return p.rate.per_second * (stop - start);
  double n = 0;
  const auto& steps = p.rate.steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const double from = std::max(start, seconds(steps[i].first));
    const double to = std::min(stop, i + 1 < steps.size() ? seconds(steps[i + 1].first) : stop);
    if (to > from) n += steps[i].second * (to - from);
  }
  return n;
}

void sort_terms(std::vector<CostTerm>& terms) {
  std::stable_sort(terms.begin(), terms.end(), [](const CostTerm& a, const CostTerm& b) { return a.value > b.value; });
}

}  // namespace

std::string format_count(double n) {
  if (!std::isfinite(n)) return "inf";
  if (n < 1e6) return fmt("%.0f", n);
  return fmt("%.2g", n);
}

std::string format_bytes(double b) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (!std::isfinite(b)) return "inf";
  std::size_t u = 0;
  while (b >= 1024 && u + 1 < std::size(units)) {
    b /= 1024;
    ++u;
  }
  if (b >= 1e4) return fmt("%.2g ", b) + units[u];
  return fmt(b >= 100 || u == 0 ? "%.0f " : "%.3g ", b) + units[u];
}

bool parse_bytes(const std::string& text, double& out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || !std::isfinite(v) || v <= 0) return false;
  std::string unit(end);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") scale = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") scale = 1024.0 * 1024 * 1024 * 1024;
  else return false;
  out = v * scale;
  return std::isfinite(out);
}

CostEstimate estimate_cost(const Scenario& sc, bool series) {
  CostEstimate e;
  const double D = seconds(sc.duration);
  double partitions = 0;
  for (const auto& t : sc.topics) partitions += t.partitions;
  auto topic_partitions = [&](const std::string& name) {
    const auto* t = sc.topic(name);
    return t ? static_cast<double>(t->partitions) : 0.0;
  };

  // Records per topic, and the Zipf samplers the producers build.
  std::vector<double> topic_records(sc.topics.size(), 0.0);
  double records = 0, zipf_keys = 0;
  for (const auto& p : sc.producers) {
    const double n = records_of(p, D) * p.count;
    for (std::size_t t = 0; t < sc.topics.size(); ++t)
      if (sc.topics[t].name == p.topic) topic_records[t] += n;
    records += n;
    if (p.keys.kind == models::KeySpec::Kind::Zipf) zipf_keys += static_cast<double>(p.keys.cardinality);
  }
  auto records_of_topic = [&](const std::string& name) {
    for (std::size_t t = 0; t < sc.topics.size(); ++t)
      if (sc.topics[t].name == name) return topic_records[t];
    return 0.0;
  };

  double consumers = 0, consumed = 0, idle = 0, retained = 0, group_partitions = 0;
  bool crashes = false;
  for (const auto& f : sc.faults) {
    if (f.kind == models::FaultSpec::Kind::Join) consumers += f.count;
    if (f.kind == models::FaultSpec::Kind::Crash) crashes = true;
  }
  for (const auto& g : sc.groups) {
    double in = 0, parts = 0;
    for (const auto& t : g.topics) {
      in += records_of_topic(t);
      parts += topic_partitions(t);
    }
    group_partitions += parts;
    const double n = g.consumers.count;
    consumers += n;
    const double mean = g.consumers.processing_time.mean();
    const double capacity = mean > 0 && std::isfinite(mean) ? n * D / mean : std::isfinite(mean) ? INFINITY : 0;
    consumed += std::min(in, capacity);
    idle += n * D * (kFetchEventsPerSecond + 2 / seconds(g.heartbeat_interval) +
                     (g.commit.kind == models::CommitSpec::Kind::Auto ? 2 / seconds(g.commit.interval) : 0));
    // A log keeps what a group has not committed: the records of the commit interval and of the
    // time without consumers (the first rebalance, a crashed member's session), and the backlog of
    // a group slower than its producers; everything when the group never commits.
    if (g.commit.kind == models::CommitSpec::Kind::None) {
      retained += in;
    } else {
      const double window = seconds(g.commit.interval) + seconds(sc.broker.initial_rebalance_delay) +
                            (crashes ? seconds(g.session_timeout) : 0) + 1;
      const double rate = D > 0 ? in / D : 0;
      retained += std::min(in, rate * std::min(D, window) + std::max(0.0, in - capacity));
    }
  }
  const double samples = D / seconds(sc.output.sample_interval);

  e.event_terms = {
      {"production windows (duration " + fmt("%g", D) + " s / broker.produce_tick " +
           fmt("%g", seconds(sc.broker.produce_tick)) + " s)",
       sc.producers.empty() ? 0 : D / seconds(sc.broker.produce_tick)},
      {"consumption (" + format_count(consumed) + " records processed)", consumed * kEventsPerRecord},
      {"fetches, heartbeats and commits of " + format_count(consumers) + " consumers", idle},
      {"samples (duration / output.sample_interval)", samples},
  };
  for (const auto& t : e.event_terms) e.events += t.value;
  sort_terms(e.event_terms);

  e.memory_terms = {
      {"the process", kBaseBytes + kGroupBytes * static_cast<double>(sc.groups.size())},
      {format_count(partitions) + " partitions", kPartitionBytes * partitions + kGroupPartitionBytes * group_partitions},
      {format_count(consumers) + " consumers", kConsumerBytes * consumers},
      {format_count(retained) + " records kept in the logs (produced, not yet committed)", kRetainedRecordBytes * retained},
      {"Zipf key samplers (" + format_count(zipf_keys) + " keys)", kZipfKeyBytes * zipf_keys},
  };
  if (series) {
    e.memory_terms.push_back({"time series for --out (" + format_count(samples) + " samples of " +
                                  format_count(group_partitions) + " partitions and " + format_count(consumers) +
                                  " consumers)",
                              samples * (kLagRowBytes * group_partitions + kConsumerRowBytes * consumers)});
  }
  for (const auto& t : e.memory_terms) e.peak_bytes += t.value;
  sort_terms(e.memory_terms);

  e.cpu_seconds = e.events * kEventSeconds + records * kRecordSeconds +
                  samples * (group_partitions + consumers) * kVisitSeconds + partitions * kPartitionSetupSeconds +
                  consumers * kConsumerSetupSeconds + zipf_keys * kZipfKeySeconds;
  return e;
}

CostEstimate estimate_churn_cost(double steps, double members, double partitions) {
  CostEstimate e;
  e.events = steps;
  e.event_terms = {{format_count(steps) + " membership changes (--churn)", steps}};
  e.memory_terms = {{"the per-step report of " + format_count(steps) + " steps", kChurnStepBytes * steps},
                    {"the process", kBaseBytes}};
  sort_terms(e.memory_terms);
  e.peak_bytes = kChurnStepBytes * steps + kBaseBytes;
  e.cpu_seconds = steps * kChurnAssignors * (members + partitions) * kChurnSecondsPerUnit;
  return e;
}

void check_budget(const CostEstimate& e, const CostBudget& budget, const std::string& subject, unsigned parallel) {
  const double bytes = e.peak_bytes * std::max(1u, parallel);
  const bool over_events = !(e.events <= budget.max_events);
  const bool over_memory = !(bytes <= budget.max_bytes);
  if (!over_events && !over_memory) return;
  std::string m = subject + ": refusing to start a run estimated beyond the budget:";
  if (over_events) {
    m += "\n  about " + format_count(e.events) + " engine events, over the budget of " + format_count(budget.max_events) +
         " (--max-events); mostly " + e.event_terms.front().what + ": " + format_count(e.event_terms.front().value);
  }
  if (over_memory) {
    m += "\n  about " + format_bytes(bytes) + " of memory" +
         (parallel > 1 ? " (" + std::to_string(parallel) + " runs at once, " + format_bytes(e.peak_bytes) + " each)" : "") +
         ", over the budget of " + format_bytes(budget.max_bytes) + " (--max-memory); mostly " +
         e.memory_terms.front().what + ": " + format_bytes(e.memory_terms.front().value * std::max(1u, parallel));
  }
  m += "\n  Raise " + std::string(over_events && over_memory ? "--max-events and --max-memory" : over_events ? "--max-events" : "--max-memory") +
       " to run it anyway (expected CPU time about " + format_count(std::ceil(e.cpu_seconds)) + " s" +
       (parallel > 1 ? " per run" : "") + ").";
  throw InputError(m);
}

}  // namespace cgsim::analysis
