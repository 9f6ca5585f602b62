#pragma once
/// @file trace.hpp
/// The rebalance and fault timeline of a run as Chrome trace-event JSON (the "JSON Object
/// Format" of the Trace Event Format), which Perfetto UI and chrome://tracing open.
///
/// Layout: one process per consumer group. Its first thread, "coordinator", carries the
/// rebalances (complete events from start to end, with trigger and partitions moved) and the
/// group state changes; then two threads per consumer: "<consumer> state" with its membership
/// states as consecutive spans, and "<consumer> partitions" with the partitions it owned in
/// each generation. Faults are instant events on the consumer they hit (or on the coordinator for
/// group-wide faults), and the group's lag is a counter track (records and seconds).
/// Timestamps are microseconds of simulated time.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiments/simulate.hpp"

namespace cgsim::analysis {

/// Who owned which partitions when: one span per consumer and generation.
struct OwnershipSpan {
  std::string group;
  std::string consumer;        ///< "<group>/<index>"
  int consumer_index = -1;
  std::int32_t generation = 0;
  double start_s = 0;          ///< the generation's start
  /// The group's next rebalance start (eager protocol: partitions are revoked when it begins),
  /// the time the consumer stopped, or the end of the run, whichever comes first.
  double end_s = 0;
  std::vector<std::string> partitions;
};
/// Ownership spans from summary.generations, summary.rebalances and the member states in the
/// timeline, in generation order.
std::vector<OwnershipSpan> ownership_spans(const SimulationResult& result);

/// Builds the trace. Uses summary.rebalances, summary.generations, timeline and group_lag, so a
/// result loaded back from a run directory (load_run_outputs) gives the same trace.
nlohmann::json chrome_trace(const SimulationResult& result);

/// Writes chrome_trace() to @p path. Throws WriteError when the file cannot be written.
void write_chrome_trace(const std::string& path, const SimulationResult& result);

}  // namespace cgsim::analysis
