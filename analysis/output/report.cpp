#include "analysis/output/report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/experiments/option_error.hpp"
#include "analysis/metrics/format.hpp"
#include "analysis/metrics/json_read.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/fault_table.hpp"
#include "analysis/output/readers.hpp"
#include "analysis/output/report_doc.hpp"
#include "analysis/output/report_family.hpp"
#include "analysis/output/svg_chart.hpp"
#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/sweep.hpp"
#include "analysis/output/trace.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- The report --------------------------------------------------------------------------------

namespace {

using namespace report_parts;

// Run section ------------------------------------------------------------------------------------

/// Group @p g's ordering (docs/model.md, "Ordering") and its faults' accounting ("Per-fault
/// accounting"), as run prints them under the group's table.
void ordering_and_faults(Doc& doc, const RunSummary& s, const GroupSummary& g) {
  const OrderingSummary& o = g.ordering;
  if (!o.scope.empty()) {
    doc.para("Ordering (per " + o.scope + "): " + std::to_string(o.out_of_order) + " records processed out of order (" +
             std::to_string(o.keys_affected) + " keys), " + std::to_string(o.overlapping) +
             " processings overlapping another member's, " + std::to_string(o.partitions_affected) +
             " partitions affected.");
  }
  std::vector<std::vector<std::string>> rows;
  std::uint64_t charged = 0;
  for (const FaultRecord& f : s.faults) {
    if (f.group != g.id) continue;
    charged += f.duplicates;
    rows.push_back({human(f.at_s), f.kind + (f.detected ? "" : " (not detected)"), f.subject,
                    std::to_string(f.duplicates), std::to_string(f.duplicates_uncommitted),
                    std::to_string(f.duplicates_in_flight), std::to_string(f.out_of_order),
                    std::to_string(f.keys_affected), std::to_string(f.overlapping), std::to_string(f.peak_lag),
                    human(f.peak_lag_seconds), f.recovery_s < 0 ? "not yet" : human(f.recovery_s),
                    std::to_string(f.partitions_moved), human(f.stop_the_world_partition_s)});
  }
  if (rows.empty()) return;
  doc.table({"fault at s", "fault", "subject", "duplicates", "uncommitted", "in flight", "out of order", "keys",
             "overlapping", "peak lag", "peak lag s", "recovered s", "partitions moved", "stalled partition-s"},
            rows);
  if (charged < g.duplicates) {
    doc.para(std::to_string(g.duplicates - charged) + " duplicates came before the group's first fault (charged to none).");
  }
  for (const FaultRecord& f : s.faults) {
    if (f.group != g.id || f.detected) continue;
    doc.para("The " + f.kind + " of " + f.subject + " at " + human(f.at_s) +
             " s was not noticed before the run ended: its duplicates and stall are not in these figures.");
  }
}

void run_section(Doc& doc, const SimulationResult& r, const fs::path& dir, const json* plan) {
  const RunSummary& s = r.summary;
  doc.h2("Run summary");
  doc.para("Scenario " + s.scenario + ", seed " + std::to_string(s.seed) + ", " + human(s.simulated_seconds) +
           " s simulated, " + human(static_cast<double>(s.events)) + " events.");
  doc.table({"produced", "consumed", "duplicates", "skipped", "final lag", "max lag", "p50 ms", "p90 ms", "p99 ms",
             "p99.9 ms", "max ms", "rebalances"},
            {{std::to_string(s.produced), std::to_string(s.consumed), std::to_string(s.duplicates),
              std::to_string(s.skipped), std::to_string(s.final_lag), std::to_string(s.max_lag), human(s.latency_ms.p50),
              human(s.latency_ms.p90), human(s.latency_ms.p99), human(s.latency_ms.p999), human(s.latency_ms.max),
              std::to_string(s.rebalances.size())}});
  for (const auto& g : s.groups) {
    doc.h3("Group " + g.id);
    doc.para("Generation " + std::to_string(g.generation) + "; max lag " + std::to_string(g.max_lag) +
             " records, oldest uncommitted record at most " + human(g.max_lag_seconds) + " s old; final lag " +
             std::to_string(g.final_lag) + " records.");
    if (!g.warmup.reason.empty()) {
      const WarmupSummary& w = g.warmup;
      doc.para("Warm-up " + human(w.end_s) + " s (" + w.reason + "). Start-up: max lag " +
               std::to_string(w.startup_max_lag) + " records / " + human(w.startup_max_lag_seconds) + " s, p99 " +
               human(w.startup_latency_ms.p99) + " ms. Steady state: max lag " + std::to_string(w.steady_max_lag) +
               " records / " + human(w.steady_max_lag_seconds) + " s, p99 " + human(w.steady_latency_ms.p99) + " ms." +
               (g.model.utilisation >= 0 ? " Utilisation ρ " + human(g.model.utilisation) + " (busiest consumer at peak)."
                                         : std::string()));
    }
    ordering_and_faults(doc, s, g);
    std::vector<std::size_t> listed;
    if (g.consumers.size() > kFullConsumerTable) {
      doc.para(std::to_string(g.consumers.size()) + " consumers: the distribution of their figures, then the ones at "
               "the extremes (summary.json lists every consumer).");
      doc.table({"per consumer", "min", "median", "mean", "max"}, consumer_distribution(g));
      listed = notable_consumers(g);
    } else {
      for (std::size_t i = 0; i < g.consumers.size(); ++i) listed.push_back(i);
    }
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i : listed) {
      const auto& c = g.consumers[i];
      rows.push_back({c.name, c.state, std::to_string(c.consumed), std::to_string(c.duplicates),
                      std::to_string(c.lost_work),
                      c.partitions.empty() ? "-" : compress_partitions(c.partitions)});
    }
    doc.table({"consumer", "state", "consumed", "re-read", "lost work", "partitions at the end"}, rows);
    if (g.duplicates > 0) {
      doc.para("Re-read: records the consumer processed again. Lost work: the duplicates charged to the consumer's "
               "own faults (it had processed them without committing), whoever re-read them.");
    }
    std::vector<std::vector<std::string>> rb;
    for (const auto& x : s.rebalances) {
      if (x.group != g.id) continue;
      rb.push_back({human(x.start_s), x.end_s >= 0 ? human(x.end_s) : "open", std::to_string(x.generation), x.trigger,
                    std::to_string(x.partitions_moved), std::to_string(x.rounds)});
    }
    if (!rb.empty()) doc.table({"rebalance start s", "end s", "generation", "trigger", "partitions moved", "rounds"}, rb);
  }

