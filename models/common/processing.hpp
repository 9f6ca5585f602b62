#pragma once
/// @file processing.hpp
/// How long a consumer's application takes per record, in every broker family: a draw from the
/// scenario's processing-time distribution on the consumer's own random stream, multiplied during
/// a `slow` fault. A constant distribution is kept as its value, so the hot path needs no draw.
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models {

class ProcessingTime {
 public:
  /// @p rng is the consumer's own stream (its name includes the client's life, so a restarted
  /// client draws afresh).
  ProcessingTime(const sim::Distribution& d, sim::Rng rng) : d_(d), rng_(std::move(rng)) {
    if (d.kind == sim::Distribution::Kind::Constant && d.value >= 0) constant_ = static_cast<sim::Time>(d.value * 1e9 + 0.5);
  }

  /// The processing time of a record that starts at @p start.
  sim::Time next(sim::Time start) {
    if (constant_ >= 0 && start >= slow_until_) return constant_;
    double s = d_.sample(rng_);
    if (start < slow_until_) s *= slow_factor_;
    return static_cast<sim::Time>(s * 1e9 + 0.5);  // s >= 0
  }
  /// The one processing time of every record starting at or after @p from, or -1 when records
  /// may differ (a distribution that is not constant, or a slow spell still ahead).
  sim::Time constant_from(sim::Time from) const { return constant_ >= 0 && from >= slow_until_ ? constant_ : -1; }
  /// Multiplies processing times by @p factor for records that start before @p until.
  void slow(double factor, sim::Time until) {
    slow_factor_ = factor;
    slow_until_ = until;
  }

 private:
  const sim::Distribution& d_;
  sim::Rng rng_;
  sim::Time constant_ = -1;  ///< the constant processing time (ns), else -1
  double slow_factor_ = 1.0;
  sim::Time slow_until_ = 0;
};

}  // namespace cgsim::models
