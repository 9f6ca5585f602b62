#pragma once
/// @file output.hpp
/// Writers (and the reader) of a run's output directory: the readable text summary, summary.json,
/// the CSV series and the latency CDF; and the files of a sweep.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "analysis/experiments/simulate.hpp"
#include "analysis/experiments/sweep.hpp"
#include "analysis/output/fault_table.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis {

/// A partition name "topic-N" split into its topic and N; nullopt when the name does not end in
/// "-" and a 32-bit partition number (names read back from files may be anything).
std::optional<std::pair<std::string, std::int32_t>> split_partition_name(const std::string& name);

/// `cgsim run`'s text: the run's figures, then per group its consumers (every one when the group
/// has at most @p max_rows, else their distribution and the notable ones), rebalances, ordering
/// and faults.
std::string format_text_summary(const models::Scenario& scenario, const SimulationResult& result,
                                std::size_t max_rows = kFullConsumerTable);

/// Writes summary.json, lag.csv (per partition), group_lag.csv, throughput.csv (per consumer),
/// timeline.csv and generations.json into @p dir (created if missing), each through an
/// AtomicFile. summary.json has wall_seconds only when @p include_wall_clock (it differs run to
/// run). Throws WriteError when the directory or a file cannot be written.
void write_run_outputs(const std::string& dir, const SimulationResult& result, bool include_wall_clock = false);

/// Writes latency_cdf.csv into @p dir: for every group, the latency (ms) at a grid of quantiles
/// that is dense in the tail (`group,quantile,latency_ms`), from the run's latency histograms.
/// The report draws the latency CDF from it; without it the CDF falls back to the summary's
/// percentiles. Throws WriteError when the file cannot be written.
void write_latency_cdf(const std::string& dir, const SimulationResult& result);

/// Reads back what write_run_outputs() (and write_latency_cdf()) wrote: summary.json and, when
/// present, lag.csv, group_lag.csv, throughput.csv and timeline.csv. Latency histograms are not
/// restored. Throws InputError when summary.json is missing or malformed.
SimulationResult load_run_outputs(const std::string& dir);

/// Writes sweep.json, sweep.csv, runs.csv and timing.json (wall clock, jobs) into @p dir,
/// creating it. Throws WriteError when it cannot be written.
void write_sweep_outputs(const std::string& dir, const SweepResult& sweep);

/// Writes a shard's partial result (analysis/experiments/shard.hpp): @p doc as DIR/shard.json and
/// the wall clock as DIR/timing.json, creating DIR. Throws WriteError.
void write_shard_dir(const std::string& dir, const nlohmann::json& doc, double wall_seconds);

}  // namespace cgsim::analysis
