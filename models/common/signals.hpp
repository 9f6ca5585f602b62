#pragma once
/// @file signals.hpp
/// The facts every broker family emits, in family-neutral terms, so that analysis code can
/// subscribe to them once whichever family ran: a fault taking effect and a consumer client
/// joining, leaving or crashing. Each family's Signals struct derives from CommonSignals and adds
/// its own (Kafka's rebalances and member states, RabbitMQ's requeues, Pulsar's redeliveries).
/// Models emit; they never format output.
#include <cstdint>

#include "models/common/scenario.hpp"
#include "sim/signal.hpp"
#include "sim/time.hpp"

namespace cgsim::models {

/// What happened to a consumer client.
enum class ConsumerEvent {
  Joined,   ///< the client started (at the start of the run, by a join fault, or as a restart)
  Left,     ///< the client closed cleanly
  Crashed,  ///< the client stopped without a word
};

/// "joined", "left" or "crashed".
const char* to_string(ConsumerEvent e);

struct CommonSignals {
  /// (fault, time) when a scheduled fault takes effect.
  sim::Signal<const FaultSpec&, sim::Time> fault;
  /// (group, consumer index, event, time); groups are the family's consumer groups (Pulsar: its
  /// subscriptions), consumer indexes stay with a restarted client's replacement.
  sim::Signal<std::int32_t, std::int32_t, ConsumerEvent, sim::Time> consumer;
};

}  // namespace cgsim::models
