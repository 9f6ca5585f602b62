#pragma once
/// @file progress.hpp
/// The progress of a live validation: a board the run updates (phase, records produced and
/// consumed) and a printer that shows it as one line on a terminal, at most once per second.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cgsim::live {

/// What the progress line shows.
struct ProgressSnapshot {
  std::string phase;        ///< e.g. "connecting", "creating topics", "running", "cleaning up", "simulating"
  double elapsed_s = 0;     ///< since the phase began
  double expected_s = 0;    ///< how long the phase should take; 0 when not known
  std::uint64_t produced = 0;
  std::uint64_t consumed = 0;
};

/// "cgsim: running 12.0 / 60.0 s, 1200 records produced, 1187 consumed".
std::string format_progress(const ProgressSnapshot& s);

/// A thread that consumes: a thread of this process (pid 0) or of a worker process.
struct ConsumerThread {
  long pid = 0;  ///< 0: this process
  long tid = 0;  ///< Linux thread id
  bool operator==(const ConsumerThread&) const = default;
};

/// Updated by the run from any thread; read by the printer. It also notes which threads consume,
/// so that their CPU wait can be measured (live/host.hpp): a thread of this process notes itself
/// at the first record it processes; a worker process's thread is noted by whoever hears of it.
class ProgressBoard {
 public:
  /// Starts phase @p name, expected to take @p expected_s seconds (0: unknown).
  void phase(const std::string& name, double expected_s = 0);
  /// Starts repetition @p k (from 0) of @p n: the phase names say which, the record counts and
  /// the consumer threads start afresh.
  void begin_repetition(std::size_t k, std::size_t n);
  void add_produced() { produced_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts a processed record. Called on the consumer's own thread (@p consumer_thread true), the
  /// thread is noted as a consumer; a thread that only relays a worker process's records passes
  /// false and notes the worker's thread with note_thread().
  void add_consumed(bool consumer_thread = true);
  /// Notes thread @p tid of worker process @p pid as a consumer thread of this repetition.
  void note_thread(long pid, long tid);
  ProgressSnapshot snapshot() const;
  /// The consumer threads noted in this repetition.
  std::vector<ConsumerThread> consumer_threads() const;

 private:
  mutable std::mutex mu_;
  std::string prefix_;
  std::vector<ConsumerThread> consumer_tids_;
  std::atomic<std::uint64_t> epoch_{1};
  std::string phase_;
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
  double expected_s_ = 0;
  std::atomic<std::uint64_t> produced_{0};
  std::atomic<std::uint64_t> consumed_{0};
};

/// Prints the board's state to @p out every @p period while it lives. On a terminal (@p tty) the
/// line is redrawn in place and erased at the end; otherwise each print is a line of its own.
class ProgressPrinter {
 public:
  ProgressPrinter(const ProgressBoard& board, std::FILE* out, bool tty,
                  std::chrono::milliseconds period = std::chrono::seconds(1));
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;
  /// Prints @p line (a log message) without tearing the progress line; it is redrawn at the next
  /// tick.
  void message(const std::string& line);

 private:
  void loop();
  void clear_locked();

  const ProgressBoard& board_;
  std::FILE* out_;
  bool tty_;
  std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

}  // namespace cgsim::live
