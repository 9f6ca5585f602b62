// The librdkafka backend: runs a scenario on a real Kafka cluster or librdkafka's mock cluster.
//
// Threads: one per producer instance, one per consumer client, a monitor (broker health and,
// on a real cluster, the coordinator's group states), and the calling thread, which applies the
// scenario's faults on time, samples lag and ends the run.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <sstream>
#include <thread>

#include "live/backend.hpp"
#include "live/recorder.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/error.hpp"
#include "sim/rng.hpp"

namespace cgsim::live {

namespace {

using Clock = std::chrono::steady_clock;
using models::FaultSpec;

constexpr const char* kTimeHeader = "cgsim-t";

/// The run-clock time a record was produced at, from its kTimeHeader header; -1 without one.
std::int64_t produced_time(const rd_kafka_message_t* m) {
  std::int64_t ns = -1;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return ns;
  const void* v = nullptr;
  size_t sz = 0;
  if (rd_kafka_header_get_last(hdrs, kTimeHeader, &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR && sz == sizeof ns) {
    std::memcpy(&ns, v, sizeof ns);
  }
  return ns;
}

// ---------------------------------------------------------------------------------------------
// Signals: SIGINT and SIGTERM during a run set a flag; the run then cleans up and stops.

std::atomic<bool> g_interrupted{false};

extern "C" void cgsim_live_on_signal(int) { g_interrupted.store(true); }

class SignalGuard {
 public:
  SignalGuard() {
    g_interrupted = false;
    struct sigaction sa {};
    sa.sa_handler = cgsim_live_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// ---------------------------------------------------------------------------------------------
// State shared by every thread of one run.

enum class FailKind { None, Broker, Input, Internal };

struct Shared {
  Clock::time_point t0;
  std::int64_t end_ns = 0;
  std::string bootstrap;
  bool mock = false;
  const LiveOptions* options = nullptr;
  Recorder* recorder = nullptr;
  std::atomic<bool> abort{false};
  std::mutex mu;
  FailKind fail_kind = FailKind::None;
  std::string fail_message;
  std::mutex log_mu;

  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  }
  Clock::time_point at(std::int64_t ns) const { return t0 + std::chrono::nanoseconds(ns); }
  /// Records the first failure and stops the run.
  void fail(FailKind kind, const std::string& message) {
    {
      std::lock_guard lk(mu);
      if (fail_kind == FailKind::None) {
        fail_kind = kind;
        fail_message = message;
      }
    }
    abort = true;
  }
  void log(const std::string& m) {
    if (!options || !options->log) return;
    std::lock_guard lk(log_mu);
    options->log(m);
  }
};

// ---------------------------------------------------------------------------------------------
// librdkafka helpers.

struct RkDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rk) rd_kafka_destroy(rk);
  }
};
using RkPtr = std::unique_ptr<rd_kafka_t, RkDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const {
    if (q) rd_kafka_queue_destroy(q);
  }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const {
    if (e) rd_kafka_event_destroy(e);
  }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct PartListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartListDeleter>;

void conf_set(rd_kafka_conf_t* c, const std::string& k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(c);
    throw InputError("client property " + k + "=" + v + ": " + err);
  }
}

void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* sh = static_cast<Shared*>(rd_kafka_opaque(rk));
  if (sh && sh->options && sh->options->client_logs) {
    // Prefixed with the run's clock (seconds since the run started), the time base of every
    // recorded event, so that client log lines can be lined up with the recorded rebalances.
    // librdkafka's levels are syslog's: 0-3 errors, 4 warnings, 5 notices, 6 information, 7 debug.
    const char* severity = level <= 3 ? "error" : level == 4 ? "warning" : level <= 6 ? "info" : "debug";
    char t[32];
    std::snprintf(t, sizeof t, "%.3f ", static_cast<double>(sh->now_ns()) / 1e9);
    sh->log(std::string(t) + "librdkafka " + rd_kafka_name(rk) + " " + severity + " " + fac + ": " + buf);
  }
}

/// A configuration with the bootstrap address and the user's properties; @p defaults are set
/// before the user's properties (which may change them), @p ours after them.
rd_kafka_conf_t* make_conf(Shared& sh, const ClientProperties& ours, const ClientProperties& defaults = {}) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  conf_set(c, "bootstrap.servers", sh.bootstrap);
  for (const auto& [k, v] : defaults) conf_set(c, k, v);
  for (const auto& [k, v] : sh.options->properties) conf_set(c, k, v);
  for (const auto& [k, v] : ours) conf_set(c, k, v);
  rd_kafka_conf_set_log_cb(c, log_cb);
  rd_kafka_conf_set_opaque(c, &sh);
  return c;
}

RkPtr new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw InputError(std::string("cannot create a librdkafka client: ") + err);
  }
  return RkPtr(rk);
}

/// The generation of the consumer's current group membership, read from its consumer group
/// metadata: librdkafka serialises it as a 7-byte magic "CGMDv2:" followed by the generation id
/// (native int32). -1 when unavailable.
std::int32_t generation_of(rd_kafka_t* rk) {
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk);
  if (!md) return -1;
  void* buf = nullptr;
  size_t size = 0;
  std::int32_t gen = -1;
  rd_kafka_error_t* err = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
  if (!err && buf && size >= 11 && std::memcmp(buf, "CGMDv2:", 7) == 0) {
    std::memcpy(&gen, static_cast<char*>(buf) + 7, sizeof gen);
  }
  if (err) rd_kafka_error_destroy(err);
  if (buf) rd_kafka_mem_free(nullptr, buf);
  rd_kafka_consumer_group_metadata_destroy(md);
  return gen;
}

/// Runs an admin request and waits for its result event.
EventPtr admin_wait(rd_kafka_t* rk, const std::function<void(rd_kafka_queue_t*, rd_kafka_AdminOptions_t*)>& call,
                    rd_kafka_admin_op_t op, int timeout_ms) {
  QueuePtr q(rd_kafka_queue_new(rk));
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, op);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
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

// ---------------------------------------------------------------------------------------------
// The cluster: a real one reached through bootstrap.servers, or the in-process mock cluster.

