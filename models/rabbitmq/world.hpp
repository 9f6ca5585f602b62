#pragma once
/// @file world.hpp
/// A simulated RabbitMQ system built from a scenario: the broker, the producers, the consumer
/// groups, the scenario's faults and the periodic queue-depth samples.
///
/// Faults (models/common/fault_schedule, `group` naming a consumer group): crash drops a
/// consumer's connection without acks; leave cancels and closes it cleanly; join adds consumers;
/// slow stretches a consumer's processing; restart is a leave, the downtime, then a new client in
/// the same place.
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "models/common/fault_schedule.hpp"
#include "models/rabbitmq/broker.hpp"
#include "models/rabbitmq/consumer.hpp"
#include "models/rabbitmq/producer.hpp"
#include "models/rabbitmq/scenario.hpp"
#include "models/rabbitmq/signals.hpp"
#include "sim/engine.hpp"

namespace cgsim::models::rabbitmq {

/// Totals over the run, for conservation checks and summaries.
struct Totals {
  std::uint64_t published = 0;        ///< publishes received by the broker
  std::uint64_t unroutable = 0;       ///< publishes no queue received
  std::uint64_t enqueued = 0;         ///< queue copies accepted (dead-letter copies included)
  std::uint64_t publish_rejected = 0; ///< copies refused by reject-publish
  std::uint64_t acked = 0;
  std::uint64_t dropped = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t ready = 0;            ///< in queues at the end
  std::uint64_t unacked = 0;          ///< delivered, unsettled at the end
  std::uint64_t requeued = 0;
  std::uint64_t lost_in_clients = 0;  ///< auto-ack messages a crashed client held
};

class World {
 public:
  /// Builds the world; @p scenario must outlive it.
  World(sim::Engine& engine, const Scenario& scenario);
  /// Starts producers and consumers and schedules faults and samples. Subscribe first.
  void start();
  /// Runs to the scenario's end.
  void run();

  Signals& signals() { return signals_; }
  Broker& broker() { return broker_; }
  sim::Engine& engine() { return engine_; }
  const Scenario& scenario() const { return scenario_; }
  Consumer& consumer(std::int32_t group, std::int32_t member) {
    return *groups_[static_cast<std::size_t>(group)][static_cast<std::size_t>(member)];
  }
  std::int32_t consumer_count(std::int32_t group) const {
    return static_cast<std::int32_t>(groups_[static_cast<std::size_t>(group)].size());
  }
  Totals totals() const;

  /// Records that the message at @p seq of @p key in @p queue was processed; true when a later
  /// message of that key in that queue was processed before it. Keyless messages are never late.
  bool out_of_order(std::int32_t queue, std::uint64_t key, std::uint64_t seq);

  /// Applies a fault now (the scheduled faults call this; tests may too).
  void apply(const models::FaultSpec& f);

 private:
  Consumer& add_consumer(std::int32_t group);
  friend class models::ClientFaults<World>;
  /// Index of the group a fault names, or -1.
  std::int32_t fault_group(const std::string& id) const { return scenario_.group_index(id); }
  /// Replaces consumer @p m of group @p g by a new client and starts it.
  void restart_member(std::int32_t g, std::int32_t m);
  void sample();

  sim::Engine& engine_;
  const Scenario& scenario_;
  Signals signals_;
  models::ClientFaults<World> faults_{*this};
  Broker broker_;
  Producers producers_;
  std::vector<std::vector<std::unique_ptr<Consumer>>> groups_;
  std::vector<std::vector<std::uint32_t>> lives_;
  std::vector<std::unique_ptr<Consumer>> retired_;  // replaced clients, kept for pending events
  std::unordered_map<std::uint64_t, std::uint64_t> latest_;  // (queue, key) -> highest seq processed
};

}  // namespace cgsim::models::rabbitmq
