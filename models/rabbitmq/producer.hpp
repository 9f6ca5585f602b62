#pragma once
/// @file producer.hpp
/// Producers: each instance's arrival process (models::RateSpec) and key distribution
/// (models::KeySpec) publishing to an exchange. One engine event per message: the publish
/// reaches the broker at its arrival time, which is when its latency starts.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/rabbitmq/scenario.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models::rabbitmq {

class Broker;

class Producers {
 public:
  Producers(sim::Engine& engine, Broker& broker, const Scenario& scenario);
  /// Schedules every instance's first publish.
  void start();
  std::uint64_t published() const { return published_; }

 private:
  struct Instance {
    std::size_t spec;
    std::int32_t exchange;
    sim::Rng arrivals;
    sim::Rng keys;
    std::uint64_t sequence = 0;
    double next_ns = 0;
  };
  /// Schedules instance @p instance's next arrival after @p after_ns (its first: -1).
  void schedule(std::size_t instance, double after_ns);
  void fire(std::size_t instance);

  sim::Engine& engine_;
  Broker& broker_;
  const Scenario& scenario_;
  std::vector<Instance> instances_;
  std::vector<models::ProducerSpec> workload_;             // per spec: rate, keys, start, stop
  std::vector<std::unique_ptr<sim::ZipfSampler>> zipf_;  // per spec
  std::string key_buf_;
  std::uint64_t published_ = 0;
};

}  // namespace cgsim::models::rabbitmq
