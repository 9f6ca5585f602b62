#pragma once
/// @file cleanup.hpp
/// Removing what a live run created (its consumer groups, then its topics), with retries, and
/// naming exactly what is left behind with the commands that remove it.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cgsim::live::kafka {

/// Topics and groups by their names on the cluster.
struct Leftovers {
  std::vector<std::string> topics;
  std::vector<std::string> groups;
  bool empty() const { return topics.empty() && groups.empty(); }
};

/// How hard to try.
struct CleanupPolicy {
  int attempts = 3;  ///< rounds; each retries only what the previous ones left
  std::chrono::milliseconds backoff{500};  ///< wait before the second round, doubled before each next one
  std::chrono::milliseconds first_group_patience{2000};  ///< first round: wait this long for groups to empty
  std::chrono::milliseconds group_patience{1000};        ///< later rounds
  int group_request_timeout_ms = 5000;
  int first_topic_timeout_ms = 15000;
  int topic_timeout_ms = 5000;  ///< later rounds
};

/// The cluster operations clean-up needs (Cluster's, or a test's).
struct Deleter {
  /// Deletes groups, waiting up to patience for them to empty; returns those not deleted.
  std::function<std::vector<std::string>(const std::vector<std::string>&, std::chrono::milliseconds, int)> groups;
  /// Deletes topics within timeout_ms; returns those confirmed gone.
  std::function<std::vector<std::string>(const std::vector<std::string>&, int)> topics;
  /// Waits between rounds.
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// Deletes @p created (groups first: a group's offsets refer to the topics) in up to
/// policy.attempts rounds; returns what is still there. Deletes nothing but @p created.
Leftovers delete_created(const Leftovers& created, const CleanupPolicy& policy, const Deleter& deleter);

/// A shell word that stands for @p s exactly (single-quoted where needed).
std::string shell_quote(const std::string& s);

/// One command per leftover that removes it with Kafka's own tools, against @p bootstrap: exact
/// names (a topic's dots escaped, since kafka-topics.sh reads --topic as a regular expression).
/// @p with_client_properties: the run used client properties (security), which the tools need
/// as --command-config.
std::vector<std::string> cleanup_commands(const std::string& bootstrap, const Leftovers& left,
                                          bool with_client_properties);

/// Warnings naming each leftover with its command, one per leftover.
std::vector<std::string> leftover_warnings(const std::string& bootstrap, const Leftovers& left,
                                           bool with_client_properties);

}  // namespace cgsim::live::kafka
