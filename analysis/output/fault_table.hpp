#pragma once
/// @file fault_table.hpp
/// The ordering line and the per-fault table of a group, as `cgsim run` prints them for every
/// broker family.
#include <string>

#include "analysis/metrics/summary.hpp"

namespace cgsim::analysis {

/// "  ordering (per key): ..." for group @p g, then its faults (docs/model.md, "Per-fault
/// accounting"), a line for duplicates charged to no fault, and a warning for each crash the run
/// ended before the group noticed. Lines start with two spaces and end in a newline.
std::string format_group_faults(const RunSummary& s, const GroupSummary& g);

}  // namespace cgsim::analysis
