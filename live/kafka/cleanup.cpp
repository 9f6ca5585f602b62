#include "live/kafka/cleanup.hpp"

#include <algorithm>

namespace cgsim::live::kafka {

Leftovers delete_created(const Leftovers& created, const CleanupPolicy& policy, const Deleter& deleter) {
  Leftovers left = created;
  auto backoff = policy.backoff;
  for (int round = 0; round < std::max(1, policy.attempts) && !left.empty(); ++round) {
    if (round > 0) {
      deleter.sleep(backoff);
      backoff *= 2;
    }
    if (!left.groups.empty()) {
      left.groups = deleter.groups(left.groups, round == 0 ? policy.first_group_patience : policy.group_patience,
                                   policy.group_request_timeout_ms);
    }
    if (!left.topics.empty()) {
      const auto gone = deleter.topics(left.topics, round == 0 ? policy.first_topic_timeout_ms : policy.topic_timeout_ms);
      std::vector<std::string> still;
      for (const auto& t : left.topics)
        if (std::find(gone.begin(), gone.end(), t) == gone.end()) still.push_back(t);
      left.topics = std::move(still);
    }
  }
  return left;
}

std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ':' || c == ',' ||
           c == '/';
  });
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

/// @p name as a regular expression that matches only itself (topic names are letters, digits,
/// '.', '_' and '-'; of those only '.' means something to a regular expression).
std::string exact_regex(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '.') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::vector<std::string> cleanup_commands(const std::string& bootstrap, const Leftovers& left,
                                          bool with_client_properties) {
  const std::string config = with_client_properties ? " --command-config CLIENT.properties" : "";
  std::vector<std::string> out;
  for (const auto& g : left.groups) {
    out.push_back("kafka-consumer-groups.sh --bootstrap-server " + shell_quote(bootstrap) + config +
                  " --delete --group " + shell_quote(g));
  }
  for (const auto& t : left.topics) {
    out.push_back("kafka-topics.sh --bootstrap-server " + shell_quote(bootstrap) + config + " --delete --topic " +
                  shell_quote(exact_regex(t)));
  }
  return out;
}

std::vector<std::string> leftover_warnings(const std::string& bootstrap, const Leftovers& left,
                                           bool with_client_properties) {
  const auto commands = cleanup_commands(bootstrap, left, with_client_properties);
  std::vector<std::string> out;
  std::size_t i = 0;
  for (const auto& g : left.groups) {
    out.push_back("consumer group " + g + " created by this run was not deleted; remove it with: " + commands[i++]);
  }
  for (const auto& t : left.topics) {
    out.push_back("topic " + t + " created by this run was not deleted; remove it with: " + commands[i++]);
  }
  return out;
}

}  // namespace cgsim::live::kafka
