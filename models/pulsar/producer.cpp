#include "models/pulsar/producer.hpp"

#include <algorithm>
#include <cmath>

#include "models/common/priorities.hpp"
#include "models/common/workload.hpp"
#include "models/pulsar/selectors/single_partition_router.hpp"

namespace cgsim::models::pulsar {

Producers::Producers(sim::Engine& engine, const ScenarioFile& scenario, std::vector<std::unique_ptr<Topic>>& topics)
    : engine_(engine), scenario_(scenario) {
  const auto& specs = scenario.pulsar.producers;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const PulsarProducerSpec& p = specs[i];
    workload_.push_back(models::workload_spec(p));
    zipf_.push_back(p.keys.kind == KeySpec::Kind::Zipf ? std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent)
                                                       : nullptr);
    Topic* topic = topics[static_cast<std::size_t>(scenario.topic_index(p.topic))].get();
    for (std::int32_t k = 0; k < p.count; ++k) {
      const std::string base = "pulsar/producer/" + std::to_string(i) + "/" + std::to_string(k);
      Instance in{i, topic, p.topic + "-producer-" + std::to_string(i) + "-" + std::to_string(k),
                  sim::Rng(scenario.seed, base + "/arrivals"), sim::Rng(scenario.seed, base + "/keys"),
                  0, std::nullopt, 0, 0.0, {}};
      sim::Rng route(scenario.seed, base + "/route");
      const auto parts = static_cast<std::uint64_t>(topic->ledgers());
      const auto start = static_cast<std::int32_t>(route.below(parts));
      if (p.routing == RoutingMode::RoundRobinPartition)
        in.round_robin.emplace(p.hashing, start, p.batching,
                               partition_switch_ms(p.batching_max_publish_delay / sim::kMicrosecond, p.partition_switch_frequency));
      in.single_partition = start;
      in.batches.resize(static_cast<std::size_t>(topic->ledgers()));
      instances_.push_back(std::move(in));
    }
  }
}

void Producers::start() {
  for (std::size_t i = 0; i < instances_.size(); ++i) schedule(i, -1.0);
}

void Producers::schedule(std::size_t i, double after_ns) {
  models::schedule_next_arrival(engine_, scenario_.duration, instances_[i].arrivals, workload_[instances_[i].spec],
                                after_ns, instances_[i].next_ns, [this, i] { fire(i); });
}

void Producers::fire(std::size_t i) {
  Instance& in = instances_[i];
  const PulsarProducerSpec& p = scenario_.pulsar.producers[in.spec];
  std::uint64_t key = kNoKey;
  if (p.keys.kind != KeySpec::Kind::None) {
    key = models::draw_key(p.keys, zipf_[in.spec].get(), in.key_sequence, in.keys);
    models::key_text(p.keys, key, key_buf_);
  }
  std::int32_t partition = 0;
  if (in.topic->partitioned()) {
    const std::int32_t n = in.topic->ledgers();
    std::optional<std::string_view> k;
    if (key != kNoKey) k = key_buf_;
    partition = in.round_robin ? in.round_robin->choose(k, engine_.now() / sim::kMillisecond, n)
                               : single_partition_route(p.hashing, in.single_partition, k, n);
  }
  Batch& b = in.batches[static_cast<std::size_t>(partition)];
  Entry e;
  e.key = key;
  e.producer = static_cast<std::int32_t>(i);
  e.sequence = b.next_sequence++;
  b.entries.push_back(e);
  b.bytes += p.message_bytes;
  ++sent_;
  if (!p.batching || static_cast<std::int32_t>(b.entries.size()) >= p.batching_max_messages ||
      b.bytes >= p.batching_max_bytes) {
    flush(i, partition);
  } else if (b.entries.size() == 1) {
    b.timer = engine_.schedule_after(p.batching_max_publish_delay, models::priority::kProducer,
                                     [this, i, partition] { flush(i, partition); });
  }
  schedule(i, in.next_ns);
}

void Producers::flush(std::size_t i, std::int32_t partition) {
  Instance& in = instances_[i];
  Batch& b = in.batches[static_cast<std::size_t>(partition)];
  engine_.cancel(b.timer);
  b.timer = 0;
  if (b.entries.empty()) return;
  std::vector<Entry> sent;
  sent.swap(b.entries);
  b.bytes = 0;
  Topic* topic = in.topic;
  engine_.schedule_after(scenario_.pulsar.broker.request_latency, models::priority::kNetwork,
                         [this, topic, partition, sent = std::move(sent)]() mutable {
                           const std::uint64_t first_key = sent.front().key;
                           const std::int64_t first_sequence = sent.front().sequence;
                           for (Entry& e : sent) {
                             e.batch_key = first_key;
                             e.batch_sequence = first_sequence;
                             e.published = engine_.now();
                             topic->append(partition, e);
                           }
                         });
}

}  // namespace cgsim::models::pulsar
