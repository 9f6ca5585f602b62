#pragma once
/// @file summary.hpp
/// The result of one run of a scenario, whichever backend ran it (simulator or live) and whichever
/// broker family it models. It is what `summary.json` holds and what `cgsim validate` compares.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cgsim::analysis {

/// Latency percentiles in milliseconds.
struct LatencySummary {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  std::uint64_t count = 0;
  bool operator==(const LatencySummary&) const = default;
};

/// Records caught in a stall: their partition was handed out (at start-up, after a revocation or
/// after its owner crashed) after they were produced and before they were processed, so their
/// latency includes the time the partition had no consumer.
struct StallSummary {
  std::uint64_t records = 0;
  double p50_ms = 0, mean_ms = 0, max_ms = 0;
  bool operator==(const StallSummary&) const = default;
};

/// One completed (or, at the end of the run, still open) rebalance of a group.
struct RebalanceRecord {
  std::string group;
  double start_s = 0;
  double end_s = -1;          ///< -1 when the run ended first
  std::int32_t generation = 0;  ///< the generation the rebalance produced
  std::string trigger;        ///< initial | join | leave | session_timeout | max_poll_interval | restart
  std::string protocol;       ///< eager | cooperative | consumer
  std::int32_t rounds = 1;
  std::int64_t partitions_moved = 0;
  std::int64_t partitions_revoked = 0;
  std::int64_t partitions_assigned = 0;
  /// Partition-seconds during which an assigned-and-backlogged partition was not consumed.
  double stop_the_world_partition_s = 0;
  bool operator==(const RebalanceRecord&) const = default;
};

/// The assignment a generation handed out: consumer name -> sorted "topic-partition" strings.
struct GenerationRecord {
  std::string group;
  std::int32_t generation = 0;
  double start_s = 0;
  std::map<std::string, std::vector<std::string>> assignment;
  bool operator==(const GenerationRecord&) const = default;
};

/// Splits a consumer name "group/3" into ("group", 3); the index is -1 when @p name does not end
/// in "/<digits>".
std::pair<std::string, int> split_consumer_name(const std::string& name);

struct ConsumerSummary {
  std::string name;       ///< "<group>/<index>"
  std::string member_id;  ///< last member id
  std::uint64_t consumed = 0;
  std::uint64_t duplicates = 0;
  std::vector<std::string> partitions;  ///< final assignment
  std::string state;      ///< final membership state
  /// Duplicates charged to the faults whose subject is this consumer: records it had processed
  /// but not committed when it crashed, left, restarted or stalled, which another consumer (or
  /// it, after a restart) processed again. docs/model.md, "Per-fault accounting".
  std::uint64_t lost_work = 0;
  bool operator==(const ConsumerSummary&) const = default;
};

/// Start-up and steady state of one group (simulator runs of every family; see
/// analysis/metrics/warmup.hpp). Start-up figures count records appended, and lag sampled, before
/// end_s; steady ones the rest.
struct WarmupSummary {
  double end_s = 0;
  std::string reason;      ///< drained | set | fault | not_drained; empty: no warm-up computed
  double threshold_s = 0;  ///< steady lag level (s) the drain is judged against (auto only)
  LatencySummary startup_latency_ms, steady_latency_ms;
  std::uint64_t startup_max_lag = 0, steady_max_lag = 0;
  double startup_max_lag_seconds = 0, steady_max_lag_seconds = 0;
  bool operator==(const WarmupSummary&) const = default;
  /// Folds one group's warm-up into the run's: the latest end, the first reason that is not
  /// "drained", the largest threshold and lags. Latencies are merged by the caller.
  void fold_group(const WarmupSummary& g);
};

/// What the queueing model predicts for a group at its peak rate with every consumer up
/// (analysis/metrics/queueing.hpp), shown next to the simulated figures.
struct ModelSummary {
  double peak_rate = 0;         ///< records per second
  double utilisation = -1;      ///< busiest consumer's rho; -1: not computed
  double mean_utilisation = 0;  ///< peak rate x mean processing time / consumers
  double p99_latency_ms_low = 0, p99_latency_ms_high = 0;  ///< range of per-consumer M/G/1 p99s
  bool operator==(const ModelSummary&) const = default;
};

