#pragma once
/// @file run_context.hpp
/// What every thread of one live RabbitMQ run shares: the broker address, the scenario as it
/// runs, the run's own queue and exchange names, the run clock, the recorder, the first failure
/// and the log.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "live/rabbitmq/amqp_connection.hpp"
#include "live/progress.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

class Recorder;

using Clock = std::chrono::steady_clock;

/// The wire format of a message body's head (the rest is padding up to message_bytes).
struct MessageHead {
  std::uint64_t id;            ///< publish sequence over the run
  std::int64_t published_ns;   ///< run clock at publish
  std::uint64_t key;           ///< key index, kNoKey without one
};

struct RunContext {
  AmqpAddress address;
  double connect_timeout_s = 15;
  const models::rabbitmq::Scenario* scenario = nullptr;  ///< scaled
  std::vector<std::string> queue_names;     ///< the run's names, by scenario queue index
  std::vector<std::string> exchange_names;  ///< by scenario exchange index
  Recorder* recorder = nullptr;
  Clock::time_point t0;
  std::int64_t end_ns = 0;
  std::atomic<bool> abort{false};
  std::function<void(const std::string&)> log_fn;
  /// Counts publishes and processings and notes the consumer threads, whose CPU wait the host
  /// checks measure (live/host.hpp); null: none.
  ProgressBoard* board = nullptr;

  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  }
  Clock::time_point at(std::int64_t ns) const { return t0 + std::chrono::nanoseconds(ns); }
  /// Records the first failure and stops the run.
  void fail(const std::string& message) {
    std::lock_guard lk(mu_);
    if (failure_.empty()) failure_ = message;
    abort = true;
  }
  std::string failure() {
    std::lock_guard lk(mu_);
    return failure_;
  }
  void log(const std::string& m) {
    std::lock_guard lk(mu_);
    if (log_fn) log_fn(m);
  }

 private:
  std::mutex mu_;
  std::string failure_;
};

}  // namespace cgsim::live::rabbitmq
