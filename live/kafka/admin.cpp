// The cluster of a live run and its admin operations (see admin.hpp).
#include "live/kafka/admin.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "models/common/error.hpp"

namespace cgsim::live::kafka {

/// Runs an admin request and waits for its result event.
EventPtr admin_wait(rd_kafka_t* rk, const std::function<void(rd_kafka_queue_t*, rd_kafka_AdminOptions_t*)>& call,
                    rd_kafka_admin_op_t op, int timeout_ms) {
  QueuePtr q(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, op);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
  }
  call(q.get(), opts);
  rd_kafka_AdminOptions_destroy(opts);
  EventPtr ev(rd_kafka_queue_poll(q.get(), timeout_ms + 2000));
  return ev;
}

std::string event_error(rd_kafka_event_t* ev) {
  if (!ev) return "timed out";
  if (rd_kafka_event_error(ev)) return rd_kafka_event_error_string(ev);
  return "";
}

Cluster::Cluster(Shared& sh, const LiveOptions& o) : sh_(sh) {
  std::string bootstrap = o.bootstrap;
  if (bootstrap.empty()) {
    for (const auto& [k, v] : o.properties)
      if (k == "bootstrap.servers" || k == "metadata.broker.list") bootstrap = v;
  }
  mock_ = bootstrap.empty();
  if (mock_) {
    // The mock cluster lives inside a client instance of its own.
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    conf_set(c, "log_level", "0");
    host_ = new_client(RD_KAFKA_PRODUCER, c);
    mock_cluster_ = rd_kafka_mock_cluster_new(host_.get(), std::max(1, o.mock_brokers));
    if (!mock_cluster_) throw Error("cannot start librdkafka's mock cluster");
    bootstrap = rd_kafka_mock_cluster_bootstraps(mock_cluster_);
  }
  sh_.bootstrap = bootstrap;
  sh_.mock = mock_;
  try {
    control_ = new_client(RD_KAFKA_PRODUCER, make_conf(sh_, {{"client.id", "cgsim-control"}}));
  } catch (...) {
    // The destructor does not run for a constructor that throws; the mock cluster must go
    // before the client that hosts it.
    if (mock_cluster_) rd_kafka_mock_cluster_destroy(mock_cluster_);
    mock_cluster_ = nullptr;
    throw;
  }
}
Cluster::~Cluster() {
  if (abandoned_ && control_) {
    // librdkafka 2.0.2 can wait without end in rd_kafka_destroy for requests queued to a
    // broker that is gone; the handle is released on a thread of its own instead.
    std::thread([rk = control_.release()] { rd_kafka_destroy(rk); }).detach();
  }
  control_.reset();
  if (mock_cluster_) rd_kafka_mock_cluster_destroy(mock_cluster_);
  host_.reset();
}

std::map<std::string, int> Cluster::topics(int timeout_ms) const {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(control_.get(), 1, nullptr, &md, timeout_ms);
  if (err) {
    throw BrokerError("cannot reach the Kafka cluster at " + sh_.bootstrap + ": " + rd_kafka_err2str(err));
  }
  std::map<std::string, int> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err) continue;
    int with_leader = 0;
    for (int p = 0; p < t.partition_cnt; ++p)
      if (t.partitions[p].leader >= 0 && !t.partitions[p].err) ++with_leader;
    out[t.topic] = with_leader;
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

bool Cluster::probe(int timeout_ms, std::string* error) const {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(control_.get(), 0, nullptr, &md, timeout_ms);
  if (err) {
    if (error) *error = rd_kafka_err2str(err);
    return false;
  }
  bool ok = md->broker_cnt > 0;
  rd_kafka_metadata_destroy(md);
  if (!ok && error) *error = "no brokers in metadata";
  return ok;
}

