#pragma once
/// @file budget_flags.hpp
/// --max-events, --max-memory and --progress: the budget a command checks a run's cost estimate
/// against before it starts (analysis/experiments/cost.hpp), and whether a long run draws a
/// progress line.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "analysis/experiments/cost.hpp"
#include "cli/flag_checks.hpp"

namespace cgsim::cli {

struct BudgetFlags {
  analysis::CostBudget budget;
  bool progress = false;
  std::string max_events_text;  ///< --max-events as given (empty: not given)
  std::string max_memory_text;  ///< --max-memory as given
};

/// The budget flags that were given, to repeat them on another command line.
inline void append_budget_arguments(std::vector<std::string>& args, const BudgetFlags& b) {
  if (!b.max_events_text.empty()) args.insert(args.end(), {"--max-events", b.max_events_text});
  if (!b.max_memory_text.empty()) args.insert(args.end(), {"--max-memory", b.max_memory_text});
}

/// A memory size such as 8GiB, 512M or 1e9 (bytes).
inline CLI::Validator memory_size() {
  return CLI::Validator(
      [](std::string& in) -> std::string {
        double v = 0;
        if (!analysis::parse_bytes(in, v))
          return "expected a memory size such as 4GiB, 512MiB or 1e9 (bytes), got " +
                 (in.empty() ? std::string("\"\"") : escape_bytes(in));
        return {};
      },
      "SIZE");
}

/// Adds the flags to @p cmd; @p with_progress adds --progress too.
inline void add_budget_flags(CLI::App* cmd, BudgetFlags& b, bool with_progress = true) {
  cmd->add_option_function<std::string>(
         "--max-events",
         [&b](const std::string& v) {
           b.budget.max_events = std::strtod(v.c_str(), nullptr);
           b.max_events_text = v;
         },
         "Refuse runs estimated above this many engine events (default " +
             analysis::format_count(analysis::CostBudget{}.max_events) + ")")
      ->check(number_in(1, 1e300, ">= 1"));
  cmd->add_option_function<std::string>(
         "--max-memory",
         [&b](const std::string& v) {
           analysis::parse_bytes(v, b.budget.max_bytes);
           b.max_memory_text = v;
         },
         "Refuse runs estimated above this much memory, e.g. 8GiB (default " +
             analysis::format_bytes(analysis::CostBudget{}.max_bytes) + ")")
      ->check(memory_size());
  if (with_progress) {
    cmd->add_flag("--progress", b.progress,
                  "Draw the progress line of a long run even when standard error is not a terminal "
                  "(a line every 10 s)");
  }
}

}  // namespace cgsim::cli
