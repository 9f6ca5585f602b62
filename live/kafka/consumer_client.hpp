#pragma once
/// @file consumer_client.hpp
/// One consumer of a live run as the scheduling thread drives it, whatever client library runs it:
/// librdkafka in a thread of cgsim (consumer_worker.hpp) or Kafka's Java client in a process of its
/// own (live/java/java_consumer.hpp). Both report to the run's one Recorder.
#include <cstdint>
#include <memory>

namespace cgsim::live::kafka {

/// What the scheduling thread asks of a consumer; a later value is stronger.
enum class Command : int { Run = 0, Crash, Close, Finish, Abort };

class ConsumerClient {
 public:
  virtual ~ConsumerClient() = default;
  /// Starts consuming (subscribes); the consumer reports consumer_started to the recorder.
  virtual void start() = 0;
  /// Crash: stop at once, no commit, no LeaveGroup. Close: commit as the group's commit spec says
  /// and leave. Finish: as Close, at the end of the run. Abort: stop at once (the run failed).
  virtual void command(Command c) = 0;
  /// Processing takes @p factor times longer until @p until_ns (run clock).
  virtual void slow(double factor, std::int64_t until_ns) = 0;
  /// Waits until the consumer has stopped.
  virtual void join() = 0;
  virtual bool running() const = 0;
};

/// Makes the consumers of one run.
class ConsumerFactory {
 public:
  virtual ~ConsumerFactory() = default;
  /// Gets consumer @p index of group @p group ready to start soon (a Java worker process is
  /// started and builds its client; librdkafka needs nothing). Called before the run for the
  /// consumers known to start and when a restart is scheduled; make() works without it.
  virtual void prepare(std::int32_t group, std::int32_t index) { (void)group, (void)index; }
  /// Waits until every prepared consumer is ready (throws when one cannot be started).
  virtual void wait_prepared() {}
  /// The consumer @p index of @p group; @p incarnation counts restarts of the same member, so
  /// each gets its own random stream.
  virtual std::unique_ptr<ConsumerClient> make(std::int32_t group, std::int32_t index, std::uint32_t incarnation) = 0;
};

}  // namespace cgsim::live::kafka
