#pragma once
/// @file plan.hpp
/// Capacity planning: the smallest consumer count (and, on request, partition count) whose
/// simulated runs meet every service-level objective, both without failures and with N
/// simultaneous consumer crashes at the worst moment (the start of peak load).
///
/// The search is bracketed by the analytic models of analysis/metrics/queueing.hpp: per-partition loads
/// at the peak rate (with the key skew the scenario's real partitioner produces), the assignment
/// the group's assignor would hand out, and per-consumer M/G/1 stability and sojourn quantiles.
/// The simulator then evaluates candidates around the analytic lower bound in fixed rounds, so the
/// outcome does not depend on the number of threads. docs/planning.md ("The planner") documents
/// the method, the definition of recovery and the SLO semantics.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiments/shard.hpp"
#include "analysis/experiments/simulate.hpp"
#include "analysis/experiments/sweep.hpp"
#include "models/common/scenario.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::analysis {

// ---- SLOs --------------------------------------------------------------------------------------

/// One service-level objective, as given to `--slo NAME=VALUE`.
struct Slo {
  enum class Kind {
    Latency,        ///< a latency quantile of the planned group, in ms
    MaxLag,         ///< largest sampled group lag, in records
    MaxLagSeconds,  ///< largest sampled age of the group's oldest uncommitted record, in s
    Recovery,       ///< time from the failure until lag is back in its normal band, in s
    Ordering,       ///< records processed out of order plus overlapping processings, per run
  };
  Kind kind = Kind::Latency;
  std::string name;    ///< canonical name: p50_latency .. p999_latency, max_latency, max_lag, max_lag_seconds, recovery,
                       ///< ordering_violations
  double quantile = 0; ///< latency: 0.5, 0.9, 0.99, 0.999, or 1 for the maximum
  double limit = 0;    ///< in unit
  std::string unit;    ///< "ms", "records" or "s"
};

/// Parses "NAME=VALUE". Latency SLOs (p50_latency, p90_latency, p99_latency, p999_latency,
/// max_latency) take a duration ("500ms", "1.5s") or a number of milliseconds; max_lag_seconds and
/// recovery take a duration or a number of seconds; max_lag and ordering_violations take a record
/// count. Throws
/// InputError naming the SLO and what was expected.
Slo parse_slo(const std::string& text);
/// "p99_latency <= 500 ms" and the like.
std::string describe(const Slo& slo);

// ---- Load profile ------------------------------------------------------------------------------

/// The peak of the summed producer rate on a set of topics.
struct Peak {
  double rate = 0;     ///< records per second at the peak (all producer instances)
  double start_s = 0;  ///< first time the peak rate is in force
  double end_s = 0;    ///< when it stops (the run's end if it does not)
};
/// Finds the peak of the rate profile of the producers writing to @p topics: the rate is
/// piecewise constant between producer starts and stops and rate steps, so it is evaluated at
/// those breakpoints. The earliest interval at the maximum wins.
Peak find_peak(const models::Scenario& scenario, const std::vector<std::string>& topics);

// ---- Analytic bracket --------------------------------------------------------------------------

/// Expected load of every partition of a group's topics at the peak rate.
struct PartitionLoadProfile {
  std::vector<std::string> names;  ///< "topic-partition"
  std::vector<double> rate;        ///< records per second at the peak
  double hottest_share = 0;        ///< largest partition's share of the group's load
  double imbalance = 0;            ///< hottest share x partitions (1 = even)
  bool keyed = false;              ///< some producer of these topics sends keyed records
};
/// Per-partition peak rates: keyed producers (uniform or Zipf keys through a partitioner whose
/// keyed choice is a pure function of the key) split by queueing::partition_shares over the real
/// partitioner; unkeyed, sequential or very large key spaces (> 2M keys) evenly.
PartitionLoadProfile partition_load_profile(const models::Scenario& scenario, std::size_t group, const Peak& peak);

/// What the analytic models say about one (partitions, consumers) configuration at peak load.
struct AnalyticEstimate {
  std::int32_t partitions = 0;
  std::int32_t consumers = 0;
  std::int32_t failures = 0;
  double max_utilisation = 0;        ///< busiest consumer, all consumers up
  double max_utilisation_failed = 0; ///< busiest survivor after the failures (the same when none)
  bool stable = false;               ///< every consumer below utilisation 1 (both cases)
  /// Per latency SLO name: the range [lowest, highest] of the consumers' M/G/1 sojourn quantiles
  /// in ms. The group's quantile (a mixture over consumers) lies within it.
  std::map<std::string, std::pair<double, double>> latency_ms;
  /// True when the models do not rule the configuration out: stable, and every latency SLO's
  /// lower end within its limit.
  bool plausible = false;
};
/// Evaluates one configuration with the group's assignor (synthetic member ids in sorted order:
/// the assignors' output then has the same shape as in a run) and queueing::consumer_loads.
/// Processing-time moments come from the group's processing-time distribution.
AnalyticEstimate analytic_estimate(const models::Scenario& scenario, std::size_t group,
                                   const PartitionLoadProfile& loads, std::int32_t consumers,
                                   std::int32_t failures, const std::vector<Slo>& slos);

