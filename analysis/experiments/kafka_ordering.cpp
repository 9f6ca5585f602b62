#include "analysis/experiments/kafka_ordering.hpp"

#include <algorithm>

namespace cgsim::analysis {

KafkaOrdering::KafkaOrdering(models::World& world, SummaryBuilder& builder)
    : world_(world), builder_(builder), keys_(world.scenario(), world.broker()) {
  groups_.resize(world.group_count());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].partitions.resize(static_cast<std::size_t>(world.broker().partition_count()));
    bool any_keyed = false, any_unkeyed = false;
    for (std::int32_t gid : world.group(g).partitions()) (keys_.keyed(gid) ? any_keyed : any_unkeyed) = true;
    builder.ordering_scope(g, any_keyed && any_unkeyed ? "mixed" : any_keyed ? "key" : "partition");
  }
}

void KafkaOrdering::generation(const models::GenerationInfo& gi) {
  GroupState& gs = groups_[static_cast<std::size_t>(gi.group)];
  for (std::int32_t gid : world_.group(static_cast<std::size_t>(gi.group)).partitions())
    gs.partitions[static_cast<std::size_t>(gid)].owner = -1;
  for (const auto& [c, parts] : gi.assignment)
    for (std::int32_t gid : parts) {
      PartitionState& ps = gs.partitions[static_cast<std::size_t>(gid)];
      ps.owner = c;
      ps.owner_generation = gi.generation;
    }
  gs.latest_generation = std::max(gs.latest_generation, gi.generation);
}

void KafkaOrdering::enter(GroupState& gs, std::int32_t gid, std::int64_t from, std::int64_t to) {
  for (std::int64_t o = from; o < to; ++o) {
    std::int64_t& h = gs.key_high[keys_.key(gid, o)];
    h = std::max(h, o);
  }
}

void KafkaOrdering::cover(GroupState& gs, std::int32_t gid, std::int64_t from, std::int64_t to) {
  if (from >= to) return;
  PartitionState& ps = gs.partitions[static_cast<std::size_t>(gid)];
  // Every entry of key_high is an offset that had been processed when it was entered, so stale
  // entries are still true; only the range asked for must be complete. A range apart from the
  // covered one starts a new one.
  if (ps.covered_lo >= ps.covered_hi || to < ps.covered_lo || from > ps.covered_hi) {
    ps.covered_lo = ps.covered_hi = from;
  }
  if (from < ps.covered_lo) {
    enter(gs, gid, from, ps.covered_lo);
    ps.covered_lo = from;
  }
  if (to > ps.covered_hi) {
    enter(gs, gid, ps.covered_hi, to);
    ps.covered_hi = to;
  }
}

void KafkaOrdering::batch(std::size_t g, std::int32_t c, const models::ProcessedRecord* recs, std::size_t n) {
  GroupState& gs = groups_[g];
  models::Group& grp = world_.group(g);
  const std::int32_t generation = grp.consumer(c).generation();
  const bool stale = generation < gs.latest_generation;
  // A partition's duplicates in a batch come before its first processings (a member reads a
  // partition in offset order), so the records processed before a duplicate are those below the
  // partition's first first-processing in the batch, or below its frontier when there is none.
  first_new_.clear();
  for (std::size_t k = 0; k < n; ++k) {
    if (recs[k].duplicate) continue;
    const std::int32_t p = recs[k].partition;
    if (std::none_of(first_new_.begin(), first_new_.end(), [p](const auto& e) { return e.first == p; }))
      first_new_.emplace_back(p, recs[k].offset);
  }
  for (std::size_t k = 0; k < n; ++k) {
    const models::ProcessedRecord& r = recs[k];
    PartitionState& ps = gs.partitions[static_cast<std::size_t>(r.partition)];
    const bool overlapping = stale && ps.owner >= 0 && ps.owner != c && generation < ps.owner_generation;
    if (overlapping) {
      builder_.overlapping(g, r.partition);
      if (ps.overlap_lo >= ps.overlap_hi) {
        ps.overlap_lo = r.offset;
        ps.overlap_hi = r.offset + 1;
      } else {
        ps.overlap_lo = std::min(ps.overlap_lo, r.offset);
        ps.overlap_hi = std::max(ps.overlap_hi, r.offset + 1);
      }
    }
    if (!r.duplicate) continue;
    const bool in_flight = overlapping || (r.offset >= ps.overlap_lo && r.offset < ps.overlap_hi);
    builder_.duplicate(g, r.partition, r.offset, in_flight ? DuplicateReason::InFlight : DuplicateReason::Uncommitted);
    std::int64_t before = grp.offsets(r.partition).frontier;
    for (const auto& [p, o] : first_new_)
      if (p == r.partition) before = o;
    if (keys_.keyed(r.partition)) {
      if (gs.key_high.empty()) gs.key_high.assign(keys_.key_space(), -1);
      cover(gs, r.partition, r.offset + 1, before);
      const std::uint64_t key = keys_.key(r.partition, r.offset);
      if (gs.key_high[key] > r.offset) builder_.out_of_order(g, r.partition, static_cast<std::int64_t>(key));
    } else if (r.offset + 1 < before) {
      builder_.out_of_order(g, r.partition, -1);
    }
  }
}

}  // namespace cgsim::analysis