/// Ordering as the application sees it (docs/model.md, "Ordering").
struct OrderingSummary {
  /// "key" when records carry keys the run can tell apart, "partition" when they do not (keyless
  /// records, or keys the simulator does not keep): out_of_order is then counted per partition.
  std::string scope;
  /// Records processed after a later record of the same key (or partition) had been processed.
  std::uint64_t out_of_order = 0;
  /// Records processed by a member while the group had handed their partition to another member.
  std::uint64_t overlapping = 0;
  std::uint64_t keys_affected = 0;        ///< keys with at least one out-of-order record
  std::uint64_t partitions_affected = 0;  ///< partitions with an out-of-order or overlapping record
  bool operator==(const OrderingSummary&) const = default;
};

struct GroupSummary {
  std::string id;
  std::uint64_t produced = 0;     ///< records appended to the group's topics during the run
  std::uint64_t consumed = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t skipped = 0;      ///< records never delivered because of auto_offset_reset=latest
  std::uint64_t lost = 0;         ///< records committed before processing whose consumer died
  std::uint64_t final_lag = 0;    ///< records produced but not yet processed at the end
  std::uint64_t final_committed_lag = 0;  ///< log end minus committed offsets at the end
  std::uint64_t max_lag = 0;      ///< largest sampled sum over partitions of (log end - committed)
  double max_lag_seconds = 0;     ///< largest sampled lag divided by the recent consumption rate
  LatencySummary latency_ms;
  LatencySummary latency_steady_ms;  ///< first processings not caught in a stall
  StallSummary stalled;
  std::int32_t generation = 0;
  std::vector<ConsumerSummary> consumers;
  WarmupSummary warmup;
  ModelSummary model;
  OrderingSummary ordering;
  bool operator==(const GroupSummary&) const = default;
};

/// One scheduled fault and what followed it until the group's next fault (its window; the run's
/// end for the last one). docs/model.md, "Per-fault accounting", defines each figure.
struct FaultRecord {
  std::string group;
  std::string kind;     ///< crash | leave | join | slow | restart | rolling_restart
  std::string subject;  ///< "<group>/<index>", or the group for join and rolling_restart
  double at_s = 0;
  /// Processings in the fault's window of records the group had processed before.
  std::uint64_t duplicates = 0;
  /// ... of them, records reprocessed from a committed offset below what had been processed.
  std::uint64_t duplicates_uncommitted = 0;
  /// ... and records processed twice because a member kept processing a partition the group had
  /// handed to another member (its in-flight batch).
  std::uint64_t duplicates_in_flight = 0;
  std::uint64_t out_of_order = 0;   ///< OrderingSummary::out_of_order in the window
  std::uint64_t overlapping = 0;    ///< OrderingSummary::overlapping in the window
  std::uint64_t keys_affected = 0;  ///< keys with an out-of-order record in the window
  std::uint64_t peak_lag = 0;       ///< largest lag sample in the window
  double peak_lag_seconds = 0;      ///< largest lag-seconds sample in the window
  /// Seconds from the fault to the first lag sample after the window's peak that is back at or
  /// below the pre-fault level (the largest sample in the 10 s before the fault); 0 when the peak
  /// stayed at or below it; -1 when the run ended first.
  double recovery_s = 0;
  std::int32_t rebalances = 0;          ///< rebalances of the group that started in the window
  std::int64_t partitions_moved = 0;    ///< their partitions moved
  double stop_the_world_partition_s = 0;  ///< their stop-the-world partition-seconds
  /// False for a crash the group had not noticed (no rebalance started) when the run ended: its
  /// duplicates and stall are not in the figures.
  bool detected = true;
  bool operator==(const FaultRecord&) const = default;
};

