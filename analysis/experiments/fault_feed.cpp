#include "analysis/experiments/fault_feed.hpp"

#include <utility>

namespace cgsim::analysis {

std::string fault_subject(const models::FaultSpec& f) {
  if (f.kind == models::FaultSpec::Kind::AddPartitions) return f.topic;
  return f.member >= 0 ? f.group + "/" + std::to_string(f.member) : f.group;
}

void subscribe_faults(models::CommonSignals& signals, std::vector<std::string> group_ids, SummaryBuilder& builder,
                      FaultHooks hooks) {
  signals.fault.connect([ids = std::move(group_ids), &builder, hooks = std::move(hooks)](const models::FaultSpec& f,
                                                                                          sim::Time t) {
    const std::string subject = fault_subject(f);
    const char* kind = models::to_string(f.kind);
    if (hooks.timeline) hooks.timeline->push_back({sim::to_seconds(t), "fault", subject, kind});
    for (std::size_t g = 0; g < ids.size(); ++g) {
      if (hooks.concerns ? !hooks.concerns(f, g) : ids[g] != f.group) continue;
      FaultRecord r;
      r.group = ids[g];
      r.kind = kind;
      r.subject = subject;
      r.at_s = sim::to_seconds(t);
      builder.fault(g, std::move(r), hooks.frontier ? hooks.frontier(g) : std::vector<std::int64_t>{});
      if (hooks.warmup) hooks.warmup(g, t);
    }
  });
}

}  // namespace cgsim::analysis
