#pragma once
/// @file run_state.hpp
/// The state every thread of one live run shares (run clock, first failure, log, progress
/// counters), and the client configuration built from it.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "live/backend.hpp"

namespace cgsim::live {
class Recorder;
class ProgressBoard;
}  // namespace cgsim::live

namespace cgsim::live::kafka {

using Clock = std::chrono::steady_clock;

/// What stopped a run; decides the error type the run throws.
enum class FailKind { None, Broker, Input, Internal };

/// State shared by every thread of one run.
struct Shared {
  Clock::time_point t0;
  std::int64_t end_ns = 0;
  std::string bootstrap;
  bool mock = false;
  const LiveOptions* options = nullptr;
  Recorder* recorder = nullptr;
  std::atomic<bool> abort{false};
  std::mutex mu;
  FailKind fail_kind = FailKind::None;
  std::string fail_message;
  std::mutex log_mu;

  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  }
  Clock::time_point at(std::int64_t ns) const { return t0 + std::chrono::nanoseconds(ns); }
  /// Records the first failure and stops the run.
  void fail(FailKind kind, const std::string& message);
  /// The kind of the first failure (None while the run is healthy).
  FailKind failure() {
    std::lock_guard lk(mu);
    return fail_kind;
  }
  void log(const std::string& m);
  /// Progress counters (no-ops without options->progress).
  void count_produced();
  void count_consumed();
  /// Counts a record a worker process processed, and notes nothing about the calling thread.
  void count_relayed();
  /// Notes thread @p tid of worker process @p pid as a consumer thread (its CPU wait is measured).
  void note_consumer_thread(long pid, long tid);
};

/// A configuration with the bootstrap address and the user's properties; @p defaults are set
/// before the user's properties (which may change them), @p ours after them. The opaque is @p sh
/// and librdkafka's log goes to sh.log when the options ask for client logs.
rd_kafka_conf_t* make_conf(Shared& sh, const ClientProperties& ours, const ClientProperties& defaults = {});

}  // namespace cgsim::live::kafka
