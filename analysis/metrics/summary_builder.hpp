#pragma once
/// @file summary_builder.hpp
/// The one place a RunSummary is rolled up, whichever backend ran the scenario. Backends feed it
/// normalised events (processed records with their latency, rebalances, generations, faults, lag
/// samples) and, at the end, the final state of every group (log ends, processed frontier,
/// committed offsets, consumers); it keeps the latency histograms (the only percentile estimator),
/// attributes duplicates and ordering violations to faults (FaultLedger) and writes the totals.
///
/// The simulator's collector feeds it while the run goes (its hot loop adds to the group's
/// histograms directly, see GroupTally); the live recorder feeds it when a run has finished and
/// its rebalances and stalls have been reconstructed from the clients' reports.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/metrics/fault_ledger.hpp"
#include "analysis/metrics/histogram.hpp"
#include "analysis/metrics/summary.hpp"

namespace cgsim::analysis {

/// One processed record, as every backend reports it.
struct Processing {
  std::int32_t partition = 0;  ///< global partition index
  std::int64_t offset = 0;
  std::int64_t latency_ns = 0; ///< processing done minus append (first processings only)
  bool duplicate = false;      ///< the group had processed this offset before
  bool stalled = false;        ///< caught in a stall (see StallSummary); first processings only
};

/// What a group accumulates during a run.
struct GroupTally {
  std::uint64_t consumed = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t max_lag = 0;
  double max_lag_s = 0;
  Histogram steady;   ///< latencies of first processings not caught in a stall
  Histogram stalled;  ///< ... and of those caught in one
  /// Per consumer index (restarted clients keep their index): (consumed, duplicates).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> per_consumer;

  /// Counts @p n processings of consumer @p consumer, @p duplicates of them repeated.
  void count(std::int32_t consumer, std::uint64_t n, std::uint64_t dups) {
    const auto ci = static_cast<std::size_t>(consumer);
    if (per_consumer.size() <= ci) per_consumer.resize(ci + 1);
    consumed += n;
    duplicates += dups;
    per_consumer[ci].first += n;
    per_consumer[ci].second += dups;
  }
};

/// A group's state at the end of the run, as its backend knows it.
struct GroupEnd {
  std::uint64_t produced = 0;             ///< records appended to its topics
  std::uint64_t final_lag = 0;            ///< log end minus processed frontier, summed
  std::uint64_t final_committed_lag = 0;  ///< log end minus committed offset, summed
  std::uint64_t skipped = 0;
  std::uint64_t lost = 0;
  std::int32_t generation = 0;
  /// Name, member id, state and final partitions; consumed and duplicates are filled in from the
  /// tally by consumer index (the position in this list), lost_work from the faults.
  std::vector<ConsumerSummary> consumers;
  /// Index of each consumer in the tally (its position when empty).
  std::vector<std::int32_t> consumer_index;
};

class SummaryBuilder {
 public:
  /// @param group_ids the scenario's groups, in order (tallies are indexed like them)
  explicit SummaryBuilder(std::vector<std::string> group_ids);

  /// The tally of group @p group, for callers that add to it in a hot loop.
  GroupTally& group(std::size_t group) { return groups_[group]; }

  /// A batch of records consumer @p consumer of group @p group processed.
  void processed(std::size_t group, std::int32_t consumer, const Processing* records, std::size_t n);
  /// Group @p group processed position @p offset of @p partition again (per-fault attribution);
  /// processed() calls it for every duplicate, with the reason Uncommitted.
  void duplicate(std::size_t group, std::int32_t partition, std::int64_t offset,
                 DuplicateReason reason = DuplicateReason::Uncommitted) {
    ledger_.duplicate(group, partition, offset, reason);
  }
  /// An ordering violation of group @p group (see FaultLedger::out_of_order).
  void out_of_order(std::size_t group, std::int32_t partition, std::int64_t key) {
    ledger_.out_of_order(group, partition, key);
  }
  /// A record of @p partition processed while the group had handed it to another member.
  void overlapping(std::size_t group, std::int32_t partition) { ledger_.overlapping(group, partition); }
  /// The scope of group @p group's ordering figures: "key" or "partition".
  void ordering_scope(std::size_t group, std::string scope) { ledger_.scope(group, std::move(scope)); }
  /// Group @p group's ordering figures so far.
  OrderingSummary ordering(std::size_t group) const { return ledger_.ordering(group); }
  /// A rebalance completed (or, with end_s -1, was still open at the end).
  void rebalance(RebalanceRecord r) { rebalances_.push_back(std::move(r)); }
  /// A generation handed out its assignment.
  void generation(GenerationRecord g) { generations_.push_back(std::move(g)); }
  /// A fault of group @p group (faults in time order); what follows is charged to it (see
  /// FaultLedger::fault for @p frontier).
  void fault(std::size_t group, FaultRecord record, std::vector<std::int64_t> frontier = {}) {
    ledger_.fault(group, std::move(record), std::move(frontier));
  }
  /// A lag sample of group @p group: records behind and age of the oldest uncommitted one, taken
  /// at @p at_s (the faults' peak lag and recovery need the time; -1 leaves them out).
  void lag_sample(std::size_t group, std::uint64_t lag, double lag_s, double at_s = -1) {
    GroupTally& t = groups_[group];
    t.max_lag = std::max(t.max_lag, lag);
    t.max_lag_s = std::max(t.max_lag_s, lag_s);
    if (at_s >= 0) ledger_.lag_sample(group, at_s, lag, lag_s);
  }

  /// The summary, from the events so far and each group's end state (in group order). @p run
  /// holds the run as a whole (scenario, backend, seed, simulated and wall seconds, events,
  /// produced); the builder fills in the rest.
  RunSummary finish(RunSummary run, std::vector<GroupEnd> ends) const;
  /// Latencies of every first processing of group @p group (steady and stalled together).
  Histogram latency(std::size_t group) const;

 private:
  std::vector<std::string> ids_;
  std::vector<GroupTally> groups_;
  std::vector<RebalanceRecord> rebalances_;
  std::vector<GenerationRecord> generations_;
  FaultLedger ledger_;
};

/// Percentiles, mean and maximum of a latency histogram (nanoseconds), in milliseconds.
LatencySummary summarize_latency(const Histogram& h);
/// Count, median, mean and maximum of the latencies of records caught in a stall.
StallSummary summarize_stall(const Histogram& h);

}  // namespace cgsim::analysis