class Cluster {
 public:
  Cluster(Shared& sh, const LiveOptions& o) : sh_(sh) {
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
  ~Cluster() {
    if (abandoned_ && control_) {
      // librdkafka 2.0.2 can wait without end in rd_kafka_destroy for requests queued to a
      // broker that is gone; the handle is released on a thread of its own instead.
      std::thread([rk = control_.release()] { rd_kafka_destroy(rk); }).detach();
    }
    control_.reset();
    if (mock_cluster_) rd_kafka_mock_cluster_destroy(mock_cluster_);
    host_.reset();
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  bool mock() const { return mock_; }
  /// The broker is gone: do not wait for the control client's requests when destroying it.
  void abandon() { abandoned_ = true; }
  rd_kafka_mock_cluster_t* mock_cluster() const { return mock_cluster_; }
  rd_kafka_t* control() const { return control_.get(); }

  /// Topic names and partition counts; throws BrokerError when the cluster does not answer.
  std::map<std::string, int> topics(int timeout_ms) const {
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

  /// True when the cluster answers a metadata request within @p timeout_ms.
  bool probe(int timeout_ms, std::string* error) const {
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

  BrokerLimits limits(std::vector<std::string>& warnings) const {
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
      }
      l.from_broker = true;
    } else {
      warnings.push_back("could not read the broker's group settings; assuming Kafka's defaults");
    }
    return l;
  }

  void create_topics(const std::vector<std::pair<std::string, int>>& topics, std::vector<std::string>& created) {
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

  /// Deletes @p names (topics this run created); returns those confirmed gone.
  std::vector<std::string> delete_topics(const std::vector<std::string>& names, int timeout_ms) {
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

  /// Deletes consumer groups this run created, retrying while they still have members (a crashed
  /// member stays until its session times out). Returns the ids that could not be deleted.
  std::vector<std::string> delete_groups(std::vector<std::string> ids, std::chrono::milliseconds patience) {
    if (mock_ || ids.empty()) return {};
    auto deadline = Clock::now() + patience;
    while (!ids.empty()) {
      std::vector<rd_kafka_DeleteGroup_t*> dgs;
      for (const auto& id : ids) dgs.push_back(rd_kafka_DeleteGroup_new(id.c_str()));
      EventPtr ev = admin_wait(
          control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
            rd_kafka_DeleteGroups(control_.get(), dgs.data(), dgs.size(), opts, q);
          },
          RD_KAFKA_ADMIN_OP_DELETEGROUPS, 5000);
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

  /// Waits until the coordinator of every group in @p ids answers (on a fresh cluster the first
  /// group lookup creates the offsets topic, which takes seconds), so that this one-off cost is
  /// not counted in the first rebalance. Read-only: it only describes the run's own groups.
  void wait_for_coordinators(const std::vector<std::string>& ids, std::chrono::seconds limit) {
    if (mock_ || ids.empty()) return;
    auto deadline = Clock::now() + limit;
    std::vector<const char*> cids;
    for (const auto& id : ids) cids.push_back(id.c_str());
    while (Clock::now() < deadline) {
      EventPtr ev = admin_wait(
          control_.get(), [&](rd_kafka_queue_t* q, rd_kafka_AdminOptions_t* opts) {
            rd_kafka_DescribeConsumerGroups(control_.get(), cids.data(), cids.size(), opts, q);
          },
          RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, 5000);
      if (event_error(ev.get()).empty()) {
        size_t n = 0;
        const rd_kafka_ConsumerGroupDescription_t** ds = rd_kafka_DescribeConsumerGroups_result_groups(
            rd_kafka_event_DescribeConsumerGroups_result(ev.get()), &n);
        bool all = n == ids.size();
        for (size_t i = 0; i < n; ++i)
          if (rd_kafka_ConsumerGroupDescription_error(ds[i])) all = false;
        if (all) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw BrokerError("the group coordinator on " + sh_.bootstrap + " did not answer within " +
                      std::to_string(limit.count()) + " s");
  }

  /// Coordinator state of each group ("" when unknown); empty when the request failed.
  std::vector<std::string> group_states(const std::vector<std::string>& ids, int timeout_ms) {
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

 private:
  Shared& sh_;
  bool mock_ = false;
  bool abandoned_ = false;
  RkPtr host_;
  rd_kafka_mock_cluster_t* mock_cluster_ = nullptr;
  RkPtr control_;
};

// ---------------------------------------------------------------------------------------------
// The layout of a run: topics and groups with their Kafka names and global partition numbers.

struct TopicLayout {
  std::string name;   ///< scenario name
  std::string kafka;  ///< prefixed name on the cluster
  std::int32_t first = 0;
  std::int32_t partitions = 0;
};

struct Layout {
  std::vector<TopicLayout> topics;
  std::vector<std::string> partition_names;
  std::map<std::string, std::size_t> by_kafka;
  std::vector<std::string> group_ids;  ///< prefixed

  const TopicLayout* kafka_topic(const char* name) const {
    auto it = by_kafka.find(name);
    return it == by_kafka.end() ? nullptr : &topics[it->second];
  }
  const TopicLayout& topic(const std::string& scenario_name) const {
    for (const auto& t : topics)
      if (t.name == scenario_name) return t;
    throw Error("unknown topic " + scenario_name);
  }
};

bool legal_topic_name(const std::string& n) {
  if (n.empty() || n.size() > 249) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Producers.

/// Records arriving per one producer instance, as the scenario's rate specifies.
class Arrivals {
 public:
  Arrivals(const models::ProducerSpec& p, sim::Rng rng) : p_(p), rng_(rng) {}
  /// The first arrival at or after @p t (ns), or kNever.
  std::int64_t next(std::int64_t t) {
    while (t < p_.stop) {
      double rate = p_.rate.rate_at(t);
      std::int64_t boundary = next_boundary(t);
      if (rate <= 0) {
        if (boundary == sim::kNever) return sim::kNever;
        t = boundary;
        continue;
      }
      bool poisson = p_.rate.kind == models::RateSpec::Kind::Poisson ||
                     (p_.rate.kind == models::RateSpec::Kind::Steps && p_.rate.poisson_steps);
      double gap = poisson ? rng_.exponential(1e9 / rate) : 1e9 / rate;
      auto cand = t + static_cast<std::int64_t>(std::llround(gap));
      if (boundary != sim::kNever && cand >= boundary) {
        // The rate changes before the next arrival: draw again from the boundary.
        t = boundary;
        continue;
      }
      return cand < p_.stop ? cand : sim::kNever;
    }
    return sim::kNever;
  }

 private:
  std::int64_t next_boundary(std::int64_t t) const {
    if (p_.rate.kind != models::RateSpec::Kind::Steps) return sim::kNever;
    for (const auto& [from, r] : p_.rate.steps)
      if (from > t) return from;
    return sim::kNever;
  }
  const models::ProducerSpec& p_;
  sim::Rng rng_;
};

/// Draws record keys as the scenario's KeySpec says.
class Keys {
 public:
  Keys(const models::KeySpec& k, sim::Rng rng) : k_(k), rng_(rng) {
    if (k_.kind == models::KeySpec::Kind::Zipf) zipf_ = std::make_unique<sim::ZipfSampler>(k_.cardinality, k_.exponent);
  }
  /// The next key; std::nullopt for records without a key.
  std::optional<std::string> next() {
    std::uint64_t i = 0;
    switch (k_.kind) {
      case models::KeySpec::Kind::None: return std::nullopt;
      case models::KeySpec::Kind::Uniform: i = rng_.below(k_.cardinality); break;
      case models::KeySpec::Kind::Zipf: i = zipf_->sample(rng_); break;
      case models::KeySpec::Kind::Sequential:
        i = seq_++;
        if (k_.cardinality > 0) i %= k_.cardinality;
        break;
    }
    return k_.prefix + std::to_string(i);
  }

 private:
  const models::KeySpec& k_;
  sim::Rng rng_;
  std::unique_ptr<sim::ZipfSampler> zipf_;
  std::uint64_t seq_ = 0;
};

class ProducerWorker {
 public:
  ProducerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::size_t spec, std::int32_t instance)
      : sh_(sh), spec_(sc.producers[spec]), topic_(layout.topic(spec_.topic)),
        arrivals_(spec_, sim::Rng(sc.seed, "live.producer." + std::to_string(spec) + "." + std::to_string(instance) + ".arrivals")),
        keys_(spec_.keys, sim::Rng(sc.seed, "live.producer." + std::to_string(spec) + "." + std::to_string(instance) + ".keys")),
        value_(static_cast<std::size_t>(spec_.record_bytes), 'x') {
    auto kind = models::partitioners::Partitioner::parse(spec_.partitioner);
    if (!kind) throw InputError("unknown partitioner " + spec_.partitioner);
    ClientProperties ours{{"client.id", "cgsim-producer-" + std::to_string(spec) + "-" + std::to_string(instance)}};
    using K = models::partitioners::Partitioner::Kind;
    switch (*kind) {
      case K::Default:
      case K::ConsistentRandom: ours.emplace_back("partitioner", "consistent_random"); break;
      case K::Consistent: ours.emplace_back("partitioner", "consistent"); break;
      case K::Murmur2: ours.emplace_back("partitioner", "murmur2"); break;
      case K::Murmur2Random: ours.emplace_back("partitioner", "murmur2_random"); break;
      case K::Fnv1a: ours.emplace_back("partitioner", "fnv1a"); break;
      case K::Fnv1aRandom: ours.emplace_back("partitioner", "fnv1a_random"); break;
      case K::Random: ours.emplace_back("partitioner", "random"); break;
      case K::RoundRobin:
      case K::UniformSticky:
        // Java-only strategies: cgsim's model of them picks the partition.
        model_.emplace(*kind, models::ClientFlavor::Librdkafka, topic_.partitions,
                       sim::Rng(sc.seed, "live.producer." + std::to_string(spec) + "." + std::to_string(instance) + ".partitioner"));
        break;
    }
    rd_kafka_conf_t* conf = make_conf(sh_, ours);
    rd_kafka_conf_set_dr_msg_cb(conf, &ProducerWorker::on_delivery);
    rk_ = new_client(RD_KAFKA_PRODUCER, conf);
  }
  ~ProducerWorker() { join(); }

  void start() { thread_ = std::thread([this] { body(); }); }
  void stop() {
    stop_ = true;
  }
  void abort() {
    aborted_ = true;
    stop_ = true;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  const std::map<std::string, std::set<std::int32_t>>& placements() const { return placements_; }
  const TopicLayout& topic() const { return topic_; }

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void*) {
    auto* sh = static_cast<Shared*>(rd_kafka_opaque(rk));
    auto* self = static_cast<ProducerWorker*>(m->_private);
    if (!sh || !self) return;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
      sh->fail(FailKind::Broker, std::string("producing to ") + self->topic_.kafka + " failed: " + rd_kafka_err2str(m->err));
      return;
    }
    const std::int64_t produced_ns = produced_time(m);
    sh->recorder->produced(self->topic_.first + m->partition, m->offset, produced_ns);
    if (sh->options->record_placements && m->key) {
      self->placements_[std::string(static_cast<const char*>(m->key), m->key_len)].insert(m->partition);
    }
  }

  void body() {
    try {
      run();
    } catch (const std::exception& e) {
      sh_.fail(FailKind::Internal, std::string("producer: ") + e.what());
    }
    if (aborted_) {
      rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_poll(rk_.get(), 0);
    } else if (rd_kafka_flush(rk_.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      sh_.log("warning: " + std::to_string(rd_kafka_outq_len(rk_.get())) + " records to " + topic_.kafka +
              " were not delivered within 10 s of the end");
      rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_poll(rk_.get(), 0);
    }
    rk_.reset();
  }

  void run() {
    std::int64_t t = arrivals_.next(std::max<std::int64_t>(spec_.start, 0));
    while (!stop_ && t < sh_.end_ns) {
      // Sleep until the arrival, waking now and then to serve delivery reports and to stop.
      while (!stop_) {
        std::int64_t now = sh_.now_ns();
        if (now >= t) break;
        rd_kafka_poll(rk_.get(), static_cast<int>(std::min<std::int64_t>((t - now) / 1000000, 20)));
        now = sh_.now_ns();
        if (t - now > 0 && t - now < 1000000) std::this_thread::sleep_until(sh_.at(t));
      }
      if (stop_) break;
      produce_one();
      t = arrivals_.next(t);
    }
  }

  void produce_one() {
    std::optional<std::string> key = keys_.next();
    std::int64_t produced_ns = sh_.now_ns();
    std::int32_t partition = RD_KAFKA_PARTITION_UA;
    if (model_) {
      models::partitioners::RecordInfo ri;
      if (key) ri.key = std::string_view(*key);
      ri.value_bytes = spec_.record_bytes;
      ri.now = produced_ns;
      partition = model_->partition(ri);
    }
    const void* key_data = key ? static_cast<const void*>(key->data()) : nullptr;
    const size_t key_len = key ? key->size() : 0;
    while (!stop_) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(topic_.kafka.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_KEY(key_data, key_len),
          RD_KAFKA_V_VALUE(value_.data(), value_.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADER(kTimeHeader, &produced_ns, sizeof produced_ns), RD_KAFKA_V_OPAQUE(this),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        sh_.fail(FailKind::Internal, std::string("produce failed: ") + rd_kafka_err2str(err));
        return;
      }
      rd_kafka_poll(rk_.get(), 10);
    }
    rd_kafka_poll(rk_.get(), 0);
  }

  Shared& sh_;
  const models::ProducerSpec& spec_;
  const TopicLayout& topic_;
  Arrivals arrivals_;
  Keys keys_;
  std::string value_;
  std::optional<models::partitioners::Partitioner> model_;
  RkPtr rk_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> aborted_{false};
  std::map<std::string, std::set<std::int32_t>> placements_;
};

// ---------------------------------------------------------------------------------------------
// Consumers.

enum class Command : int { Run = 0, Crash, Close, Finish, Abort };

class ConsumerWorker {
 public:
  ConsumerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::int32_t group, std::int32_t index,
                 std::uint32_t incarnation)
      : sh_(sh), layout_(layout), spec_(sc.groups[static_cast<std::size_t>(group)]), group_(group), index_(index),
        name_(spec_.id + "/" + std::to_string(index)),
        rng_(sc.seed, "live.consumer." + spec_.id + "." + std::to_string(index) + "." + std::to_string(incarnation)) {
    const std::string client_id = spec_.id + "-" + std::to_string(index);
    auto ms = [](sim::Time t) { return std::to_string(std::max<sim::Time>(1, t / sim::kMillisecond)); };
    ClientProperties ours{
        {"group.id", layout.group_ids[static_cast<std::size_t>(group)]},
        {"client.id", client_id},
        {"partition.assignment.strategy", librdkafka_strategy(spec_.assignor)},
        {"session.timeout.ms", ms(spec_.session_timeout)},
        {"heartbeat.interval.ms", ms(spec_.heartbeat_interval)},
        {"max.poll.interval.ms", ms(spec_.max_poll_interval)},
        {"enable.auto.commit", spec_.commit.kind == models::CommitSpec::Kind::Auto ? "true" : "false"},
        {"auto.commit.interval.ms", ms(spec_.commit.interval)},
        {"auto.offset.reset", spec_.auto_offset_reset},
        {"enable.partition.eof", "false"},
    };
    if (spec_.consumers.static_membership) ours.emplace_back("group.instance.id", client_id);
    if (spec_.consumers.rack) ours.emplace_back("client.rack", *spec_.consumers.rack);
    ClientProperties defaults;
    if (sh_.mock) {
      // The mock broker holds an empty fetch for the whole fetch.wait.max.ms, even when records
      // arrive meanwhile; a short wait keeps that from adding up to 500 ms of latency.
      defaults.emplace_back("fetch.wait.max.ms", "5");
    }
    conf_ = make_conf(sh_, ours, defaults);
    rd_kafka_conf_set_rebalance_cb(conf_, &ConsumerWorker::on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf_, &ConsumerWorker::on_commit);
    rd_kafka_conf_set_error_cb(conf_, &ConsumerWorker::on_error);
  }
  ~ConsumerWorker() {
    join();
    if (conf_) rd_kafka_conf_destroy(conf_);
  }
  ConsumerWorker(const ConsumerWorker&) = delete;
  ConsumerWorker& operator=(const ConsumerWorker&) = delete;

  void start() {
    thread_ = std::thread([this] { body(); });
  }
  void command(Command c) {
    {
      std::lock_guard lk(mu_);
      // A stronger command replaces a weaker one (crash and abort stop at once).
      if (static_cast<int>(c) > static_cast<int>(cmd_.load()) || c == Command::Crash || c == Command::Abort) cmd_ = c;
    }
    cv_.notify_all();
  }
  void slow(double factor, std::int64_t until_ns) {
    std::lock_guard lk(mu_);
    slow_factor_ = factor;
    slow_until_ = until_ns;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  bool running() const { return !finished_.load(); }
  std::int32_t index() const { return index_; }
  const std::string& name() const { return name_; }

 private:
  // Per-client pointer to the worker: the conf opaque is the Shared state, so the worker is kept
  // in a map keyed by the client handle.
  static std::mutex& registry_mu() {
    static std::mutex m;
    return m;
  }
  static std::map<const rd_kafka_t*, ConsumerWorker*>& registry() {
    static std::map<const rd_kafka_t*, ConsumerWorker*> r;
    return r;
  }
  static ConsumerWorker* of(const rd_kafka_t* rk) {
    std::lock_guard lk(registry_mu());
    auto it = registry().find(rk);
    return it == registry().end() ? nullptr : it->second;
  }

  std::int32_t global(const char* topic, std::int32_t partition) const {
    const TopicLayout* t = layout_.kafka_topic(topic);
    return t ? t->first + partition : -1;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void*) {
    ConsumerWorker* self = of(rk);
    const bool coop = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (coop) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, parts);
      }
      if (!self) return;
      if (!coop) self->current_.clear();
      for (int i = 0; i < parts->cnt; ++i) {
        std::int32_t g = self->global(parts->elems[i].topic, parts->elems[i].partition);
        if (g >= 0 && std::find(self->current_.begin(), self->current_.end(), g) == self->current_.end()) {
          self->current_.push_back(g);
        }
      }
      char* member = rd_kafka_memberid(rk);
      std::string member_id = member ? member : "";
      if (member) rd_kafka_mem_free(rk, member);
      self->assigned_once_ = true;
      self->sh_.recorder->assigned(self->group_, self->name_, member_id, generation_of(rk), self->sh_.now_ns(),
                                   self->current_);
    } else {
      std::vector<std::int32_t> revoked;
      for (int i = 0; i < parts->cnt; ++i) revoked.push_back(self ? self->global(parts->elems[i].topic, parts->elems[i].partition) : -1);
      if (coop) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
      } else {
        rd_kafka_assign(rk, nullptr);
      }
      if (!self) return;
      if (coop) {
        for (auto g : revoked) self->current_.erase(std::remove(self->current_.begin(), self->current_.end(), g), self->current_.end());
      } else {
        self->current_.clear();
      }
      self->sh_.recorder->revoked(self->group_, self->name_, self->sh_.now_ns(), revoked, self->current_);
    }
  }

  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void*) {
    ConsumerWorker* self = of(rk);
    if (!self || err || !offsets) return;
    if (self->sh_.now_ns() > self->sh_.end_ns) return;
    for (int i = 0; i < offsets->cnt; ++i) {
      const auto& e = offsets->elems[i];
      if (e.err || e.offset < 0) continue;
      std::int32_t g = self->global(e.topic, e.partition);
      if (g >= 0) self->sh_.recorder->committed(self->group_, g, e.offset);
    }
  }

  static void on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
    ConsumerWorker* self = of(rk);
    if (!self) return;
    auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT) {
      self->sh_.fail(FailKind::Input, "the broker rejected session.timeout.ms of group " + self->spec_.id + " (" + reason +
                                          "); it is outside group.min/max.session.timeout.ms: change time_scale");
    } else if (code == RD_KAFKA_RESP_ERR__FATAL || code == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
               code == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED) {
      self->sh_.fail(FailKind::Broker, std::string("consumer ") + self->name_ + ": " + reason);
    }
  }

  /// Waits until @p deadline_ns unless told to stop at once; false when interrupted.
  bool wait_until(std::int64_t deadline_ns) {
    std::unique_lock lk(mu_);
    return !cv_.wait_until(lk, sh_.at(deadline_ns), [this] {
      Command c = cmd_.load();
      return c == Command::Crash || c == Command::Abort || c == Command::Finish;
    });
  }

  void body() {
    try {
      run();
    } catch (const std::exception& e) {
      sh_.fail(FailKind::Internal, "consumer " + name_ + ": " + e.what());
      if (rk_) {
        rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        forget();
      }
    }
    finished_ = true;
  }

  void forget() {
    std::lock_guard lk(registry_mu());
    registry().erase(rk_);
    rk_ = nullptr;
  }

  void create() {
    char err[512];
    rd_kafka_conf_t* c = conf_;
    conf_ = nullptr;
    // Register before any callback can fire: rd_kafka_new does not serve callbacks itself, but
    // the registry must know the handle before the first poll.
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!rk_) {
      rd_kafka_conf_destroy(c);
      throw InputError(std::string("cannot create consumer ") + name_ + ": " + err);
    }
    {
      std::lock_guard lk(registry_mu());
      registry()[rk_] = this;
    }
    rd_kafka_poll_set_consumer(rk_);
    PartListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(spec_.topics.size())));
    for (const auto& t : spec_.topics) {
      rd_kafka_topic_partition_list_add(topics.get(), layout_.topic(t).kafka.c_str(), RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics.get());
    if (e) throw Error(std::string("subscribe failed: ") + rd_kafka_err2str(e));
    sh_.recorder->consumer_started(group_, name_, sh_.now_ns());
  }

  void run() {
    create();
    // librdkafka hands out one message per poll and, with its default enable.auto.offset.store,
    // stores the message's offset as it hands it out; auto-commit commits that store from a
    // background timer. A "batch" (for after_batch commits) is max_poll_records messages or
    // whatever arrived before the queue ran dry.
    std::int64_t busy_until = 0;
    std::int32_t in_batch = 0;
    bool ran_dry = true;  // the last poll returned nothing: the next message follows an idle wait
    const std::int32_t max_batch = std::max(1, spec_.max_poll_records);
    auto commit_batch = [&] {
      if (spec_.commit.kind == models::CommitSpec::Kind::AfterBatch && in_batch > 0) rd_kafka_commit(rk_, nullptr, 0);
      in_batch = 0;
    };
    while (cmd_.load() == Command::Run) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, in_batch > 0 ? 0 : 20);
      if (!m) {
        ran_dry = true;
        commit_batch();
        continue;
      }
      if (m->err) {
        handle_error(m);
        rd_kafka_message_destroy(m);
        continue;
      }
      const std::int64_t received = sh_.now_ns();
      const std::int64_t produced_ns = produced_time(m);
      double factor = 1;
      {
        std::lock_guard lk(mu_);
        if (received < slow_until_) factor = slow_factor_;
      }
      const double seconds = spec_.consumers.processing_time.sample(rng_) * factor;
      // Processing starts when the previous record's ended or, after an idle wait for records,
      // when this one arrived. A wake-up a little late (a sleep overshoots by tens of
      // microseconds) does not count as idle: the next record starts at the ideal end of the
      // previous one, so the overshoot is absorbed instead of adding up.
      constexpr std::int64_t kWakeSlack = 500'000;
      const std::int64_t start = received - busy_until <= kWakeSlack ? busy_until : received;
      busy_until = start + static_cast<std::int64_t>(std::llround(seconds * 1e9));
      const bool finished = wait_until(busy_until);
      const std::int64_t now = sh_.now_ns();
      if (finished && now <= sh_.end_ns) {
        const std::int32_t g = global(rd_kafka_topic_name(m->rkt), m->partition);
        sh_.recorder->processed(group_, name_, {{g, m->offset, produced_ns, now, ran_dry}});
        ran_dry = false;
        ++in_batch;
      }
      rd_kafka_message_destroy(m);
      if (!finished) break;
      if (in_batch >= max_batch) commit_batch();
    }
    const Command c = cmd_.load();
    if (c == Command::Close || c == Command::Finish) commit_batch();
    stop(c);
  }

  void handle_error(const rd_kafka_message_t* m) {
    switch (m->err) {
      case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED:
      case RD_KAFKA_RESP_ERR__TRANSPORT:
      case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        return;  // the client recovers by itself; broker loss is the monitor's call
      case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
        sh_.fail(FailKind::Broker, "consumer " + name_ + ": a topic of this run disappeared from the cluster");
        return;
      default:
        sh_.log("consumer " + name_ + ": " + rd_kafka_message_errstr(m));
    }
  }

  void stop(Command c) {
    const bool static_member = spec_.consumers.static_membership;
    if (!assigned_once_ && librdkafka_strategy(spec_.assignor) == "cooperative-sticky") {
      // librdkafka before 2.3 aborts when a cooperative-sticky consumer is destroyed before its
      // first assignment (its assignor state is still null). Such a client is unsubscribed and
      // left undestroyed; it holds no partitions and ends with the process.
      if (c == Command::Finish || c == Command::Close) rd_kafka_unsubscribe(rk_);
      sh_.recorder->consumer_stopped(group_, name_, sh_.now_ns());
      std::lock_guard lk(registry_mu());
      registry().erase(rk_);
      rk_ = nullptr;
      return;
    }
    if (c == Command::Crash || c == Command::Abort) {
      // A crash: no commit, no LeaveGroup; the coordinator notices at session timeout.
      rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    } else if (c == Command::Close && static_member) {
      // A clean shutdown of a static member: commit, but no LeaveGroup (as the Java client),
      // so the member keeps its place until its session times out.
      if (spec_.commit.kind != models::CommitSpec::Kind::None) rd_kafka_commit(rk_, nullptr, 0);
      rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    } else {
      if (spec_.commit.kind != models::CommitSpec::Kind::None) rd_kafka_commit(rk_, nullptr, 0);
      rd_kafka_consumer_close(rk_);
      rd_kafka_destroy(rk_);
    }
    sh_.recorder->consumer_stopped(group_, name_, sh_.now_ns());
    std::lock_guard lk(registry_mu());
    registry().erase(rk_);
    rk_ = nullptr;
  }

  Shared& sh_;
  const Layout& layout_;
  const models::GroupSpec& spec_;
  std::int32_t group_;
  std::int32_t index_;
  std::string name_;
  sim::Rng rng_;
  rd_kafka_conf_t* conf_ = nullptr;
  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<Command> cmd_{Command::Run};
  double slow_factor_ = 1;
  std::int64_t slow_until_ = 0;
  std::atomic<bool> finished_{false};
  bool assigned_once_ = false;  ///< received an assignment callback (consumer thread only)
  std::vector<std::int32_t> current_;  ///< owned partitions (global), touched on the consumer thread only
};

