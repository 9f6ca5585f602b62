#pragma once
/// @file signals.hpp
/// Facts the RabbitMQ model emits. Analysis code subscribes; the model never formats output.
#include <cstdint>

#include "models/common/scenario.hpp"
#include "models/common/signals.hpp"
#include "sim/signal.hpp"
#include "sim/time.hpp"

namespace cgsim::models::rabbitmq {

/// One message a consumer finished processing.
struct ProcessedMessage {
  std::int32_t queue = 0;
  std::int32_t group = 0;     ///< consumer group index
  std::int32_t consumer = 0;  ///< consumer index within its group
  std::uint64_t message = 0;  ///< message copy id
  std::uint64_t key = 0;      ///< key index (kNoKey without one)
  sim::Time published = 0;
  sim::Time delivered = 0;    ///< when the broker sent it to this consumer
  sim::Time started = 0;      ///< when the consumer began processing it
  sim::Time done = 0;
  bool duplicate = false;     ///< this copy had been processed before
  bool redelivered = false;   ///< the delivery carried the redelivered flag
  /// A later message of the same key in the same queue had already been processed.
  bool out_of_order = false;
};

/// Why a message went back to its queue.
enum class RequeueReason { Nack, ConnectionLost, Cancelled, ConsumerTimeout };
/// Why a message left its queue without being acknowledged. Each is dead-lettered when the
/// queue has a dead-letter exchange, and dropped otherwise.
enum class DropReason { MaxLength, Expired, Rejected, DeliveryLimit, DeadLetterCycle, Unroutable };

const char* to_string(RequeueReason r);
const char* to_string(DropReason r);

/// Client-side state of a consumer.
enum class ConsumerState { Consuming, Cancelling, Closed, Crashed };

/// Every signal the model emits: the common ones (models/common/signals.hpp) and its own.
struct Signals : models::CommonSignals {
  /// A consumer finished processing a message.
  sim::Signal<const ProcessedMessage&> processed;
  /// (queue, message id, reason, time) for each message put back in its queue.
  sim::Signal<std::int32_t, std::uint64_t, RequeueReason, sim::Time> requeued;
  /// (queue, reason, dead-lettered, time) for each message leaving unacknowledged; dead-lettered
  /// says whether it was republished to the dead-letter exchange.
  sim::Signal<std::int32_t, DropReason, bool, sim::Time> dropped;
  /// (queue, time) for each publish a reject-publish queue refused.
  sim::Signal<std::int32_t, sim::Time> publish_rejected;
  /// (queue, ready, unacknowledged, time) every output sample interval.
  sim::Signal<std::int32_t, std::uint64_t, std::uint64_t, sim::Time> depth;
  /// (group, consumer, from, to, time)
  sim::Signal<std::int32_t, std::int32_t, ConsumerState, ConsumerState, sim::Time> consumer_state;
  /// (group, consumer, time) when the broker closes a channel for its consumer timeout.
  sim::Signal<std::int32_t, std::int32_t, sim::Time> consumer_timeout;
};

}  // namespace cgsim::models::rabbitmq
