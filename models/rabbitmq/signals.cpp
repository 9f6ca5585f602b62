#include "models/rabbitmq/signals.hpp"

namespace cgsim::models::rabbitmq {

const char* to_string(RequeueReason r) {
  switch (r) {
    case RequeueReason::Nack: return "nack";
    case RequeueReason::ConnectionLost: return "connection_lost";
    case RequeueReason::Cancelled: return "cancelled";
    case RequeueReason::ConsumerTimeout: return "consumer_timeout";
  }
  return "?";
}

const char* to_string(DropReason r) {
  switch (r) {
    case DropReason::MaxLength: return "maxlen";
    case DropReason::Expired: return "expired";
    case DropReason::Rejected: return "rejected";
    case DropReason::DeliveryLimit: return "delivery_limit";
    case DropReason::DeadLetterCycle: return "dead_letter_cycle";
    case DropReason::Unroutable: return "unroutable";
  }
  return "?";
}

}  // namespace cgsim::models::rabbitmq
