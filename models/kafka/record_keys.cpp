#include "models/kafka/record_keys.hpp"

#include <string>

#include "models/common/workload.hpp"
#include "models/kafka/partitioners/partitioner.hpp"

namespace cgsim::models {

namespace {
/// The largest key space whose keys are enumerated (Production aggregates up to the same size).
constexpr std::uint64_t kMaxKeys = 4'000'000;

bool same_keys(const ProducerSpec& a, const ProducerSpec& b) {
  return a.keys.kind == b.keys.kind && a.keys.cardinality == b.keys.cardinality && a.keys.exponent == b.keys.exponent &&
         a.keys.prefix == b.keys.prefix && a.partitioner == b.partitioner;
}
}  // namespace

RecordKeys::RecordKeys(const Scenario& scenario, const Broker& broker)
    : scenario_(scenario), broker_(broker), topic_spec_(broker.topics().size(), nullptr),
      topic_keyed_(broker.topics().size(), 0), topic_built_(broker.topics().size(), 0), topic_base_(broker.topics().size(), 0),
      partitions_(static_cast<std::size_t>(broker.partition_count())) {
  std::vector<std::uint8_t> mixed(broker.topics().size(), 0);
  for (const ProducerSpec& p : scenario.producers) {
    const auto t = static_cast<std::size_t>(broker.topic_index(p.topic));
    if (topic_spec_[t] != nullptr && !same_keys(*topic_spec_[t], p)) mixed[t] = 1;
    topic_spec_[t] = &p;
  }
  for (std::size_t t = 0; t < topic_spec_.size(); ++t) {
    const ProducerSpec* p = topic_spec_[t];
    if (p == nullptr || mixed[t] != 0) continue;
    if (p->keys.kind != KeySpec::Kind::Uniform && p->keys.kind != KeySpec::Kind::Zipf) continue;
    if (p->keys.cardinality == 0 || p->keys.cardinality > kMaxKeys) continue;
    // A topic that grows maps keys to partitions two ways; its order is not followed.
    if (broker.topic(static_cast<std::int32_t>(t)).reserved != broker.topic(static_cast<std::int32_t>(t)).partitions) continue;
    const auto kind = partitioners::Partitioner::parse(p->partitioner).value_or(partitioners::Partitioner::Kind::Default);
    const partitioners::Partitioner part(kind, scenario.client, broker.topic(static_cast<std::int32_t>(t)).partitions, sim::Rng(0));
    if (!part.keyed_is_pure()) continue;
    topic_keyed_[t] = 1;
    topic_base_[t] = key_space_;
    key_space_ += p->keys.cardinality;
  }
}

RecordKeys::~RecordKeys() = default;

void RecordKeys::build(std::int32_t topic) {
  const ProducerSpec& p = *topic_spec_[static_cast<std::size_t>(topic)];
  const TopicInfo& info = broker_.topic(topic);
  const auto kind = partitioners::Partitioner::parse(p.partitioner).value_or(partitioners::Partitioner::Kind::Default);
  const partitioners::Partitioner part(kind, scenario_.client, info.partitions, sim::Rng(0));
  std::unique_ptr<sim::ZipfSampler> zipf;
  if (p.keys.kind == KeySpec::Kind::Zipf) zipf = std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent);
  std::vector<std::vector<double>> weights(static_cast<std::size_t>(info.partitions));
  std::string text;
  for (std::uint64_t k = 0; k < p.keys.cardinality; ++k) {
    key_text(p.keys, k, text);
    const auto local = static_cast<std::size_t>(part.keyed_partition(text));
    partitions_[static_cast<std::size_t>(info.first_gid) + local].keys.push_back(k);
    if (zipf) weights[local].push_back(zipf->probability(k));
  }
  if (zipf)
    for (std::int32_t q = 0; q < info.partitions; ++q) {
      PartitionKeys& pk = partitions_[static_cast<std::size_t>(info.first_gid + q)];
      if (!pk.keys.empty()) pk.table = std::make_unique<sim::AliasTable>(weights[static_cast<std::size_t>(q)]);
    }
  topic_built_[static_cast<std::size_t>(topic)] = 1;
}

std::uint64_t RecordKeys::key(std::int32_t gid, std::int64_t offset) {
  const std::int32_t topic = broker_.topic_of(gid);
  if (topic_built_[static_cast<std::size_t>(topic)] == 0) build(topic);
  const PartitionKeys& pk = partitions_[static_cast<std::size_t>(gid)];
  if (pk.keys.empty()) return 0;  // no key maps here, so no record is stored here either
  // One generator per record, seeded from (seed, partition, offset) through splitmix64.
  std::uint64_t mix = scenario_.seed ^ sim::fnv1a64("record_keys");
  mix ^= (static_cast<std::uint64_t>(gid) << 40) + static_cast<std::uint64_t>(offset) * 0x9e3779b97f4a7c15ULL;
  sim::Rng rng(mix);
  const std::uint64_t i = pk.table ? pk.table->sample(rng) : rng.below(pk.keys.size());
  return topic_base_[static_cast<std::size_t>(topic)] + pk.keys[i];
}

}  // namespace cgsim::models
