#include "models/common/scenario.hpp"

namespace cgsim::models {

const char* to_string(FaultSpec::Kind kind) {
  switch (kind) {
    case FaultSpec::Kind::Crash: return "crash";
    case FaultSpec::Kind::Leave: return "leave";
    case FaultSpec::Kind::Join: return "join";
    case FaultSpec::Kind::Slow: return "slow";
    case FaultSpec::Kind::Restart: return "restart";
    case FaultSpec::Kind::RollingRestart: return "rolling_restart";
    case FaultSpec::Kind::AddPartitions: return "add_partitions";
  }
  return "?";
}

double RateSpec::rate_at(sim::Time t) const {
  if (kind != Kind::Steps) return per_second;
  double r = 0;
  for (const auto& [from, rate] : steps) {
    if (from > t) break;
    r = rate;
  }
  return r;
}

const TopicSpec* Scenario::topic(const std::string& n) const {
  for (const auto& t : topics)
    if (t.name == n) return &t;
  return nullptr;
}

const GroupSpec* Scenario::group(const std::string& id) const {
  for (const auto& g : groups)
    if (g.id == id) return &g;
  return nullptr;
}

}  // namespace cgsim::models
