// The live backend: runs a scenario on a real Kafka cluster or librdkafka's mock cluster, its
// consumers on librdkafka (a thread each) or on Kafka's Java client (a worker process each,
// live/java/), its producers on librdkafka.
//
// Threads: one per producer instance, one per librdkafka consumer (a reader thread per Java
// consumer process), a monitor (broker health and,
// on a real cluster, the coordinator's group states), and the calling thread, which applies the
// scenario's faults on time, samples lag and ends the run. The pieces live beside this file:
// rdkafka_handles (client handles), run_state (what threads share), layout (names on the
// cluster), admin (the cluster), cleanup, producers and consumer_worker.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <sstream>
#include <thread>

#include "live/interrupt.hpp"
#include "live/backend.hpp"
#include "live/java/java_consumer.hpp"
#include "live/kafka/admin.hpp"
#include "live/kafka/cleanup.hpp"
#include "live/kafka/consumer_worker.hpp"
#include "live/kafka/layout.hpp"
#include "live/kafka/producers.hpp"
#include "live/kafka/run_state.hpp"
#include "live/progress.hpp"
#include "live/recorder.hpp"
#include "models/common/error.hpp"

namespace cgsim::live {

namespace {

using kafka::Clock;
using kafka::Command;
using kafka::FailKind;
using models::FaultSpec;

// ---------------------------------------------------------------------------------------------
// One run.

class Run {
 public:
  Run(const LiveOptions& o, LiveDetails& d, const models::Scenario& sc) : o_(o), d_(d), sc_(sc) {}

