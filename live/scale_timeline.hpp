#pragma once
/// @file scale_timeline.hpp
/// The part of a live run's time scaling that every broker family shares: the run's duration, the
/// producers' start, stop and rate step times, the faults' times, durations and gaps, and the
/// sample interval (at least 1 ms). Each family's scale_*_scenario() adds its own timeouts.
#include <algorithm>

#include "live/backend.hpp"
#include "sim/time.hpp"

namespace cgsim::live {

/// Multiplies the shared timeline of @p sc (whose producers are @p producers) by @p scale, with
/// scale_time().
template <class Scenario, class Producers>
void scale_timeline(Scenario& sc, Producers& producers, double scale) {
  sc.duration = scale_time(sc.duration, scale);
  sc.output.sample_interval = std::max<sim::Time>(sim::kMillisecond, scale_time(sc.output.sample_interval, scale));
  for (auto& p : producers) {
    p.start = scale_time(p.start, scale);
    p.stop = scale_time(p.stop, scale);
    for (auto& step : p.rate.steps) step.first = scale_time(step.first, scale);
  }
  for (auto& f : sc.faults) {
    f.at = scale_time(f.at, scale);
    f.duration = scale_time(f.duration, scale);
    f.gap = scale_time(f.gap, scale);
  }
}

}  // namespace cgsim::live