  // SLO lines from plan.json, for the lag plots.
  double lag_seconds_limit = -1, lag_limit = -1, latency_limit = -1;
  if (plan) {
    for (const auto& sl : plan_slos(*plan, (dir / "plan.json").string() + ": ")) {
      if (sl.name == "max_lag_seconds") lag_seconds_limit = sl.limit;
      if (sl.name == "max_lag") lag_limit = sl.limit;
      if (sl.name == "p99_latency") latency_limit = sl.limit;
    }
  }

  auto decorate = [&](Chart& c, const std::string& group) {
    for (const auto& x : s.rebalances) {
      if (x.group != group) continue;
      c.span(x.start_s, x.end_s >= 0 ? x.end_s : s.simulated_seconds,
             "rebalance " + x.trigger + " -> generation " + std::to_string(x.generation), "#f28e2b");
    }
    for (const auto& e : r.timeline) {
      if (e.kind != "fault") continue;
      if (split_consumer_name(e.subject).first != group && e.subject != group) continue;
      c.marker(e.time_s, e.detail + " " + e.subject, "#d62728");
    }
  };

  for (std::size_t gi = 0; gi < s.groups.size(); ++gi) {
    const std::string& gid = s.groups[gi].id;
    const std::string suffix = s.groups.size() > 1 ? " (" + gid + ")" : "";
    const Decorate deco = [&](Chart& c) { decorate(c, gid); };
    if (!r.lag.empty() || !r.group_lag.empty()) lag_plots(doc, r, gi, deco, lag_limit);
    // Group lag in seconds.
    if (!r.group_lag.empty()) {
      Chart c(plot_id("lag-seconds", gid, s.groups.size()), "Group lag in seconds" + suffix, "time (s)",
              "oldest uncommitted record (s)");
      std::vector<double> xs, ys;
      for (const auto& l : r.group_lag)
        if (l.group == static_cast<std::int32_t>(gi)) xs.push_back(l.time_s), ys.push_back(l.lag_seconds);
      if (spans_decades(ys)) c.y_log();
      c.line("lag (s)", xs, ys, color(0));
      c.x_range(0, s.simulated_seconds);
      slo_line(c, ys, lag_seconds_limit, "SLO max_lag_seconds");
      decorate(c, gid);
      doc.plot(c, std::string("Age of the group's oldest uncommitted record at each sample: the lag in time") +
                      (spans_decades(ys) ? ", on a log scale (the values span decades)." : "."));
    }
    // Throughput per consumer.
    if (!r.throughput.empty()) {
      Chart c(plot_id("throughput", gid, s.groups.size()), "Throughput per consumer" + suffix, "time (s)",
              "records / s");
      std::map<std::int32_t, std::pair<std::vector<double>, std::vector<double>>> per;
      double prev = 0, interval = 1;
      for (const auto& t : r.throughput) {
        if (t.time_s > prev && prev > 0) {
          interval = t.time_s - prev;
          break;
        }
        prev = t.time_s;
      }
      for (const auto& t : r.throughput)
        if (t.group == static_cast<std::int32_t>(gi)) {
          per[t.consumer].first.push_back(t.time_s);
          per[t.consumer].second.push_back(static_cast<double>(t.records) / interval);
        }
      const bool many = per.size() > kFullConsumerTable;
      if (many) {
        // A line per consumer would be a tangle: the spread over consumers at each sample instead.
        std::map<double, std::vector<double>> at;
        for (const auto& [cidx, xy] : per)
          for (std::size_t i = 0; i < xy.first.size(); ++i) at[xy.first[i]].push_back(xy.second[i]);
        std::vector<double> xs, lo, mid, hi;
        for (auto& [t, v] : at) {
          std::sort(v.begin(), v.end());
          xs.push_back(t);
          lo.push_back(v.front());
          mid.push_back(v[v.size() / 2]);
          hi.push_back(v.back());
        }
        c.band(xs, lo, hi, color(0));
        c.line("median consumer", xs, mid, color(0), true);
        c.line("busiest consumer", xs, hi, color(2), true);
        c.line("least busy consumer", xs, lo, color(4), true);
      } else {
        std::size_t k = 0;
        for (const auto& [cidx, xy] : per) c.line(gid + "/" + std::to_string(cidx), xy.first, xy.second, color(k++), true);
      }
      c.x_range(0, s.simulated_seconds);
      decorate(c, gid);
      doc.plot(c, many ? "Records processed per second (duplicates included), per sample interval, over the group's " +
                             std::to_string(per.size()) +
                             " consumers: the shaded band runs from the least busy to the busiest at each sample."
                       : std::string("Records processed per second by each consumer (duplicates included), per sample "
                                     "interval."));
    }
    ownership_plot(doc, r, gi, deco);
  }