// ---------------------------------------------------------------------------------------------
// One run.

class Run {
 public:
  Run(const LiveOptions& o, LiveDetails& d, const models::Scenario& sc) : o_(o), d_(d), sc_(sc) {}

  analysis::RunSummary execute() {
    sh_.options = &o_;
    const auto wall0 = Clock::now();
    cluster_ = std::make_unique<Cluster>(sh_, o_);
    d_.mock = cluster_->mock();
    d_.bootstrap = sh_.bootstrap;
    sh_.log(std::string("live run ") + d_.run_id + " on " + (d_.mock ? "librdkafka's mock cluster at " : "") + sh_.bootstrap);

    // Reachability first: a clear error instead of a hang.
    std::string err;
    auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(o_.connect_timeout_s * 1000));
    while (!cluster_->probe(1000, &err)) {
      if (Clock::now() > deadline) {
        throw BrokerError("cannot reach the Kafka broker at " + sh_.bootstrap + " within " +
                          std::to_string(static_cast<int>(o_.connect_timeout_s)) + " s (" + err + ")");
      }
    }
    d_.limits = cluster_->limits(d_.warnings);
    models::Scenario& eff = d_.effective;
    eff.broker.initial_rebalance_delay = d_.limits.initial_rebalance_delay_ms * sim::kMillisecond;
    for (auto& w : check_live_settings(eff, d_.limits, d_.mock)) d_.warnings.push_back(w);
    for (const auto& w : d_.warnings) sh_.log("warning: " + w);

