#pragma once
/// @file signals.hpp
/// Facts the Kafka model emits beyond the common ones (models/common/signals.hpp). Analysis code
/// subscribes; models never format output.
#include <cstdint>
#include <string>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/common/signals.hpp"
#include "sim/signal.hpp"
#include "sim/time.hpp"

namespace cgsim::models {

/// Client-side membership state (Kafka's MemberState) plus Stopped for a crashed or closed client.
enum class MemberState { Unjoined, PreparingRebalance, CompletingRebalance, Stable, Stopped };

const char* to_string(MemberState s);

/// One processed record.
struct ProcessedRecord {
  std::int32_t partition;  ///< global partition id
  std::int64_t offset;
  sim::Time appended;      ///< when the broker appended it
  sim::Time done;          ///< when the consumer finished processing it
  bool duplicate;          ///< the group had already processed this offset
  /// The consumer had run out of records before this one (it waited for a fetch): a backlog it
  /// was working off is gone.
  bool after_idle = false;
};

/// A finished or aborted rebalance of one group.
struct RebalanceInfo {
  std::int32_t group = 0;
  sim::Time start = 0;
  sim::Time end = -1;
  std::int32_t generation = 0;
  std::string trigger;
  std::string protocol;
  std::int32_t rounds = 1;
  std::int64_t partitions_moved = 0;
  std::int64_t partitions_revoked = 0;
  std::int64_t partitions_assigned = 0;
  /// Partition-nanoseconds during which a partition with waiting records had no consumer,
  /// for the partitions this rebalance handed out (from revocation, loss or crash).
  std::int64_t stall_partition_ns = 0;
};

/// A generation's assignment: (consumer index, global partition ids) pairs.
struct GenerationInfo {
  std::int32_t group = 0;
  std::int32_t generation = 0;
  sim::Time at = 0;
  std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> assignment;
};

/// Every signal the Kafka model emits: the common ones and Kafka's own.
struct Signals : CommonSignals {
  /// A consumer finished records of a batch: (group, consumer, first record, count).
  sim::Signal<std::int32_t, std::int32_t, const ProcessedRecord*, std::size_t> processed;
  sim::Signal<const RebalanceInfo&> rebalance_started;
  sim::Signal<const RebalanceInfo&> rebalance_completed;
  sim::Signal<const GenerationInfo&> generation;
  /// (group, consumer, from, to, time)
  sim::Signal<std::int32_t, std::int32_t, MemberState, MemberState, sim::Time> member_state;
  /// (group, from, to, time): the coordinator's group state, named as the broker names it (the
  /// classic group's GroupState, the consumer group's ConsumerGroupState).
  sim::Signal<std::int32_t, const char*, const char*, sim::Time> group_state;
  /// (group, consumer, partitions committed, time) when a commit is accepted.
  sim::Signal<std::int32_t, std::int32_t, std::size_t, sim::Time> commit;
};

}  // namespace cgsim::models
