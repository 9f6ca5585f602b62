#pragma once
/// @file java_consumer.hpp
/// The Java client backend's consumers: each consumer of a live run is a JVM of its own running
/// live/java/CgsimConsumer.java on Kafka's Java client (kafka-clients), so that a crash is SIGKILL
/// of the process (no commit, no LeaveGroup, no close). cgsim starts the JVMs before they are
/// needed (the JVM builds its KafkaConsumer and waits), sends "go" when the consumer is to start,
/// feeds it processing times drawn from the scenario's distribution, and turns the lines it writes
/// into the same Recorder calls the librdkafka consumer makes.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "live/java/child_process.hpp"
#include "live/java/worker_events.hpp"
#include "live/kafka/consumer_client.hpp"
#include "live/kafka/layout.hpp"
#include "live/kafka/run_state.hpp"
#include "models/common/scenario.hpp"
#include "sim/rng.hpp"

namespace cgsim::live::java {

/// How to start a worker: the java launcher and the class path (the compiled worker and the
/// kafka-clients jars).
struct WorkerRuntime {
  std::string java;
  std::string classpath;
};

/// Finds the compiled worker: $CGSIM_JAVA_WORKER_DIR or the build tree's live/java (compiling it
/// there with live/java/build-worker.sh when it is missing), and java in $JAVA_HOME/bin or PATH.
/// Throws InputError saying what is missing.
WorkerRuntime find_worker_runtime();

/// The worker's arguments for consumer @p index of group @p group (id on the cluster
/// @p group_id): topics, commit mode and consumer properties (the user's @p user properties
/// first, cgsim's after them).
std::vector<std::string> worker_arguments(const models::Scenario& sc, std::int32_t group, std::int32_t index,
                                          const std::string& group_id, const kafka::Layout& layout,
                                          const std::string& bootstrap, const ClientProperties& user);

/// Kafka's Java class of a scenario assignor; throws InputError for one the Java client lacks.
std::string java_assignor_class(const std::string& assignor);

class JavaConsumer : public kafka::ConsumerClient {
 public:
  /// Starts the worker process at once; it is ready (its consumer built) when wait_ready() says so.
  JavaConsumer(kafka::Shared& sh, const kafka::Layout& layout, const models::Scenario& sc, std::int32_t group,
               std::int32_t index, const WorkerRuntime& runtime);
  ~JavaConsumer() override;
  JavaConsumer(const JavaConsumer&) = delete;
  JavaConsumer& operator=(const JavaConsumer&) = delete;

  /// Waits until the worker has built its consumer, for @p seconds at most; throws cgsim::Error
  /// with the worker's last words when it exits or does not get ready in time.
  void wait_ready(double seconds);
  /// Chooses the random stream of processing times (one per incarnation of a member).
  void set_incarnation(std::uint32_t incarnation);

  void start() override;
  void command(kafka::Command c) override;
  void slow(double factor, std::int64_t until_ns) override;
  void join() override;
  bool running() const override;

 private:
  void read_loop();
  void handle(const std::string& line);
  void handle_event(const WorkerEvent& e);
  /// Run clock (ns since the run's start) of a worker time.
  std::int64_t run_ns(std::int64_t worker_ns) const;
  std::vector<std::int32_t> global(const std::vector<WorkerPartition>& parts) const;
  std::int32_t global(const WorkerPartition& p) const;
  /// Sends processing times until @p ahead of them are unused.
  void top_up(std::size_t ahead);
  void send(const std::string& text);
  std::string last_words() const;

  kafka::Shared& sh_;
  const models::GroupSpec& spec_;
  std::int32_t group_;
  std::int32_t index_;
  std::string name_;
  std::vector<const kafka::TopicLayout*> topics_;  ///< by the worker's topic index
  std::uint64_t seed_;
  sim::Rng rng_;
  std::unique_ptr<ChildProcess> child_;
  std::thread reader_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hello_ = false, ready_ = false, exited_ = false, stopped_reported_ = false, killed_ = false;
  bool started_ = false;
  std::int64_t worker_pid_ = -1;   ///< the JVM's pid, from its hello line
  std::int64_t clock_offset_ = 0;  ///< worker time + offset = steady clock time (0 on Linux: one clock)
  std::deque<std::string> stderr_tail_;
  std::string exit_status_;

  std::mutex send_mu_;
  std::uint64_t sent_ = 0;   ///< processing times sent (under send_mu_)
  std::uint64_t used_ = 0;   ///< records reported (reader thread)
};

/// Makes Java consumers, starting their JVMs ahead of need.
class JavaFactory : public kafka::ConsumerFactory {
 public:
  JavaFactory(kafka::Shared& sh, const kafka::Layout& layout, const models::Scenario& sc, WorkerRuntime runtime);
  ~JavaFactory() override;
  void prepare(std::int32_t group, std::int32_t index) override;
  void wait_prepared() override;
  std::unique_ptr<kafka::ConsumerClient> make(std::int32_t group, std::int32_t index, std::uint32_t incarnation) override;

 private:
  kafka::Shared& sh_;
  const kafka::Layout& layout_;
  const models::Scenario& sc_;
  WorkerRuntime runtime_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::deque<std::unique_ptr<JavaConsumer>>> standby_;
};

}  // namespace cgsim::live::java
