#pragma once
/// @file compare.hpp
/// The diff behind `cgsim validate`: a live run's summary against the simulation of the same
/// (scaled) scenario, check by check, each with its tolerance. docs/validation.md explains why
/// each tolerance is what it is.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics/summary.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::live {

/// Tolerances of the checks that are not exact.
struct Tolerances {
  double share_abs = 0.05;        ///< per-consumer share of a group's processed records (absolute)
  double latency_rel = 0.5;       ///< p50 and p90 latency, relative to the simulation ...
  double latency_abs_ms = 25;     ///< ... or this many milliseconds, whichever is larger
  double tail_rel = 1.0;          ///< p99 latency, relative ...
  double tail_abs_ms = 50;        ///< ... or absolute
  double rebalance_rel = 0.25;    ///< rebalance duration, relative ...
  double rebalance_abs_s = 0.25;  ///< ... or this plus the group's heartbeat interval
  /// Rebalances pair when their triggers agree and they start within the group's session timeout
  /// plus one heartbeat period of each other, or within this many seconds if that is longer.
  double rebalance_window_min_s = 1.0;
  double duplicates_rel = 0.5;    ///< duplicates, relative, plus the commit-window bound
  double produced_rel = 0.05;     ///< records produced, relative, plus 3 standard deviations
  double stalled_rel = 0.5;       ///< records caught in a stall: count and mean latency, relative, plus the rebalance bound
};

/// One comparison.
struct Check {
  std::string kind;       ///< rebalances, assignment, rebalance_duration, share, duplicates, latency_p50, ...
  std::string subject;    ///< group, consumer or generation it is about
  std::string simulator;  ///< the simulated value, formatted
  std::string live;       ///< the live value, formatted
  std::string tolerance;  ///< "exact", "±0.05", ...
  bool ok = true;
  bool informational = false;  ///< shown but never fails the validation
  std::string note;
};

/// All checks of one validation.
struct ValidationReport {
  std::vector<Check> checks;
  std::vector<std::string> notes;
  /// True when no check that counts failed.
  bool ok() const;
  nlohmann::json to_json() const;
  /// A readable table, one line per check.
  std::string table() const;
};

struct CompareOptions {
  /// The live run used librdkafka's mock cluster: member ids are not client.id-based (assignments
  /// are compared up to member order) and its join phase differs (durations are informational).
  bool mock = false;
  Tolerances tol;
};

/// Compares @p live with @p sim; @p scenario is the scenario both ran (already scaled).
ValidationReport compare_runs(const models::Scenario& scenario, const analysis::RunSummary& sim,
                              const analysis::RunSummary& live, const CompareOptions& options);

/// A simulated rebalance (index into the simulated list, -1: none) and the live one paired with it
/// (index into the live list, -1: none).
struct RebalancePair {
  std::int64_t sim = -1;
  std::int64_t live = -1;
};

/// True when a simulated rebalance with trigger @p sim may be the same event as a live one with
/// trigger @p live: the same name, a live "unknown" (no fault in its window), or a live
/// "restart" against the "leave" or "join" it is to the coordinator without static membership.
bool triggers_pair(const std::string& sim, const std::string& live);

/// Pairs rebalances of one group by trigger and time, never by index: each simulated one with
/// the live one of a compatible trigger nearest in start time, within @p window_s seconds,
/// closest pairs first (same trigger names before merely compatible ones). Returns every
/// rebalance of both sides once, in order of start time; unpaired ones have -1 on the other side.
std::vector<RebalancePair> pair_rebalances(const std::vector<analysis::RebalanceRecord>& sim,
                                           const std::vector<analysis::RebalanceRecord>& live, double window_s);

/// The generations of @p group with the start-up generations folded away: those before the first
/// generation in which every initial consumer holds an assignment and every partition is handed
/// out (the incremental protocol's first round withholds some). With
/// group.initial.rebalance.delay.ms = 0 their number depends on the order in which the clients'
/// JoinGroup requests arrive, which neither side controls.
std::vector<analysis::GenerationRecord> settled_generations(const analysis::RunSummary& run, const models::GroupSpec& group);

/// A summary's count of records lost to a crash (committed at hand-out, never processed), where
/// the summary type has one (a group's simulated and live summaries do; others count none).
template <typename T>
std::uint64_t lost_of(const T& x) {
  if constexpr (requires { x.lost; }) {
    return x.lost;
  } else {
    return 0;
  }
}

}  // namespace cgsim::live
