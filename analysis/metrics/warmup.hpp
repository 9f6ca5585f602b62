#pragma once
/// @file warmup.hpp
/// Where a group's start-up ends and its steady state begins.
///
/// A group starts with a backlog: records produced during the initial rebalance (the broker's
/// initial rebalance delay plus the join round) wait until the first assignment, and the group
/// then works them off with whatever capacity it has to spare (at utilisation rho, a backlog of
/// B seconds of traffic takes B x rho / (1 - rho) seconds). Until it has drained, the group's lag
/// and latency describe the start-up, not the configuration. The warm-up is either fixed
/// (`output.warmup: 30s`, from the run's start) or automatic: it ends at the first lag sample, at
/// or after the group's first assignment, at which the oldest record the group has not yet
/// processed is at most its steady level old (steady_lag_level(), with the batch of
/// steady_batch_records() at the rate in force when the run starts). Processed, not committed,
/// offsets are used: the commit interval's sawtooth would hide a backlog of a few seconds. A
/// fault of the group before that ends the warm-up too (reason "fault": the start-up was not
/// over), and a run that ends first leaves all of it as start-up (reason "not_drained").
///
/// Records appended before the end are start-up records, the rest steady ones; lag samples taken
/// before the end are start-up samples. Raw totals (consumed, duplicates) are not split.
#include <cstdint>
#include <limits>
#include <string>

namespace cgsim::analysis {

/// How old (seconds) the oldest unprocessed record of a group gets in steady state: a record can
/// wait behind one poll's batch (@p batch_s seconds of processing, steady_batch_records()) and
/// the fetch that brings it; one second covers the fetch and the sampling.
double steady_lag_level(double batch_s);

/// The records one poll returns in steady state. A fetch returns as soon as a record is there, so
/// a consumer that keeps up takes what reached it while it processed its previous batch: the
/// records of a busy period, 1 / (1 - rho) on average at utilisation @p rho (M/G/1). Never more
/// than @p max_poll_records, and that many when rho >= 1 (the consumer never catches up).
double steady_batch_records(double max_poll_records, double rho);

class WarmupTracker {
 public:
  static constexpr std::int64_t kOpen = std::numeric_limits<std::int64_t>::max();

  /// @param fixed_ns a fixed warm-up from the run's start, or negative for the automatic one
  /// @param threshold_s the steady lag level (automatic warm-up)
  WarmupTracker(std::int64_t fixed_ns, double threshold_s);

  /// The group's first assignment (later calls are ignored).
  void assigned(std::int64_t at_ns);
  /// A fault of the group: an automatic warm-up still going ends here.
  void fault(std::int64_t at_ns);
  /// A lag sample of the group, with the age (s) of its oldest unprocessed record; true when it
  /// is a start-up sample.
  bool sample(std::int64_t at_ns, double unprocessed_age_s);
  /// Closes the warm-up at the end of the run if it is still going.
  void finish(std::int64_t run_end_ns);

  /// A record appended at @p appended_ns belongs to the start-up.
  bool startup(std::int64_t appended_ns) const { return appended_ns < end_ns_; }
  /// The end (kOpen while the warm-up goes on).
  std::int64_t end_ns() const { return end_ns_; }
  const std::string& reason() const { return reason_; }
  double threshold_s() const { return threshold_s_; }

 private:
  std::int64_t end_ns_ = kOpen;
  std::int64_t assigned_ns_ = -1;
  double threshold_s_ = 0;
  std::string reason_;
};

}  // namespace cgsim::analysis
