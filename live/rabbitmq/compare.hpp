#pragma once
/// @file compare.hpp
/// The checks of `cgsim validate` on a RabbitMQ scenario: a live run against the simulation of
/// the same scaled scenario, in the report type of live/compare.hpp. docs/validation-rabbitmq.md lists the
/// checks and why each tolerance is what it is.
#include "live/compare.hpp"
#include "live/rabbitmq/recorder.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

/// Tolerances of the RabbitMQ checks (issue 19's strict ones).
struct RabbitTolerances {
  double share_abs = 0.02;       ///< per-consumer share of its group's processings (absolute)
  double per_fault_rel = 0.10;   ///< duplicates and redeliveries per fault, relative ...
  double per_fault_abs = 1;      ///< ... or this many messages, whichever is larger
  double ordering_rel = 0.10;    ///< ordering violations, relative, or per_fault_abs
  double depth_rel = 0.10;       ///< final queue depth, relative, plus one message per consumer
};

/// Compares @p live with @p sim of scenario @p sc (already scaled); @p round_trip_ms is the
/// broker round trip measured before the run, subtracted from live latencies, as twice the
/// scenario's network latency is from simulated ones.
ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const RabbitRun& sim, const RabbitRun& live,
                                       double round_trip_ms, const RabbitTolerances& tol = {},
                                       const Tolerances& shared = {});

}  // namespace cgsim::live::rabbitmq