BrokerLimits Cluster::limits(std::vector<std::string>& warnings) const {
  BrokerLimits l;
  if (mock_) {
    // The mock cluster's coordinator answers the first JoinGroup of an empty group after a
    // fixed 3 s and has no session timeout bounds. Kafka (and the simulator) wait one delay
    // and then one more because members joined during the first, so 1.5 s makes the
    // simulated first join phase last the mock's 3 s.
    l.initial_rebalance_delay_ms = 1500;
    l.min_session_timeout_ms = 1;
    l.max_session_timeout_ms = 3600000;
    return l;
  }
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(control_.get(), 0, nullptr, &md, 5000) || md->broker_cnt == 0) {
    if (md) rd_kafka_metadata_destroy(md);
    warnings.push_back("could not read the broker's group settings; assuming Kafka's defaults");
    return l;
  }
  std::string broker_id = std::to_string(md->brokers[0].id);
  rd_kafka_metadata_destroy(md);
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_BROKER, broker_id.c_str());
  EventPtr ev = admin_wait(
      control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
        rd_kafka_DescribeConfigs(control_.get(), &res, 1, opts, q);
      },
      RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, 5000);
  rd_kafka_ConfigResource_destroy(res);
  std::string e = event_error(ev.get());
  if (!e.empty()) {
    warnings.push_back("could not read the broker's group settings (" + e + "); assuming Kafka's defaults");
    return l;
  }
  size_t n = 0;
  const rd_kafka_DescribeConfigs_result_t* r = rd_kafka_event_DescribeConfigs_result(ev.get());
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(r, &n);
  if (n == 1 && !rd_kafka_ConfigResource_error(rs[0])) {
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[0], &cnt);
    for (size_t i = 0; i < cnt; ++i) {
      const char* name = rd_kafka_ConfigEntry_name(entries[i]);
      const char* value = rd_kafka_ConfigEntry_value(entries[i]);
      if (!name || !value) continue;
      std::string nm = name;
      if (nm == "group.initial.rebalance.delay.ms") l.initial_rebalance_delay_ms = std::atoll(value);
      if (nm == "group.min.session.timeout.ms") l.min_session_timeout_ms = std::atoll(value);
      if (nm == "group.max.session.timeout.ms") l.max_session_timeout_ms = std::atoll(value);
      if (nm == "group.coordinator.rebalance.protocols") l.consumer_protocol = std::strstr(value, "consumer") != nullptr;
      if (nm == "group.consumer.session.timeout.ms") l.consumer_session_timeout_ms = std::atoll(value);
      if (nm == "group.consumer.heartbeat.interval.ms") l.consumer_heartbeat_interval_ms = std::atoll(value);
    }
    l.from_broker = true;
  } else {
    warnings.push_back("could not read the broker's group settings; assuming Kafka's defaults");
  }
  return l;
}

void Cluster::create_topics(const std::vector<std::pair<std::string, int>>& topics, std::vector<std::string>& created) {
  if (mock_) {
    for (const auto& [name, parts] : topics) {
      rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mock_cluster_, name.c_str(), parts, 1);
      if (err) throw Error("mock cluster: cannot create topic " + name + ": " + rd_kafka_err2str(err));
      created.push_back(name);
    }
    return;
  }
  std::vector<rd_kafka_NewTopic_t*> nts;
  for (const auto& [name, parts] : topics) {
    char err[256];
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), parts, -1, err, sizeof err);
    if (!nt) {
      for (auto* x : nts) rd_kafka_NewTopic_destroy(x);
      throw InputError("topic " + name + ": " + err);
    }
    nts.push_back(nt);
  }
  EventPtr ev = admin_wait(
      control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
        rd_kafka_CreateTopics(control_.get(), nts.data(), nts.size(), opts, q);
      },
      RD_KAFKA_ADMIN_OP_CREATETOPICS, 15000);
  for (auto* x : nts) rd_kafka_NewTopic_destroy(x);
  std::string e = event_error(ev.get());
  if (!e.empty()) throw BrokerError("creating topics on " + sh_.bootstrap + " failed: " + e);
  size_t n = 0;
  const rd_kafka_topic_result_t** rs =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev.get()), &n);
  std::string failures;
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_topic_result_error(rs[i]) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      created.push_back(rd_kafka_topic_result_name(rs[i]));
    } else {
      failures += std::string(failures.empty() ? "" : "; ") + rd_kafka_topic_result_name(rs[i]) + ": " +
                  rd_kafka_topic_result_error_string(rs[i]);
    }
  }
  if (!failures.empty()) throw BrokerError("creating topics failed: " + failures);
  // Wait until every partition has a leader.
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (true) {
    auto have = this->topics(5000);
    bool ready = true;
    for (const auto& [name, parts] : topics)
      if (!have.count(name) || have[name] < parts) ready = false;
    if (ready) return;
    if (Clock::now() > deadline) throw BrokerError("created topics did not get partition leaders within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void Cluster::create_partitions(const std::string& topic, int total) {
  char err[256];
  rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err, sizeof err);
  if (!np) throw BrokerError("growing topic " + topic + ": " + err);
  EventPtr ev = admin_wait(
      control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
        rd_kafka_CreatePartitions(control_.get(), &np, 1, opts, q);
      },
      RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, 15000);
  rd_kafka_NewPartitions_destroy(np);
  std::string e = event_error(ev.get());
  if (e.empty()) {
    size_t n = 0;
    const rd_kafka_topic_result_t** rs =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev.get()), &n);
    for (size_t i = 0; i < n; ++i)
      if (rd_kafka_topic_result_error(rs[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) e = rd_kafka_topic_result_error_string(rs[i]);
  }
  if (!e.empty()) throw BrokerError("growing topic " + topic + " to " + std::to_string(total) + " partitions failed: " + e);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (true) {
    auto have = this->topics(5000);
    if (have.count(topic) && have[topic] >= total) return;
    if (Clock::now() > deadline) throw BrokerError("the partitions added to " + topic + " got no leaders within 20 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::vector<std::string> Cluster::delete_topics(const std::vector<std::string>& names, int timeout_ms) {
  if (names.empty()) return {};
  if (mock_) return names;  // the mock cluster and everything in it goes with the run
  std::vector<rd_kafka_DeleteTopic_t*> dts;
  for (const auto& n : names) dts.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  EventPtr ev = admin_wait(
      control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
        rd_kafka_DeleteTopics(control_.get(), dts.data(), dts.size(), opts, q);
      },
      RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout_ms);
  for (auto* d : dts) rd_kafka_DeleteTopic_destroy(d);
  std::vector<std::string> gone;
  if (!event_error(ev.get()).empty()) return gone;
  size_t n = 0;
  const rd_kafka_topic_result_t** rs =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    auto err = rd_kafka_topic_result_error(rs[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      gone.push_back(rd_kafka_topic_result_name(rs[i]));
    }
  }
  return gone;
}

std::vector<std::string> Cluster::delete_groups(std::vector<std::string> ids, std::chrono::milliseconds patience,
                                               int request_timeout_ms) {
  if (mock_ || ids.empty()) return {};
  auto deadline = Clock::now() + patience;
  while (!ids.empty()) {
    std::vector<rd_kafka_DeleteGroup_t*> dgs;
    for (const auto& id : ids) dgs.push_back(rd_kafka_DeleteGroup_new(id.c_str()));
    EventPtr ev = admin_wait(
        control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
          rd_kafka_DeleteGroups(control_.get(), dgs.data(), dgs.size(), opts, q);
        },
        RD_KAFKA_ADMIN_OP_DELETEGROUPS, request_timeout_ms);
    rd_kafka_DeleteGroup_destroy_array(dgs.data(), dgs.size());
    std::vector<std::string> left;
    if (!event_error(ev.get()).empty()) {
      left = ids;
    } else {
      size_t n = 0;
      const rd_kafka_group_result_t** rs =
          rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev.get()), &n);
      for (size_t i = 0; i < n; ++i) {
        const rd_kafka_error_t* e = rd_kafka_group_result_error(rs[i]);
        if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
          left.push_back(rd_kafka_group_result_name(rs[i]));
        }
      }
    }
    ids = left;
    if (ids.empty() || Clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return ids;
}