struct RunSummary {
  std::string scenario;
  std::string backend = "simulator";
  std::uint64_t seed = 0;
  double simulated_seconds = 0;
  double wall_seconds = 0;
  std::uint64_t events = 0;
  std::uint64_t produced = 0;
  std::uint64_t consumed = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t skipped = 0;
  std::uint64_t lost = 0;
  std::uint64_t final_lag = 0;
  std::uint64_t max_lag = 0;
  LatencySummary latency_ms;
  LatencySummary latency_steady_ms;  ///< first processings not caught in a stall
  StallSummary stalled;
  std::vector<RebalanceRecord> rebalances;
  std::vector<GenerationRecord> generations;
  std::vector<GroupSummary> groups;
  std::vector<FaultRecord> faults;
  WarmupSummary warmup;  ///< over every group: the latest end, merged latencies, largest lags
  OrderingSummary ordering;  ///< the groups' figures summed (scope "mixed" when they differ)
  bool operator==(const RunSummary&) const = default;
};

/// What only a RabbitMQ or Pulsar run adds to summary.json, beside its RunSummary
/// (analysis/experiments/family_runs.hpp's FamilyRun carries both).
struct FamilyFields {
  std::string broker;  ///< "rabbitmq" or "pulsar"
  /// Per group (same order as the summary's groups): what it consumes from ("queue mail_jobs",
  /// "Key_Shared subscription scores on player_events").
  std::vector<std::string> sources;
  /// The family's own totals over the run, in the order they are printed (summary.json holds them
  /// as an object, so its keys come back sorted).
  std::vector<std::pair<std::string, std::uint64_t>> counts;
  /// Processings (re-processings included) of a record after a later record of the same key had
  /// been processed (docs/model.md, "Ordering").
  std::uint64_t ordering_violations = 0;
  bool operator==(const FamilyFields&) const = default;
};

// JSON (nlohmann's ADL functions): the one writer and reader of summary.json. Writers round
// floating-point figures to 6 decimals; readers require the identifying fields (scenario,
// simulated_seconds, groups, ids and names, start times) and default the others.
void to_json(nlohmann::json& j, const LatencySummary& l);
void from_json(const nlohmann::json& j, LatencySummary& l);
void to_json(nlohmann::json& j, const StallSummary& s);
void from_json(const nlohmann::json& j, StallSummary& s);
void to_json(nlohmann::json& j, const RebalanceRecord& r);
void from_json(const nlohmann::json& j, RebalanceRecord& r);
void to_json(nlohmann::json& j, const GenerationRecord& g);
void from_json(const nlohmann::json& j, GenerationRecord& g);
void to_json(nlohmann::json& j, const ConsumerSummary& c);
void from_json(const nlohmann::json& j, ConsumerSummary& c);
void to_json(nlohmann::json& j, const WarmupSummary& w);
void from_json(const nlohmann::json& j, WarmupSummary& w);
void to_json(nlohmann::json& j, const ModelSummary& m);
void from_json(const nlohmann::json& j, ModelSummary& m);
void to_json(nlohmann::json& j, const OrderingSummary& o);
void from_json(const nlohmann::json& j, OrderingSummary& o);
void to_json(nlohmann::json& j, const GroupSummary& g);
void from_json(const nlohmann::json& j, GroupSummary& g);
void to_json(nlohmann::json& j, const FaultRecord& f);
void from_json(const nlohmann::json& j, FaultRecord& f);
void to_json(nlohmann::json& j, const RunSummary& s);
void from_json(const nlohmann::json& j, RunSummary& s);
/// summary.json. @p include_wall_clock false drops wall_seconds so that output is byte-identical
/// across runs (golden files, determinism tests).
nlohmann::json to_json(const RunSummary& s, bool include_wall_clock = true);
/// summary.json of a RabbitMQ or Pulsar run: @p s's fields (without wall_seconds) and @p f's.
nlohmann::json to_json(const RunSummary& s, const FamilyFields& f);
/// Reads such a summary.json (an InputError naming the field when one is missing or malformed).
void from_json(const nlohmann::json& j, RunSummary& s, FamilyFields& f);

}  // namespace cgsim::analysis
