#pragma once
/// @file fault_ledger.hpp
/// Per-fault and per-group accounting shared by every backend: duplicates with their reason,
/// ordering violations and the keys and partitions they touched, lag after each fault and when it
/// recovered. docs/model.md ("Ordering", "Per-fault accounting") defines each figure.
///
/// A fault's window runs from the fault to the group's next fault (the run's end for the last
/// one); whatever happens in it is charged to it. Duplicates and ordering violations before a
/// group's first fault are charged to no fault (rebalances of the group's own, such as a
/// max.poll.interval eviction of a consumer that is slow by configuration). A backend whose
/// duplicates also come from elsewhere (RabbitMQ and Pulsar requeue negatively acknowledged
/// messages) gives each fault the group's processed frontier: a duplicate is then charged only
/// when it lies below it (processed before the fault, again after it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metrics/summary.hpp"

namespace cgsim::analysis {

/// Why a record was processed again.
enum class DuplicateReason : std::uint8_t {
  Uncommitted,  ///< reprocessed from a committed offset below what had been processed
  InFlight,     ///< a member processed a partition the group had handed to another member
};

class FaultLedger {
 public:
  /// How long before a fault the pre-fault lag level is taken from (the largest sample in it), so
  /// that the saw-tooth of periodic commits does not count as a rise.
  static constexpr double kPreFaultSpan = 10.0;

  /// A fault of group @p group, in time order; @p frontier, when not empty, is one past the highest
  /// position of each global partition the group had processed.
  void fault(std::size_t group, FaultRecord record, std::vector<std::int64_t> frontier = {});
  /// Group @p group processed position @p offset of @p partition again.
  void duplicate(std::size_t group, std::int32_t partition, std::int64_t offset, DuplicateReason reason);
  /// A record of group @p group processed after a later record of the same key (@p key >= 0) or,
  /// for records without a key the run knows (@p key < 0), of the same partition.
  void out_of_order(std::size_t group, std::int32_t partition, std::int64_t key);
  /// A record of @p partition processed while the group had handed the partition to another member.
  void overlapping(std::size_t group, std::int32_t partition);
  /// A lag sample of group @p group at @p at_s: records behind and lag-seconds.
  void lag_sample(std::size_t group, double at_s, std::uint64_t lag, double lag_s);
  /// The scope of group @p group's ordering figures ("key" or "partition").
  void scope(std::size_t group, std::string scope);

  /// Group @p group's ordering figures.
  OrderingSummary ordering(std::size_t group) const;
  /// Every fault, in the order they happened, with the rebalances of its group that started in
  /// its window (@p rebalances, group ids in @p ids) added.
  std::vector<FaultRecord> records(const std::vector<RebalanceRecord>& rebalances,
                                   const std::vector<std::string>& ids) const;

 private:
  struct Entry {
    std::size_t group;
    FaultRecord record;
    std::vector<std::int64_t> frontier;  ///< empty: every duplicate in the window is charged
    std::uint64_t level = 0;     ///< pre-fault lag level
    bool window_open = true;     ///< the group's next fault has not happened yet
    bool done = false;           ///< recovered after the window closed: nothing more to follow
    double recovered_at = -1;    ///< first sample at or below the level after the peak so far
  };
  struct GroupState {
    std::ptrdiff_t latest = -1;  ///< index of its latest fault, -1 for none
    std::string scope;
    OrderingSummary ordering;
    std::vector<std::uint8_t> partitions;  ///< per global partition: affected
    /// Per key id: 0 when never out of order, else the window that last counted it (1 for no
    /// fault, 2 + the fault's index otherwise).
    std::vector<std::int64_t> keys;
    /// Recent lag samples (time, lag), the last kPreFaultSpan seconds.
    std::vector<std::pair<double, std::uint64_t>> recent;
  };
  GroupState& state(std::size_t group);
  FaultRecord* current(std::size_t group);
  void touch_partition(GroupState& g, std::int32_t partition);

  std::vector<Entry> entries_;
  std::vector<GroupState> groups_;
};

}  // namespace cgsim::analysis
