#pragma once
/// @file world.hpp
/// The simulated system built from a scenario: broker, producers, consumer groups, and the
/// scenario's faults scheduled through the engine.
#include <memory>
#include <utility>
#include <vector>

#include "models/common/fault_schedule.hpp"
#include "models/kafka/broker.hpp"
#include "models/kafka/group.hpp"
#include "models/kafka/producer.hpp"
#include "models/common/scenario.hpp"
#include "models/kafka/signals.hpp"
#include "sim/engine.hpp"

namespace cgsim::models {

/// The faults (models/common/fault_schedule) act on the groups' Kafka clients: crash stops a
/// client without a word; leave closes it (commit, LeaveGroup); restart brings a new client with
/// the same name (and group.instance.id) after the downtime; add_partitions grows a topic on the
/// broker, and producers, clients and coordinators learn of it as Kafka's do (docs/model.md,
/// "Adding partitions").
class World final : private FaultTarget {
 public:
  /// Builds the world; @p scenario must outlive it.
  World(sim::Engine& engine, const Scenario& scenario);
  /// Replaces the producers by a recorded arrival trace (see Production::replay). Before start().
  void replay_arrivals(std::vector<Arrival> trace) { production_->replay(std::move(trace)); }
  /// Starts producers and consumers and schedules the faults. Subscribe to signals() first.
  void start();
  /// Runs to the scenario's end and settles in-flight work (records done by then count).
  void run();

  Signals& signals() { return signals_; }
  Broker& broker() { return broker_; }
  const Broker& broker() const { return broker_; }
  Group& group(std::size_t i) { return *groups_[i]; }
  std::size_t group_count() const { return groups_.size(); }
  const Scenario& scenario() const { return scenario_; }
  sim::Engine& engine() { return engine_; }
  /// Drops log records below every group's committed offset (bounded memory, as retention would).
  void truncate_logs();

 private:
  std::int32_t fault_group(const std::string& id) const override;
  std::int32_t fault_members(std::int32_t g) const override;
  bool fault_member_stopped(std::int32_t g, std::int32_t m) const override;
  void crash_member(std::int32_t g, std::int32_t m) override;
  void leave_member(std::int32_t g, std::int32_t m, sim::Callback closed) override;
  void join_member(std::int32_t g) override;
  void slow_member(std::int32_t g, std::int32_t m, double factor, sim::Time until) override;
  void restart_member(std::int32_t g, std::int32_t m) override;
  void add_partitions(const std::string& topic, std::int32_t count) override;

  sim::Engine& engine_;
  const Scenario& scenario_;
  Signals signals_;
  Broker broker_;
  std::unique_ptr<Production> production_;
  std::vector<std::unique_ptr<Group>> groups_;
};

}  // namespace cgsim::models
