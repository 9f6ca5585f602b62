#pragma once
/// @file compare.hpp
/// The diff behind `cgsim validate`: the live repetitions of a scenario against simulations of the
/// same (scaled) scenario over several seeds, figure by figure. Each figure is a distribution on
/// each side (min / median / max over runs, n) and each check compares them with a tolerance that
/// has a stated reason. docs/validation.md explains every tolerance and the verdicts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/metrics/summary.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::live {

/// Tolerances of the checks that are not exact, and the thresholds past which the host, not the
/// model, is the reason for a difference.
struct Tolerances {
  double share_abs = 0.02;          ///< per-consumer share of a group's processed records (absolute)
  double latency_p50_rel = 0.2;     ///< steady p50 latency net of the client round trip, relative ...
  double latency_p50_abs_ms = 2;    ///< ... or this many milliseconds, whichever is larger
  double latency_rel = 0.5;         ///< steady p90 latency, relative ...
  double latency_abs_ms = 25;       ///< ... or absolute
  double tail_rel = 1.0;            ///< steady p99 latency, relative ...
  double tail_abs_ms = 50;          ///< ... or absolute
  double rebalance_rel = 0.2;       ///< rebalance duration, relative ...
  double rebalance_abs_s = 0.1;     ///< ... or this many seconds, whichever is larger
  /// Rebalances pair when their triggers agree and they start within the group's session timeout
  /// plus one heartbeat period of each other, or within this many seconds if that is longer.
  double rebalance_window_min_s = 1.0;
  double duplicates_rel = 0.10;     ///< duplicates, relative, or the repetitions' spread if larger ...
  double duplicates_rel_max = 0.25; ///< ... but never more than this
  double produced_rel = 0.05;       ///< records produced, relative, plus 3 standard deviations
  /// The host could not keep up: a live repetition produced this fraction fewer records than the
  /// scenario's rates ask for (beyond 3 standard deviations of a random arrival process) ...
  double host_produce_short = 0.02;
  /// ... or its consumer threads spent more than this fraction of their lifetime runnable but
  /// waiting for a CPU.
  double host_cpu_wait = 0.02;
};

/// A figure over runs: its values sorted ascending.
struct Distribution {
  std::vector<double> values;
  std::size_t n() const { return values.size(); }
  double min() const;
  double median() const;  ///< the middle value, the mean of the two middle ones for an even n
  double max() const;
  /// (max - min) / |median|: 0 for fewer than two values or a zero median.
  double relative_spread() const;
  /// "1260" for one value, "2004 [1260..2025, n=3]" (median [min..max, n]) for more.
  std::string format(int precision = 3) const;
};
Distribution distribution(std::vector<double> values);

/// How the host ran one live repetition (see live/progress.hpp for how it is measured).
struct HostFigures {
  double expected_produced = 0;        ///< records the scenario's rates ask for
  bool random_arrivals = false;        ///< some producer draws Poisson arrivals
  std::uint64_t produced = 0;          ///< records the live producers delivered
  /// Of those, records sent more than 100 ms after their scheduled time, counted as short too
  /// (a producer replaying a fixed schedule sends every record, however far behind); -1: not
  /// measured.
  std::int64_t late = -1;
  double consumer_cpu_wait = -1;       ///< runqueue wait / lifetime of the consumer threads; -1: not measured
  double consumer_cpu_wait_max = -1;   ///< the same, of the worst consumer thread
  std::size_t consumer_threads = 0;
  /// Runqueue wait / CPU demand over every thread of the worker processes (the Java client's
  /// JVMs); -1: no worker processes.
  double worker_cpu_delay = -1;
  std::size_t worker_processes = 0;
  double process_cpu = -1;             ///< CPU time of the process / (wall time x CPUs); -1: not measured
};

