#include "analysis/output/output.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <utility>

#include "analysis/metrics/format.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/fault_table.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

std::optional<std::pair<std::string, std::int32_t>> split_partition_name(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  std::int32_t n = 0;
  const char* first = name.data() + dash + 1;
  const char* last = name.data() + name.size();
  if (first == last || std::from_chars(first, last, n).ptr != last) return std::nullopt;
  return std::pair<std::string, std::int32_t>(name.substr(0, dash), n);
}

namespace {

std::string pad(const std::string& s, std::size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

/// Partition names ("topic-N") in the order people read them: by topic, then by number, so that
/// game_events-9 comes before game_events-10 (summary.json keeps the assignment's own order).
/// Names without a partition number sort by the whole name, before numbered ones of that name.
std::vector<std::string> in_partition_order(std::vector<std::string> v) {
  auto key = [](const std::string& name) {
    return split_partition_name(name).value_or(std::pair<std::string, std::int32_t>(name, -1));
  };
  std::stable_sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  return v;
}

std::string join(const std::vector<std::string>& v, std::size_t max_items) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == max_items) {
      out += " … (+" + std::to_string(v.size() - max_items) + ")";
      break;
    }
    out += (i ? " " : "") + v[i];
  }
  return out.empty() ? "-" : out;
}

/// Why a warm-up ended, for the text table.
std::string warmup_reason(const WarmupSummary& w) {
  if (w.reason == "set") return "output.warmup";
  if (w.reason == "drained") return "start-up backlog drained: oldest unprocessed record <= " + fmt("%.2f", w.threshold_s) + " s old";
  if (w.reason == "fault") return "ended by the first fault before the start-up backlog drained";
  return "the start-up backlog never drained";
}

/// Steady-state figures exist: a warm-up was computed and records were appended after it.
bool has_steady(const WarmupSummary& w) { return !w.reason.empty() && w.steady_latency_ms.count > 0; }

std::string latency_line(const LatencySummary& l, bool p90) {
  std::string out = "p50 " + fmt("%.3f", l.p50) + (p90 ? "  p90 " + fmt("%.3f", l.p90) : std::string()) + "  p99 " +
                    fmt("%.3f", l.p99);
  if (p90) out += "  p99.9 " + fmt("%.3f", l.p999);
  return out + "  max " + fmt("%.3f", l.max);
}

/// The start-up line: when the warm-up ended, why, and the figures it leaves out of the headline.
std::string startup_line(const WarmupSummary& w) {
  return "  start-up 0-" + fmt("%.1f", w.end_s) + " s (" + warmup_reason(w) + "): max lag " +
         std::to_string(w.startup_max_lag) + " records / " + fmt("%.1f", w.startup_max_lag_seconds) +
         " s, latency ms " + latency_line(w.startup_latency_ms, false) + "\n";
}

/// Utilisation and the queueing model's p99 next to the simulated one.
std::string model_line(const GroupSummary& g) {
  const ModelSummary& m = g.model;
  if (m.utilisation < 0) return "";
  std::string out = "  utilisation rho " + fmt("%.2f", m.utilisation) + " (busiest consumer at the " +
                    fmt("%.0f", m.peak_rate) + " records/s peak; mean " + fmt("%.2f", m.mean_utilisation) + ")";
  const double sim_p99 = has_steady(g.warmup) ? g.warmup.steady_latency_ms.p99 : g.latency_ms.p99;
  if (m.utilisation >= 1 || m.p99_latency_ms_high < 0) {
    out += "; model: unstable (rho >= 1), lag grows without bound";
  } else {
    out += "; p99 ms model " + fmt("%.3f", m.p99_latency_ms_low) + ".." + fmt("%.3f", m.p99_latency_ms_high) +
           ", simulated " + fmt("%.3f", sim_p99);
  }
  return out + "\n";
}

std::string consumer_line(const ConsumerSummary& c) {
  return "  " + pad(c.name, 28) + pad(c.state, 20) + pad(std::to_string(c.consumed), 12, true) +
         pad(std::to_string(c.duplicates), 10, true) + pad(std::to_string(c.lost_work), 11, true) + "  " +
         join(in_partition_order(c.partitions), 8) + "\n";
}

