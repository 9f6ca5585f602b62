#include "models/rabbitmq/producer.hpp"

#include "models/common/priorities.hpp"
#include "models/common/workload.hpp"
#include "models/rabbitmq/broker.hpp"

namespace cgsim::models::rabbitmq {

Producers::Producers(sim::Engine& engine, Broker& broker, const Scenario& scenario)
    : engine_(engine), broker_(broker), scenario_(scenario) {
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& p = scenario.producers[i];
    workload_.push_back(models::workload_spec(p));
    zipf_.push_back(p.keys.kind == KeySpec::Kind::Zipf ? std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent)
                                                       : nullptr);
    const std::int32_t x = p.exchange.empty() ? kDefaultExchange : scenario.exchange_index(p.exchange);
    for (std::int32_t k = 0; k < p.count; ++k) {
      const std::string base = "rabbitmq/producer/" + std::to_string(i) + "/" + std::to_string(k);
      instances_.push_back(Instance{i, x, sim::Rng(scenario.seed, base + "/arrivals"), sim::Rng(scenario.seed, base + "/keys")});
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
  const ProducerSpec& p = scenario_.producers[in.spec];
  if (p.keys.kind == KeySpec::Kind::None) {
    broker_.publish(in.exchange, p.routing_key, static_cast<std::int32_t>(in.spec), kNoKey, p.message_bytes);
  } else {
    const std::uint64_t key = models::draw_key(p.keys, zipf_[in.spec].get(), in.sequence, in.keys);
    models::key_text(p.keys, key, key_buf_);
    broker_.publish(in.exchange, key_buf_, static_cast<std::int32_t>(in.spec), key, p.message_bytes);
  }
  ++published_;
  schedule(i, in.next_ns);
}

}  // namespace cgsim::models::rabbitmq
