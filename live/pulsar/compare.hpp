#pragma once
/// @file compare.hpp
/// The Pulsar checks of `cgsim validate`, with the strict tolerances of issue 20: per-consumer
/// share within 2 percentage points, duplicates per fault within 10 %, Key_Shared's key ->
/// consumer mapping exact in every settled period, Failover's switch time within 20 %; and the
/// host checks that make a run inconclusive (producers late or short, consumer JVMs waiting for
/// a CPU).
#include "live/compare.hpp"
#include "live/pulsar/backend.hpp"
#include "live/pulsar/run.hpp"

namespace cgsim::live::pulsar {

struct PulsarTolerances {
  double share_abs = 0.02;       ///< per-consumer share of its subscription's processings (absolute)
  double per_fault_rel = 0.10;   ///< duplicates per fault, relative ...
  double per_fault_abs = 1;      ///< ... or this many messages, whichever is larger
  double switch_rel = 0.20;      ///< Failover switch time, relative
  double ordering_rel = 0.10;    ///< ordering violations, relative, or per_fault_abs
  /// A period starts this long after a fault (or the run's start) for the key mapping: what was
  /// dispatched before the change settled is left out.
  double settle_s = 2;
  double host_late = 0.02;       ///< messages sent more than 100 ms late or not at all
  double host_cpu_wait = 0.02;   ///< share of a consumer's processing thread's lifetime spent waiting for a CPU
};

ValidationReport compare_pulsar_runs(const models::pulsar::ScenarioFile& sc, const PulsarRun& sim, const PulsarRun& live,
                                     const HostFigures& host, const PulsarTolerances& tol = {});

}  // namespace cgsim::live::pulsar
