#pragma once
/// @file world.hpp
/// A simulated Pulsar system built from a scenario: topics, producers, each subscription's
/// dispatcher on every partition, the consumer clients, the scenario's faults and the periodic
/// backlog samples.
///
/// Faults (models/common/fault_schedule, `group` naming a subscription): crash stops a consumer
/// at once; leave closes it cleanly; join adds consumers (next indexes); slow stretches a
/// consumer's processing; restart is a leave, the downtime, then a new client in the same place
/// (same name, same priority level).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/common/fault_schedule.hpp"
#include "models/pulsar/consumer.hpp"
#include "models/pulsar/dispatcher.hpp"
#include "models/pulsar/producer.hpp"
#include "models/pulsar/scenario_file.hpp"
#include "models/pulsar/signals.hpp"
#include "models/pulsar/topic.hpp"
#include "sim/engine.hpp"

namespace cgsim::models::pulsar {

/// Totals of one subscription over the run, for conservation checks and summaries.
struct SubscriptionTotals {
  std::uint64_t published = 0;      ///< messages the broker appended to the subscription's topic
  std::uint64_t acked = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t backlog = 0;        ///< not settled at the end (counted message by message)
  std::uint64_t unacked = 0;        ///< of the backlog, sent to a consumer and not acknowledged
  std::uint64_t unprocessed = 0;    ///< of the backlog, messages no processing has completed
  std::uint64_t settled_unprocessed = 0;  ///< settled before any processing completed
  std::uint64_t processed = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t redeliveries = 0;
};

class World {
 public:
  /// Builds the world; @p scenario must outlive it.
  World(sim::Engine& engine, const ScenarioFile& scenario);
  /// Starts producers and consumers and schedules faults and samples. Subscribe first.
  void start();
  /// Runs to the scenario's end.
  void run();
  /// Applies a fault now (the scheduled faults call this; tests may too).
  void apply(const models::FaultSpec& f);

  Signals& signals() { return signals_; }
  sim::Engine& engine() { return engine_; }
  const ScenarioFile& scenario() const { return scenario_; }
  const ApplicationSpec& application(std::int32_t subscription) const;
  Topic& topic(std::int32_t t) { return *topics_[static_cast<std::size_t>(t)]; }
  /// The dispatchers of subscription @p s, one per partition of its topic.
  std::vector<Dispatcher*> dispatchers(std::int32_t s) const;
  Dispatcher& dispatcher(std::int32_t s, std::int32_t partition) {
    return *subscriptions_[static_cast<std::size_t>(s)][static_cast<std::size_t>(partition)];
  }
  Consumer& consumer(std::int32_t s, std::int32_t member) {
    return *consumers_[static_cast<std::size_t>(s)][static_cast<std::size_t>(member)];
  }
  std::int32_t consumer_count(std::int32_t s) const {
    return static_cast<std::int32_t>(consumers_[static_cast<std::size_t>(s)].size());
  }
  /// Adds a consumer to subscription @p s (not started).
  Consumer& add_consumer(std::int32_t s);
  SubscriptionTotals totals(std::int32_t s) const;
  /// The sticky key the broker reads from the entry holding @p e: the key of the first message of
  /// its batch, else "<producer name>-<sequence id of that message>".
  std::string sticky_key(const Entry& e) const;

 private:
  friend class models::ClientFaults<World>;
  /// Index of the subscription a fault names, or -1.
  std::int32_t fault_group(const std::string& id) const { return scenario_.subscription_index(id); }
  /// Replaces consumer @p m of subscription @p s by a new client and starts it.
  void restart_member(std::int32_t s, std::int32_t m);
  void sample();

  sim::Engine& engine_;
  const ScenarioFile& scenario_;
  Signals signals_;
  models::ClientFaults<World> faults_{*this};
  std::vector<std::unique_ptr<Topic>> topics_;
  Producers producers_;
  std::vector<std::vector<std::unique_ptr<Dispatcher>>> subscriptions_;
  std::vector<std::vector<std::unique_ptr<Consumer>>> consumers_;
  std::vector<std::vector<std::uint32_t>> lives_;
  std::vector<std::unique_ptr<Consumer>> retired_;  // replaced clients, kept for pending events
  ConsumerId next_id_ = 1;
  ApplicationSpec default_application_;
};

}  // namespace cgsim::models::pulsar
