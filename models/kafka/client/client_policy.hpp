#pragma once
/// @file client_policy.hpp
/// Where Kafka's Java client and librdkafka behave differently as consumers. A group's consumers
/// hold one policy, chosen from the scenario's `client`, and ask it what to do; no code tests the
/// library by name.
#include "models/common/types.hpp"

namespace cgsim::models {

struct ClientPolicy {
  /// Auto-commit runs on a background timer every auto.commit.interval.ms (librdkafka), not
  /// inside poll() once the interval has passed (Java).
  bool auto_commit_on_timer = false;
  /// A commit sends the offset store, what was handed to the application (librdkafka), not the
  /// position after everything poll() returned (Java).
  bool commits_offset_store = false;
  /// Heartbeats leave when the main thread wakes on one of its timers or on an operation from
  /// the application (librdkafka), not as soon as they are due (Java's heartbeat thread).
  bool heartbeat_on_main_loop = false;
  /// A rebalance is served by the library's own threads without waiting for the application's
  /// next poll, and queued messages of revoked partitions are purged (librdkafka).
  bool rebalance_without_poll = false;
  /// max.poll.interval.ms runs from the message in hand, since a poll returns one message
  /// (librdkafka), not from the last poll() (Java).
  bool poll_interval_per_message = false;

  static constexpr ClientPolicy java() { return {}; }
  static constexpr ClientPolicy librdkafka() { return {true, true, true, true, true}; }
  static constexpr ClientPolicy of(ClientFlavor client) {
    return client == ClientFlavor::Librdkafka ? librdkafka() : java();
  }
};

}  // namespace cgsim::models
