#pragma once
/// @file rebalance_reconstruction.hpp
/// Rebalances, generations and partition hand-outs of one consumer group, reconstructed from what
/// its clients reported (assignments, revocations, starts and stops, the faults applied and the
/// coordinator states seen). A backend that cannot watch the coordinator (a live run) records a
/// MembershipLog and calls these; the simulator's coordinator reports its rebalances itself.
///
/// Times are nanoseconds since the start of the run; partitions are global partition indexes.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/metrics/summary.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::analysis {

/// What one group's clients reported, in the order they reported it.
struct MembershipLog {
  /// A consumer received partitions in a generation (-1 if unknown); @p current is its whole
  /// assignment afterwards, sorted.
  struct Assign {
    std::string consumer;
    std::int32_t generation = -1;
    std::int64_t t = 0;
    std::vector<std::int32_t> current;
  };
  /// A consumer gave up partitions (a revocation), or stopped holding them (a crash or close).
  struct Release {
    std::string consumer;
    std::int64_t t = 0;
    std::vector<std::int32_t> partitions;
  };
  /// A scheduled fault applied to the group (@p member -1 for join and rolling restart).
  struct Fault {
    models::FaultSpec::Kind kind = models::FaultSpec::Kind::Crash;
    std::int32_t member = -1;
    std::int64_t t = 0;
  };

  std::string group;
  bool cooperative = false;        ///< the incremental protocol (revocations in a round of their own)
  bool static_membership = false;  ///< a restarted member keeps its place without a rebalance
  /// KIP-848's consumer protocol: members reconcile one by one, each with its own member epoch,
  /// so rebalances are rebuilt from ownership rather than from generations.
  bool consumer_protocol = false;
  std::vector<std::int32_t> partitions;  ///< every partition of the group's topics
  /// Partitions an add_partitions fault created, with the instant they appeared; the others
  /// existed from the start.
  std::map<std::int32_t, std::int64_t> created;
  std::vector<Assign> assigns;
  std::vector<Release> revokes;
  std::vector<Release> stops;      ///< clients stopped, with what they held
  std::vector<Fault> faults;
  std::vector<std::pair<std::int64_t, std::string>> states;  ///< coordinator states, as polled
  std::vector<std::int64_t> starts;                          ///< consumer start times
};

/// Rebalances and generations of one group.
struct Reconstruction {
  std::vector<RebalanceRecord> rebalances;
  std::vector<GenerationRecord> generations;
};

/// The simulator's trigger name for a fault that starts a rebalance.
const char* rebalance_trigger(models::FaultSpec::Kind kind);

/// Reconstructs the rebalances and generations of @p log up to @p end_ns: one generation per
/// generation number, each rebalance starting at the earliest sign of it after the previous
/// generation (a revocation, a membership fault, the coordinator seen preparing a rebalance),
/// the incremental protocol's follow-up round folded into the rebalance before it, and a
/// rebalance still open at the end. @p partition_names maps global partition indexes to the
/// "topic-partition" names generations list.
Reconstruction reconstruct_rebalances(const MembershipLog& log, const std::vector<std::string>& partition_names,
                                      std::int64_t end_ns);

/// The consumer protocol's rebalances (rebalance_reconstruction_epochs.cpp): a generation is an
/// instant when every partition is held by exactly one live member, none is without a share and
/// none has yet to receive more in its member epoch; reconstruct_rebalances calls it for a log
/// whose consumer_protocol is set.
Reconstruction reconstruct_epoch_rebalances(const MembershipLog& log, const std::vector<std::string>& partition_names,
                                            std::int64_t end_ns);

/// When each partition was handed out (times ascending): replaying ownership in time order,
/// releases before assignments at one instant, a partition is handed out when an assignment lists
/// it while nobody holds it (at start-up, after a revocation or its owner's stop) or while
/// another client still does.
std::map<std::int32_t, std::vector<std::int64_t>> partition_hand_outs(const MembershipLog& log);

}  // namespace cgsim::analysis
