/// @file report_run_plots.cpp
/// The run section's per-group time charts that need more than a line each: lag per partition as a
/// heat map with the group's total beside it, and partition ownership as a Gantt chart per
/// partition, coloured by consumer, with hand-overs marked.
#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/output/output.hpp"
#include "analysis/output/report_doc.hpp"
#include "analysis/output/trace.hpp"

namespace cgsim::analysis::report_parts {

namespace {

/// At most this many rows in a heat map or Gantt chart: beyond it, heat-map rows hold ranges of
/// partitions and the Gantt chart shows the first ones.
constexpr std::size_t kMaxRows = 48;
/// At most this many time columns in a heat map: a column holds the largest sample in it.
constexpr std::size_t kMaxColumns = 150;

/// Global partition ids in reading order (topic, then number).
std::vector<std::int32_t> partitions_in_order(const SimulationResult& r, std::vector<std::int32_t> ids) {
  auto key = [&](std::int32_t p) {
    const std::string& n = r.partition_names[static_cast<std::size_t>(p)];
    return split_partition_name(n).value_or(std::pair<std::string, std::int32_t>(n, -1));
  };
  std::sort(ids.begin(), ids.end(), [&](std::int32_t a, std::int32_t b) { return key(a) < key(b); });
  return ids;
}

}  // namespace

void slo_line(Chart& c, const std::vector<double>& values, double limit, const std::string& label) {
  if (!(limit > 0)) return;
  double top = 0;
  for (double v : values)
    if (std::isfinite(v)) top = std::max(top, v);
  // A limit far above every value would squash the data into the bottom of the chart.
  if (limit <= 10 * top) {
    c.hline(limit, label, "#d62728");
  } else {
    c.note(label + " " + human(limit) + " is off the scale (every value is under a tenth of it)");
  }
}

void lag_plots(Doc& doc, const SimulationResult& r, std::size_t gi, const Decorate& decorate, double lag_limit) {
  const RunSummary& s = r.summary;
  const std::string& gid = s.groups[gi].id;
  const std::string suffix = s.groups.size() > 1 ? " (" + gid + ")" : "";
  std::map<std::int32_t, std::vector<std::pair<double, double>>> per;
  double last_t = 0;
  std::size_t samples = 0;
  for (const auto& l : r.lag) {
    if (l.group != static_cast<std::int32_t>(gi)) continue;
    per[l.partition].emplace_back(l.time_s, static_cast<double>(l.lag));
    last_t = std::max(last_t, l.time_s);
  }
  for (const auto& [p, v] : per) samples = std::max(samples, v.size());
  if (!per.empty()) {
    std::vector<std::int32_t> ids;
    for (const auto& [p, v] : per) ids.push_back(p);
    ids = partitions_in_order(r, ids);
    // Rows: one partition each, or consecutive ranges of them when there are many.
    const std::size_t band = (ids.size() + kMaxRows - 1) / kMaxRows;
    std::vector<std::string> rows;
    for (std::size_t i = 0; i < ids.size(); i += band) {
      std::vector<std::string> names;
      for (std::size_t j = i; j < std::min(ids.size(), i + band); ++j)
        names.push_back(r.partition_names[static_cast<std::size_t>(ids[j])]);
      rows.push_back(band == 1 ? names.front() : compress_partitions(names));
    }
    const double end = std::max(s.simulated_seconds, last_t);
    const std::size_t cols = std::max<std::size_t>(1, std::min(samples, kMaxColumns));
    const double width = end / static_cast<double>(cols);
    // Each cell holds the mean of the samples in it, so that the saw-tooth of periodic commits
    // does not paint every cell with its peak.
    std::vector<std::vector<double>> sum(rows.size(), std::vector<double>(cols, 0));
    std::vector<std::vector<int>> n(rows.size(), std::vector<int>(cols, 0));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      for (const auto& [t, v] : per[ids[i]]) {
        // A sample stands for the interval that ends at it.
        const double start = std::max(0.0, t - end / static_cast<double>(std::max<std::size_t>(samples, 1)));
        const std::size_t k = std::min(cols - 1, static_cast<std::size_t>(start / width));
        sum[i / band][k] += v / static_cast<double>(band);
        n[i / band][k] += 1;
      }
    }
    std::vector<double> cells;
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::size_t k = 0; k < cols; ++k)
        if (n[i][k] > 0) {
          sum[i][k] = sum[i][k] * static_cast<double>(band) / n[i][k];
          cells.push_back(sum[i][k]);
        }
    double top = 0, median = 0;
    for (double v : cells) top = std::max(top, v);
    if (!cells.empty()) {
      std::vector<double> sorted = cells;
      std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
      median = sorted[sorted.size() / 2];
    }
    // Log colours when the peak is a hundred times the typical cell or more, else linear ones.
    const bool log = top > 0 && top >= 100 * std::max(median, 1.0);
    const double scale = log ? std::log10(1 + top) : top;
    // Nine shades: enough to read, few enough that neighbouring cells merge and the file stays small.
    auto shade = [&](double v) { return scale > 0 ? std::round(8 * (log ? std::log10(1 + v) : v) / scale) / 8 : 0.0; };
    auto value_at = [&](double t) { return log ? std::pow(10, t * scale) - 1 : t * scale; };
    Chart c(plot_id("lag-partitions", gid, s.groups.size()), "Lag per partition" + suffix, "time (s)", "",
            std::max(160.0, 74.0 + 14.0 * static_cast<double>(rows.size())));
    c.y_categories(rows);
    c.x_range(0, end);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      // Neighbouring cells of the same colour are drawn as one.
      for (std::size_t k = 0; k < cols;) {
        if (n[i][k] == 0) {
          ++k;
          continue;
        }
        const std::string col = heat_color(shade(sum[i][k]));
        double peak = sum[i][k];
        std::size_t j = k + 1;
        while (j < cols && n[i][j] > 0 && heat_color(shade(sum[i][j])) == col) peak = std::max(peak, sum[i][j++]);
        const double x0 = width * static_cast<double>(k), x1 = width * static_cast<double>(j);
        c.cell(i, x0, x1, rows[i] + " " + human(x0) + "-" + human(x1) + " s: " + human(peak) + " records", col);
        k = j;
      }
    }
    for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      c.legend_entry((t == 1 ? "max " : t == 0 ? "" : "≈ ") + human(std::round(value_at(t))) + " records", heat_color(t));
    }
    c.note(log ? "colour: log scale" : "colour: linear scale");
    decorate(c);
    doc.plot(c, std::string("Committed lag (log end minus committed offset) per partition over time") +
                    (band > 1 ? ", " + std::to_string(band) + " partitions a row" : "") +
                    ": the colour of a cell is the mean lag sampled in it, on a log scale when the peak is a hundred times "
                    "the typical cell or more (see the key). "
                    "Dashed red: faults.");
  }

  std::vector<double> xs, ys;
  for (const auto& l : r.group_lag)
    if (l.group == static_cast<std::int32_t>(gi)) xs.push_back(l.time_s), ys.push_back(static_cast<double>(l.lag));
  if (xs.empty()) return;
  const bool log = spans_decades(ys);
  Chart c(plot_id("lag-total", gid, s.groups.size()), "Group lag in records" + suffix, "time (s)",
          std::string("lag (records") + (log ? ", log scale)" : ")"));
  if (log) c.y_log();
  c.line("total lag", xs, ys, color(0));
  c.x_range(0, s.simulated_seconds);
  slo_line(c, ys, lag_limit, "SLO max_lag");
  decorate(c);
  doc.plot(c, "The group's total committed lag, summed over its partitions, at each sample. Shaded: rebalances; "
              "dashed red: faults.");
}

