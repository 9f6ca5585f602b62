#include "models/rabbitmq/producer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/common/priorities.hpp"
#include "models/rabbitmq/broker.hpp"

namespace cgsim::models::rabbitmq {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

Producers::Producers(sim::Engine& engine, Broker& broker, const Scenario& scenario)
    : engine_(engine), broker_(broker), scenario_(scenario) {
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& p = scenario.producers[i];
    zipf_.push_back(p.keys.kind == KeySpec::Kind::Zipf ? std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent)
                                                       : nullptr);
    const std::int32_t x = p.exchange.empty() ? kDefaultExchange : scenario.exchange_index(p.exchange);
    for (std::int32_t k = 0; k < p.count; ++k) {
      const std::string base = "rabbitmq/producer/" + std::to_string(i) + "/" + std::to_string(k);
      instances_.push_back(Instance{i, x, sim::Rng(scenario.seed, base + "/arrivals"), sim::Rng(scenario.seed, base + "/keys")});
    }
  }
}

double Producers::next_arrival(Instance& in, double after_ns) {
  const ProducerSpec& p = scenario_.producers[in.spec];
  const double stop = static_cast<double>(p.stop);
  // Walks the rate's segments (start, steps, stop); Poisson draws restart at each boundary, which
  // memorylessness makes exact, and constant spacing restarts there too.
  double t = std::max(after_ns, static_cast<double>(p.start));
  for (;;) {
    if (t >= stop) return kInf;
    double boundary = stop;
    if (p.rate.kind == RateSpec::Kind::Steps) {
      for (const auto& step : p.rate.steps) {
        if (static_cast<double>(step.first) > t) {
          boundary = std::min(boundary, static_cast<double>(step.first));
          break;
        }
      }
    }
    const double rate = p.rate.rate_at(static_cast<sim::Time>(t));
    if (rate > 0) {
      const bool poisson = p.rate.kind == RateSpec::Kind::Poisson ||
                           (p.rate.kind == RateSpec::Kind::Steps && p.rate.poisson_steps);
      const double gap = poisson ? in.arrivals.exponential(1e9 / rate) : 1e9 / rate;
      if (t + gap < boundary) return t + gap;
    }
    if (!std::isfinite(boundary)) return kInf;
    t = boundary;
  }
}

void Producers::start() {
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    instances_[i].next_ns = next_arrival(instances_[i], -1.0);
    schedule(i);
  }
}

void Producers::schedule(std::size_t i) {
  const double t = instances_[i].next_ns;
  if (!(t < static_cast<double>(scenario_.duration))) return;
  const auto at = std::max(static_cast<sim::Time>(std::ceil(t)), engine_.now());
  engine_.schedule_at(at, models::priority::kProducer, [this, i] { fire(i); });
}

void Producers::fire(std::size_t i) {
  Instance& in = instances_[i];
  const ProducerSpec& p = scenario_.producers[in.spec];
  std::uint64_t key = kNoKey;
  switch (p.keys.kind) {
    case KeySpec::Kind::None: break;
    case KeySpec::Kind::Uniform: key = in.keys.below(p.keys.cardinality); break;
    case KeySpec::Kind::Zipf: key = zipf_[in.spec]->sample(in.keys); break;
    case KeySpec::Kind::Sequential:
      key = in.sequence++;
      if (p.keys.cardinality > 0) key %= p.keys.cardinality;
      break;
  }
  if (key == kNoKey) {
    broker_.publish(in.exchange, p.routing_key, static_cast<std::int32_t>(in.spec), key, p.message_bytes);
  } else {
    key_buf_.assign(p.keys.prefix);
    key_buf_ += std::to_string(key);
    broker_.publish(in.exchange, key_buf_, static_cast<std::int32_t>(in.spec), key, p.message_bytes);
  }
  ++published_;
  in.next_ns = next_arrival(in, in.next_ns);
  schedule(i);
}

}  // namespace cgsim::models::rabbitmq
