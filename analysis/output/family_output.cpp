#include "analysis/output/family_output.hpp"

#include <filesystem>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/fault_table.hpp"
#include "analysis/output/trace.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

std::string cell(const std::string& s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s + " ";
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

std::string latency_line(const LatencySummary& l) {
  return "latency ms: p50 " + fmt("%.3f", l.p50) + "  p90 " + fmt("%.3f", l.p90) + "  p99 " + fmt("%.3f", l.p99) +
         "  p99.9 " + fmt("%.3f", l.p999) + "  max " + fmt("%.3f", l.max);
}

/// Steady figures exist: a warm-up was computed and messages were published after it.
bool has_steady(const WarmupSummary& w) { return !w.reason.empty() && w.steady_latency_ms.count > 0; }

/// When the warm-up ended, why, and the start-up figures the headline leaves out.
std::string startup_line(const WarmupSummary& w) {
  std::string why;
  if (w.reason == "drained") why = "start-up backlog drained: oldest unprocessed message <= " + fmt("%.2f", w.threshold_s) + " s old";
  else if (w.reason == "fault") why = "ended by the first fault before the start-up backlog drained";
  else why = "the start-up backlog never drained";
  return "  start-up 0-" + fmt("%.1f", w.end_s) + " s (" + why + "): max backlog " + std::to_string(w.startup_max_lag) +
         ", latency ms p50 " + fmt("%.3f", w.startup_latency_ms.p50) + "  p99 " + fmt("%.3f", w.startup_latency_ms.p99) +
         " (" + std::to_string(w.startup_latency_ms.count) + " messages)\n";
}

}  // namespace

std::string format_family_text(const FamilyRun& run) {
  const RunSummary& s = run.summary;
  std::ostringstream o;
  // "Backlog" is the broker's: unsettled messages, processed ones whose ack is on its way included.
  std::uint64_t backlog = 0;
  for (const GroupSummary& gs : s.groups) backlog += gs.final_committed_lag;
  o << "cgsim run: " << s.scenario << " (seed " << s.seed << ", " << fmt("%.0f", s.simulated_seconds)
    << " s simulated, broker " << run.broker << ")\n";
  o << "  events " << s.events << "\n\n";
  // The headline's latency and max backlog are the steady ones, after the warm-up.
  const bool steady = has_steady(s.warmup);
  o << "  produced " << s.produced << "  consumed " << s.consumed << "  duplicates " << s.duplicates
    << "  ordering violations " << run.ordering_violations << "  backlog at the end " << backlog
    << "  max backlog " << (steady ? s.warmup.steady_max_lag : s.max_lag) << "\n";
  o << "  " << latency_line(steady ? s.warmup.steady_latency_ms : s.latency_ms) << "\n";
  if (!s.warmup.reason.empty()) o << startup_line(s.warmup);
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    const GroupSummary& gs = s.groups[g];
    const bool gsteady = has_steady(gs.warmup);
    o << "\n" << (run.broker == "pulsar" ? "subscription " : "consumers ") << gs.id << "  ("
      << (g < run.sources.size() ? run.sources[g] : std::string()) << ", max backlog "
      << (gsteady ? gs.warmup.steady_max_lag : gs.max_lag) << ", backlog at the end " << gs.final_committed_lag << ")\n";
    o << "  " << latency_line(gsteady ? gs.warmup.steady_latency_ms : gs.latency_ms) << "\n";
    if (!gs.warmup.reason.empty() && s.groups.size() > 1) o << startup_line(gs.warmup);
    o << "  " << cell("consumer", 28) << cell("state", 14) << cell("consumed", 12, true) << cell("share", 9, true)
      << cell("re-read", 10, true) << cell("lost work", 11, true) << "\n";
    bool any_dup = false;
    for (const auto& c : gs.consumers) {
      const double share = gs.consumed > 0 ? 100.0 * static_cast<double>(c.consumed) / static_cast<double>(gs.consumed) : 0;
      o << "  " << cell(c.name, 28) << cell(c.state, 14) << cell(std::to_string(c.consumed), 12, true)
        << cell(fmt("%.1f", share) + "%", 9, true) << cell(std::to_string(c.duplicates), 10, true)
        << cell(std::to_string(c.lost_work), 11, true) << "\n";
      any_dup = any_dup || c.duplicates > 0 || c.lost_work > 0;
    }
    if (any_dup)
      o << "  re-read: messages the consumer processed again; lost work: the duplicates charged to its own faults "
           "(the fault table below)\n";
    o << format_group_faults(s, gs);
  }
  if (!s.faults.empty()) {
    o << "\nfaults:\n  " << cell("at s", 10, true) << "  " << cell("fault", 18) << cell("subject", 28)
      << cell("duplicates", 12, true) << "\n";
    for (const auto& f : s.faults) {
      o << "  " << cell(fmt("%.3f", f.at_s), 10, true) << "  " << cell(f.kind, 18) << cell(f.subject, 28)
        << cell(std::to_string(f.duplicates), 12, true) << "\n";
    }
  }
  o << "\n" << run.broker << ":\n";
  for (const auto& [k, v] : run.counts) o << "  " << cell(k, 44) << cell(std::to_string(v), 12, true) << "\n";
  return o.str();
}

std::string family_backlog_csv(const FamilyRun& run) {
  std::ostringstream o;
  o << "time_s,group,backlog\n";
  for (const auto& b : run.backlog)
    o << format_number(b.time_s) << ',' << run.summary.groups.at(static_cast<std::size_t>(b.group)).id << ',' << b.backlog << '\n';
  return o.str();
}

void write_family_trace(const std::string& path, const FamilyRun& run) {
  SimulationResult r;
  r.summary = run.summary;
  for (const auto& f : run.summary.faults) r.timeline.push_back({f.at_s, "fault", f.subject, f.kind});
  for (const auto& b : run.backlog)
    r.group_lag.push_back({b.time_s, static_cast<std::int32_t>(b.group), static_cast<std::int64_t>(b.backlog), 0.0});
  write_chrome_trace(path, r);
}

void write_family_run_outputs(const std::string& dir, const FamilyRun& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw WriteError(escape_bytes(dir) + ": cannot create directory: " + ec.message());
  write_file_atomically(std::filesystem::path(dir) / "summary.json", to_json(run).dump(2) + "\n");
  write_file_atomically(std::filesystem::path(dir) / "backlog.csv", family_backlog_csv(run));
}

}  // namespace cgsim::analysis
