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

#include "analysis/simulate.hpp"

namespace cgsim::analysis {

/// Writes latency_cdf.csv into @p dir: for every group, the latency (ms) at a grid of quantiles
/// that is dense in the tail (`group,quantile,latency_ms`), from the run's latency histograms.
/// The report draws the latency CDF from it; without it the CDF falls back to the summary's
/// percentiles. Throws WriteError when the file cannot be written.
void write_latency_cdf(const std::string& dir, const SimulationResult& result);

/// Reads back what write_run_outputs() (and write_latency_cdf()) wrote: summary.json and, when
/// present, lag.csv, group_lag.csv, throughput.csv and timeline.csv. Latency histograms are not
/// restored. Throws InputError when summary.json is missing or malformed.
SimulationResult load_run_outputs(const std::string& dir);

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

/// Axis ticks at "nice" values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi], about
/// @p target of them (Heckbert's labelling). Exposed for tests.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

}  // namespace cgsim::analysis
