#pragma once
/// @file fault_schedule.hpp
/// The scenario's faults, the same for every broker family: when each takes effect and what it
/// asks of the family's consumers. A family says only what a crash, a leave, a join, a slowdown
/// and a restart do to its clients (FaultTarget); the scheduler turns the fault list into engine
/// events and calls them:
/// - crash, leave, slow: the member named, if it exists at that instant;
/// - join: `count` new consumers, started at once;
/// - restart: a clean leave, then, once the client has closed, the downtime, then a new client
///   in the same place;
/// - rolling_restart: every member in turn, `duration + gap` apart, each a restart as above
///   (a member already stopped is skipped);
/// - add_partitions: the topic named grows by `count` partitions (families with partitions;
///   the others' loaders reject the fault).
/// Each fault is announced on the family's fault signal just before it takes effect. Faults are
/// rare, so the target is an ordinary virtual interface.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/common/scenario.hpp"
#include "sim/callback.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace cgsim::models {

/// What one broker family does to its consumers when a fault takes effect. Groups are the
/// family's consumer groups (Kafka's consumer groups, RabbitMQ's groups of competing consumers,
/// Pulsar's subscriptions), by index; members are consumer indexes within a group.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  /// Index of the group a fault's `group` names, or -1.
  virtual std::int32_t fault_group(const std::string& id) const = 0;
  /// Consumers group @p g has now (joined ones included).
  virtual std::int32_t fault_members(std::int32_t g) const = 0;
  /// True when member @p m of group @p g has crashed or closed.
  virtual bool fault_member_stopped(std::int32_t g, std::int32_t m) const = 0;
  virtual void crash_member(std::int32_t g, std::int32_t m) = 0;
  /// Shuts member @p m down cleanly; calls @p closed (when not empty) once the client is gone.
  virtual void leave_member(std::int32_t g, std::int32_t m, sim::Callback closed) = 0;
  /// Adds a consumer to group @p g and starts it.
  virtual void join_member(std::int32_t g) = 0;
  /// Multiplies member @p m's processing times by @p factor until @p until.
  virtual void slow_member(std::int32_t g, std::int32_t m, double factor, sim::Time until) = 0;
  /// Puts a new client in member @p m's place (it has left) and starts it.
  virtual void restart_member(std::int32_t g, std::int32_t m) = 0;
  /// Adds @p count partitions to topic @p topic. Only a family with partitioned topics has
  /// something to do; the others never see the fault.
  virtual void add_partitions(const std::string& topic, std::int32_t count) {
    (void)topic;
    (void)count;
  }
};

/// The FaultTarget of a family whose world keeps its clients by group and member, with
/// `fault_group(id)`, `consumer_count(g)`, `consumer(g, m)`, `add_consumer(g)` and
/// `restart_member(g, m)`, and whose clients `crash()`, `leave(closed)`, `slow(factor, until)`
/// and say whether they are `stopped()`.
template <class World>
class ClientFaults final : public FaultTarget {
 public:
  explicit ClientFaults(World& world) : w_(world) {}
  std::int32_t fault_group(const std::string& id) const override { return w_.fault_group(id); }
  std::int32_t fault_members(std::int32_t g) const override { return w_.consumer_count(g); }
  bool fault_member_stopped(std::int32_t g, std::int32_t m) const override { return w_.consumer(g, m).stopped(); }
  void crash_member(std::int32_t g, std::int32_t m) override { w_.consumer(g, m).crash(); }
  void leave_member(std::int32_t g, std::int32_t m, sim::Callback closed) override {
    w_.consumer(g, m).leave(std::move(closed));
  }
  void join_member(std::int32_t g) override { w_.add_consumer(g).start(); }
  void slow_member(std::int32_t g, std::int32_t m, double factor, sim::Time until) override {
    w_.consumer(g, m).slow(factor, until);
  }
  void restart_member(std::int32_t g, std::int32_t m) override { w_.restart_member(g, m); }

 private:
  World& w_;
};

/// Schedules every fault of @p faults on @p engine (in list order, at its time, rank kFault):
/// @p applied is emitted with the fault and the time, then apply_fault() runs. @p faults and
/// @p target must outlive the run.
void schedule_faults(sim::Engine& engine, const std::vector<FaultSpec>& faults, FaultTarget& target,
                     sim::Signal<const FaultSpec&, sim::Time>& applied);

/// Applies fault @p f to @p target now (the scheduled faults call this; tests may too).
void apply_fault(sim::Engine& engine, const FaultSpec& f, FaultTarget& target);

}  // namespace cgsim::models
