#pragma once
/// @file coordinator_base.hpp
/// What Kafka's two group coordinators share: the group they serve, their state with its signal,
/// the random stream that names new members, and the timers that expire members.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/common/priorities.hpp"
#include "models/kafka/signals.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class Group;

/// @tparam State the coordinator's own state enum, printable with to_string(State).
template <typename State>
class CoordinatorBase {
 public:
  State state() const { return state_; }
  /// Closes a rebalance still open at the end of a run: it is reported with no end.
  void finish_run();

 protected:
  /// @p initial is the state of a group without members.
  CoordinatorBase(Group& group, State initial);

  /// Moves to @p s and emits the group-state signal when the state changes.
  void set_state(State s);
  /// 128 random bits for a new member id, from the group's own member-id stream.
  std::pair<std::uint64_t, std::uint64_t> random_id_bits() { return {ids_.next_u64(), ids_.next_u64()}; }
  /// Schedules @p fn at @p at in @p timer unless @p timer is pending already (an expiry timer is
  /// re-armed lazily, when it fires early).
  template <typename F>
  void arm_timer(sim::EventId& timer, sim::Time at, F&& fn) {
    if (engine_.pending(timer)) return;
    timer = engine_.schedule_at(at, priority::kCoordinator, std::forward<F>(fn));
  }

  /// Applies the offsets of an OffsetCommit the coordinator accepted from consumer @p consumer
  /// and signals the commit.
  void accept_commit(std::int32_t consumer, const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);

  Group& group_;
  sim::Engine& engine_;
  State state_;
  /// The rebalance in progress, reported when it completes.
  std::optional<RebalanceInfo> open_;

 private:
  sim::Rng ids_;
};

}  // namespace cgsim::models
