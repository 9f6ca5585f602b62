#include "live/rabbitmq/attribution.hpp"

namespace cgsim::live::rabbitmq {

void RedeliveryAttribution::fault(std::size_t group, const std::string& group_name, const std::string& kind,
                                  const std::string& subject, double at_s) {
  latest_[group] = static_cast<std::ptrdiff_t>(faults_.size());
  faults_.push_back({group_name, kind, subject, at_s, 0});
}

void RedeliveryAttribution::processed(std::size_t group, std::int32_t queue, std::uint64_t id, bool redelivered) {
  auto& nacked = nacked_[group];
  const bool after_nack = nacked.erase(key(queue, id)) > 0;
  if (!redelivered) return;
  if (after_nack) {
    ++after_nack_;
  } else if (latest_[group] >= 0) {
    ++faults_[static_cast<std::size_t>(latest_[group])].redelivered;
  } else {
    ++unattributed_;
  }
}

bool OrderingCheck::processed(std::int32_t queue, std::uint64_t key, std::uint64_t sequence) {
  auto [it, fresh] = latest_.try_emplace({queue, key}, sequence);
  if (fresh) return false;
  if (sequence < it->second) return true;
  it->second = sequence;
  return false;
}

}  // namespace cgsim::live::rabbitmq