/// One comparison.
struct Check {
  std::string kind;       ///< rebalances, assignment, rebalance_duration_s, share, duplicates, latency_steady_p50_ms, ...
  std::string subject;    ///< group, consumer, generation or repetition it is about
  std::string simulator;  ///< the simulated distribution, formatted
  std::string live;       ///< the live distribution, formatted
  std::string tolerance;  ///< "exact", "±0.020", ...
  bool ok = true;
  bool informational = false;  ///< shown but never fails the validation
  std::string note;
  std::string reason;     ///< why the tolerance is what it is (filled in by kind)
  /// A check of the host rather than the model: failing it makes the run inconclusive.
  bool host = false;
};

enum class Verdict { Pass, Mismatch, Inconclusive };
const char* to_string(Verdict v);
/// 0, kExitMismatch or kExitInconclusive (models/common/error.hpp).
int exit_code_of(Verdict v);

/// All checks of one validation.
struct ValidationReport {
  std::vector<Check> checks;
  std::vector<std::string> notes;
  /// What the live side is, and how strong its evidence is (the mock cluster is weaker).
  std::string evidence;
  /// Inconclusive when a host check failed (whatever the others say), Mismatch when a counted
  /// check failed, Pass otherwise.
  Verdict verdict() const;
  /// True when the verdict is Pass.
  bool ok() const { return verdict() == Verdict::Pass; }
  nlohmann::json to_json() const;
  /// A readable table, one line per check, the verdict, and each tolerance with its reason.
  std::string table() const;
};

/// What every family's validation.json opens with (docs/validation.md).
struct ValidationHead {
  std::string scenario;       ///< the scenario's name
  std::string scenario_file;
  double time_scale = 1;
  std::string broker;         ///< what the live side ran on
  std::string run_id;         ///< the first repetition's
  std::size_t repeat = 1;     ///< live repetitions asked for
  std::size_t seeds = 1;      ///< simulator seeds
};

/// validation.json's head: @p head's fields, then the report's ok, verdict, evidence, checks and
/// notes, and the warnings of every repetition (@p warnings, one list per repetition), each once.
nlohmann::json validation_json_head(const ValidationHead& head, const ValidationReport& report,
                                    const std::vector<std::vector<std::string>>& warnings);

struct CompareOptions {
  /// The live run used librdkafka's mock cluster: member ids are not client.id-based (assignments
  /// are compared up to member order) and its join phase differs (durations are informational).
  bool mock = false;
  Tolerances tol;
  /// The measured client <-> broker round trip in milliseconds, subtracted from the live steady
  /// p50 latency (the simulator's modelled round trip is subtracted from its own); -1: not
  /// measured, nothing is subtracted on either side.
  double client_rtt_ms = -1;
  /// One per live repetition (may be empty: no host checks).
  std::vector<HostFigures> host;
};

/// Compares the live repetitions @p live with the simulations @p sim (one per seed) of
/// @p scenario (already scaled). Throws Error when either side has no run.
ValidationReport compare_distributions(const models::Scenario& scenario, const std::vector<analysis::RunSummary>& sim,
                                       const std::vector<analysis::RunSummary>& live, const CompareOptions& options);

/// One simulation against one live run.
ValidationReport compare_runs(const models::Scenario& scenario, const analysis::RunSummary& sim,
                              const analysis::RunSummary& live, const CompareOptions& options);

/// The group named @p id in @p run, or null.
const analysis::GroupSummary* find_group(const analysis::RunSummary& run, const std::string& id);

/// One "share" check per consumer named on either side: its part of the group's processed
/// records, simulated against live, within @p share_abs (the family backends' single-run form).
std::vector<Check> share_checks(const analysis::GroupSummary& sim, const analysis::GroupSummary& live, double share_abs);

/// The duplicates tolerance, relative: the larger of tol.duplicates_rel and the larger relative
/// spread of the two sides, never above tol.duplicates_rel_max.
double duplicates_tolerance(const Distribution& sim, const Distribution& live, const Tolerances& tol);

/// Records the scenario's producers are asked for over its duration (rates integrated over each
/// producer's active time, times its instance count).
double expected_produced(const models::Scenario& scenario);

