#pragma once
/// @file compare.hpp
/// The Pulsar checks of `cgsim validate`, with the strict tolerances of issue 20, over N live
/// repetitions and M simulator seeds as Kafka's validate compares them (live/compare.hpp): each
/// figure is a distribution on each side (median [min..max, n]); per-consumer share within 2
/// percentage points and Failover's switch time within 20 % on the medians, duplicates per fault
/// on the medians within Kafka's duplicates_tolerance (10 %, or the spread the runs show, at most
/// 25 %), Key_Shared's key -> consumer mapping exact in every settled period of every live
/// repetition (and across the simulator's seeds, which it must not depend on); and the host
/// checks of each repetition, any of which failing makes the run inconclusive.
#include <vector>

#include "live/compare.hpp"
#include "live/pulsar/backend.hpp"
#include "live/pulsar/run.hpp"

namespace cgsim::live::pulsar {

struct PulsarTolerances {
  double share_abs = 0.02;       ///< per-consumer share of its subscription's processings (absolute)
  /// Duplicates per fault, relative to the simulated median, or the runs' larger relative spread
  /// if that is larger (live::duplicates_tolerance), with no absolute floor, as Kafka's ...
  double per_fault_rel = 0.10;
  double per_fault_rel_max = 0.25;  ///< ... but never more than this
  double switch_rel = 0.20;      ///< Failover switch time, relative
  double ordering_rel = 0.10;    ///< ordering violations, relative ...
  double ordering_abs = 1;       ///< ... or this many, whichever is larger
  /// A period starts this long after a fault (or the run's start) for the key mapping: what was
  /// dispatched before the change settled is left out.
  double settle_s = 2;
  double host_late = 0.02;       ///< messages sent more than 100 ms late or not at all
  double host_cpu_wait = 0.02;   ///< share of a consumer's processing thread's lifetime spent waiting for a CPU
};

/// Compares the live repetitions @p lives (with @p host, one per repetition) with the
/// simulations @p sims (one per seed) of @p sc (already scaled). Throws Error when either side
/// has no run or @p host is not one per repetition.
ValidationReport compare_pulsar_runs(const models::pulsar::ScenarioFile& sc, const std::vector<PulsarRun>& sims,
                                     const std::vector<PulsarRun>& lives, const std::vector<HostFigures>& host,
                                     const PulsarTolerances& tol = {});

/// One simulation against one live run.
ValidationReport compare_pulsar_runs(const models::pulsar::ScenarioFile& sc, const PulsarRun& sim, const PulsarRun& live,
                                     const HostFigures& host, const PulsarTolerances& tol = {});

}  // namespace cgsim::live::pulsar
