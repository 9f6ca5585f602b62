#include "models/kafka/coordinator/coordinator_base.hpp"

#include "models/kafka/coordinator/classic_group.hpp"
#include "models/kafka/coordinator/consumer_group.hpp"
#include "models/kafka/group.hpp"

namespace cgsim::models {

template <typename State>
CoordinatorBase<State>::CoordinatorBase(Group& group, State initial)
    : group_(group),
      engine_(group.engine()),
      state_(initial),
      ids_(group.scenario().seed, "group/" + group.spec().id + "/member-ids") {}

template <typename State>
void CoordinatorBase<State>::set_state(State s) {
  if (s == state_) return;
  const State from = state_;
  state_ = s;
  group_.signals().group_state.emit(group_.index(), to_string(from), to_string(s), engine_.now());
}

template <typename State>
void CoordinatorBase<State>::finish_run() {
  if (open_) {
    group_.signals().rebalance_completed.emit(*open_);
    open_.reset();
  }
}

template <typename State>
void CoordinatorBase<State>::accept_commit(std::int32_t consumer,
                                           const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  for (const auto& [gid, off] : offsets) group_.offsets(gid).committed = off;
  group_.signals().commit.emit(group_.index(), consumer, offsets.size(), engine_.now());
}

template class CoordinatorBase<ClassicGroupState>;
template class CoordinatorBase<ConsumerGroupState>;

}  // namespace cgsim::models
