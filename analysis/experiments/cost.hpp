#pragma once
/// @file cost.hpp
/// What a run will cost, estimated from the scenario alone before anything is allocated: engine
/// events, peak memory and CPU time. A run whose estimate is over the budget is refused (an
/// InputError that gives the estimate, its largest terms and the flag that raises the budget),
/// so that a scenario with a rate of 1e12 records/s or a tick of 1 ns fails at once instead of
/// running for hours or ending in std::bad_alloc.
///
/// The per-unit costs are measured (docs/performance.md, "Cost estimate"): Release build, this
/// 2-core machine, peak RSS from /usr/bin/time -v. The estimate aims at the right order of
/// magnitude, on the high side for memory.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis {

/// One named contribution to an estimate, e.g. {"production windows (duration / broker.produce_tick)", 1e11}.
struct CostTerm {
  std::string what;
  double value = 0;
};

struct CostEstimate {
  double events = 0;       ///< engine events
  double peak_bytes = 0;   ///< peak resident memory of one run
  double cpu_seconds = 0;  ///< expected CPU time of one run on this machine
  std::vector<CostTerm> event_terms;   ///< the terms of events, largest first
  std::vector<CostTerm> memory_terms;  ///< the terms of peak_bytes, largest first
};

/// The cost of running @p scenario (Kafka family); @p series: with the per-partition and
/// per-consumer time series that `run --out` keeps.
CostEstimate estimate_cost(const models::Scenario& scenario, bool series);

/// The cost of running a RabbitMQ or Pulsar scenario (cost_family.cpp), with its backlog samples.
CostEstimate estimate_cost(const FamilyScenario& scenario);

/// The cost of `assign --churn`: @p steps membership changes on a group of @p members members and
/// @p partitions partitions. Each step is counted as one event.
CostEstimate estimate_churn_cost(double steps, double members, double partitions);

/// The largest run a command may start.
struct CostBudget {
  /// 5e9 events: about half an hour at this machine's 3M events/s for large groups (KG-1 runs at
  /// 9.7M events/s). The one-hour scale benchmark (1.02G events) fits.
  double max_events = 5e9;
  /// 2 GiB: the bound the project holds its largest scale run to (100k partitions, 10k consumers,
  /// 1M records/s for an hour: 804 MiB), a twelfth of this 24 GiB machine, so that the parallel
  /// runs of a sweep and other jobs fit beside it.
  double max_bytes = 2.0 * 1024 * 1024 * 1024;
};

/// Throws InputError when @p estimate (of one run; @p parallel runs at once share the memory)
/// is over @p budget. @p subject names what is refused (the scenario file).
void check_budget(const CostEstimate& estimate, const CostBudget& budget, const std::string& subject,
                  unsigned parallel = 1);

/// "2 GiB", "512 MiB", "3.2 KiB", "100 B".
std::string format_bytes(double bytes);
/// "5e+09", "1.2e+07", "2300": a count as a message shows it.
std::string format_count(double n);
/// Parses a memory size: a number with an optional unit B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB
/// (all powers of 1024). False when @p text is not one or not positive.
bool parse_bytes(const std::string& text, double& out);

}  // namespace cgsim::analysis
