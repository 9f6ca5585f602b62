#pragma once
/// @file recorder.hpp
/// Collects what the live RabbitMQ clients report (publishes, processed messages, nacks, faults,
/// queue depths, consumer states) from many threads and, when the run is over, replays it in time
/// order into analysis::SummaryBuilder, the builder the simulator's RabbitMQ runs use
/// (analysis/experiments/family_runs.cpp), so both sides are summarised the same way: the group
/// is a consumer group, its "partition" is its queue and a message's "offset" its publish
/// sequence. Times are nanoseconds since the start of the run, on the steady clock.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "live/rabbitmq/attribution.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

/// One message a consumer finished processing.
struct LiveProcessing {
  std::int32_t group = 0;
  std::int32_t consumer = 0;  ///< index within the group (a restarted client keeps it)
  std::int32_t queue = 0;     ///< scenario queue index
  std::uint64_t id = 0;       ///< publish sequence, unique over the run
  std::uint64_t key = 0;      ///< key index, models::rabbitmq::kNoKey without one
  std::int64_t published_ns = 0;
  std::int64_t done_ns = 0;
  bool redelivered = false;
  /// How much later the processing ended than planned (timer and scheduling delay of the client
  /// thread), nanoseconds.
  std::int64_t overshoot_ns = 0;
};

/// The run as `validate` compares it: the shared summary and family counts, plus the
/// per-fault redeliveries and each group's final queue depth.
struct RabbitRun {
  analysis::FamilyRun family;
  std::vector<FaultRedeliveries> fault_redeliveries;
  std::uint64_t redelivered_after_nack = 0;
  /// Per group: ready plus unacknowledged messages of its queue at the end of the run.
  std::vector<std::uint64_t> final_depth;
  /// Live only: mean time a processing ended after its planned end, microseconds.
  double mean_overshoot_us = 0;
  /// Live only: median time from an idle client's ack to its next delivery (the broker round
  /// trip a prefetch-1 consumer waits after every message while its queue has a backlog; with
  /// an empty queue it includes the wait for a publish), microseconds; 0 without any.
  double median_ack_to_delivery_us = 0;
  /// Live only: the same, from the end of the processing (the client's own work before the ack
  /// included), microseconds.
  double median_done_to_delivery_us = 0;
  std::uint64_t ack_to_delivery_samples = 0;
};

class Recorder {
 public:
  explicit Recorder(const models::rabbitmq::Scenario& scenario);

  void published(std::int64_t t_ns);
  void processed(const LiveProcessing& p);
  /// A consumer of @p group nacked message @p id of @p queue (requeued or not).
  void nacked(std::int32_t group, std::int32_t queue, std::uint64_t id, bool requeue, std::int64_t t_ns);
  /// A scheduled fault took effect.
  void fault(std::int32_t group, const models::FaultSpec& f, std::int64_t t_ns);
  /// Ready plus unacknowledged messages of @p queue at @p t_ns.
  void depth(std::int32_t queue, std::uint64_t messages, std::int64_t t_ns);
  /// Adds one to the live-only count @p name (reported among the family's counts).
  void count(const std::string& name);
  /// An idle client's ack was followed by its next delivery @p gap_ns later, @p from_done_ns
  /// after the end of its processing.
  void ack_to_delivery(std::int64_t gap_ns, std::int64_t from_done_ns);
  /// The client state of a consumer ("Consuming", "Closed", "Crashed").
  void consumer_state(std::int32_t group, std::int32_t consumer, const std::string& state);

  /// Summarises the run ending at @p end_ns; @p final_depth is each queue's ready plus
  /// unacknowledged messages then.
  RabbitRun finish(std::int64_t end_ns, const std::vector<std::uint64_t>& final_depth);

 private:
  struct Event {
    std::int64_t t;
    int kind;  // 0 fault, 1 processing, 2 nack, 3 depth
    std::size_t index;
  };
  struct Nack {
    std::int32_t group, queue;
    std::uint64_t id;
    bool requeue;
  };
  struct Fault {
    std::int32_t group;
    models::FaultSpec spec;
  };
  struct Depth {
    std::int32_t queue;
    std::uint64_t messages;
  };

  const models::rabbitmq::Scenario& sc_;
  std::mutex mu_;
  std::uint64_t published_ = 0;
  std::vector<LiveProcessing> processings_;
  std::vector<std::pair<std::int64_t, Nack>> nacks_;
  std::vector<std::pair<std::int64_t, Fault>> faults_;
  std::vector<std::pair<std::int64_t, Depth>> depths_;
  std::vector<std::vector<std::string>> states_;
  std::vector<std::int64_t> ack_gaps_, done_gaps_;
  std::map<std::string, std::uint64_t> extra_;  ///< per group, per consumer index
};

}  // namespace cgsim::live::rabbitmq