  // Latency CDF.
  {
    Chart c("latency-cdf", "Latency CDF", "end-to-end latency (ms, log scale)", "fraction of records");
    c.x_log();
    c.y_range(0, 1);
    c.y_percent();
    std::size_t k = 0;
    bool from_file = false;
    const fs::path p = dir / "latency_cdf.csv";
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> per;
    for (const auto& f : read_csv(p, {"group", "quantile", "latency_ms"})) {
      per[f[0]].first.push_back(std::max(to_d(f[2], p), 1e-3));
      per[f[0]].second.push_back(to_d(f[1], p));
    }
    if (!per.empty()) {
      from_file = true;
      for (const auto& g : s.groups) {
        auto it = per.find(g.id);
        if (it != per.end()) c.line(g.id, it->second.first, it->second.second, color(k++), true);
      }
    } else {
      for (const auto& g : s.groups) {
        const auto& l = g.latency_ms;
        if (l.count == 0) continue;
        std::vector<double> xs{std::max(l.p50, 1e-3), std::max(l.p90, 1e-3), std::max(l.p99, 1e-3),
                               std::max(l.p999, 1e-3), std::max(l.max, 1e-3)};
        c.line(g.id, xs, {0.5, 0.9, 0.99, 0.999, 1.0}, color(k++), true, true);
      }
      c.note("from the summary's percentiles (no latency_cdf.csv)");
    }
    c.hline(0.99, "p99", "#888");
    if (latency_limit > 0) c.marker(latency_limit, "SLO p99 " + human(latency_limit) + " ms", "#d62728");
    doc.plot(c, std::string("Cumulative distribution of end-to-end latency (append to processed, first processing "
                            "of each record)") +
                    (from_file ? "." : "; only the summary's percentiles were available, drawn as steps."));
  }
}

