#pragma once
/// @file output.hpp
/// Writers for a simulated run: the readable text summary, summary.json and the CSV series.
#include <string>

#include "analysis/simulate.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis {

/// The readable summary `cgsim run` prints: run totals, a table per group and per consumer,
/// and the rebalances.
std::string format_text_summary(const models::Scenario& scenario, const SimulationResult& result);

/// Writes summary.json, lag.csv (per partition), group_lag.csv, throughput.csv (per consumer),
/// timeline.csv and generations.json into @p dir (created if missing), each through an
/// AtomicFile. summary.json has wall_seconds only when @p include_wall_clock (it differs run to
/// run). Throws WriteError when the directory or a file cannot be written.
void write_run_outputs(const std::string& dir, const SimulationResult& result, bool include_wall_clock = false);

}  // namespace cgsim::analysis
