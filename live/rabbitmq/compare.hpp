#pragma once
/// @file compare.hpp
/// The checks of `cgsim validate` on a RabbitMQ scenario: N live repetitions against simulations
/// of the same scaled scenario over M seeds, in the report type of live/compare.hpp. Each figure
/// is a distribution on each side (median [min..max, n]) and the checks compare medians, as
/// Kafka's and Pulsar's validate do; each repetition's host checks (live::host_checks) make the
/// run inconclusive when one fails. docs/validation-rabbitmq.md lists the checks and why each
/// tolerance is what it is.
#include <vector>

#include "live/compare.hpp"
#include "live/host.hpp"
#include "live/rabbitmq/recorder.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

/// Tolerances of the RabbitMQ checks (issue 19's strict ones).
struct RabbitTolerances {
  double share_abs = 0.02;       ///< per-consumer share of its group's processings (absolute)
  /// Duplicates and redeliveries per fault, relative to the simulated median, or the runs' larger
  /// relative spread if that is larger (live::duplicates_tolerance) ...
  double per_fault_rel = 0.10;
  double per_fault_rel_max = 0.25;  ///< ... but never more than this ...
  double per_fault_abs = 1;      ///< ... or this many messages, whichever is larger
  double ordering_rel = 0.10;    ///< ordering violations, relative, or per_fault_abs
  double depth_rel = 0.10;       ///< final queue depth, relative, plus one message per consumer
};

/// One live repetition: its run, the broker round trip measured before it (subtracted from its
/// latencies, as twice the scenario's network latency is from simulated ones) and, when
/// measured, how the host ran it.
struct LiveRepetition {
  const RabbitRun* run = nullptr;
  double round_trip_ms = 0;
  bool host_measured = false;
  HostFigures host;
  /// The simulation (index into the seeds) whose arrival sequence the live producers replayed.
  std::size_t seed_index = 0;
};

/// Compares the live repetitions @p lives with the simulations @p sims (one per seed, the
/// scenario's own seed first) of @p sc (already scaled). Throws Error when either side has no
/// run or a repetition names a seed not simulated.
/// Throws Error when either side has no run.
ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const std::vector<RabbitRun>& sims,
                                       const std::vector<LiveRepetition>& lives, const RabbitTolerances& tol = {},
                                       const Tolerances& shared = {});

/// One simulation against one live run, without host checks.
ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const RabbitRun& sim, const RabbitRun& live,
                                       double round_trip_ms, const RabbitTolerances& tol = {},
                                       const Tolerances& shared = {});

/// The host figures of one live run from its backend's counts and the host monitor's load.
HostFigures host_figures(std::uint64_t scheduled, std::uint64_t published, std::uint64_t late, const HostLoad& load);

/// True when one of @p h's host checks fails: the repetition is inconclusive and later ones
/// would not change the verdict.
bool host_inconclusive(const HostFigures& h, const Tolerances& tol = {});

}  // namespace cgsim::live::rabbitmq