/// A check row built field by field (the row's fields in Check's order).
Check make_check(std::string kind, std::string subject, std::string simulator, std::string live, std::string tolerance,
                 bool ok, bool informational, std::string note);

/// ", repetition K" (1-based) for repetition @p k of @p n, nothing when there is one.
std::string runs_label(std::size_t k, std::size_t n);

/// The host checks of one live repetition (@p label names it): produce rate and CPU wait count
/// (a failure makes the run inconclusive), the process's CPU use is shown.
std::vector<Check> host_checks(const HostFigures& h, const std::string& label, const Tolerances& tol);

/// A simulated rebalance (index into the simulated list, -1: none) and the live one paired with it
/// (index into the live list, -1: none).
struct RebalancePair {
  std::int64_t sim = -1;
  std::int64_t live = -1;
};

/// True when a simulated rebalance with trigger @p sim may be the same event as a live one with
/// trigger @p live: the same name, a live "unknown" (no fault in its window), or a live
/// "restart" against the "leave" or "join" it is to the coordinator without static membership.
bool triggers_pair(const std::string& sim, const std::string& live);

/// Pairs rebalances of one group by trigger and time, never by index: each simulated one with
/// the live one of a compatible trigger nearest in start time, within @p window_s seconds,
/// closest pairs first (same trigger names before merely compatible ones). Returns every
/// rebalance of both sides once, in order of start time; unpaired ones have -1 on the other side.
std::vector<RebalancePair> pair_rebalances(const std::vector<analysis::RebalanceRecord>& sim,
                                           const std::vector<analysis::RebalanceRecord>& live, double window_s);

/// The generations of @p group with the start-up generations folded away: those before the first
/// generation in which every initial consumer holds an assignment and every partition is handed
/// out (the incremental protocol's first round withholds some). With
/// group.initial.rebalance.delay.ms = 0 their number depends on the order in which the clients'
/// JoinGroup requests arrive, which neither side controls.
std::vector<analysis::GenerationRecord> settled_generations(const analysis::RunSummary& run, const models::GroupSpec& group);

/// The distribution of @p f over @p runs (simulator seeds or live repetitions).
template <typename Run, typename F>
Distribution over(const std::vector<const Run*>& runs, F f) {
  std::vector<double> v;
  v.reserve(runs.size());
  for (const Run* r : runs) v.push_back(f(*r));
  return distribution(std::move(v));
}

/// One `share` check per consumer of a group or subscription, in name order: the consumer's
/// fraction of the group's processings, medians over @p sims and @p lives within @p share_abs.
/// @p group_of returns a run's analysis::GroupSummary; @p tolerance is the column's text.
template <typename Run, typename GroupOf>
void add_share_checks(std::vector<Check>& checks, const std::vector<const Run*>& sims,
                      const std::vector<const Run*>& lives, GroupOf group_of, double share_abs,
                      const std::string& tolerance) {
  std::vector<std::string> names;
  for (const auto* runs : {&sims, &lives})
    for (const Run* r : *runs)
      for (const auto& c : group_of(*r).consumers)
        if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto share = [&](const Run& r) {
      double mine = 0;
      for (const auto& c : group_of(r).consumers)
        if (c.name == name) mine = static_cast<double>(c.consumed);
      return mine / std::max<double>(1, static_cast<double>(group_of(r).consumed));
    };
    const auto a = over(sims, share), b = over(lives, share);
    checks.push_back(make_check("share", name, a.format(), b.format(), tolerance,
                                std::abs(a.median() - b.median()) <= share_abs + 1e-12, false, ""));
  }
}

/// A summary's count of records lost to a crash (committed at hand-out, never processed), where
/// the summary type has one (a group's simulated and live summaries do; others count none).
template <typename T>
std::uint64_t lost_of(const T& x) {
  if constexpr (requires { x.lost; }) {
    return x.lost;
  } else {
    return 0;
  }
}

}  // namespace cgsim::live