/// The queueing model's view of group @p group as the scenario stands: peak rate, the busiest
/// consumer's utilisation with every consumer up, and the range of the consumers' M/G/1 p99
/// sojourn times. Shown by `cgsim run` next to the simulated figures.
ModelSummary group_model(const models::Scenario& scenario, std::size_t group);

// ---- Recovery ----------------------------------------------------------------------------------

/// How recovery is measured (see measure_recovery()).
struct RecoveryOptions {
  /// The SLO window starts this long after the group's warm-up has ended (the start-up backlog
  /// has drained; analysis/metrics/warmup.hpp).
  double settle_s = 0;
  double window_s = 30;   ///< pre-failure window for the baseline; a failure is placed no earlier
                          ///< than this long after the SLO window starts
  double margin = 0.25;   ///< threshold = baseline + max(floor_s, margin x baseline)
  double floor_s = 1;
  double hold_s = 10;     ///< lag must stay at or below the threshold this long
};
struct Recovery {
  double failure_s = 0;
  double baseline_s = 0;   ///< largest lag (s) sampled in [failure - window, failure)
  double threshold_s = 0;
  bool exceeded = false;   ///< lag rose above the threshold after the failure
  bool recovered = false;
  /// Seconds from the failure to the first sample from which lag stays at or below the threshold
  /// for hold_s (or to the end of the run); 0 when it never exceeded; +inf when not recovered.
  double recovery_s = 0;
  double peak_lag_s = 0;            ///< largest lag (s) after the failure
  std::int64_t peak_lag_records = 0;///< largest lag (records) after the failure
};
/// Recovery of group @p group after a failure at @p failure_s, from its sampled lag in seconds
/// (age of the oldest uncommitted record, GroupLagSample::lag_seconds).
Recovery measure_recovery(const std::vector<GroupLagSample>& samples, std::int32_t group, double failure_s,
                          const RecoveryOptions& options = {});

// ---- Planning ----------------------------------------------------------------------------------

struct PlanOptions {
  std::string scenario_file;
  std::vector<scenarios::Override> base_overrides;  ///< --set
  /// Other settings to plan for separately (cross product); each point gets its own answer.
  std::vector<VaryAxis> axes;
  std::vector<Slo> slos;
  /// Simultaneous crashes at the worst moment; nullopt: as many as the scenario has crash faults.
  std::optional<std::int32_t> failures;
  std::vector<std::int32_t> partitions;  ///< candidate partition counts (empty: the scenario's)
  std::vector<std::int32_t> consumers;   ///< explicit candidate consumer counts (empty: bracketed search)
  std::string group;                     ///< planned group id (empty: the first group)
  std::size_t seeds = 1;                 ///< replications; run i uses the scenario seed + i
  unsigned jobs = 0;
  bool progress = false;
  bool progress_anywhere = false;  ///< with progress: draw it even when stderr is not a terminal
  /// Every candidate's cost is estimated before its round starts; one beyond this (with as many
  /// runs at once as there are workers) is refused with an InputError.
  CostBudget budget;
  /// Also hold the latency SLOs on the failure runs (by default they apply to failure-free runs).
  bool latency_under_failure = false;
  RecoveryOptions recovery;
};

/// One SLO's outcome for one candidate.
struct SloVerdict {
  std::string slo;     ///< canonical name
  double limit = 0;
  double worst = 0;    ///< worst value over seeds (and runs the SLO applies to)
  double mean = 0;     ///< mean over the same values
  double ci95 = 0;
  std::string run;     ///< "steady", "failure" or "steady+failure": runs the SLO was checked on
  bool met = false;
};

/// One simulated configuration.
struct Candidate {
  std::int32_t partitions = 0;
  std::int32_t consumers = 0;
  AnalyticEstimate analytic;
  double failure_s = -1;                 ///< crash time of seed 0's failure run (-1: none)
  std::vector<std::string> victims;      ///< consumers crashed in seed 0's failure run
  std::vector<SloVerdict> verdicts;
  /// Reported figures over seeds, by name: latency quantiles (ms) of the steady and failure
  /// runs, max_lag, max_lag_seconds, drain_seconds (max lag / peak rate), duplicates, recovery.
  std::map<std::string, MetricStats> figures;
  bool meets = false;
  /// Where a simulated figure is more than 10x the queueing model's, the effect the model lacks
  /// (explain_model_gap()).
  std::vector<std::string> notes;
};