  analysis::RunSummary execute() {
    sh_.options = &o_;
    const auto wall0 = Clock::now();
    phase("connecting");
    cluster_ = std::make_unique<kafka::Cluster>(sh_, o_);
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
    if (!d_.mock) use_broker_consumer_settings(eff, d_.limits, d_.warnings);
    // Both backends create every initial consumer at the start of the run (librdkafka handles in
    // their threads, or `go` to the prepared JVMs), so their clients, and the timers that run from
    // a client's creation (librdkafka's auto-commit and housekeeping timers), start together.
    // The Java workers are prepared before the start (a JVM per consumer that has already run a
    // consumer once), so their clients start warm.
    for (auto& g : eff.groups) {
      g.start_spread = 0;
      if (java_client()) g.client_start = models::GroupSpec::ClientStart::Warm;
    }
    for (auto& w : check_live_settings(eff, d_.limits, d_.mock)) d_.warnings.push_back(w);
    for (const auto& w : d_.warnings) sh_.log("warning: " + w);

    // Nothing is created, and so nothing is ever deleted, when a name of this run is taken. The
    // group lookup also waits for the groups' coordinator (on a fresh cluster the first lookup
    // creates the offsets topic, which takes seconds), so that this one-off cost is not counted
    // in the first rebalance.
    layout_ = kafka::build_layout(sc_, d_.run_id);
    // The Java worker is found (or compiled) before anything is created on the cluster.
    if (java_client()) java_runtime_ = java::find_worker_runtime();
    phase("checking names");
    const auto existing_topics = cluster_->topics(10000);
    const auto existing_groups = cluster_->existing_groups(layout_.group_ids, std::chrono::seconds(60));
    kafka::refuse_collisions(layout_, existing_topics, existing_groups);

    SignalGuard signals;
    try {
      phase("creating topics");
      std::vector<std::pair<std::string, int>> want;
      for (const auto& t : layout_.topics) want.emplace_back(t.kafka, t.partitions);
      cluster_->create_topics(want, d_.topics_created);
      d_.groups_created = layout_.group_ids;
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
  void phase(const std::string& name, double expected_s = 0) {
    if (o_.progress) o_.progress->phase(name, expected_s);
  }

  bool java_client() const { return sc_.client == models::ClientFlavor::Java; }

  kafka::ConsumerClient* live_consumer(std::int32_t group, std::int32_t index) {
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
    auto w = factory_->make(group, index, incarnation_[key]++);
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
    kafka::ConsumerClient* w = live_consumer(group, index);
    if (!w) return;
    FaultSpec f;
    f.kind = FaultSpec::Kind::Restart;
    if (record) sh_.recorder->fault(group, f, index, sh_.now_ns());
    w->command(Command::Close);
    schedule(sh_.now_ns() + downtime, [this, group, index] { start_consumer(group, index); });
  }

  /// add_partitions: CreatePartitions on the run's own topic; every group reading it records the
  /// fault (its rebalance is the `metadata` one); each producer of the topic takes the new
  /// partitions at its next metadata refresh, timed as the model's producers are (every
  /// metadata_max_age from the producer's start).
  void grow(const FaultSpec& f) {
    const kafka::TopicLayout& t = layout_.topic(f.topic);
    std::int32_t& count = partitions_now_[f.topic];
    if (count == 0) count = t.partitions;
    const std::int32_t total = count + f.count;
    const std::int64_t now = sh_.now_ns();
    for (std::size_t g = 0; g < sc_.groups.size(); ++g) {
      const auto& topics = sc_.groups[g].topics;
      if (std::find(topics.begin(), topics.end(), f.topic) != topics.end())
        sh_.recorder->fault(static_cast<std::int32_t>(g), f, -1, now);
    }
    std::vector<std::int32_t> created;
    for (std::int32_t p = count; p < total; ++p) created.push_back(t.first + p);
    sh_.recorder->partitions_created(created, now);
    cluster_->create_partitions(t.kafka, total);
    count = total;
    sh_.log("grew topic " + t.kafka + " to " + std::to_string(total) + " partitions");
    std::size_t i = 0;
    for (std::size_t p = 0; p < sc_.producers.size(); ++p) {
      const auto& spec = sc_.producers[p];
      for (std::int32_t k = 0; k < spec.count; ++k, ++i) {
        if (spec.topic != f.topic) continue;
        const std::int64_t at =
            f.at < spec.start ? f.at
                              : spec.start + ((f.at - spec.start) / spec.metadata_max_age + 1) * spec.metadata_max_age;
        kafka::ProducerWorker* w = producers_[i].get();
        schedule(at, [w, total] { w->grow(total); });
      }
    }
  }

  void apply(const FaultSpec& f) {
    if (f.kind == FaultSpec::Kind::AddPartitions) {
      grow(f);
      return;
    }
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
      case FaultSpec::Kind::AddPartitions:
        break;  // grow()
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

  /// Gets every consumer the scenario will start ready ahead of time (Java workers are JVMs that
  /// take a while to start; their start-up must not count in the rebalances): the initial ones,
  /// those joins add and the new incarnations of restarted members.
  void prepare_consumers() {
    std::map<std::int32_t, std::int32_t> next;
    for (std::size_t g = 0; g < sc_.groups.size(); ++g) {
      const auto gi = static_cast<std::int32_t>(g);
      for (std::int32_t i = 0; i < sc_.groups[g].consumers.count; ++i) factory_->prepare(gi, i);
      next[gi] = sc_.groups[g].consumers.count;
    }
    std::vector<FaultSpec> faults = sc_.faults;
    std::stable_sort(faults.begin(), faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
    for (const auto& f : faults) {
      std::int32_t g = -1;
      for (std::size_t i = 0; i < sc_.groups.size(); ++i)
        if (sc_.groups[i].id == f.group) g = static_cast<std::int32_t>(i);
      if (g < 0) continue;
      if (f.kind == FaultSpec::Kind::Join) {
        for (std::int32_t k = 0; k < f.count; ++k) factory_->prepare(g, next[g]++);
      } else if (f.kind == FaultSpec::Kind::Restart && f.member < next[g]) {
        factory_->prepare(g, f.member);
      } else if (f.kind == FaultSpec::Kind::RollingRestart) {
        for (std::int32_t i = 0; i < next[g]; ++i) factory_->prepare(g, i);
      }
    }
    factory_->wait_prepared();
  }

  analysis::RunSummary drive() {
    recorder_ = std::make_unique<Recorder>(layout_.partition_names, kafka::group_infos(sc_, layout_));
    sh_.recorder = recorder_.get();
    sh_.end_ns = sc_.duration;
    recorder_->set_end(sc_.duration);

    // Producers are built first so that configuration errors surface before anything starts.
    for (std::size_t p = 0; p < sc_.producers.size(); ++p) {
      for (std::int32_t i = 0; i < sc_.producers[p].count; ++i) {
        producers_.push_back(std::make_unique<kafka::ProducerWorker>(sh_, layout_, sc_, p, i));
      }
    }
    if (java_client()) {
      phase("starting Java consumers");
      factory_ = std::make_unique<java::JavaFactory>(sh_, layout_, sc_, java_runtime_);
    } else {
      factory_ = std::make_unique<kafka::WorkerFactory>(sh_, layout_, sc_);
    }
    prepare_consumers();
    sh_.t0 = Clock::now();
    phase("running", static_cast<double>(sc_.duration) / 1e9);
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
      if (interrupted()) sh_.fail(FailKind::Internal, "interrupted");
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
    phase("stopping clients");
    shutdown(aborting);
    if (aborting) {
      std::lock_guard lk(sh_.mu);
      if (interrupted()) throw Error("interrupted; stopped the clients and cleaned up", kExitInterrupted);
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

  /// Deletes what this run created, and nothing else: the groups and topics it recorded as its
  /// own. What is left is named, with the command that removes it.
  void cleanup(bool failed) {
    if (!cluster_) return;
    if (failed && (monitor_.joinable() || !consumers_.empty() || !producers_.empty())) {
      sh_.abort = true;
      shutdown(true);
    }
    if (d_.topics_created.empty()) return;
    phase("cleaning up");
    const bool broker_lost = sh_.failure() == FailKind::Broker;
    if (broker_lost) cluster_->abandon();
    kafka::Leftovers created;
    created.topics = d_.topics_created;
    if (!cluster_->mock()) created.groups = d_.groups_created;
    kafka::CleanupPolicy policy;
    if (broker_lost) {
      // The broker was gone a moment ago: a few short tries, in case it is back.
      policy.first_group_patience = std::chrono::milliseconds(500);
      policy.group_patience = std::chrono::milliseconds(500);
      policy.group_request_timeout_ms = 1000;
      policy.first_topic_timeout_ms = 1500;
      policy.topic_timeout_ms = 1500;
    } else {
      // Crashed members stay in a group until their session times out; wait that long at most.
      sim::Time longest = 0;
      for (const auto& g : sc_.groups) longest = std::max(longest, g.session_timeout);
      policy.first_group_patience = std::chrono::milliseconds(failed ? 2000 : longest / sim::kMillisecond + 3000);
      policy.first_topic_timeout_ms = failed ? 5000 : 15000;
    }
    kafka::Deleter deleter;
    deleter.groups = [this](const std::vector<std::string>& ids, std::chrono::milliseconds patience, int timeout_ms) {
      return cluster_->delete_groups(ids, patience, timeout_ms);
    };
    deleter.topics = [this](const std::vector<std::string>& names, int timeout_ms) {
      return cluster_->delete_topics(names, timeout_ms);
    };
    deleter.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    const kafka::Leftovers left = kafka::delete_created(created, policy, deleter);

    for (const auto& t : d_.topics_created)
      if (std::find(left.topics.begin(), left.topics.end(), t) == left.topics.end()) d_.topics_deleted.push_back(t);
    for (const auto& g : created.groups)
      if (std::find(left.groups.begin(), left.groups.end(), g) == left.groups.end()) d_.groups_deleted.push_back(g);
    if (!left.empty()) {
      d_.leftovers = kafka::cleanup_commands(sh_.bootstrap, left, !o_.properties.empty());
      for (const auto& w : kafka::leftover_warnings(sh_.bootstrap, left, !o_.properties.empty())) {
        d_.warnings.push_back(w);
        sh_.log("warning: " + w);
      }
    } else if (!cluster_->mock()) {
      sh_.log("deleted the " + std::to_string(d_.topics_deleted.size()) + " topic(s) and " +
              std::to_string(d_.groups_deleted.size()) + " group(s) created by run " + d_.run_id);
    }
  }

  const LiveOptions& o_;
  LiveDetails& d_;
  const models::Scenario& sc_;
  kafka::Shared sh_;
  std::unique_ptr<kafka::Cluster> cluster_;
  kafka::Layout layout_;
  std::unique_ptr<Recorder> recorder_;
  std::vector<std::unique_ptr<kafka::ProducerWorker>> producers_;
  java::WorkerRuntime java_runtime_;
  std::unique_ptr<kafka::ConsumerFactory> factory_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::unique_ptr<kafka::ConsumerClient>> consumers_;
  std::vector<std::unique_ptr<kafka::ConsumerClient>> retired_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::uint32_t> incarnation_;
  std::map<std::int32_t, std::int32_t> next_index_;
  std::map<std::string, std::int32_t> partitions_now_;  ///< topics grown so far: their partitions
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
  // Kafka's Java client runs on a real cluster only: librdkafka's mock cluster is a librdkafka
  // test fixture, and there the consumers are librdkafka's whatever the scenario says.
  const models::ClientFlavor client = options_.client.value_or(scenario.client);
  const bool java = client == models::ClientFlavor::Java && !options_.bootstrap.empty();
  if (client == models::ClientFlavor::Java && !java) {
    details_.warnings.push_back("client java is replayed with librdkafka's consumer on the mock cluster; give "
                                "--bootstrap for Kafka's Java client");
  }
  details_.effective.client = java ? models::ClientFlavor::Java : models::ClientFlavor::Librdkafka;
  for (auto& g : details_.effective.groups) {
    if (!java && g.protocol == "consumer") {
      throw InputError("group " + g.id + ": protocol: consumer (KIP-848) is replayed with Kafka's Java client only "
                       "(client: java, --bootstrap): librdkafka 2.0.2, the one cgsim is built with, speaks only the "
                       "classic protocol");
    }
    // librdkafka chooses its rebalance protocol from the assignor: cooperative-sticky runs the
    // incremental protocol (a revocation round, then an assignment round), whatever the
    // scenario's protocol says; the simulation follows what ran. (The Java client does the same,
    // and the scenario loader already gave such a group protocol: cooperative.)
    if (!java && librdkafka_strategy(g.assignor) == "cooperative-sticky" && g.protocol == "eager") g.protocol = "cooperative";
  }
  for (const auto& f : details_.effective.faults) {
    if (f.kind == FaultSpec::Kind::AddPartitions) {
      if (options_.bootstrap.empty()) {
        throw InputError(f.source + ": add_partitions is replayed on a real broker only (--bootstrap): librdkafka's "
                         "mock cluster cannot grow a topic");
      }
    }
  }
  std::int64_t threads = 0;
  for (const auto& p : details_.effective.producers) threads += p.count;
  for (const auto& g : details_.effective.groups) threads += g.consumers.count;
  for (const auto& f : details_.effective.faults)
    if (f.kind == FaultSpec::Kind::Join) threads += f.count;
  if (threads > 256) throw InputError("live runs start one thread or process per producer and consumer; this scenario "
                                      "needs " + std::to_string(threads) + " (at most 256)");
  Run run(options_, details_, details_.effective);
  return run.execute();
}

}  // namespace cgsim::live
