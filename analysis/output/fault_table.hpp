#pragma once
/// @file fault_table.hpp
/// The ordering line and the per-fault table of a group, as `cgsim run` prints them for every
/// broker family.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metrics/summary.hpp"

namespace cgsim::analysis {

/// A group with more consumers than this gets a summarised consumer table unless the full one
/// is asked for (`cgsim run --all-consumers`).
constexpr std::size_t kFullConsumerTable = 20;

/// The consumers a summarised table lists, in the group's order: the @p each with the fewest and
/// the @p each with the most records consumed, the @p each that re-read the most and that lost the
/// most work (when any did), and those not in the Stable state (at most @p each of them).
std::vector<std::size_t> notable_consumers(const GroupSummary& g, std::size_t each = 3);

/// The distribution over a group's consumers of each per-consumer figure, one row each: name,
/// min, median, mean, max ("consumed (records)", "re-read (records)", "lost work (records)",
/// "partitions").
std::vector<std::vector<std::string>> consumer_distribution(const GroupSummary& g);

/// "  ordering (per key): ..." for group @p g, then its faults (docs/model.md, "Per-fault
/// accounting"), a line for duplicates charged to no fault, and a warning for each crash the run
/// ended before the group noticed. Lines start with two spaces and end in a newline.
std::string format_group_faults(const RunSummary& s, const GroupSummary& g);

}  // namespace cgsim::analysis