/// A group's consumers: every one when there are at most @p max_rows, else the distribution of
/// their figures and the notable ones (fault_table.hpp).
std::string consumer_table(const GroupSummary& g, std::size_t max_rows) {
  std::ostringstream o;
  const std::string head = "  " + pad("consumer", 28) + pad("state", 20) + pad("consumed", 12, true) +
                           pad("re-read", 10, true) + pad("lost work", 11, true) + "  partitions\n";
  if (g.consumers.size() <= max_rows) {
    o << head;
    for (const auto& c : g.consumers) o << consumer_line(c);
  } else {
    std::map<std::string, std::size_t> states;
    for (const auto& c : g.consumers) ++states[c.state];
    std::string st;
    for (const auto& [name, n] : states) st += (st.empty() ? "" : ", ") + name + " " + std::to_string(n);
    o << "  " << g.consumers.size() << " consumers (" << st << "); per consumer:\n  " << pad("", 24)
      << pad("min", 12, true) << pad("median", 12, true) << pad("mean", 14, true) << pad("max", 12, true) << "\n";
    for (const auto& row : consumer_distribution(g)) {
      o << "  " << pad(row[0], 24) << pad(row[1], 12, true) << pad(row[2], 12, true) << pad(row[3], 14, true)
        << pad(row[4], 12, true) << "\n";
    }
    const auto notable = notable_consumers(g);
    o << "  the " << notable.size()
      << " at the extremes (fewest and most consumed, most re-read, most lost work, not Stable); "
         "--all-consumers lists all "
      << g.consumers.size() << ":\n"
      << head;
    for (std::size_t i : notable) o << consumer_line(g.consumers[i]);
  }
  bool any_dup = false;
  for (const auto& c : g.consumers) any_dup = any_dup || c.duplicates > 0;
  if (any_dup) {
    o << "  re-read: records the consumer processed again; lost work: the duplicates charged to its own faults "
         "(the fault table below)\n";
  }
  return o.str();
}

}  // namespace

std::string format_text_summary(const models::Scenario& sc, const SimulationResult& r, std::size_t max_rows) {
  const RunSummary& s = r.summary;
  std::ostringstream o;
  o << "cgsim run: " << s.scenario << " (seed " << s.seed << ", " << sim::format_duration(sc.duration)
    << " simulated, client " << (sc.client == models::ClientFlavor::Java ? "java" : "librdkafka") << ")\n";
  o << "  events " << s.events << ", wall " << fmt("%.3f", s.wall_seconds) << " s";
  if (s.wall_seconds > 0) o << ", " << fmt("%.0f", s.simulated_seconds / s.wall_seconds) << "x real time";
  o << "\n\n";
  // Headline lag and latency are steady-state figures (after the warm-up) when there are any;
  // the start-up's are on a line of their own.
  const bool steady = has_steady(s.warmup);
  o << "  records: produced " << s.produced << "  consumed " << s.consumed << "  duplicates " << s.duplicates
    << "  skipped " << s.skipped << "  lost " << s.lost << "  final lag " << s.final_lag << "  max lag "
    << (steady ? s.warmup.steady_max_lag : s.max_lag) << "\n";
  o << "  latency ms: " << latency_line(steady ? s.warmup.steady_latency_ms : s.latency_ms, true)
    << (steady ? "  (after warm-up)" : "") << "\n";
  if (!s.warmup.reason.empty()) o << startup_line(s.warmup);
  for (const auto& g : s.groups) {
    const bool gs = has_steady(g.warmup);
    o << "\ngroup " << g.id << "  (generation " << g.generation << ", max lag "
      << (gs ? g.warmup.steady_max_lag : g.max_lag) << " records / "
      << fmt("%.1f", gs ? g.warmup.steady_max_lag_seconds : g.max_lag_seconds) << " s"
      << (gs ? " after warm-up" : "") << ", final lag " << g.final_lag << " records)\n";
    const LatencySummary& gl = gs ? g.warmup.steady_latency_ms : g.latency_ms;
    o << "  latency ms: p50 " << fmt("%.3f", gl.p50) << "  p99 " << fmt("%.3f", gl.p99)
      << "  max " << fmt("%.3f", gl.max) << "\n";
    if (!g.warmup.reason.empty() && s.groups.size() > 1) o << startup_line(g.warmup);
    o << model_line(g);
    o << consumer_table(g, max_rows);
    bool any = false;
    for (const auto& rb : s.rebalances) {
      if (rb.group != g.id) continue;
      if (!any) {
        o << "  rebalances:\n  " << pad("start s", 10, true) << pad("end s", 10, true) << pad("gen", 5, true) << "  "
          << pad("trigger", 22) << pad("moved", 7, true) << pad("rounds", 8, true) << pad("stalled p·s", 13, true)
          << "\n";
        any = true;
      }
      o << "  " << pad(fmt("%.3f", rb.start_s), 10, true)
        << pad(rb.end_s >= 0 ? fmt("%.3f", rb.end_s) : std::string("open"), 10, true)
        << pad(std::to_string(rb.generation), 5, true) << "  " << pad(rb.trigger, 22)
        << pad(std::to_string(rb.partitions_moved), 7, true) << pad(std::to_string(rb.rounds), 8, true)
        << pad(fmt("%.1f", rb.stop_the_world_partition_s), 13, true) << "\n";
    }
    if (!any) o << "  rebalances: none\n";
    o << format_group_faults(s, g);
  }
  return o.str();
}