void ownership_plot(Doc& doc, const SimulationResult& r, std::size_t gi, const Decorate& decorate) {
  const RunSummary& s = r.summary;
  const std::string& gid = s.groups[gi].id;
  struct Segment {
    double start, end;
    std::string consumer;
    int index;
  };
  std::map<std::string, std::vector<Segment>> per;  // partition name -> segments
  std::map<int, std::string> consumers;
  for (const auto& sp : ownership_spans(r)) {
    if (sp.group != gid) continue;
    consumers[sp.consumer_index] = sp.consumer;
    for (const auto& p : sp.partitions) per[p].push_back({sp.start_s, sp.end_s, sp.consumer, sp.consumer_index});
  }
  if (per.empty()) return;
  std::vector<std::string> names;
  for (const auto& [p, v] : per) names.push_back(p);
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    auto key = [](const std::string& n) {
      return split_partition_name(n).value_or(std::pair<std::string, std::int32_t>(n, -1));
    };
    return key(a) < key(b);
  });
  const std::size_t shown = std::min(names.size(), kMaxRows);
  std::vector<std::string> rows(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(shown));
  const std::string suffix = s.groups.size() > 1 ? " (" + gid + ")" : "";
  Chart c(plot_id("ownership", gid, s.groups.size()), "Partition ownership" + suffix, "time (s)", "",
          std::max(160.0, 74.0 + 18.0 * static_cast<double>(rows.size())));
  c.y_categories(rows);
  c.x_range(0, s.simulated_seconds);
  std::size_t moves = 0;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    auto& segs = per[rows[row]];
    std::sort(segs.begin(), segs.end(), [](const Segment& a, const Segment& b) { return a.start < b.start; });
    // A partition kept by the same consumer across generations with no gap is one bar.
    std::vector<Segment> merged;
    for (const auto& sg : segs) {
      if (!merged.empty() && merged.back().index == sg.index && sg.start <= merged.back().end + 1e-9) {
        merged.back().end = std::max(merged.back().end, sg.end);
      } else {
        merged.push_back(sg);
      }
    }
    const Segment* prev = nullptr;
    for (const auto& sg : merged) {
      c.bar(row, sg.start, sg.end, sg.consumer,
            rows[row] + ": " + sg.consumer + " from " + human(sg.start) + " s to " + human(sg.end) + " s",
            color(static_cast<std::size_t>(std::max(sg.index, 0))));
      if (prev && prev->index != sg.index) {
        c.tick(row, sg.start, rows[row] + " moved from " + prev->consumer + " to " + sg.consumer + " at " +
                                  human(sg.start) + " s");
        ++moves;
      }
      prev = &sg;
    }
  }
  for (const auto& [idx, name] : consumers) c.legend_entry(name, color(static_cast<std::size_t>(std::max(idx, 0))));
  decorate(c);
  doc.plot(c, "Which consumer owned each partition when: one row per partition, coloured by consumer, from the "
              "assignment until a rebalance revokes it (eager protocol) or the consumer stops; gaps are time "
              "without an owner. Black triangles mark a partition moving to another consumer (" +
                  std::to_string(moves) + " moves)" +
                  (shown < names.size() ? "; the first " + std::to_string(shown) + " of " +
                                              std::to_string(names.size()) + " partitions are shown"
                                        : std::string()) +
                  ". Shaded: rebalances; dashed red: faults.");
}

}  // namespace cgsim::analysis::report_parts
