#pragma once
/// @file signals.hpp
/// Facts the Pulsar model emits. Analysis code subscribes; the model never formats output.
#include <cstdint>

#include "models/common/scenario.hpp"
#include "models/common/signals.hpp"
#include "sim/signal.hpp"
#include "sim/time.hpp"

namespace cgsim::models::pulsar {

/// Key index of a message sent without a key (never checked for ordering).
inline constexpr std::uint64_t kNoKey = ~std::uint64_t{0};

/// Why a message is dispatched again.
enum class RedeliveryReason { AckTimeout, NegativeAck, ConsumerClosed, Rewind };
const char* to_string(RedeliveryReason r);

/// One message a consumer finished processing (and acknowledged, unless it failed).
struct ProcessedMessage {
  std::int32_t subscription = 0;
  std::int32_t partition = 0;   ///< partition index within the topic (0 for a non-partitioned one)
  std::int32_t consumer = 0;    ///< consumer index within the subscription
  std::int64_t entry = 0;       ///< the message's position in its partition
  std::uint64_t key = kNoKey;   ///< key index
  sim::Time published = 0;      ///< when the broker appended it
  sim::Time delivered = 0;      ///< when the broker sent it to this consumer
  sim::Time done = 0;
  std::int32_t redelivery_count = 0;
  bool duplicate = false;       ///< the subscription had processed this message before
  /// A first processing of a keyed message after a later message of the same key in the same
  /// partition had been processed: a per-key ordering violation.
  bool out_of_order = false;
  bool failed = false;          ///< the application failed it (negative ack)
  /// The message had been put back for dispatch at least once (by any consumer), and why the
  /// last time: what a duplicate or an ordering violation is owed to.
  bool redelivered = false;
  RedeliveryReason redelivery_reason = RedeliveryReason::ConsumerClosed;
};

/// Client-side state of a consumer.
enum class ConsumerState { Connecting, Connected, Closing, Closed, Crashed };
const char* to_string(ConsumerState s);

/// Every signal the model emits: the common ones (models/common/signals.hpp) and its own.
struct Signals : models::CommonSignals {
  sim::Signal<const ProcessedMessage&> processed;
  /// (subscription, partition, entry, reason, time) each time a message is put back for dispatch.
  sim::Signal<std::int32_t, std::int32_t, std::int64_t, RedeliveryReason, sim::Time> redelivered;
  /// (subscription, partition, entry, time) when the client sends a message to the dead-letter
  /// topic (and acknowledges it on the subscription).
  sim::Signal<std::int32_t, std::int32_t, std::int64_t, sim::Time> dead_lettered;
  /// (subscription, partition, consumer index or -1, chosen at, dispatching from): a Failover or
  /// Exclusive partition's active consumer; with a failover delay the two times differ.
  sim::Signal<std::int32_t, std::int32_t, std::int32_t, sim::Time, sim::Time> active_consumer;
  /// (subscription, partition, hash, draining, time): a Key_Shared hash starts draining (its
  /// messages wait for the previous consumer's acknowledgements) or is done draining.
  sim::Signal<std::int32_t, std::int32_t, std::int32_t, bool, sim::Time> draining;
  /// (subscription, backlog, unacknowledged deliveries, time) every output sample interval.
  sim::Signal<std::int32_t, std::uint64_t, std::uint64_t, sim::Time> backlog;
  /// (subscription, consumer, from, to, time)
  sim::Signal<std::int32_t, std::int32_t, ConsumerState, ConsumerState, sim::Time> consumer_state;
};

}  // namespace cgsim::models::pulsar