    build_layout();
    auto existing = cluster_->topics(10000);
    for (const auto& t : layout_.topics) {
      if (existing.count(t.kafka)) throw InputError("topic " + t.kafka + " already exists; live runs never reuse a topic");
    }

    SignalGuard signals;
    try {
      std::vector<std::pair<std::string, int>> want;
      for (const auto& t : layout_.topics) want.emplace_back(t.kafka, t.partitions);
      cluster_->create_topics(want, d_.topics_created);
      d_.groups_created = layout_.group_ids;
      cluster_->wait_for_coordinators(layout_.group_ids, std::chrono::seconds(60));
      auto summary = drive();
      summary.wall_seconds = std::chrono::duration<double>(Clock::now() - wall0).count();
      cleanup(false);
      return summary;
    } catch (...) {
      cleanup(true);
      throw;
    }
  }

 private:
  void build_layout() {
    const std::string prefix = "cgsim." + d_.run_id + ".";
    std::int32_t next = 0;
    for (const auto& t : sc_.topics) {
      TopicLayout tl{t.name, prefix + t.name, next, t.partitions};
      if (!legal_topic_name(tl.kafka)) {
        throw InputError("topic \"" + t.name + "\": live runs need topic names of letters, digits, '.', '_' and '-'");
      }
      layout_.by_kafka[tl.kafka] = layout_.topics.size();
      layout_.topics.push_back(tl);
      for (std::int32_t p = 0; p < t.partitions; ++p) layout_.partition_names.push_back(t.name + "-" + std::to_string(p));
      next += t.partitions;
    }
    for (const auto& g : sc_.groups) layout_.group_ids.push_back(prefix + g.id);
  }

  std::vector<Recorder::GroupInfo> group_infos() const {
    std::vector<Recorder::GroupInfo> out;
    for (const auto& g : sc_.groups) {
      Recorder::GroupInfo gi;
      gi.id = g.id;
      for (const auto& t : g.topics) {
        const auto& tl = layout_.topic(t);
        for (std::int32_t p = 0; p < tl.partitions; ++p) gi.partitions.push_back(tl.first + p);
      }
      std::sort(gi.partitions.begin(), gi.partitions.end());
      gi.partitions.erase(std::unique(gi.partitions.begin(), gi.partitions.end()), gi.partitions.end());
      gi.cooperative = librdkafka_strategy(g.assignor) == "cooperative-sticky";
      gi.static_membership = g.consumers.static_membership;
      out.push_back(std::move(gi));
    }
    return out;
  }

  ConsumerWorker* live_consumer(std::int32_t group, std::int32_t index) {
    auto it = consumers_.find({group, index});
    if (it == consumers_.end() || !it->second->running()) return nullptr;
    return it->second.get();
  }

  void start_consumer(std::int32_t group, std::int32_t index) {
    auto key = std::make_pair(group, index);
    auto it = consumers_.find(key);
    if (it != consumers_.end()) {
      it->second->join();
      retired_.push_back(std::move(it->second));
      consumers_.erase(it);
    }
    auto w = std::make_unique<ConsumerWorker>(sh_, layout_, sc_, group, index, incarnation_[key]++);
    w->start();
    consumers_[key] = std::move(w);
    next_index_[group] = std::max(next_index_[group], index + 1);
  }

  struct Action {
    std::int64_t t;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Action& o) const { return t > o.t || (t == o.t && seq > o.seq); }
  };
  void schedule(std::int64_t t, std::function<void()> fn) { actions_.push({t, seq_++, std::move(fn)}); }

  /// @p record: report the restart as a fault of its own (a rolling restart is reported once).
  void restart(std::int32_t group, std::int32_t index, std::int64_t downtime, bool record = true) {
    ConsumerWorker* w = live_consumer(group, index);
    if (!w) return;
    FaultSpec f;
    f.kind = FaultSpec::Kind::Restart;
    if (record) sh_.recorder->fault(group, f, index, sh_.now_ns());
    w->command(Command::Close);
    schedule(sh_.now_ns() + downtime, [this, group, index] { start_consumer(group, index); });
  }

  void apply(const FaultSpec& f) {
    std::int32_t g = -1;
    for (std::size_t i = 0; i < sc_.groups.size(); ++i)
      if (sc_.groups[i].id == f.group) g = static_cast<std::int32_t>(i);
    if (g < 0) return;
    const std::int64_t now = sh_.now_ns();
    switch (f.kind) {
      case FaultSpec::Kind::Crash:
        if (auto* w = live_consumer(g, f.member)) {
          sh_.recorder->fault(g, f, f.member, now);
          w->command(Command::Crash);
        }
        break;
      case FaultSpec::Kind::Leave:
        if (auto* w = live_consumer(g, f.member)) {
          sh_.recorder->fault(g, f, f.member, now);
          w->command(Command::Close);
        }
        break;
      case FaultSpec::Kind::Join:
        sh_.recorder->fault(g, f, -1, now);
        for (std::int32_t i = 0; i < f.count; ++i) start_consumer(g, next_index_[g]);
        break;
      case FaultSpec::Kind::Slow:
        if (auto* w = live_consumer(g, f.member)) {
          sh_.recorder->fault(g, f, f.member, now);
          w->slow(f.factor, now + f.duration);
        }
        break;
      case FaultSpec::Kind::Restart:
        restart(g, f.member, f.duration);
        break;
      case FaultSpec::Kind::RollingRestart: {
        const std::int32_t n = next_index_[g];
        const std::int64_t step = f.duration + f.gap;
        const std::int64_t downtime = f.duration;
        // One fault, as the simulator reports it: the duplicates of every member's restart are
        // charged to it.
        sh_.recorder->fault(g, f, -1, now);
        for (std::int32_t idx = 0; idx < n; ++idx) {
          schedule(now + step * idx, [this, g, idx, downtime] { restart(g, idx, downtime, false); });
        }
        break;
      }
    }
  }

  void monitor() {
    std::int64_t last_ok = sh_.now_ns();
    std::string last_error = "no answer";
    std::int64_t last_probe = -1;
    const auto loss = static_cast<std::int64_t>(o_.broker_loss_timeout_s * 1e9);
    while (!monitor_stop_ && !sh_.abort) {
      const std::int64_t now = sh_.now_ns();
      if (!cluster_->mock()) {
        auto states = cluster_->group_states(layout_.group_ids, 1000);
        const std::int64_t t = sh_.now_ns();
        bool any = false;
        for (const auto& st : states) any |= !st.empty();
        if (any) {
          // At least one group was described: the coordinator answered.
          last_ok = t;
          for (std::size_t i = 0; i < states.size(); ++i)
            if (!states[i].empty()) sh_.recorder->group_state(static_cast<std::int32_t>(i), states[i], t);
        }
      }
      if (last_probe < 0 || now - last_probe > 250'000'000) {
        last_probe = now;
        std::string e;
        if (cluster_->probe(1000, &e)) {
          last_ok = sh_.now_ns();
        } else {
          last_error = e;
        }
      }
      if (sh_.now_ns() - last_ok > loss) {
        std::ostringstream m;
        m << "lost the Kafka broker at " << sh_.bootstrap << " mid-run: no answer for " << o_.broker_loss_timeout_s
          << " s (" << last_error << ")";
        sh_.fail(FailKind::Broker, m.str());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(cluster_->mock() ? 50 : 20));
    }
  }

  analysis::RunSummary drive() {
    recorder_ = std::make_unique<Recorder>(layout_.partition_names, group_infos());
    sh_.recorder = recorder_.get();
    sh_.end_ns = sc_.duration;
    recorder_->set_end(sc_.duration);

    // Producers are built first so that configuration errors surface before anything starts.
    for (std::size_t p = 0; p < sc_.producers.size(); ++p) {
      for (std::int32_t i = 0; i < sc_.producers[p].count; ++i) {
        producers_.push_back(std::make_unique<ProducerWorker>(sh_, layout_, sc_, p, i));
      }
    }
    sh_.t0 = Clock::now();
    for (auto& p : producers_) p->start();
    for (std::size_t g = 0; g < sc_.groups.size(); ++g) {
      for (std::int32_t i = 0; i < sc_.groups[g].consumers.count; ++i) start_consumer(static_cast<std::int32_t>(g), i);
    }
    monitor_ = std::thread([this] { monitor(); });

    for (const auto& f : sc_.faults) schedule(f.at, [this, f] { apply(f); });
    for (std::int64_t t = sc_.output.sample_interval; t <= sc_.duration; t += sc_.output.sample_interval) {
      schedule(t, [this, t] { recorder_->sample(t); });
    }
    bool hook_pending = static_cast<bool>(o_.hook);
    if (hook_pending) {
      schedule(static_cast<std::int64_t>(o_.hook_at_s * 1e9), [this] { o_.hook(cluster_->mock_cluster()); });
    }
    bool ended = false;
    schedule(sc_.duration, [&ended] { ended = true; });

    while (!ended) {
      if (g_interrupted) sh_.fail(FailKind::Internal, "interrupted");
      if (sh_.abort) break;
      const std::int64_t now = sh_.now_ns();
      if (!actions_.empty() && actions_.top().t <= now) {
        Action a = actions_.top();
        actions_.pop();
        a.fn();
        continue;
      }
      std::int64_t wait = actions_.empty() ? 5'000'000 : std::min<std::int64_t>(5'000'000, actions_.top().t - now);
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<std::int64_t>(wait, 100'000)));
    }

    const bool aborting = sh_.abort.load();
    shutdown(aborting);
    if (aborting) {
      std::lock_guard lk(sh_.mu);
      if (g_interrupted) throw Error("interrupted; stopped the clients and cleaned up", kExitInterrupted);
      switch (sh_.fail_kind) {
        case FailKind::Broker: throw BrokerError(sh_.fail_message);
        case FailKind::Input: throw InputError(sh_.fail_message);
        default: throw Error(sh_.fail_message);
      }
    }
    auto summary = recorder_->finish(sc_.duration, sc_, d_.mock ? "kafka-mock" : "kafka");
    d_.produced_per_partition = recorder_->produced_per_partition();
    if (o_.record_placements) {
      for (const auto& p : producers_) {
        auto& dst = d_.placements[p->topic().name];
        for (const auto& [k, parts] : p->placements()) dst[k].insert(parts.begin(), parts.end());
      }
    }
    return summary;
  }

  void shutdown(bool aborting) {
    for (auto& p : producers_) aborting ? p->abort() : p->stop();
    for (auto& [key, w] : consumers_) w->command(aborting ? Command::Abort : Command::Finish);
    for (auto& p : producers_) p->join();
    for (auto& [key, w] : consumers_) w->join();
    monitor_stop_ = true;
    if (monitor_.joinable()) monitor_.join();
  }

  void cleanup(bool failed) {
    if (!cluster_) return;
    if (failed && (monitor_.joinable() || !consumers_.empty() || !producers_.empty())) {
      sh_.abort = true;
      shutdown(true);
    }
    std::vector<std::string> created = d_.topics_created;
    if (created.empty()) return;
    bool broker_lost = false;
    {
      std::lock_guard lk(sh_.mu);
      broker_lost = sh_.fail_kind == FailKind::Broker;
    }
    if (!cluster_->mock() && !broker_lost) {
      // Crashed members stay in a group until their session times out; wait that long at most.
      sim::Time longest = 0;
      for (const auto& g : sc_.groups) longest = std::max(longest, g.session_timeout);
      auto patience = std::chrono::milliseconds(failed ? 2000 : longest / sim::kMillisecond + 3000);
      auto left = cluster_->delete_groups(layout_.group_ids, patience);
      for (const auto& g : left) d_.warnings.push_back("could not delete consumer group " + g);
    }
    if (broker_lost) cluster_->abandon();
    // With the broker gone the deletion is still tried once, briefly, in case it is back.
    d_.topics_deleted = cluster_->delete_topics(created, broker_lost ? 2000 : failed ? 5000 : 15000);
    std::vector<std::string> left;
    for (const auto& t : created)
      if (std::find(d_.topics_deleted.begin(), d_.topics_deleted.end(), t) == d_.topics_deleted.end()) left.push_back(t);
    if (!left.empty()) {
      std::string list;
      for (const auto& t : left) list += (list.empty() ? "" : ", ") + t;
      std::string w = "could not delete topics created by this run: " + list + " (delete them when the broker is back)";
      d_.warnings.push_back(w);
      sh_.log("warning: " + w);
    } else if (!cluster_->mock()) {
      sh_.log("deleted topics " + std::to_string(created.size()) + " created by run " + d_.run_id);
    }
  }

  const LiveOptions& o_;
  LiveDetails& d_;
  const models::Scenario& sc_;
  Shared sh_;
  std::unique_ptr<Cluster> cluster_;
  Layout layout_;
  std::unique_ptr<Recorder> recorder_;
  std::vector<std::unique_ptr<ProducerWorker>> producers_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::unique_ptr<ConsumerWorker>> consumers_;
  std::vector<std::unique_ptr<ConsumerWorker>> retired_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::uint32_t> incarnation_;
  std::map<std::int32_t, std::int32_t> next_index_;
  std::priority_queue<Action, std::vector<Action>, std::greater<Action>> actions_;
  std::uint64_t seq_ = 0;
  std::thread monitor_;
  std::atomic<bool> monitor_stop_{false};
};

}  // namespace

