#pragma once
/// @file run.hpp
/// One Pulsar run as `cgsim validate` compares it, live or simulated: the shared summary (built by
/// analysis::SummaryBuilder, as `cgsim run` builds it) plus what the Pulsar checks need beyond it,
/// each processing's consumer, partition, key and times, and the faults as they took effect.
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "models/common/scenario.hpp"
#include "models/pulsar/scenario_file.hpp"

namespace cgsim::live::pulsar {

/// One message a consumer finished processing.
struct Processed {
  std::int32_t subscription = 0;
  std::int32_t consumer = 0;     ///< consumer index within the subscription (the model's member)
  std::int32_t partition = 0;    ///< partition index (0 for a non-partitioned topic)
  std::int64_t position = 0;     ///< order of the message within its partition
  std::uint64_t key = 0;         ///< key index, models::pulsar::kNoKey without one
  std::int64_t published_ns = 0; ///< run clock: when the producer sent it (live) or the broker appended it (simulated)
  std::int64_t done_ns = 0;      ///< run clock: processing done (and acknowledged)
  /// The first message of its producer batch (or sent alone): its key is the sticky key the
  /// broker dispatched the batch by.
  bool batch_leader = true;
  bool duplicate = false;        ///< the subscription had processed this message before
  bool out_of_order = false;     ///< processed (re-processings too) after a later message of its key
};

/// A scheduled fault, when it took effect.
struct FaultAt {
  std::int32_t subscription = 0;
  models::FaultSpec spec;
  std::int64_t at_ns = 0;
};

struct PulsarRun {
  analysis::FamilyRun family;
  std::vector<Processed> processed;  ///< in the order processings finished
  std::vector<FaultAt> faults;       ///< in time order
};

/// Rolls processings, faults and the published count up into a PulsarRun with the summary
/// builder the simulator's Pulsar runs use: duplicates are charged to the fault before them,
/// ordering violations counted per key. Marks each processing's duplicate and out_of_order flags.
/// @p consumer_names holds, per subscription, each consumer index's name.
PulsarRun summarise(const models::pulsar::ScenarioFile& sc, std::vector<Processed> processed, std::vector<FaultAt> faults,
                    std::uint64_t published, const std::vector<std::vector<std::string>>& consumer_names);

/// The simulator's side: analysis::simulate_pulsar of @p sc, with each processing and fault
/// recorded as the live side records them.
PulsarRun simulate_for_validation(const models::pulsar::ScenarioFile& sc);

/// The consumer names of the model: names[i] or <subscription>-<i>, for @p count consumers.
std::vector<std::string> consumer_names(const models::pulsar::SubscriptionSpec& s, std::int32_t count);

}  // namespace cgsim::live::pulsar
