#pragma once
/// @file plan_runs.hpp
/// The planner's simulated runs: its own collector (latency and lag from the SLO window on), the
/// figures one run contributes to a candidate's verdicts, and the choice of crash victims. Used by
/// the search (plan_search.cpp); not part of the planner's interface.
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/histogram.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis::planning {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// What the planner measures in one simulated run of the planned group.
///
/// The SLO window starts `settle` seconds after the group's warm-up (analysis/metrics/warmup.hpp):
/// the initial join (group.initial.rebalance.delay plus the join round) holds back the first
/// records, and the backlog they form takes B x rho / (1 - rho) seconds to drain, which says
/// nothing about the configuration's steady state. Latency counts records appended in the window;
/// lag figures count samples in it. The planner runs the world with its own small collector.
struct PlanRun {
  double first_assignment_s = -1;
  double window_start_s = -1;   ///< -1: the start-up backlog never drained
  double warmup_s = -1;         ///< end of the warm-up (-1: never)
  std::string warmup_reason;    ///< drained | set | fault | not_drained
  Histogram latency;
  Histogram latency_all;        ///< every first processing, start-up included
  std::uint64_t duplicates = 0;
  /// Out-of-order plus overlapping processings of the group (docs/model.md, "Ordering"); -1 when
  /// the run was not asked to count them.
  std::int64_t ordering_violations = -1;
  std::vector<GroupLagSample> group_lag;  ///< every sample of the planned group (group index 0)
  /// Per sample time: the log-end offset of every partition of the group (for picking victims).
  std::vector<std::pair<double, std::vector<std::int64_t>>> log_ends;
  std::vector<std::int32_t> partitions;   ///< global ids, as in log_ends
  /// Generations: (start time, consumer index -> global partition ids).
  std::vector<std::pair<double, std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>>>> generations;
};

/// Runs @p sc and measures group @p group; keeps per-sample log ends when @p keep_log_ends (to pick
/// victims from) and counts ordering violations when @p ordering.
PlanRun run_for_plan(const models::Scenario& sc, std::size_t group, double settle_s, bool keep_log_ends,
                     bool ordering = false);

/// What one simulated run contributes to a candidate's verdicts.
struct RunFigures {
  std::map<std::string, double> v;   // figure name -> value
  double first_assignment_s = -1;     // steady runs: when the group first had an assignment
  double failure_s = -1;              // failure runs
  std::vector<std::int32_t> victims;  // steady runs: the consumers a failure run should crash
  std::vector<std::string> victim_names;
  bool too_short = false;
};

/// @p f as JSON with exact numbers (shard.hpp's exact_number), and back; throws InputError
/// naming @p unit when malformed.
nlohmann::json figures_json(const RunFigures& f);
RunFigures figures_from_json(const nlohmann::json& j, const std::string& unit);

/// Adds the latency, lag, duplicate (and, when counted, ordering_violations) figures of @p r under names prefixed with @p prefix.
void run_figures(RunFigures& f, const PlanRun& r, const std::string& prefix);

/// The @p n consumers that carry the most load at @p at: the owners, in the generation in force
/// then, of the partitions that received the most records in the preceding window.
std::vector<std::int32_t> pick_victims(const PlanRun& r, const std::string& group_id, double at, double window_s,
                                       std::int32_t n, std::int32_t consumers, std::vector<std::string>& names);

}  // namespace cgsim::analysis::planning
