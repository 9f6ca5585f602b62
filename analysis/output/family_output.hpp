#pragma once
/// @file family_output.hpp
/// The text table of a RabbitMQ or Pulsar run: the same figures as a Kafka run's (produced,
/// consumed, duplicates, backlog, latency, per consumer, per fault), then the family's own counts
/// and the per-key ordering violations.
#include <string>

#include "analysis/experiments/family_runs.hpp"

namespace cgsim::analysis {

std::string format_family_text(const FamilyRun& run);

/// backlog.csv of such a run: `time_s,group,backlog`, one row per group and sample.
std::string family_backlog_csv(const FamilyRun& run);

/// Writes the run's fault and backlog timeline to @p path as Chrome trace-event JSON (trace.hpp):
/// one process per group, its faults as instant events and its backlog as the lag counter.
/// Throws WriteError.
void write_family_trace(const std::string& path, const FamilyRun& run);

/// What `run --out DIR` writes for such a run: summary.json (to_json(run)) and backlog.csv,
/// each atomically. Throws WriteError.
void write_family_run_outputs(const std::string& dir, const FamilyRun& run);

}  // namespace cgsim::analysis
