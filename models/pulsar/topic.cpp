#include "models/pulsar/topic.hpp"

namespace cgsim::models::pulsar {

Topic::Topic(const PulsarTopicSpec& spec) : spec_(spec) {
  const std::string base = "persistent://public/default/" + spec.name;
  if (spec.partitions <= 0) {
    ledgers_.resize(1);
    names_.push_back(base);
  } else {
    ledgers_.resize(static_cast<std::size_t>(spec.partitions));
    for (std::int32_t p = 0; p < spec.partitions; ++p) names_.push_back(base + "-partition-" + std::to_string(p));
  }
}

std::uint64_t Topic::published() const {
  std::uint64_t n = 0;
  for (const auto& l : ledgers_) n += l.size();
  return n;
}

void Topic::append(std::int32_t p, const Entry& e) {
  ledgers_[static_cast<std::size_t>(p)].push_back(e);
  for (const auto& l : listeners_) l(p);
}

}  // namespace cgsim::models::pulsar
