#pragma once
/// @file worker.hpp
/// One JVM of a live Pulsar run running live/java/CgsimPulsarWorker.java (whose header documents
/// the line protocol): an admin session, a producer instance or a consumer. cgsim starts the JVMs
/// before the run, so their start-up is not counted; a consumer crash is SIGKILL of its JVM.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "live/java/child_process.hpp"

namespace cgsim::live::pulsar {

/// How to start a worker: the java launcher and the class path (the compiled worker and Pulsar's
/// client jars).
struct WorkerRuntime {
  std::string java;
  std::string classpath;
};

/// Finds the compiled worker: $CGSIM_PULSAR_WORKER_DIR or the build tree's live/java-pulsar
/// (compiling it there with live/java/build-pulsar-worker.sh when it is missing), and java in
/// $JAVA_HOME/bin or PATH. Throws InputError saying what is missing.
WorkerRuntime find_worker_runtime();

class Worker {
 public:
  /// Called on the reader thread with every line except hello and ready.
  using LineFn = std::function<void(const std::string&)>;
  /// Starts the JVM with @p args (key=value); @p label names it in messages.
  Worker(const WorkerRuntime& rt, const std::vector<std::string>& args, std::string label, LineFn on_line);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Waits until the worker says ready; throws BrokerError with its last words when it exits or
  /// is not ready within @p seconds.
  void wait_ready(double seconds);
  void send(const std::string& line);
  /// The next line for which @p accept is true, within @p seconds (admin answers); throws
  /// BrokerError on timeout or exit.
  std::string await_line(const std::function<bool(const std::string&)>& accept, double seconds);
  /// SIGKILL (a crash).
  void kill();
  /// Sends stop and waits up to @p seconds for the process to exit; kills it after that.
  /// Returns true when it exited by itself.
  bool stop(double seconds);
  bool exited() const;
  const std::string& label() const { return label_; }
  long pid() const { return child_ ? static_cast<long>(child_->pid()) : -1; }
  std::string last_words() const;

 private:
  void read_loop();
  void err_loop();

  std::string label_;
  LineFn on_line_;
  std::unique_ptr<java::ChildProcess> child_;
  std::thread reader_, err_reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false, exited_ = false, capture_ = false;
  std::deque<std::string> captured_;
  std::deque<std::string> stderr_tail_;
  std::string fatal_;
};

}  // namespace cgsim::live::pulsar
