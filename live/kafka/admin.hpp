#pragma once
/// @file admin.hpp
/// The cluster a live run uses: a real one reached through bootstrap.servers, or librdkafka's
/// in-process mock cluster. Admin operations (topics, groups, broker settings, health) go through
/// one control client.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "live/backend.hpp"
#include "live/kafka/rdkafka_handles.hpp"
#include "live/kafka/run_state.hpp"

namespace cgsim::live::kafka {

/// Runs an admin request and waits for its result event (null when none came in time).
EventPtr admin_wait(rd_kafka_t* rk, const std::function<void(rd_kafka_queue_t*, rd_kafka_AdminOptions_t*)>& call,
                    rd_kafka_admin_op_t op, int timeout_ms);

/// The request-level error of an admin result; "timed out" for no event, "" for none.
std::string event_error(rd_kafka_event_t* ev);

class Cluster {
 public:
  /// Connects the control client; with no bootstrap address (in @p o or its properties) starts
  /// the mock cluster first. Sets sh.bootstrap and sh.mock.
  Cluster(Shared& sh, const LiveOptions& o);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  bool mock() const { return mock_; }
  /// The broker is gone: do not wait for the control client's requests when destroying it.
  void abandon() { abandoned_ = true; }
  rd_kafka_mock_cluster_t* mock_cluster() const { return mock_cluster_; }
  rd_kafka_t* control() const { return control_.get(); }

  /// Topic names and their partitions with a leader; throws BrokerError when the cluster does not
  /// answer.
  std::map<std::string, int> topics(int timeout_ms) const;
  /// True when the cluster answers a metadata request within @p timeout_ms.
  bool probe(int timeout_ms, std::string* error) const;
  /// The broker's group settings (DescribeConfigs); Kafka's defaults, with a warning, when they
  /// cannot be read. Fixed values on the mock cluster.
  BrokerLimits limits(std::vector<std::string>& warnings) const;

  /// Creates @p topics (name, partitions), appending each one created to @p created, and waits
  /// until every partition has a leader. Throws BrokerError or InputError.
  void create_topics(const std::vector<std::pair<std::string, int>>& topics, std::vector<std::string>& created);
  /// Grows @p topic, one this run created, to @p total partitions (CreatePartitions) and waits
  /// until every partition has a leader. Throws BrokerError.
  void create_partitions(const std::string& topic, int total);
  /// Deletes @p names (topics this run created); returns those confirmed gone.
  std::vector<std::string> delete_topics(const std::vector<std::string>& names, int timeout_ms);
  /// Deletes consumer groups this run created, retrying while they still have members (a crashed
  /// member stays until its session times out) for up to @p patience. Returns the ids that could
  /// not be deleted.
  std::vector<std::string> delete_groups(std::vector<std::string> ids, std::chrono::milliseconds patience,
                                         int request_timeout_ms = 5000);
  /// Those of @p ids that exist on the cluster (the coordinator knows them in a state other than
  /// Dead: with members, or only committed offsets). Waits until every group's coordinator answers
  /// (on a fresh cluster the first lookup creates the offsets topic, which takes seconds), at most
  /// @p limit; throws BrokerError after that. Read-only. None on the mock cluster, which this run
  /// started.
  std::vector<std::string> existing_groups(const std::vector<std::string>& ids, std::chrono::seconds limit);
  /// Coordinator state of each group ("" when unknown); empty when the request failed.
  std::vector<std::string> group_states(const std::vector<std::string>& ids, int timeout_ms);

 private:
  Shared& sh_;
  bool mock_ = false;
  bool abandoned_ = false;
  RkPtr host_;
  rd_kafka_mock_cluster_t* mock_cluster_ = nullptr;
  RkPtr control_;
};

}  // namespace cgsim::live::kafka
