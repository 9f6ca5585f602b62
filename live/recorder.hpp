#pragma once
/// @file recorder.hpp
/// Collects what the live clients report (deliveries, processed records, commits, rebalance
/// callbacks, faults, coordinator states) from many threads and turns it into a RunSummary with
/// the same meaning as the simulator's.
///
/// Times are nanoseconds since the start of the run, on the steady clock. Partitions are
/// numbered globally, topic after topic in scenario order (as the simulator numbers them).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analysis/metrics/rebalance_reconstruction.hpp"
#include "analysis/metrics/summary.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "live/backend.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::live {

/// One record a consumer finished processing.
struct ProcessedRecord {
  std::int32_t partition = 0;    ///< global partition index
  std::int64_t offset = 0;
  std::int64_t produced_ns = 0;  ///< when the producer created it
  std::int64_t done_ns = 0;      ///< when its processing finished
  /// The consumer had run out of messages before this one (a poll returned nothing).
  bool after_idle = false;
};

/// Thread-safe collector of one live run: it reconstructs what the clients' reports imply
/// (duplicates, lost records, rebalances, stalls) and feeds analysis::SummaryBuilder, which rolls
/// the summary up as it does for the simulator. After finish() it ignores further reports, so
/// clients shutting down after the end of the run do not change the result.
class Recorder {
 public:
  /// A group as the recorder needs to know it.
  struct GroupInfo {
    std::string id;
    std::vector<std::int32_t> partitions;  ///< global partitions of its topics
    bool cooperative = false;
    /// KIP-848's consumer protocol: rebalances are rebuilt from ownership, not generations.
    bool consumer_protocol = false;
    bool static_membership = false;
  };

  /// @param partition_names global partition index -> "topic-partition" (scenario topic names)
  Recorder(std::vector<std::string> partition_names, std::vector<GroupInfo> groups);

  /// Ignores every report timed after @p end_ns (clients shutting down after the run).
  void set_end(std::int64_t end_ns);
  /// A delivery report: the record at @p offset of @p partition, created at @p produced_ns.
  void produced(std::int32_t partition, std::int64_t offset, std::int64_t produced_ns);
  /// A consumer finished processing @p batch (in processing order).
  void processed(std::int32_t group, const std::string& consumer, const std::vector<ProcessedRecord>& batch);
  /// An offset commit of @p group succeeded: @p offset is the next record to read.
  void committed(std::int32_t group, std::int32_t partition, std::int64_t offset);
  /// A consumer received partitions in generation @p generation (-1 if unknown);
  /// @p current is its whole assignment afterwards.
  void assigned(std::int32_t group, const std::string& consumer, const std::string& member_id,
                std::int32_t generation, std::int64_t t_ns, std::vector<std::int32_t> current);
  /// A consumer gave up @p revoked partitions; @p current is what it still owns.
  void revoked(std::int32_t group, const std::string& consumer, std::int64_t t_ns,
               const std::vector<std::int32_t>& revoked, std::vector<std::int32_t> current);
  /// A client of @p consumer started (subscribed) or stopped (crashed or closed).
  void consumer_started(std::int32_t group, const std::string& consumer, std::int64_t t_ns);
  void consumer_stopped(std::int32_t group, const std::string& consumer, std::int64_t t_ns);
  /// A scheduled fault was applied (@p member is -1 for join and rolling restart).
  void fault(std::int32_t group, const models::FaultSpec& fault, std::int32_t member, std::int64_t t_ns);
  /// An add_partitions fault created @p partitions (global numbers) at @p t_ns.
  void partitions_created(const std::vector<std::int32_t>& partitions, std::int64_t t_ns);
  /// The coordinator reported the group in @p state ("PreparingRebalance", "CompletingRebalance",
  /// "Stable", "Empty", ...), as polled with DescribeConsumerGroups.
  void group_state(std::int32_t group, const std::string& state, std::int64_t t_ns);
  /// Takes one lag sample of every group.
  void sample(std::int64_t t_ns);

  /// Summarises the run up to @p end_ns and freezes the recorder.
  analysis::RunSummary finish(std::int64_t end_ns, const models::Scenario& scenario, const std::string& backend);
  /// Records produced per partition name (after finish()).
  std::map<std::string, std::uint64_t> produced_per_partition() const;

 private:
  struct PartitionState {
    std::vector<std::int64_t> produced_ns;  ///< by offset; -1 for offsets not (yet) reported
    std::int64_t log_end = 0;
  };
  struct GroupPartition {
    std::vector<std::uint8_t> done;  ///< by offset: processed at least once
    std::int64_t committed = -1;
    std::int64_t frontier = 0;       ///< one past the highest processed offset
    std::int64_t first = -1;         ///< lowest offset processed (start position)
  };
  struct ConsumerState {
    std::int32_t index = 0;
    std::string member_id;
    std::vector<std::int32_t> current;
    bool alive = false;
    bool assigned_once = false;
  };
  /// One processing, in the order its consumer reported them.
  struct Processing {
    std::int32_t partition;
    std::int64_t offset;
    std::int64_t produced_ns;
    std::int64_t done_ns;
    bool first;       ///< the group's first processing of the offset
    bool after_idle;  ///< the consumer had run dry before it
  };
  struct Group {
    GroupInfo info;
    std::map<std::int32_t, GroupPartition> parts;
    std::map<std::string, ConsumerState> consumers;
    std::map<std::string, std::vector<Processing>> processings;  ///< per consumer
    /// Assignments, revocations, stops, faults, coordinator states and starts, from which
    /// finish() reconstructs rebalances and hand-outs (analysis/metrics/rebalance_reconstruction).
    analysis::MembershipLog log;
  };

  ConsumerState& consumer(Group& g, const std::string& name);
  /// Feeds group @p group's first processings to the builder, each marked caught in a stall or not.
  void feed_first_processings(std::size_t group, const Group& g);

  mutable std::mutex mu_;
  bool frozen_ = false;
  std::int64_t end_ = INT64_MAX;
  std::uint64_t events_ = 0;
  std::vector<std::string> names_;
  std::vector<PartitionState> partitions_;
  std::vector<Group> groups_;
  analysis::SummaryBuilder builder_;
};

}  // namespace cgsim::live
