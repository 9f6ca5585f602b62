// Distributions, the host checks, verdicts and the validation report's table and JSON.
#include <algorithm>
#include <array>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "live/compare.hpp"
#include "models/common/error.hpp"

namespace cgsim::live {

namespace {

using analysis::fmt;

/// The rule and the reason of each kind of check, printed under the table.
struct KindInfo {
  const char* kind;
  const char* rule;
  const char* reason;
};

constexpr KindInfo kKinds[] = {
    {"produced", "5 % + 3 sqrt(n) + 10, medians",
     "the same arrival process with different random draws"},
    {"rebalances", "exact: every live count is one the simulator gives",
     "a rebalance is a protocol event, not a measurement; start-up generations are folded into one"},
    {"assignment", "exact (by consumer name; up to member order on the mock cluster)",
     "the assignors are deterministic functions of the members and partitions"},
    {"rebalance_unmatched", "none", "rebalances pair by trigger and start time, never by index"},
    {"rebalance_duration_s", "medians within 20 % or 100 ms, whichever is larger",
     "the simulator draws client start-up and timer phases, so its durations spread as live ones do"},
    {"rebalance_start_s", "medians within 20 % or 100 ms, counted from the fault before it",
     "how long the coordinator takes to notice a fault (session timeout, max.poll.interval.ms, a join)"},
    {"share", "medians within 2 percentage points",
     "which keys land where is exact; only the per-key record counts are random"},
    {"duplicates", "medians within 10 %, or the larger side's spread (max - min) / median, at most 25 %",
     "where a crash lands in the commit cycle is random on both sides; the repetitions show how much"},
    {"fault_duplicates", "as duplicates, per fault", "the same, charged to each fault"},
    {"lost", "2 per crash + 2, medians", "the record in hand at a crash, committed before it was processed"},
    {"stalled_records", "20 % + group rate x sum over rebalances of max(20 % of its duration, 100 ms)",
     "each rebalance may last one duration tolerance more or less, stalling the group's production"},
    {"stalled_mean_ms", "medians within 20 % or 100 ms", "a stalled record waits out its stall: the rebalance's tolerance"},
    {"live_conservation", "exact", "every live record produced is processed, lag, skipped or lost"},
    {"latency_steady_p50_ms", "medians net of the client round trip within 20 % or 2 ms",
     "fetch, batching and processing, both modelled; the network round trip is the host's, measured"},
    {"latency_steady_p90_ms", "medians within 50 % or 25 ms", "the live side adds producer batching (linger.ms) and fetch waits"},
    {"latency_steady_p99_ms", "medians within 100 % or 50 ms", "the steady records' tail"},
    {"host_produce_rate", "short by at most 2 % (or 3 standard deviations of Poisson arrivals)",
     "producers that fall behind the scenario mean a host that cannot keep up: inconclusive"},
    {"host_consumer_cpu_wait", "at most 2 % of the consumer threads' lifetime runnable but without a CPU",
     "a starved consumer is slower than the model for reasons outside it: inconclusive"},
};

const KindInfo* kind_info(const std::string& kind) {
  for (const auto& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

}  // namespace

double Distribution::min() const { return values.empty() ? 0 : values.front(); }
double Distribution::max() const { return values.empty() ? 0 : values.back(); }

double Distribution::median() const {
  if (values.empty()) return 0;
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double Distribution::relative_spread() const {
  if (values.size() < 2 || median() == 0) return 0;
  return (max() - min()) / std::abs(median());
}

std::string Distribution::format(int precision) const {
  if (values.empty()) return "(none)";
  if (values.size() == 1) return fmt(values[0], precision);
  return fmt(median(), precision) + " [" + fmt(min(), precision) + ".." + fmt(max(), precision) +
         ", n=" + std::to_string(values.size()) + "]";
}

Distribution distribution(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return Distribution{std::move(values)};
}

double duplicates_tolerance(const Distribution& sim, const Distribution& live, const Tolerances& tol) {
  const double spread = std::max(sim.relative_spread(), live.relative_spread());
  return std::min(tol.duplicates_rel_max, std::max(tol.duplicates_rel, spread));
}

double expected_produced(const models::Scenario& sc) {
  const double end_s = static_cast<double>(sc.duration) / 1e9;
  double total = 0;
  for (const auto& p : sc.producers) {
    const double from = static_cast<double>(p.start) / 1e9;
    const double to = p.stop == sim::kNever ? end_s : std::min(end_s, static_cast<double>(p.stop) / 1e9);
    if (to <= from) continue;
    double n = 0;
    if (p.rate.kind != models::RateSpec::Kind::Steps) {
      n = p.rate.per_second * (to - from);
    } else {
      // Piecewise constant between the step times (and the producer's start and stop).
      std::vector<double> cuts{from, to};
      for (const auto& [t, r] : p.rate.steps) {
        const double ts = static_cast<double>(t) / 1e9;
        if (ts > from && ts < to) cuts.push_back(ts);
      }
      std::sort(cuts.begin(), cuts.end());
      for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        const auto mid = static_cast<sim::Time>((cuts[i] + cuts[i + 1]) / 2 * 1e9);
        n += p.rate.rate_at(mid) * (cuts[i + 1] - cuts[i]);
      }
    }
    total += n * p.count;
  }
  return total;
}

std::vector<Check> host_checks(const HostFigures& h, const std::string& label, const Tolerances& tol) {
  std::vector<Check> out;
  {
    const double e = h.expected_produced;
    const double got = static_cast<double>(h.produced) - static_cast<double>(std::max<std::int64_t>(0, h.late));
    const double allowed = std::max(tol.host_produce_short, h.random_arrivals && e > 0 ? 3 / std::sqrt(e) : 0.0);
    const double short_by = e > 0 ? (e - got) / e : 0;
    Check c;
    c.kind = "host_produce_rate";
    c.subject = label;
    c.simulator = fmt(e, 0) + " asked";
    c.live = std::to_string(h.produced) + " (" + (short_by >= 0 ? "short by " : "over by ") +
             fmt(std::abs(short_by) * 100, 2) + " %" + (h.late >= 0 ? ", " + std::to_string(h.late) + " over 100 ms late" : "") + ")";
    c.tolerance = "short by <= " + fmt(allowed * 100, 2) + " %";
    c.ok = short_by <= allowed;
    c.host = true;
    out.push_back(c);
  }
  {
    Check c;
    c.kind = "host_consumer_cpu_wait";
    c.subject = label;
    c.simulator = "-";
    c.host = true;
    if (h.consumer_cpu_wait < 0) {
      c.live = "not measured";
      c.tolerance = "info";
      c.informational = true;
      c.host = false;
    } else {
      c.live = fmt(h.consumer_cpu_wait * 100, 2) + " % (worst thread " + fmt(h.consumer_cpu_wait_max * 100, 2) +
               " %, " + std::to_string(h.consumer_threads) + " threads)";
      c.tolerance = "<= " + fmt(tol.host_cpu_wait * 100, 2) + " %";
      c.ok = h.consumer_cpu_wait <= tol.host_cpu_wait;
    }
    out.push_back(c);
  }
  if (h.worker_cpu_delay >= 0) {
    Check c;
    c.kind = "host_worker_cpu_delay";
    c.subject = label;
    c.simulator = "-";
    c.live = fmt(h.worker_cpu_delay * 100, 2) + " % of the CPU demand of all threads of " + std::to_string(h.worker_processes) +
             " worker process(es) waited for a CPU";
    c.tolerance = "info";
    c.informational = true;
    out.push_back(c);
  }
  if (h.process_cpu >= 0) {
    Check c;
    c.kind = "host_process_cpu";
    c.subject = label;
    c.simulator = "-";
    c.live = fmt(h.process_cpu * 100, 1) + " % of all CPUs";
    c.tolerance = "info";
    c.informational = true;
    out.push_back(c);
  }
  return out;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Mismatch: return "mismatch";
    case Verdict::Inconclusive: return "inconclusive";
  }
  return "?";
}

int exit_code_of(Verdict v) {
  switch (v) {
    case Verdict::Pass: return kExitOk;
    case Verdict::Mismatch: return kExitMismatch;
    case Verdict::Inconclusive: return kExitInconclusive;
  }
  return kExitInternal;
}

Verdict ValidationReport::verdict() const {
  bool mismatch = false;
  for (const auto& c : checks) {
    if (c.ok || c.informational) continue;
    if (c.host) return Verdict::Inconclusive;
    mismatch = true;
  }
  return mismatch ? Verdict::Mismatch : Verdict::Pass;
}

nlohmann::json ValidationReport::to_json() const {
  nlohmann::json j;
  j["ok"] = ok();
  j["verdict"] = to_string(verdict());
  j["evidence"] = evidence;
  j["checks"] = nlohmann::json::array();
  for (const auto& c : checks) {
    const KindInfo* k = kind_info(c.kind);
    j["checks"].push_back({{"kind", c.kind},
                           {"subject", c.subject},
                           {"simulator", c.simulator},
                           {"live", c.live},
                           {"tolerance", c.tolerance},
                           {"ok", c.ok},
                           {"informational", c.informational},
                           {"host", c.host},
                           {"note", c.note},
                           {"reason", c.reason.empty() && k ? k->reason : c.reason}});
  }
  j["notes"] = notes;
  return j;
}

std::string ValidationReport::table() const {
  const char* headers[] = {"check", "subject", "simulator", "live", "tolerance", "result"};
  std::vector<std::array<std::string, 6>> rows;
  for (const auto& c : checks) {
    std::string result = c.informational ? (c.ok ? "info" : "info (differs)")
                         : c.ok          ? "ok"
                         : c.host        ? "HOST"
                                         : "MISMATCH";
    rows.push_back({c.kind, c.subject, c.simulator, c.live, c.tolerance, result});
  }
  // Cells longer than 60 characters are cut to 57 and "...".
  for (auto& r : rows) {
    for (auto& cell : r) {
      if (cell.size() > 60) {
        cell.resize(57);
        cell += "...";
      }
    }
  }
  std::size_t w[6];
  for (int i = 0; i < 6; ++i) w[i] = std::string(headers[i]).size();
  for (const auto& r : rows)
    for (int i = 0; i < 6; ++i) w[i] = std::max(w[i], r[static_cast<std::size_t>(i)].size());
  std::ostringstream o;
  if (!evidence.empty()) o << "evidence: " << evidence << "\n";
  auto line = [&](const std::array<std::string, 6>& r) {
    for (int i = 0; i < 6; ++i) {
      o << std::left << std::setw(static_cast<int>(w[i])) << r[static_cast<std::size_t>(i)];
      o << (i < 5 ? "  " : "\n");
    }
  };
  line({headers[0], headers[1], headers[2], headers[3], headers[4], headers[5]});
  std::size_t total = 10;
  for (auto x : w) total += x;
  o << std::string(total, '-') << '\n';
  for (const auto& r : rows) line(r);
  std::size_t failed = 0, counted = 0;
  std::vector<const Check*> host_failed;
  for (const auto& c : checks) {
    if (c.informational) continue;
    if (c.host) {
      if (!c.ok) host_failed.push_back(&c);
      continue;
    }
    ++counted;
    if (!c.ok) ++failed;
  }
  switch (verdict()) {
    case Verdict::Inconclusive:
      o << "INCONCLUSIVE: the host could not keep up with the scenario, so no check below is a verdict on the "
           "model (";
      for (std::size_t i = 0; i < host_failed.size(); ++i) {
        o << (i ? "; " : "") << host_failed[i]->kind << " " << host_failed[i]->subject << ": " << host_failed[i]->live;
      }
      o << "); " << counted - failed << " of " << counted << " model checks within tolerance\n";
      break;
    case Verdict::Mismatch: o << "MISMATCH: " << counted - failed << " of " << counted << " checks within tolerance\n"; break;
    case Verdict::Pass: o << "OK: " << counted - failed << " of " << counted << " checks within tolerance\n"; break;
  }
  for (const auto& n : notes) o << "note: " << n << '\n';
  // Each tolerance in use, with its reason.
  std::set<std::string> seen;
  bool header = false;
  for (const auto& c : checks) {
    const KindInfo* k = kind_info(c.kind);
    if (!k || !seen.insert(c.kind).second) continue;
    if (!header) o << "tolerances:\n";
    header = true;
    o << "  " << k->kind << ": " << k->rule << " (" << k->reason << ")\n";
  }
  return o.str();
}

nlohmann::json validation_json_head(const ValidationHead& head, const ValidationReport& report,
                                    const std::vector<std::vector<std::string>>& warnings) {
  nlohmann::json j;
  j["scenario"] = head.scenario;
  j["scenario_file"] = head.scenario_file;
  j["time_scale"] = head.time_scale;
  j["broker"] = head.broker;
  j["run_id"] = head.run_id;
  j["repeat"] = head.repeat;
  j["seeds"] = head.seeds;
  j["ok"] = report.ok();
  auto rj = report.to_json();
  j["verdict"] = rj["verdict"];
  j["evidence"] = rj["evidence"];
  j["checks"] = rj["checks"];
  j["notes"] = rj["notes"];
  // The same warning from every repetition once.
  nlohmann::json w = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& rep : warnings)
    for (const auto& x : rep)
      if (seen.insert(x).second) w.push_back(x);
  j["warnings"] = w;
  return j;
}

}  // namespace cgsim::live