// Sweep section ----------------------------------------------------------------------------------

/// Axis @p a's name for a legend: its last path segment ("session_timeout"), or the whole path when
/// another axis ends the same way.
std::string axis_name(const SweepResult& sw, std::size_t a) {
  auto last = [](const std::string& p) {
    const auto dot = p.rfind('.');
    return dot == std::string::npos ? p : p.substr(dot + 1);
  };
  const std::string mine = last(sw.axes[a].path);
  for (std::size_t b = 0; b < sw.axes.size(); ++b)
    if (b != a && last(sw.axes[b].path) == mine) return sw.axes[a].path;
  return mine;
}

void sweep_section(Doc& doc, const SweepResult& sw) {
  doc.h2("Sweep");
  std::string axes;
  for (const auto& a : sw.axes) {
    std::string vals;
    for (const auto& v : a.values) vals += (vals.empty() ? "" : ", ") + v;
    axes += (axes.empty() ? "" : "; ") + a.path + " = " + vals;
  }
  doc.para("Scenario " + sw.scenario + ": " + plural(sw.points.size(), "point", "points") + " x " +
           plural(sw.seeds, "seed", "seeds") + " (seeds " + std::to_string(sw.base_seed) + " to " +
           std::to_string(sw.base_seed + sw.seeds - 1) + "). " + (axes.empty() ? "No axes." : "Axes: " + axes + ".") +
           " Values are means with 95% confidence half-widths over the seeds.");
  const std::vector<std::string> key{"latency_p99_ms", "latency_mean_ms", "max_lag", "max_lag_seconds", "duplicates",
                                     "rebalance_seconds",
                                     // A RabbitMQ or Pulsar sweep's own counts.
                                     "ordering_violations", "requeues", "redeliveries", "dead_lettered", "dropped"};
  std::vector<std::size_t> idx;
  for (const auto& k : key)
    for (std::size_t m = 0; m < sw.metrics.size(); ++m)
      if (sw.metrics[m] == k) idx.push_back(m);
  {
    // As in `sweep`'s table: counts with their unit in the heading and the column's precision
    // (large ones with an SI suffix), durations in the unit that suits each value.
    std::vector<std::string> head;
    for (const auto& a : sw.axes) head.push_back(a.path);
    std::vector<int> decimals;
    for (auto m : idx) {
      const std::string unit = m < sw.units.size() ? sw.units[m] : "";
      const bool duration = unit == "ms" || unit == "s";
      head.push_back(sw.metrics[m] + (duration || unit.empty() ? "" : " (" + unit + ")"));
      double top = 0;
      bool integral = true;
      for (const auto& pt : sw.points) {
        top = std::max(top, std::fabs(pt.stats[m].mean));
        integral = integral && pt.stats[m].mean == std::floor(pt.stats[m].mean);
      }
      decimals.push_back(column_decimals(unit, top, integral));
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& pt : sw.points) {
      std::vector<std::string> row;
      for (const auto& ov : pt.params) row.push_back(ov.value);
      for (std::size_t k = 0; k < idx.size(); ++k) {
        const MetricStats& st = pt.stats[idx[k]];
        row.push_back(format_mean_ci(st.mean, st.ci95, st.n, idx[k] < sw.units.size() ? sw.units[idx[k]] : "",
                                     decimals[k]));
      }
      rows.push_back(std::move(row));
    }
    doc.table(head, rows);
  }
  // Curves: the first axis on x, one line per combination of the others.
  std::vector<std::string> xcats;
  std::vector<double> xvals;
  bool numeric = !sw.axes.empty();
  if (!sw.axes.empty()) {
    for (const auto& v : sw.axes[0].values) {
      xcats.push_back(v);
      sim::Time t;
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && *end == '\0') {
        xvals.push_back(d);
      } else if (scenarios::parse_duration(v, t)) {
        xvals.push_back(sim::to_seconds(t));
      } else {
        numeric = false;
      }
    }
  }
  std::map<std::string, std::vector<std::size_t>> lines;  // label of the other axes -> points in x order
  std::vector<std::string> order;
  for (std::size_t p = 0; p < sw.points.size(); ++p) {
    std::string label;
    for (std::size_t a = 1; a < sw.points[p].params.size(); ++a)
      label += (label.empty() ? "" : ", ") + axis_name(sw, a) + "=" + sw.points[p].params[a].value;
    if (label.empty()) label = "mean";
    if (!lines.count(label)) order.push_back(label);
    lines[label].push_back(p);
  }
  for (auto m : idx) {
    const std::string xlabel = sw.axes.empty() ? "" : sw.axes[0].path + (numeric && !xvals.empty() && xcats[0] != format_number(xvals[0]) ? " (s)" : "");
    Chart c("sweep-" + sw.metrics[m], sw.metrics[m] + " vs " + (sw.axes.empty() ? "point" : sw.axes[0].path), xlabel,
            sw.metrics[m] + (sw.units[m].empty() ? "" : " (" + sw.units[m] + ")"));
    if (!numeric) c.x_categories(sw.axes.empty() ? std::vector<std::string>{"all"} : xcats);
    // Counts (consumers, partitions) get whole-number ticks only.
    if (numeric && std::all_of(xvals.begin(), xvals.end(), [](double v) { return v == std::floor(v); })) c.x_integer();
    std::size_t k = 0;
    std::vector<double> all;
    for (const auto& label : order) {
      std::vector<double> xs, ys, lo, hi;
      for (std::size_t j = 0; j < lines[label].size(); ++j) {
        const auto& st = sw.points[lines[label][j]].stats[m];
        xs.push_back(numeric ? xvals[j % xvals.size()] : static_cast<double>(j));
        ys.push_back(st.mean);
        lo.push_back(st.mean - st.ci95);
        hi.push_back(st.mean + st.ci95);
      }
      c.band(xs, lo, hi, color(k));
      c.line(label, xs, ys, color(k), false, true);
      all.insert(all.end(), ys.begin(), ys.end());
      ++k;
    }
    const bool log = spans_decades(all);
    if (log) c.y_log();
    doc.plot(c, std::string("Mean over seeds with its 95% confidence band") +
                    (order.size() > 1 ? "; one line per value of the other axes, named in the key" : "") +
                    (log ? "; log scale (the values span decades)." : "."));
  }
}


