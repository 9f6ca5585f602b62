#pragma once
/// @file client_policy.hpp
/// Where Kafka's Java client and librdkafka behave differently as consumers. A group's consumers
/// hold one policy, chosen from the scenario's `client`, and ask it what to do; no code tests the
/// library by name.
#include "models/common/types.hpp"
#include "sim/time.hpp"

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
  /// The heartbeat timer starts again when a JoinGroup response arrives: Java's heartbeat thread
  /// is enabled then and resets its timers, so each member's heartbeats run from its own join.
  /// librdkafka's heartbeat interval runs on across joins.
  bool heartbeat_restarts_at_join = true;
  /// The classic Java client's heartbeat thread looks whether a heartbeat is due every
  /// retry.backoff.ms (100 ms), and the application's poll() wakes it when one is due: a
  /// heartbeat leaves when it is due if the application is inside poll() then, else at its next
  /// poll() or the thread's next look, whichever comes first (the look's lag is drawn per
  /// heartbeat from the client's stream). The next one is due an interval after it left, so
  /// members' heartbeats drift apart by their processing. 0: no lag (librdkafka sends on its
  /// main loop's wake-ups instead).
  sim::Time heartbeat_check_period = 100 * sim::kMillisecond;
  /// A cold client's own start-up cost before its first request (process and library start,
  /// for Java the JVM loading and compiling the client's classes), drawn uniformly from
  /// [low, high) per client. Java: the 0.36-0.70 s a cold kafka-clients 3.9.1 consumer took on
  /// a local broker before its first JoinGroup (issue 17's measurements), whose round trips
  /// cost well under a millisecond there. librdkafka, a C library with nothing to load: a few
  /// milliseconds for its threads and first connection, 2-20 ms: four librdkafka 2.0.2 consumers
  /// created together in one process had their first JoinGroups reach a local Kafka 3.9.1
  /// coordinator over 0-18 ms (the last 0, 1, 6, 10, 17 and 18 ms after the first in six runs;
  /// docs/validation.md, "Client start-up").
  sim::Time bootstrap_cost_low = 360 * sim::kMillisecond;
  sim::Time bootstrap_cost_high = 700 * sim::kMillisecond;
  /// The same for a warm client (`client_start: warm`): the library's classes already loaded and
  /// run once in the process. Java: cgsim validate's prepared workers (one throwaway consumer
  /// run before the start, outside any group) on a local Kafka 3.9.1, four of them on 2 cores:
  /// the first JoinGroup reached the coordinator 11-22 ms after the workers were told to start,
  /// the last up to about 150 ms (the group-management classes load on first use, the JVMs
  /// competing for the CPUs; docs/validation.md). librdkafka: as cold.
  sim::Time warm_bootstrap_cost_low = 10 * sim::kMillisecond;
  sim::Time warm_bootstrap_cost_high = 150 * sim::kMillisecond;
  /// Round trips before the first JoinGroup (or ConsumerGroupHeartbeat): connection and
  /// ApiVersions to the bootstrap broker, Metadata, FindCoordinator, then connection and
  /// ApiVersions to the coordinator, which both clients open as a connection of its own. The
  /// JoinGroup answered with MEMBER_ID_REQUIRED is the coordinator's, modelled there.
  int bootstrap_round_trips = 6;
  /// A JoinGroup goes out at most once per this interval, at a wake-up of the main loop (0: at
  /// once). librdkafka's group state machine, served on its main thread's wake-ups, rejoins no
  /// sooner than 1 s after its previous JoinGroup (the retry after MEMBER_ID_REQUIRED and the
  /// incremental protocol's follow-up round go at once). Measured on Kafka 3.9.1 with three librdkafka 2.0.2 consumers and initial delay
  /// 0: a member joining during the first generation's sync sends the others back to rejoin at
  /// once, and every start-up settled at 1.50-1.51 s, the first auto-commit wake-up 1 s after the
  /// first JoinGroups (docs/validation.md).
  sim::Time join_interval = 0;
  /// The elected leader refreshes metadata for the group's subscriptions before it runs the
  /// assignor and sends SyncGroup (librdkafka's wait-metadata join state); a JoinGroup of another
  /// member that arrives meanwhile fails that generation. Measured on a local Kafka 3.9.1: 18 and
  /// 22 ms from the leader's JoinGroup response to its assignor run (librdkafka 2.0.2, debug=cgrp).
  /// 0: the leader assigns at once from its cached metadata (Java).
  sim::Time leader_metadata_wait = 0;
  /// The first time a client leads a generation, running the assignor and building the SyncGroup
  /// takes this long on top: code the process has not run yet (for Java, classes loaded and
  /// interpreted on first use). Measured on Kafka 3.9.1 with prepared kafka-clients 3.9.1 workers
  /// (docs/validation.md): a member alone in generation 1 had it complete 45-60 ms after its
  /// first JoinGroup, against 2 ms of round trips. librdkafka: 0 (its leader_metadata_wait
  /// covers the assignor run).
  sim::Time first_assignment_cost = 45 * sim::kMillisecond;
  /// Under the consumer protocol, the first time a client takes partitions its assignment
  /// callback (onPartitionsAssigned, run on the application thread at its next turn in poll())
  /// runs code the process has not run yet; the new partitions become fetchable, and the member
  /// acknowledges, only when it returns. Measured on Kafka 3.9.1 with four prepared kafka-clients
  /// 3.9.1 workers on 2 cores (docs/validation-kip848.md): 39-127 ms, median 87 ms, from the
  /// callback's event being queued to its completion. The first member's acknowledgement then
  /// reaches the coordinator after the members that joined just after it, and its reply already
  /// asks it to give most of its partitions up; they wait for their new owners' next heartbeat.
  /// librdkafka: 0 (it cannot speak the consumer protocol).
  sim::Time first_reconcile_cost = 85 * sim::kMillisecond;
  /// Under the classic protocol, only the member that ran the assignor compares the metadata it
  /// assigned from with each refresh and rejoins when a subscribed topic's partitions changed
  /// (Java's ConsumerCoordinator keeps an assignment snapshot for the leader alone). false: every
  /// member compares its subscribed topics' partition counts at each refresh and rejoins on a
  /// change (librdkafka's metadata update check).
  bool only_leader_watches_metadata = true;

  /// An error answering a heartbeat counts only while the member is in its steady state
  /// (librdkafka discards it in every join state up to waiting for SyncGroup), not whenever the
  /// member's generation and id are still those the heartbeat was sent with (Java).
  bool heartbeat_errors_only_when_stable = false;
  /// A crash (librdkafka: destroy without consumer close) still lets an auto-commit due within
  /// this long after it go out: the destroy hands the client's threads a termination request
  /// and the main thread serves its timers meanwhile. Measured on Kafka 3.9.1 with librdkafka
  /// 2.0.2: for a crash at 2.0 s, the auto-commit timer's 2.0 s commit was sent at 2.004 s and
  /// acknowledged, so nothing was processed twice (docs/validation.md). 0: the crash is
  /// immediate (Java: SIGKILL of the process).
  sim::Time destroy_commit_grace = 0;
  /// The fetcher runs on a background thread that sends the next fetch as soon as a response is
  /// in, before the application has taken the records it brought, and every fetch leaves out the
  /// partitions with records still in the buffer (Java's consumer under `group.protocol=consumer`,
  /// the AsyncKafkaConsumer of kafka-clients 3.9.1). A partition left out is not fetched again
  /// until that fetch returns: a record on another of its partitions, or fetch.max.wait.ms. With
  /// a sticky producer filling one partition at a time, every other fetch waits out the 500 ms;
  /// measured on Kafka 3.9.1 (docs/validation-kip848.md): steady p50 387 ms, p90 488 ms, whatever
  /// the heartbeat interval. false: the next fetch leaves from poll(), after the application took
  /// its records (the classic Java consumer, librdkafka).
  bool fetch_on_response = false;

  static constexpr ClientPolicy java() { return {}; }
  static constexpr ClientPolicy librdkafka() {
    ClientPolicy p;
    p.auto_commit_on_timer = true;
    p.commits_offset_store = true;
    p.heartbeat_on_main_loop = true;
    p.rebalance_without_poll = true;
    p.poll_interval_per_message = true;
    p.heartbeat_restarts_at_join = false;
    p.heartbeat_check_period = 0;
    p.bootstrap_cost_low = 2 * sim::kMillisecond;
    p.bootstrap_cost_high = 20 * sim::kMillisecond;
    p.warm_bootstrap_cost_low = p.bootstrap_cost_low;
    p.warm_bootstrap_cost_high = p.bootstrap_cost_high;
    p.join_interval = sim::kSecond;
    p.leader_metadata_wait = 20 * sim::kMillisecond;
    p.only_leader_watches_metadata = false;
    p.heartbeat_errors_only_when_stable = true;
    p.destroy_commit_grace = 5 * sim::kMillisecond;
    p.first_assignment_cost = 0;
    p.first_reconcile_cost = 0;
    return p;
  }
  /// The policy of @p client's consumer; @p consumer_protocol: the group uses the consumer
  /// protocol (KIP-848), which the Java client serves with its background-thread consumer.
  static constexpr ClientPolicy of(ClientFlavor client, bool consumer_protocol) {
    if (client == ClientFlavor::Librdkafka) return librdkafka();
    ClientPolicy p = java();
    p.fetch_on_response = consumer_protocol;
    return p;
  }
};

}  // namespace cgsim::models
