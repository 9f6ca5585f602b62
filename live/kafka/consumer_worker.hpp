#pragma once
/// @file consumer_worker.hpp
/// One consumer client of a live run on a thread of its own: it polls, "processes" each record
/// for the time the scenario's processing model draws, commits as the group's commit spec says,
/// and reports assignments, revocations, commits and processings to the recorder. The scheduling
/// thread tells it to crash, close, finish or abort.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "live/backend.hpp"
#include "live/kafka/consumer_client.hpp"
#include "live/kafka/layout.hpp"
#include "live/kafka/run_state.hpp"
#include "models/common/scenario.hpp"
#include "sim/rng.hpp"

namespace cgsim::live::kafka {

/// The client properties of consumer @p index of group @p spec, whose id on the cluster is
/// @p group_id; they are set after the user's properties and so override them.
ClientProperties consumer_properties(const models::GroupSpec& spec, const std::string& group_id, std::int32_t index);
/// Defaults set before the user's properties (the mock cluster's fetch wait).
ClientProperties consumer_defaults(bool mock);

class ConsumerWorker : public ConsumerClient {
 public:
  /// @p incarnation counts restarts of the same member, so each gets its own random stream.
  ConsumerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::int32_t group, std::int32_t index,
                 std::uint32_t incarnation);
  ~ConsumerWorker() override;
  ConsumerWorker(const ConsumerWorker&) = delete;
  ConsumerWorker& operator=(const ConsumerWorker&) = delete;

  void start() override { thread_ = std::thread([this] { body(); }); }
  void command(Command c) override;
  void slow(double factor, std::int64_t until_ns) override;
  void join() override {
    if (thread_.joinable()) thread_.join();
  }
  bool running() const override { return !finished_.load(); }
  std::int32_t index() const { return index_; }
  const std::string& name() const { return name_; }

 private:
  // Per-client pointer to the worker: the conf opaque is the Shared state, so the worker is kept
  // in a map keyed by the client handle.
  static std::mutex& registry_mu();
  static std::map<const rd_kafka_t*, ConsumerWorker*>& registry();
  static ConsumerWorker* of(const rd_kafka_t* rk);

  std::int32_t global(const char* topic, std::int32_t partition) const;
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void*);
  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void*);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void*);
  /// Waits until @p deadline_ns unless told to stop at once; false when interrupted.
  bool wait_until(std::int64_t deadline_ns);
  void body();
  void forget();
  void create();
  void run();
  void handle_error(const rd_kafka_message_t* m);
  void stop(Command c);

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

/// Makes librdkafka consumers (ConsumerWorker).
class WorkerFactory : public ConsumerFactory {
 public:
  WorkerFactory(Shared& sh, const Layout& layout, const models::Scenario& sc) : sh_(sh), layout_(layout), sc_(sc) {}
  std::unique_ptr<ConsumerClient> make(std::int32_t group, std::int32_t index, std::uint32_t incarnation) override {
    return std::make_unique<ConsumerWorker>(sh_, layout_, sc_, group, index, incarnation);
  }

 private:
  Shared& sh_;
  const Layout& layout_;
  const models::Scenario& sc_;
};

}  // namespace cgsim::live::kafka
