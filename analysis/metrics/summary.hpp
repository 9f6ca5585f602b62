#pragma once
/// @file summary.hpp
/// The result of one run of a scenario, whichever backend ran it (simulator or live Kafka).
/// It is what `summary.json` holds and what `cgsim validate` compares.
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
  bool operator==(const ConsumerSummary&) const = default;
};

/// Start-up and steady state of one group (simulator runs of Kafka scenarios; see
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
  bool operator==(const GroupSummary&) const = default;
};

/// One scheduled fault and the duplicates it caused.
struct FaultRecord {
  std::string group;
  std::string kind;     ///< crash | leave | join | slow | restart | rolling_restart
  std::string subject;  ///< "<group>/<index>", or the group for join and rolling_restart
  double at_s = 0;
  /// Processings after the fault, before the group's next fault, of offsets the group had
  /// processed before the fault (below its per-partition processed frontier then).
  std::uint64_t duplicates = 0;
  bool operator==(const FaultRecord&) const = default;
};

/// Per-fault duplicate accounting, the same on every backend: a fault snapshots the group's
/// processed frontier of every partition; a duplicate processing is charged to the group's latest
/// fault when its offset lies below that fault's snapshot (it had been processed before the
/// fault), and to no fault otherwise (a rebalance of its own, before any fault).
class FaultDuplicates {
 public:
  /// A fault of group @p group; @p frontier[p] is one past the highest offset of global partition
  /// p the group had processed (0 for partitions it does not read).
  void fault(std::size_t group, FaultRecord record, std::vector<std::int64_t> frontier);
  /// Group @p group processed offset @p offset of global partition @p partition again.
  void duplicate(std::size_t group, std::int32_t partition, std::int64_t offset);
  /// Every fault, in the order they happened.
  std::vector<FaultRecord> records() const;

 private:
  struct Entry {
    std::size_t group;
    FaultRecord record;
    std::vector<std::int64_t> frontier;
  };
  std::vector<Entry> entries_;
  std::vector<std::ptrdiff_t> latest_;  ///< per group: index of its latest fault, -1 for none
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
  bool operator==(const RunSummary&) const = default;
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
void to_json(nlohmann::json& j, const GroupSummary& g);
void from_json(const nlohmann::json& j, GroupSummary& g);
void to_json(nlohmann::json& j, const FaultRecord& f);
void from_json(const nlohmann::json& j, FaultRecord& f);
void to_json(nlohmann::json& j, const RunSummary& s);
void from_json(const nlohmann::json& j, RunSummary& s);
/// summary.json. @p include_wall_clock false drops wall_seconds so that output is byte-identical
/// across runs (golden files, determinism tests).
nlohmann::json to_json(const RunSummary& s, bool include_wall_clock = true);

}  // namespace cgsim::analysis