std::vector<std::string> Cluster::existing_groups(const std::vector<std::string>& ids, std::chrono::seconds limit) {
  if (mock_ || ids.empty()) return {};
  auto deadline = Clock::now() + limit;
  std::vector<const char*> cids;
  for (const auto& id : ids) cids.push_back(id.c_str());
  std::string last = "no answer";
  while (Clock::now() < deadline) {
    EventPtr ev = admin_wait(
        control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
          rd_kafka_DescribeConsumerGroups(control_.get(), cids.data(), cids.size(), opts, q);
        },
        RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, 5000);
    last = event_error(ev.get());
    if (last.empty()) {
      size_t n = 0;
      const rd_kafka_ConsumerGroupDescription_t** ds = rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
      bool all = n == ids.size();
      std::vector<std::string> existing;
      for (size_t i = 0; i < n; ++i) {
        const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(ds[i]);
        // A group the coordinator never heard of is described as Dead (or, by brokers that
        // say so, GROUP_ID_NOT_FOUND); any other state means it has members or offsets.
        if (e && rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) continue;
        if (e) {
          all = false;
          last = rd_kafka_error_string(e);
          continue;
        }
        const auto state = rd_kafka_ConsumerGroupDescription_state(ds[i]);
        if (state != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD && state != RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
          existing.emplace_back(rd_kafka_ConsumerGroupDescription_group_id(ds[i]));
        }
      }
      if (all) return existing;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw BrokerError("the group coordinator on " + sh_.bootstrap + " did not answer within " +
                    std::to_string(limit.count()) + " s (" + last + "); cannot tell whether the run's groups exist");
}

std::vector<std::string> Cluster::group_states(const std::vector<std::string>& ids, int timeout_ms) {
  std::vector<const char*> cids;
  for (const auto& id : ids) cids.push_back(id.c_str());
  EventPtr ev = admin_wait(
      control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
        rd_kafka_DescribeConsumerGroups(control_.get(), cids.data(), cids.size(), opts, q);
      },
      RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
  if (!event_error(ev.get()).empty()) return {};
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** ds =
      rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
  std::vector<std::string> out(ids.size());
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_ConsumerGroupDescription_error(ds[i])) continue;
    std::string id = rd_kafka_ConsumerGroupDescription_group_id(ds[i]);
    for (size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] != id) continue;
      switch (rd_kafka_ConsumerGroupDescription_state(ds[i])) {
        case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: out[k] = "PreparingRebalance"; break;
        case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: out[k] = "CompletingRebalance"; break;
        case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: out[k] = "Stable"; break;
        case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: out[k] = "Empty"; break;
        case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: out[k] = "Dead"; break;
        default: break;
      }
    }
  }
  return out;
}

}  // namespace cgsim::live::kafka
