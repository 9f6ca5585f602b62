#pragma once
/// @file compare_table.hpp
/// What `cgsim compare` prints: one row per scenario with the figures of compare.hpp (over several
/// seeds: their median with [min..max]), footnotes defining each, and the same as JSON.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiments/compare.hpp"

namespace cgsim::analysis {

/// One scenario and its runs, one per seed, in seed order.
struct CompareRow {
  std::string file, family, scenario, assignment;
  bool has_crash = false;
  double crash_at_s = -1;
  std::vector<CompareRun> runs;
};

/// The table and its footnotes.
std::string format_compare_text(const std::vector<CompareRow>& rows);
/// compare.json: per row its identity, the seeds and per figure median, min, max and the values
/// (null where the figure does not exist for the run).
nlohmann::json compare_to_json(const std::vector<CompareRow>& rows);

}  // namespace cgsim::analysis
