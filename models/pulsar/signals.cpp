#include "models/pulsar/signals.hpp"

namespace cgsim::models::pulsar {

const char* to_string(RedeliveryReason r) {
  switch (r) {
    case RedeliveryReason::AckTimeout: return "ack_timeout";
    case RedeliveryReason::NegativeAck: return "negative_ack";
    case RedeliveryReason::ConsumerClosed: return "consumer_closed";
    case RedeliveryReason::Rewind: return "rewind";
  }
  return "?";
}

const char* to_string(ConsumerState s) {
  switch (s) {
    case ConsumerState::Connecting: return "connecting";
    case ConsumerState::Connected: return "connected";
    case ConsumerState::Closing: return "closing";
    case ConsumerState::Closed: return "closed";
    case ConsumerState::Crashed: return "crashed";
  }
  return "?";
}

}  // namespace cgsim::models::pulsar