void write_run_outputs(const std::string& dir, const SimulationResult& r, bool include_wall_clock) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError(escape_bytes(dir) + ": cannot create output directory: " + ec.message());
  fs::path d(dir);
  write_file_atomically(d / "summary.json", to_json(r.summary, include_wall_clock).dump(2) + "\n");
  {
    AtomicFile f(d / "lag.csv");
    f << "time_s,group,partition,log_end,committed,lag\n";
    for (const auto& l : r.lag) {
      f << l.time_s << ',' << r.summary.groups[static_cast<std::size_t>(l.group)].id << ','
        << r.partition_names[static_cast<std::size_t>(l.partition)] << ',' << l.log_end << ',' << l.committed << ','
        << l.lag << '\n';
    }
    f.commit();
  }
  {
    AtomicFile f(d / "group_lag.csv");
    f << "time_s,group,lag,lag_seconds\n";
    for (const auto& l : r.group_lag) {
      f << l.time_s << ',' << r.summary.groups[static_cast<std::size_t>(l.group)].id << ',' << l.lag << ','
        << l.lag_seconds << '\n';
    }
    f.commit();
  }
  {
    AtomicFile f(d / "throughput.csv");
    f << "time_s,group,consumer,records\n";
    for (const auto& t : r.throughput) {
      const auto& g = r.summary.groups[static_cast<std::size_t>(t.group)];
      std::string name = static_cast<std::size_t>(t.consumer) < g.consumers.size()
                             ? g.consumers[static_cast<std::size_t>(t.consumer)].name
                             : g.id + "/" + std::to_string(t.consumer);
      f << t.time_s << ',' << g.id << ',' << name << ',' << t.records << '\n';
    }
    f.commit();
  }
  {
    AtomicFile f(d / "timeline.csv");
    f << "time_s,kind,subject,detail\n";
    for (const auto& e : r.timeline) f << e.time_s << ',' << e.kind << ',' << e.subject << ',' << e.detail << '\n';
    f.commit();
  }
}

void write_latency_cdf(const std::string& dir, const SimulationResult& r) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ostringstream o;
  o << "group,quantile,latency_ms\n";
  std::vector<double> qs;
  for (int k = 1; k <= 9; ++k) qs.push_back(k / 1000.0);
  for (int k = 1; k < 100; ++k) qs.push_back(k / 100.0);
  for (double q : {0.995, 0.998, 0.999, 0.9995, 0.9999, 1.0}) qs.push_back(q);
  for (std::size_t g = 0; g < r.latency.size() && g < r.summary.groups.size(); ++g) {
    const Histogram& h = r.latency[g];
    if (h.count() == 0) continue;
    for (double q : qs) {
      o << r.summary.groups[g].id << ',' << format_number(q) << ','
        << format_number(static_cast<double>(q >= 1 ? h.max() : h.quantile(q)) / 1e6) << '\n';
    }
  }
  write_file_atomically(fs::path(dir) / "latency_cdf.csv", o.str());
}

void write_sweep_outputs(const std::string& dir, const SweepResult& s) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError(escape_bytes(dir) + ": cannot create output directory: " + ec.message());
  const fs::path d(dir);
  write_file_atomically(d / "sweep.json", to_json(s).dump(2) + "\n");
  write_file_atomically(d / "sweep.csv", to_csv(s));
  write_file_atomically(d / "runs.csv", runs_csv(s));
  nlohmann::json t{{"wall_seconds", std::round(s.wall_seconds * 1000) / 1000},
                   {"jobs", s.jobs},
                   {"runs", s.points.size() * s.seeds}};
  write_file_atomically(d / "timing.json", t.dump(2) + "\n");
}

void write_shard_dir(const std::string& dir, const nlohmann::json& doc, double wall_seconds) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError(escape_bytes(dir) + ": cannot create output directory: " + ec.message());
  write_file_atomically(fs::path(dir) / "shard.json", doc.dump(1) + "\n");
  nlohmann::json t{{"wall_seconds", std::round(wall_seconds * 1000) / 1000}};
  write_file_atomically(fs::path(dir) / "timing.json", t.dump(2) + "\n");
}

}  // namespace cgsim::analysis
