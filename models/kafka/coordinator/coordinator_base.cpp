#include "models/kafka/coordinator/coordinator_base.hpp"

#include "models/kafka/coordinator/classic_group.hpp"
#include "models/kafka/coordinator/consumer_group.hpp"
#include "models/kafka/group.hpp"

namespace cgsim::models {

template <typename Derived, typename State>
CoordinatorBase<Derived, State>::CoordinatorBase(Group& group, State initial)
    : group_(group),
      engine_(group.engine()),
      state_(initial),
      ids_(group.scenario().seed, "group/" + group.spec().id + "/member-ids") {}

template <typename Derived, typename State>
void CoordinatorBase<Derived, State>::set_state(State s) {
  if (s == state_) return;
  const State from = state_;
  state_ = s;
  group_.signals().group_state.emit(group_.index(), to_string(from), to_string(s), engine_.now());
}

template <typename Derived, typename State>
void CoordinatorBase<Derived, State>::finish_run() {
  if (open_) {
    group_.signals().rebalance_completed.emit(*open_);
    open_.reset();
  }
}

template <typename Derived, typename State>
TopicPartition CoordinatorBase<Derived, State>::topic_partition(std::int32_t gid) const {
  const TopicInfo& t = group_.broker().topic(group_.broker().topic_of(gid));
  return TopicPartition{t.name, gid - t.first_gid};
}

template <typename Derived, typename State>
void CoordinatorBase<Derived, State>::open_rebalance(const std::string& trigger, const std::string& protocol,
                                                     std::int32_t rounds) {
  open_ = RebalanceInfo{};
  open_->group = group_.index();
  open_->start = engine_.now();
  open_->trigger = trigger;
  open_->protocol = protocol;
  open_->rounds = rounds;
  group_.signals().rebalance_started.emit(*open_);
}

template <typename Derived, typename State>
void CoordinatorBase<Derived, State>::close_rebalance(std::int32_t generation) {
  open_->end = engine_.now();
  open_->generation = generation;
  group_.signals().rebalance_completed.emit(*open_);
  open_.reset();
}

template <typename Derived, typename State>
std::int64_t CoordinatorBase<Derived, State>::owner_changes(const std::map<std::int32_t, std::int32_t>& a,
                                                            const std::map<std::int32_t, std::int32_t>& b) {
  std::int64_t n = 0;
  for (const auto& [p, c] : a) {
    auto o = b.find(p);
    if (o == b.end() || o->second != c) ++n;
  }
  return n;
}

template <typename Derived, typename State>
void CoordinatorBase<Derived, State>::accept_commit(std::int32_t consumer,
                                                    const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  for (const auto& [gid, off] : offsets) group_.offsets(gid).committed = off;
  group_.signals().commit.emit(group_.index(), consumer, offsets.size(), engine_.now());
}

template class CoordinatorBase<ClassicGroupCoordinator, ClassicGroupState>;
template class CoordinatorBase<ConsumerGroupCoordinator, ConsumerGroupState>;

}  // namespace cgsim::models
