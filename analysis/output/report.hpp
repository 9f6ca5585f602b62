#pragma once
/// @file report.hpp
/// `cgsim report`: a self-contained report.html (inline CSS, inline SVG plots, one small inline
/// script that only checks the plots; nothing is fetched) and a report.md whose plots are SVG
/// files in plots/, from the files a run, sweep or plan wrote into a directory.
///
/// Plots are SVG generated here by a small charting module (linear and log axes with "nice"
/// ticks, lines, confidence bands, markers, spans and Gantt bars). docs/planning.md ("Reports")
/// explains why: the output is deterministic, needs no JavaScript or network to view, and the same
/// SVG files serve the HTML and the Markdown report.
#include <string>
#include <vector>

#include "analysis/experiments/simulate.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/svg_chart.hpp"

namespace cgsim::analysis {

struct ReportOptions {
  /// Also write the Chrome trace of the run here (empty: none). Needs summary.json.
  std::string trace_file;
};

/// What write_report() wrote.
struct ReportFiles {
  std::string html;                ///< <dir>/report.html
  std::string markdown;            ///< <dir>/report.md
  std::vector<std::string> plots;  ///< <dir>/plots/<name>.svg, in report order
};

/// Writes report.html, report.md and plots/*.svg into @p dir from the summary.json and CSVs of a
/// run, sweep.json of a sweep, and plan.json of a plan, whichever are present (at least one must
/// be). Throws InputError when none is or a file is malformed.
ReportFiles write_report(const std::string& dir, const ReportOptions& options = {});

}  // namespace cgsim::analysis
