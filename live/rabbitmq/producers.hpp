#pragma once
/// @file producers.hpp
/// The live producers: one thread and connection per producer instance, publishing at the
/// scenario's arrival times and keys. The arrival and key streams are the model's own
/// (models/rabbitmq/producer.cpp: the same named random streams, the same draws from
/// models/common/workload.hpp), so a live run publishes the simulated run's sequence of messages, each when its
/// time comes on the run clock.
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "live/rabbitmq/run_context.hpp"

namespace cgsim::live::rabbitmq {

class Producers {
 public:
  explicit Producers(RunContext& ctx);
  ~Producers();
  void start();
  void join();
  /// Messages published so far.
  std::uint64_t published() const { return next_id_.load(); }
  /// Messages the scenario schedules before its end, published or not (known once joined).
  std::uint64_t scheduled() const { return scheduled_.load(); }
  /// Messages published more than 100 ms after their scheduled time: a host that falls behind.
  std::uint64_t late() const { return late_.load(); }

 private:
  void run(std::size_t spec, std::int32_t instance);

  RunContext& ctx_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::uint64_t> scheduled_{0};
  std::atomic<std::uint64_t> late_{0};
};

/// Arrival times (nanoseconds) of instance @p instance of producer @p spec in @p sc before its
/// duration, as the model draws them.
class ArrivalStream {
 public:
  ArrivalStream(const models::rabbitmq::Scenario& sc, std::size_t spec, std::int32_t instance);
  /// The next arrival, or +inf when there is none before the producer stops.
  double next();
  /// The next key index (models::rabbitmq::kNoKey without keys).
  std::uint64_t key();

 private:
  const models::rabbitmq::ProducerSpec& p_;
  models::ProducerSpec workload_;
  sim::Rng arrivals_, keys_;
  std::unique_ptr<sim::ZipfSampler> zipf_;
  std::uint64_t sequence_ = 0;
  double t_ = -1.0;
};

}  // namespace cgsim::live::rabbitmq
