#pragma once
/// @file compare.hpp
/// `cgsim compare`: the same figures taken from runs of scenarios of any broker family (Kafka,
/// RabbitMQ, Pulsar), so that one workload set up on each broker can be read side by side:
/// steady latency, what a crash cost (duplicates, ordering, backlog and its recovery) and how
/// evenly the consumers shared the work. docs/comparing-brokers.md defines each figure.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/experiments/cost.hpp"
#include "models/common/scenario.hpp"
#include "models/pulsar/scenario_file.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::analysis {

/// The figures of one run, in the order CompareFigure lists them.
enum class CompareFigure : std::uint8_t {
  LatencyP50,          ///< ms, first processings not caught in a stall (Kafka) / all (others)
  LatencyP99,          ///< ms, same records
  LatencyP99All,       ///< ms, every first processing after the warm-up, the crash's included
  CrashDuplicates,     ///< duplicates charged to the crash
  Duplicates,          ///< duplicates over the run
  OutOfOrder,          ///< records processed after a later record of their key
  KeysAffected,        ///< keys with such a record
  PreCrashBacklog,     ///< largest total backlog in the 10 s before the crash
  PeakBacklog,         ///< largest total backlog from the crash to the next fault or the end
  RecoveryS,           ///< s from the crash until the backlog is back at its pre-crash level
  ShareMin,            ///< % of first processings: the least loaded consumer that processed any
  ShareMax,            ///< % of first processings: the most loaded consumer
  Count
};
inline constexpr std::size_t kCompareFigures = static_cast<std::size_t>(CompareFigure::Count);

/// The JSON name of @p f ("latency_p50_ms", ...).
const char* compare_figure_name(CompareFigure f);

/// One loaded scenario file, whichever family it belongs to.
struct CompareSubject {
  std::string file;
  std::string family;      ///< kafka | rabbitmq | pulsar
  std::string scenario;    ///< the scenario's name
  std::string assignment;  ///< how keys or partitions reach consumers ("range, eager", ...)
  std::uint64_t seed = 0;  ///< the scenario's own seed
  bool has_crash = false;  ///< the scenario crashes a consumer (its first crash is "the crash")
  double crash_at_s = -1;
  models::Scenario kafka;
  models::rabbitmq::Scenario rabbitmq;
  models::pulsar::ScenarioFile pulsar;
};

/// Loads @p path (the family is told by its `broker.kind`); bad input throws InputError. A Kafka
/// scenario is checked against @p budget first (cost.hpp).
CompareSubject load_compare_subject(const std::string& path, const CostBudget& budget);

/// One run's figures. A figure that does not exist for the run (no crash in the scenario) is NaN;
/// RecoveryS is -1 when the backlog was still above its pre-crash level when the run ended.
struct CompareRun {
  std::uint64_t seed = 0;
  double figures[kCompareFigures];
};

/// Runs @p subject with seed @p seed. Thread-safe for distinct calls.
CompareRun run_compare(const CompareSubject& subject, std::uint64_t seed);

/// A backlog series summed over groups: (time, total) in time order.
using BacklogSeries = std::vector<std::pair<double, std::uint64_t>>;

/// The crash's backlog figures from @p total: pre-crash level (largest sample in the 10 s before
/// @p crash_s), peak (largest sample from @p crash_s to @p window_end_s) and recovery (s from the
/// crash to the first sample after the peak at or below the pre-crash level; 0 when the peak is
/// not above twice the pre-crash level, a rise within the backlog's own noise; -1 when the run
/// ended first). Returns {pre, peak, recovery}.
struct CrashBacklog {
  double pre = 0, peak = 0, recovery_s = 0;
};
CrashBacklog crash_backlog(const BacklogSeries& total, double crash_s, double window_end_s);

}  // namespace cgsim::analysis
