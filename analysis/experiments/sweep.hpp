#pragma once
/// @file sweep.hpp
/// Parameter sweeps: a scenario run over the cross product of field values (`--vary`), each point
/// replicated over several seeds, with the mean and 95% confidence interval of every summary
/// metric. Also the machinery other batch commands share: a deterministic parallel runner and a
/// terminal progress bar.
///
/// Determinism: every (point, seed) run is independent and its result is stored at its own
/// index, and statistics are computed in point-then-seed order after all runs finished, so the
/// outputs are byte-identical whatever the number of threads. Wall-clock figures are kept out of
/// sweep.json and sweep.csv (they go to timing.json).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics/format.hpp"
#include "analysis/experiments/cost.hpp"
#include "analysis/experiments/family_runs.hpp"
#include "analysis/metrics/summary.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::analysis {

// ---- Parallel execution ------------------------------------------------------------------------

/// The default worker count: std::thread::hardware_concurrency(), at least 1.
unsigned default_jobs();

/// True when standard error is a terminal (progress bars are drawn only then).
bool stderr_is_tty();

/// A one-line progress bar on standard error: done/total, rate, time left.
///
/// Drawn only when enabled and once the work has lasted more than a second, redrawn at most ten
/// times a second, and erased at the end so that it never mixes with the command's output.
/// Thread-safe: workers call tick(), one thread calls draw().
class ProgressBar {
 public:
  /// @param label   what is counted, e.g. "runs"
  /// @param total   units of work
  /// @param enabled draw at all (typically stderr_is_tty() && !quiet)
  ProgressBar(std::string label, std::size_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  /// Counts @p n finished units.
  void tick(std::size_t n = 1) { done_.fetch_add(n, std::memory_order_relaxed); }
  std::size_t done() const { return done_.load(std::memory_order_relaxed); }
  /// Redraws the bar when due (enabled, after the first second, at most every 100 ms).
  void draw();
  /// Erases the bar if it was drawn.
  void finish();
  /// The bar's text for @p done of @p total after @p elapsed_s seconds (no terminal codes),
  /// e.g. "[#####-----] 12/24 runs  3.1/s  ETA 4s". Exposed for tests.
  static std::string format(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                            std::size_t width = 30);

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

/// Runs @p task(i) for every i in [0, n) on @p jobs threads (0 = default_jobs()), handing out
/// indices in increasing order. The task stores its own result by index. If tasks throw, no
/// further indices are started and the exception of the lowest failing index is rethrown once
/// every thread has stopped. While waiting, the calling thread draws @p progress (may be null),
/// which is ticked once per finished task.
void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& task,
                  ProgressBar* progress = nullptr);

// ---- Sweep axes --------------------------------------------------------------------------------

/// One `--vary PATH=v1,v2,...` axis: a scenario field path (as for `--set`) and its values.
struct VaryAxis {
  std::string path;
  std::vector<std::string> values;
  /// Where the axis came from, named in the loader's messages about its values (the command line
  /// sets its flag).
  std::string option = "axes";
};

/// Parses "path=v1,v2,...". Values are split at commas outside brackets and quotes, so flow values
/// such as `[a, b]` or `{kind: constant, value: 1ms}` stay whole. Throws InputError when the text
/// has no '=', an empty path, or an empty value.
VaryAxis parse_vary(const std::string& text);

/// The cross product of @p axes as override lists, the first axis varying slowest. One empty list
/// when there are no axes. Throws InputError when two axes name the same path.
std::vector<std::vector<scenarios::Override>> cross_product(const std::vector<VaryAxis>& axes);

// ---- Metrics -----------------------------------------------------------------------------------

/// A scalar taken from a run summary.
struct MetricDef {
  std::string name;         ///< column name, e.g. "latency_p99_ms"
  std::string unit;         ///< "records", "ms", "s", "count"
  std::string description;  ///< one line for docs and reports
  std::function<double(const RunSummary&)> get;
};

/// Every summary metric a sweep reports, in output order: produced, consumed, duplicates, skipped,
/// final_lag, max_lag, max_lag_seconds (largest over groups), latency_{p50,p90,p99,p999,max,mean}_ms,
/// rebalances, rebalance_seconds (sum of completed rebalance durations), partitions_moved, events,
/// warmup_s, steady_max_lag, steady_max_lag_seconds, steady_latency_p99_ms (after the warm-up),
/// out_of_order, overlapping, keys_affected (OrderingSummary, summed over groups).
const std::vector<MetricDef>& summary_metrics();

/// A count only a RabbitMQ or Pulsar run has, taken from the run.
struct FamilyMetricDef {
  std::string name;
  std::string unit;
  std::string description;
  std::function<double(const FamilyRun&)> get;
};

/// The metrics a sweep of @p broker's scenarios reports after summary_metrics(), in output order
/// (none for "kafka"). RabbitMQ: ordering_violations, redelivered, requeues, dead_lettered,
/// dropped, publish_rejected, unroutable. Pulsar: ordering_violations, redeliveries,
/// dead_lettered, negative_acks.
const std::vector<FamilyMetricDef>& family_metrics(const std::string& broker);
/// Name and unit of every metric a sweep of @p broker's scenarios reports.
std::vector<std::pair<std::string, std::string>> sweep_metric_names(const std::string& broker);
/// The one-line description of metric @p name ("" when unknown).
std::string sweep_metric_description(const std::string& broker, const std::string& name);

/// Mean, 95% confidence half-width (Student t), sample standard deviation, extremes and count of
/// one metric over replications.
struct MetricStats {
  double mean = 0;
  double ci95 = 0;
  double sd = 0;
  double min = 0;
  double max = 0;
  std::size_t n = 0;
};
/// Statistics of @p xs (n = 0 gives all zeros).
MetricStats metric_stats(const std::vector<double>& xs);

// ---- Sweeps ------------------------------------------------------------------------------------

struct SweepOptions {
  std::string scenario_file;
  /// Applied to every point before the axis values (e.g. from --set).
  std::vector<scenarios::Override> base_overrides;
  std::vector<VaryAxis> axes;
  /// Replications per point: run i uses seed (scenario seed + i), modulo 2^64.
  std::size_t seeds = 1;
  unsigned jobs = 0;       ///< worker threads; 0 = default_jobs()
  bool progress = false;   ///< draw a progress bar on stderr (when it is a terminal)
  bool progress_anywhere = false;  ///< with progress: draw it even when stderr is not a terminal
  /// Every point's cost is estimated before any run starts; a point beyond this (with as many
  /// runs at once as there are workers) is refused with an InputError.
  CostBudget budget;
};

/// One replication of one point.
struct SweepRun {
  std::uint64_t seed = 0;
  std::vector<double> values;  ///< one per summary_metrics() entry
};

/// One point of the cross product.
struct SweepPoint {
  std::vector<scenarios::Override> params;  ///< the axis values of this point
  std::vector<SweepRun> runs;               ///< in seed order
  std::vector<MetricStats> stats;           ///< one per summary_metrics() entry
};

struct SweepResult {
  std::string broker = "kafka";  ///< the scenario's family: "kafka", "rabbitmq" or "pulsar"
  std::string scenario;       ///< scenario name
  std::string scenario_file;
  std::uint64_t base_seed = 0;
  std::size_t seeds = 1;
  std::vector<VaryAxis> axes;
  std::vector<std::string> metrics;  ///< metric names, as in summary_metrics()
  std::vector<std::string> units;
  std::vector<SweepPoint> points;
  double wall_seconds = 0;  ///< not part of sweep.json / sweep.csv
  unsigned jobs = 1;        ///< not part of sweep.json / sweep.csv
};

/// Loads every point's scenario (so that a bad path or value fails before anything runs), then
/// runs points x seeds in parallel. Throws InputError for bad options or scenario input.
SweepResult run_sweep(const SweepOptions& options);

/// The pieces run_sweep() is made of, shared with sharded sweeps (sweep_shard.hpp): the result
/// without runs and every point's scenario (loaded up front, so that a bad path or value fails
/// before anything runs); one unit, i.e. replication @p k of one point (seed: the point's seed +
/// k, whoever runs it); and the per-point runs and statistics from all units in unit order
/// (unit = point x seeds + k).
/// The scenarios of a sweep's points: Kafka ones, or RabbitMQ / Pulsar ones (the list of the
/// sweep's family is filled).
struct SweepScenarios {
  std::string broker = "kafka";
  std::vector<models::Scenario> kafka;
  std::vector<FamilyScenario> family;
  std::size_t size() const;
};
SweepResult sweep_skeleton(const SweepOptions& options, SweepScenarios& scenarios);
SweepRun run_sweep_unit(const models::Scenario& point, std::size_t k);
/// Replication @p k of point @p point, of any family.
SweepRun run_sweep_unit(const SweepScenarios& points, std::size_t point, std::size_t k);
void finish_sweep(SweepResult& sweep, std::vector<SweepRun> runs);
/// Checks the cost estimate of every point @p points marks (all when empty) against the budget,
/// @p parallel runs at once sharing the memory. Throws InputError naming the point.
void check_sweep_budget(const SweepOptions& options, const SweepScenarios& scenarios, const SweepResult& sweep,
                        const std::vector<bool>& points, unsigned parallel);

/// sweep.json: the broker (for RabbitMQ and Pulsar sweeps), scenario, seed derivation, axes, metric names and units, and per point its
/// parameters, per-metric statistics and per-seed values. Contains no wall-clock figure.
nlohmann::json to_json(const SweepResult& sweep);
/// Reads sweep.json back (for reports). Throws InputError, naming @p file and the field's path,
/// when it is not a sweep file or a value has another type or is out of range.
SweepResult sweep_from_json(const nlohmann::json& j, const std::string& file = "sweep.json");
/// sweep.csv: one row per point: point index, one column per axis, then `<metric>_mean` and
/// `<metric>_ci95` for every metric.
std::string to_csv(const SweepResult& sweep);
/// runs.csv: one row per (point, seed) with every metric's value.
std::string runs_csv(const SweepResult& sweep);

/// A readable table of the points: the axis values and, for the headline metrics (steady p99 and
/// mean latency, steady max lag and max lag seconds, duplicates, rebalances, warm-up, then the
/// ordering figures out_of_order and overlapping), mean ± 95% CI half-width.
std::string format_sweep_table(const SweepResult& sweep);

}  // namespace cgsim::analysis
