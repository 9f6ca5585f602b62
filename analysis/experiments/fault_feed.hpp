#pragma once
/// @file fault_feed.hpp
/// The family-neutral part of a run's collector, shared by the Kafka run's and the RabbitMQ and
/// Pulsar runs': the faults, which every family emits through CommonSignals
/// (models/common/signals.hpp). A fault that takes effect goes on the run's timeline (when the
/// run keeps one) and, for every group it concerns, into the SummaryBuilder (which charges what
/// follows to it) and into the group's warm-up (an automatic warm-up still open ends there).
/// The family says which groups a fault concerns and what its duplicates are measured against.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "models/common/signals.hpp"

namespace cgsim::analysis {

/// What a fault names: the topic that grows, "<group>/<member>" for one member, or the group.
std::string fault_subject(const models::FaultSpec& f);

/// The family's part of the fault subscription.
struct FaultHooks {
  /// Whether fault @p f concerns group @p g; unset: the group the fault names.
  std::function<bool(const models::FaultSpec& f, std::size_t g)> concerns;
  /// Group @p g's per-partition frontier the fault's duplicates are measured against (see
  /// FaultLedger::fault); unset: none, the family attributes duplicates itself.
  std::function<std::vector<std::int64_t>(std::size_t g)> frontier;
  /// A fault of group @p g at @p at, for its warm-up.
  std::function<void(std::size_t g, sim::Time at)> warmup;
  /// The run's timeline; null: the run keeps none.
  std::vector<TimelineEvent>* timeline = nullptr;
};

/// Subscribes to @p signals' faults for the groups @p group_ids (in the builder's order),
/// recording them into @p builder and through @p hooks. @p builder and what the hooks refer to
/// must outlive the run.
void subscribe_faults(models::CommonSignals& signals, std::vector<std::string> group_ids, SummaryBuilder& builder,
                      FaultHooks hooks);

}  // namespace cgsim::analysis
