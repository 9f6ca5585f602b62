#pragma once
/// @file host.hpp
/// Whether the host kept up with a live run, measured rather than assumed: how long the consumer
/// threads waited for a CPU while runnable (Linux schedstat of each thread), how much of the
/// worker processes' CPU demand waited (all their threads: a JVM's compiler and collector too), the
/// process's CPU use, and the client <-> broker round trip (timed Metadata requests).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "live/backend.hpp"

namespace cgsim::live {

class ProgressBoard;

/// What a HostMonitor measured.
struct HostLoad {
  /// Runqueue wait / lifetime summed over the consumer threads (-1: schedstat not available).
  double consumer_cpu_wait = -1;
  double consumer_cpu_wait_max = -1;  ///< the same for the worst thread
  std::size_t consumer_threads = 0;
  /// Runqueue wait / (time on a CPU + runqueue wait) summed over every thread of the worker
  /// processes that own consumer threads (-1: none, or no schedstat).
  double worker_cpu_delay = -1;
  std::size_t worker_processes = 0;
  double process_cpu = -1;            ///< process CPU time / (wall time x online CPUs)
  double wall_s = 0;
};

/// Samples the consumer threads noted by a ProgressBoard twice a second from construction to
/// stop(): /proc/PID/task/TID/schedstat gives each thread's time on a CPU and time runnable but
/// waiting for one. A thread that ends keeps its last sample. Every thread of a worker process that
/// owns a consumer thread is sampled too, from the sample that first sees it.
class HostMonitor {
 public:
  explicit HostMonitor(const ProgressBoard& board, std::chrono::milliseconds period = std::chrono::milliseconds(500));
  ~HostMonitor();
  HostMonitor(const HostMonitor&) = delete;
  HostMonitor& operator=(const HostMonitor&) = delete;
  /// Stops sampling (idempotent) and returns the figures.
  HostLoad stop();

 private:
  struct Thread {
    std::int64_t wait0 = 0, wait = 0;
    double t0 = 0, t = 0;  ///< seconds since construction, first and last sample
  };
  struct Demand {
    std::int64_t run0 = 0, run = 0, wait0 = 0, wait = 0;
  };
  void sample();
  void loop();

  const ProgressBoard& board_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point start_;
  double cpu0_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool stopped_ = false;
  bool schedstat_ = true;
  std::map<std::pair<long, long>, Thread> threads_;   ///< by (pid, tid); pid 0 is this process
  std::map<std::pair<long, long>, Demand> workers_;   ///< every thread of the worker processes
  HostLoad result_;
  std::thread thread_;
};

/// The median of @p samples timed Metadata round trips to the cluster of @p options (its
/// bootstrap and client properties; with no bootstrap, to a fresh in-process mock cluster), in
/// milliseconds, after one untimed request that opens the connection. Returns -1 and sets
/// @p error when the broker does not answer.
double measure_client_rtt_ms(const LiveOptions& options, int samples, std::string* error);

}  // namespace cgsim::live