/// The search over consumer counts for one partition count.
struct PartitionSearch {
  std::int32_t partitions = 0;
  PartitionLoadProfile loads;
  std::int32_t min_consumers = 1;   ///< failures + 1
  std::int32_t max_consumers = 1;   ///< partitions + failures
  std::int32_t analytic_lower = 0;  ///< smallest count the models do not rule out (max+1 if none)
  std::vector<Candidate> candidates;  ///< in consumer-count order
  std::int32_t answer = -1;         ///< smallest consumer count that meets every SLO, -1 if none
  /// SLOs the next smaller count violated, most violated first (empty when the smallest possible
  /// count already meets them).
  std::vector<std::string> binding;
};

/// The plan for one point of the --vary cross product.
struct PointPlan {
  std::vector<scenarios::Override> params;
  Peak peak;
  std::vector<PartitionSearch> searches;
  std::int32_t best_partitions = -1;
  std::int32_t best_consumers = -1;
  std::vector<std::string> binding;  ///< of the best configuration
  std::vector<std::string> warnings;
  /// Why the recommendation is what it is (keeping the partition count, what repartitioning costs).
  std::vector<std::string> notes;
  /// SLOs no configuration can meet, each with the reason and its figures; when any, nothing was
  /// simulated for this point (infeasible_slos()).
  std::vector<std::string> infeasible;
};

struct PlanResult {
  std::string scenario;
  std::string scenario_file;
  std::string group;
  std::uint64_t base_seed = 0;
  std::size_t seeds = 1;
  std::int32_t failures = 0;
  std::int32_t scenario_partitions = 0;
  std::vector<Slo> slos;
  bool latency_under_failure = false;
  RecoveryOptions recovery;
  std::vector<VaryAxis> axes;
  std::vector<PointPlan> points;
  double wall_seconds = 0;  ///< not part of plan.json
  /// True when every point has a configuration that meets every SLO.
  bool ok() const;
};

/// SLOs that no candidate can meet, whatever its consumer and partition counts, each with the
/// reason: a lag-seconds limit below the session timeout when the plan crashes a consumer (the
/// coordinator notices only when the session expires, so the crashed consumer's oldest
/// uncommitted record is at least that old before anyone else can read it), or a peak load whose
/// hottest partition alone is more than one consumer can process at every partition count.
std::vector<std::string> infeasible_slos(const models::Scenario& scenario, std::size_t group, std::int32_t failures,
                                         const std::vector<Slo>& slos, const std::vector<PartitionSearch>& searches);

/// The effects the queueing model lacks, for each of @p c's simulated figures that is more than
/// 10x the model's: the start-up backlog (left out of the SLOs by the warm-up), a rebalance stall
/// (the crash's detection and rebalance), hot keys (one partition near a consumer's capacity).
std::vector<std::string> explain_model_gap(const Candidate& c, const PartitionSearch& search,
                                           const models::GroupSpec& group);


/// A plan run round by round in pieces (docs/cluster.md, "Plans"). A round's unit is one
/// candidate x one seed (its failure-free run and, with failures, its failure run), named
/// "p<point>.s<partition search>.c<consumers>.r<seed index>"; a unit's figures depend only on the
/// unit. run_plan() replays the rounds whose units are all in `known` without simulating them;
/// at the first round that is not fully known it stops, after running `shard`'s slice of that
/// round's units (unit i of the round when i mod N = K) if a shard is given.
struct PlanRounds {
  nlohmann::json known = nlohmann::json::object();  ///< unit name -> figures (plan_unit_json)
  std::optional<Shard> shard;
  // Set by run_plan():
  int pending_round = 0;                   ///< the first round not fully known; 0: the plan is complete
  std::vector<std::string> pending_units;  ///< that round's units, in order
  std::vector<std::size_t> ran;            ///< indices into pending_units that the shard ran
  nlohmann::json ran_figures = nlohmann::json::object();  ///< their figures, by unit name
};

/// Runs the plan; with @p rounds, round by round as PlanRounds describes (the result is then
/// complete only when rounds->pending_round is 0). Throws InputError for bad options or scenario
/// input.
PlanResult run_plan(const PlanOptions& options, PlanRounds* rounds = nullptr);

/// The scenario of one candidate: @p partitions on each of the group's topics, @p consumers in
/// the group, the scenario's faults replaced by @p crashes (consumer indices) at @p at.
models::Scenario candidate_scenario(const PlanOptions& options, const std::vector<scenarios::Override>& point,
                                    std::size_t group, std::int32_t partitions, std::int32_t consumers,
                                    const std::vector<std::int32_t>& crashes, sim::Time at);

/// The recommended configuration of the plan's first point (or, when none meets the SLOs, the
/// largest one tried), run again with time series (and seed 0's failure, if any) for the run
/// outputs, report and trace of a plan. Nothing when no candidate was simulated.
std::optional<SimulationResult> rerun_recommended(const PlanOptions& options, const PlanResult& plan);

/// plan.json (no wall-clock figure).
nlohmann::json to_json(const PlanResult& plan);
/// The readable plan `cgsim plan` prints.
std::string format_plan(const PlanResult& plan);

}  // namespace cgsim::analysis
