#include "models/common/fault_schedule.hpp"

#include "models/common/priorities.hpp"

namespace cgsim::models {

namespace {

/// A leave of member @p m, then, once it has closed, the downtime, then its replacement.
void restart_after_leave(sim::Engine& engine, FaultTarget& target, std::int32_t g, std::int32_t m,
                         sim::Time downtime) {
  target.leave_member(g, m, [&engine, &target, g, m, downtime] {
    engine.schedule_after(downtime, priority::kFault, [&target, g, m] { target.restart_member(g, m); });
  });
}

}  // namespace

void schedule_faults(sim::Engine& engine, const std::vector<FaultSpec>& faults, FaultTarget& target,
                     sim::Signal<const FaultSpec&, sim::Time>& applied) {
  for (const FaultSpec& f : faults) {
    engine.schedule_at(f.at, priority::kFault, [&engine, &target, &applied, &f] {
      applied.emit(f, engine.now());
      apply_fault(engine, f, target);
    });
  }
}

void apply_fault(sim::Engine& engine, const FaultSpec& f, FaultTarget& target) {
  if (f.kind == FaultSpec::Kind::AddPartitions) {
    target.add_partitions(f.topic, f.count);
    return;
  }
  const std::int32_t g = target.fault_group(f.group);
  if (g < 0) return;  // the loaders guarantee the group exists
  const std::int32_t n = target.fault_members(g);
  const bool member_ok = f.member >= 0 && f.member < n;
  switch (f.kind) {
    case FaultSpec::Kind::Crash:
      if (member_ok) target.crash_member(g, f.member);
      break;
    case FaultSpec::Kind::Leave:
      if (member_ok) target.leave_member(g, f.member, nullptr);
      break;
    case FaultSpec::Kind::Join:
      for (std::int32_t i = 0; i < f.count; ++i) target.join_member(g);
      break;
    case FaultSpec::Kind::Slow:
      if (member_ok) target.slow_member(g, f.member, f.factor, engine.now() + f.duration);
      break;
    case FaultSpec::Kind::Restart:
      if (member_ok) restart_after_leave(engine, target, g, f.member, f.duration);
      break;
    case FaultSpec::Kind::AddPartitions:
      break;  // handled above: it names a topic, not a group
    case FaultSpec::Kind::RollingRestart: {
      const sim::Time step = f.duration + f.gap;
      const sim::Time downtime = f.duration;
      for (std::int32_t m = 0; m < n; ++m) {
        engine.schedule_after(step * m, priority::kFault, [&engine, &target, g, m, downtime] {
          if (target.fault_member_stopped(g, m)) return;
          restart_after_leave(engine, target, g, m, downtime);
        });
      }
      break;
    }
  }
}

}  // namespace cgsim::models