const char* kCss = R"(body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
div.table{max-width:100%;overflow-x:auto;margin:.8em 0}table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{white-space:normal;vertical-align:bottom;min-width:4em}td{white-space:nowrap}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}td.ok{color:#1a7f37}td.fail{color:#c62828;font-weight:600}
p.verdict.ok{background:#e8f5e9;padding:.6em;border-left:4px solid #1a7f37}p.verdict.fail{background:#ffebee;padding:.6em;border-left:4px solid #c62828}
p.warning{background:#fff8e1;padding:.6em;border-left:4px solid #f9a825}
figure{margin:1.2em 0}figcaption{color:#555;font-size:.85em;max-width:900px}svg.plot{max-width:100%;height:auto;border:1px solid #eee}
.meta{color:#666})";

/// Checks, in the browser, that every plot has content and a laid-out size; the result is left
/// in data attributes on <body> for automated tests (and shown in the footer).
const char* kScript = R"(<script>
(function () {
  var plots = document.querySelectorAll('svg.plot');
  var drawn = 0;
  for (var i = 0; i < plots.length; i++) {
    var s = plots[i];
    var marks = s.querySelectorAll('path.series, path.band, rect.bar, circle.point, path.point');
    var box = s.getBBox();
    if (marks.length > 0 && box.width > 0 && box.height > 0) drawn++;
    else s.setAttribute('data-empty', 'true');
  }
  document.body.setAttribute('data-plots', String(plots.length));
  document.body.setAttribute('data-plots-drawn', String(drawn));
  var f = document.getElementById('plot-check');
  if (f) f.textContent = drawn + ' of ' + plots.length + ' plots drawn.';
})();
</script>)";

}  // namespace

ReportFiles write_report(const std::string& dir, const ReportOptions& options) {
  const fs::path d(dir);
  if (!fs::is_directory(d)) throw InputError(dir + ": not a directory");
  const bool has_run = fs::exists(d / "summary.json");
  const bool has_sweep = fs::exists(d / "sweep.json");
  const bool has_plan = fs::exists(d / "plan.json");
  if (!has_run && !has_sweep && !has_plan) {
    throw InputError(dir + ": no summary.json, sweep.json or plan.json (write one with cgsim run --out, cgsim sweep "
                           "--out or cgsim plan --out)");
  }
  json plan;
  if (has_plan) {
    plan = read_json(d / "plan.json");
    if (!plan.is_object() || plan["kind"] != "cgsim-plan")
      throw InputError((d / "plan.json").string() + ": not a cgsim plan file");
  }
  // A RabbitMQ or Pulsar run has a summary.json of its own shape and its own section.
  const std::optional<FamilyRunOutputs> family = has_run ? load_family_run_outputs(d) : std::nullopt;
  std::optional<SimulationResult> run;
  if (has_run && !family) run = load_run_outputs(dir);
  std::optional<SweepResult> sweep;
  if (has_sweep) sweep = sweep_from_json(read_json(d / "sweep.json"), (d / "sweep.json").string());
  const std::string plan_top = (d / "plan.json").string() + ": ";

  std::string name;
  Doc doc;
  std::string kinds = std::string(has_plan ? "plan" : "") + (has_sweep ? std::string(has_plan ? ", " : "") + "sweep" : "") +
                      (has_run ? std::string(has_plan || has_sweep ? ", " : "") + "run" : "");
  // The files are read back from the user's folder: a key of another type is an input error.
  try {
    name = run      ? run->summary.scenario
           : family ? family->run.summary.scenario
           : sweep  ? sweep->scenario
                    : json_string_or(plan, plan_top, "scenario", "");
    doc.md << "# cgsim report: " << name << "\n\n";
    doc.md << "Generated by cgsim from the " << kinds << " outputs in this directory.\n";
    if (has_plan) plan_section(doc, plan, plan_top);
    if (run) {
      if (has_plan) {
        doc.para("The run below is the recommended configuration" +
                 std::string(count_or_zero(plan, plan_top, "failures") > 0 ? " with its failure at peak" : "") +
                 " (the plan's first seed).");
      }
      run_section(doc, *run, d, has_plan ? &plan : nullptr);
    }
    if (family) family_run_section(doc, *family);
    if (sweep) sweep_section(doc, *sweep);
  } catch (const json::exception& e) {
    throw InputError(dir + ": malformed plan.json, sweep.json or summary.json: " + e.what());
  }

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>cgsim report: " << esc(name)
       << "</title>\n<style>\n" << kCss << "\n</style>\n</head>\n<body>\n<h1>cgsim report: " << esc(name) << "</h1>\n"
       << "<p class=\"meta\">Generated by cgsim from the " << esc(kinds)
       << " outputs in this directory. Self-contained: no network access is needed to view it.</p>\n"
       << doc.html.str() << "<p class=\"meta\" id=\"plot-check\"></p>\n" << kScript << "\n</body>\n</html>\n";

  ReportFiles files;
  files.html = (d / "report.html").string();
  files.markdown = (d / "report.md").string();
  std::error_code ec;
  fs::create_directories(d / "plots", ec);
  if (ec) throw WriteError(escape_bytes((d / "plots").string()) + ": cannot create directory: " + ec.message());
  for (const auto& p : doc.plots) {
    const fs::path pp = d / "plots" / (p.id + ".svg");
    write_file_atomically(pp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + p.svg);
    files.plots.push_back(pp.string());
  }
  write_file_atomically(files.html, html.str());
  write_file_atomically(files.markdown, doc.md.str());
  if (!options.trace_file.empty()) {
    if (!run) throw OptionError("trace_file", "", dir + " has no summary.json to take the timeline from");
    write_chrome_trace(options.trace_file, *run);
  }
  return files;
}

}  // namespace cgsim::analysis