KafkaBackend::KafkaBackend(LiveOptions options) : options_(std::move(options)) {}
KafkaBackend::~KafkaBackend() = default;

std::string KafkaBackend::name() const { return options_.bootstrap.empty() ? "kafka-mock" : "kafka"; }

analysis::RunSummary KafkaBackend::run(const models::Scenario& scenario) {
  details_ = LiveDetails{};
  details_.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;
  details_.time_scale = options_.time_scale.value_or(scenario.time_scale);
  details_.effective = scale_scenario(scenario, details_.time_scale);
  details_.effective.client = models::ClientFlavor::Librdkafka;
  for (auto& g : details_.effective.groups) {
    // librdkafka chooses its rebalance protocol from the assignor: cooperative-sticky runs the
    // incremental protocol (a revocation round, then an assignment round), whatever the
    // scenario's protocol says; the simulation follows what ran.
    if (librdkafka_strategy(g.assignor) == "cooperative-sticky" && g.protocol == "eager") g.protocol = "cooperative";
  }
  std::int64_t threads = 0;
  for (const auto& p : details_.effective.producers) threads += p.count;
  for (const auto& g : details_.effective.groups) threads += g.consumers.count;
  for (const auto& f : details_.effective.faults)
    if (f.kind == FaultSpec::Kind::Join) threads += f.count;
  if (threads > 256) throw InputError("live runs start one thread per producer and consumer; this scenario needs " +
                                      std::to_string(threads) + " (at most 256)");
  Run run(options_, details_, details_.effective);
  return run.execute();
}

}  // namespace cgsim::live
