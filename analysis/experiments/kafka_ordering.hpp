#pragma once
/// @file kafka_ordering.hpp
/// Ordering and the reason of each duplicate for the Kafka groups of one simulated run
/// (docs/model.md, "Ordering"). The collector hands it only the batches where ordering can be
/// broken: those holding duplicates, and those of a member older than its group's latest
/// generation (it may be processing a partition the group has handed to another member). Every
/// other batch costs it nothing.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "analysis/metrics/summary_builder.hpp"
#include "models/kafka/signals.hpp"
#include "models/kafka/record_keys.hpp"
#include "models/kafka/world.hpp"

namespace cgsim::analysis {

class KafkaOrdering {
 public:
  /// Sets each group's ordering scope in @p builder, which it then feeds.
  KafkaOrdering(models::World& world, SummaryBuilder& builder);

  /// A generation handed out its assignment.
  void generation(const models::GenerationInfo& gi);
  /// Whether consumer @p c of group @p g is older than the group's latest generation.
  bool stale(std::size_t g, std::int32_t c) {
    return world_.group(g).consumer(c).generation() < groups_[g].latest_generation;
  }
  /// A batch of consumer @p c of group @p g that holds duplicates or comes from a stale member:
  /// charges each duplicate with its reason, counts overlapping and out-of-order records.
  void batch(std::size_t g, std::int32_t c, const models::ProcessedRecord* records, std::size_t n);

 private:
  struct PartitionState {
    std::int32_t owner = -1;       ///< consumer index the latest generation gave it to
    std::int32_t owner_generation = -1;
    std::int64_t covered_lo = 0;   ///< offsets whose keys are in the group's key_high
    std::int64_t covered_hi = 0;
    std::int64_t overlap_lo = 0;   ///< offsets processed by a member that had lost it
    std::int64_t overlap_hi = 0;
  };
  struct GroupState {
    std::vector<PartitionState> partitions;  ///< per global partition id
    std::int32_t latest_generation = -1;
    /// Per key: the highest offset of it among the covered processed records, -1 for none.
    std::vector<std::int64_t> key_high;
  };
  /// Enters the keys of offsets [@p from, @p to) of @p gid (all processed) into key_high.
  void cover(GroupState& gs, std::int32_t gid, std::int64_t from, std::int64_t to);
  void enter(GroupState& gs, std::int32_t gid, std::int64_t from, std::int64_t to);

  models::World& world_;
  SummaryBuilder& builder_;
  models::RecordKeys keys_;
  std::vector<GroupState> groups_;
  /// The batch's partitions with the offset of their first first-processing in it.
  std::vector<std::pair<std::int32_t, std::int64_t>> first_new_;
};

}  // namespace cgsim::analysis
