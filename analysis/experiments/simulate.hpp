#pragma once
/// @file simulate.hpp
/// Runs a scenario on the simulator and collects what analysis needs: the run summary and,
/// on request, time series (lag per partition, throughput per consumer) and the timeline.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metrics/histogram.hpp"
#include "analysis/metrics/summary.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis {

/// One lag sample of one partition.
struct LagSample {
  double time_s;
  std::int32_t group;
  std::int32_t partition;  ///< global partition id
  std::int64_t log_end;
  std::int64_t committed;  ///< -1 when none
  std::int64_t lag;        ///< log_end - committed (committed taken as the log start when none)
};

/// Records processed by one consumer during one sample interval.
struct ThroughputSample {
  double time_s;
  std::int32_t group;
  std::int32_t consumer;
  std::uint64_t records;
};

/// Total lag of a group at one sample time.
struct GroupLagSample {
  double time_s;
  std::int32_t group;
  std::int64_t lag;
  double lag_seconds;  ///< age of the oldest record not yet committed
};

/// A timeline event (faults, membership changes), for reports and traces.
struct TimelineEvent {
  double time_s;
  std::string kind;    ///< fault | member_state | group_state
  std::string subject; ///< consumer name or group id
  std::string detail;
};

/// Everything one simulated run produced.
struct SimulationResult {
  RunSummary summary;
  std::vector<std::string> partition_names;  ///< by global partition id
  std::vector<LagSample> lag;                ///< only when series were requested
  std::vector<ThroughputSample> throughput;  ///< only when series were requested
  std::vector<GroupLagSample> group_lag;
  std::vector<TimelineEvent> timeline;
  std::vector<Histogram> latency;            ///< per group (first processings)
};

struct SimulateOptions {
  bool series = false;  ///< keep per-partition and per-consumer time series
  /// Draw a progress line on standard error while the run lasts (run_progress.hpp); the outputs
  /// are the same either way.
  bool progress = false;
  /// Add each group's queueing-model figures (GroupSummary::model; hashes every key of keyed
  /// producers once, so sweeps and plans leave it off).
  bool model = false;
};

/// Runs @p scenario on the simulator.
SimulationResult simulate_full(const models::Scenario& scenario, const SimulateOptions& options = {});

/// The automatic warm-up's steady lag level (seconds) of group @p group (analysis/metrics/warmup.hpp):
/// its consumers share the rate its topics receive when the run starts evenly, as far as there are
/// partitions for them.
double warmup_threshold_s(const models::Scenario& scenario, std::size_t group);
/// Runs @p scenario on the simulator and returns its summary.
RunSummary simulate(const models::Scenario& scenario);

}  // namespace cgsim::analysis
