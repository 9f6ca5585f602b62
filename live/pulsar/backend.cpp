#include "live/pulsar/backend.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "live/interrupt.hpp"
#include "live/owned_resources.hpp"
#include "live/scale_timeline.hpp"
#include "live/pulsar/worker.hpp"
#include "models/common/error.hpp"
#include "models/common/processing.hpp"
#include "models/common/workload.hpp"
#include "models/pulsar/signals.hpp"
#include "sim/rng.hpp"

namespace cgsim::live::pulsar {

namespace pl = models::pulsar;
using Clock = std::chrono::steady_clock;

namespace {

std::string make_run_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i) id += hex[rd() % 16];
  return id;
}

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

/// Nanoseconds thread @p tid of process @p pid has waited for a CPU while runnable (schedstat's
/// second field); -1 when unavailable (the process is gone, or the kernel keeps no schedstat).
std::int64_t thread_cpu_wait_ns(long pid, long tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/schedstat");
  std::int64_t run = 0, wait = 0;
  return in >> run >> wait ? wait : -1;
}

/// The run-queue wait of one consumer JVM's processing thread (the thread that receives, processes
/// and acknowledges: the worker reports its id), from when its consumer starts to its last sample.
struct ThreadWait {
  long pid = -1, tid = -1;
  bool sampling = false;
  std::int64_t wait0 = 0, wait = 0, t0 = 0, t = 0;

  void start(std::int64_t now) {
    if (pid < 0 || tid < 0) return;
    const std::int64_t w = thread_cpu_wait_ns(pid, tid);
    if (w < 0) return;
    wait0 = wait = w;
    t0 = t = now;
    sampling = true;
  }
  void sample(std::int64_t now) {
    if (!sampling) return;
    const std::int64_t w = thread_cpu_wait_ns(pid, tid);
    if (w < 0) {
      sampling = false;  // gone: keep the last sample
      return;
    }
    wait = w;
    t = now;
  }
};

/// The broker side of OwnedResources through the admin worker: every topic under the run's prefix
/// counts as taken (a partitioned topic's partitions too).
class AdminTopics final : public ResourceBroker {
 public:
  AdminTopics(std::function<std::string(const std::string&)> call, const pl::ScenarioFile& sc, std::string prefix)
      : call_(std::move(call)), sc_(sc), prefix_(std::move(prefix)) {}

  std::vector<std::string> existing(const std::vector<OwnedResource>&) override {
    const std::string listing = call_("list");
    if (listing.rfind("topics", 0) != 0) throw BrokerError("listing public/default failed: " + listing);
    std::istringstream in(listing.substr(6));
    std::vector<std::string> present;
    std::string name;
    while (in >> name)
      if (name.find("/" + prefix_) != std::string::npos) present.push_back("topic " + name);
    return present;
  }

  void remove(const OwnedResource& r) override {
    const std::string& t = r.name;
    const auto& spec = sc_.pulsar.topics[static_cast<std::size_t>(sc_.topic_index(t.substr(t.rfind('/') + 1 + prefix_.size())))];
    const std::string reply = call_("delete " + t + " " + std::to_string(spec.partitions));
    if (reply != "ok") throw BrokerError(reply);
  }

 private:
  std::function<std::string(const std::string&)> call_;
  const pl::ScenarioFile& sc_;
  std::string prefix_;
};

/// A message as the producers send it: when, which id and key.
struct Scheduled {
  std::int64_t at_ns;
  std::uint64_t key;
};

}  // namespace

nlohmann::json to_json(const PulsarDetails& d) {
  return {{"run_id", d.run_id},
          {"broker", d.broker},
          {"time_scale", d.time_scale},
          {"created", d.created},
          {"deleted", d.deleted},
          {"leftovers", d.leftovers},
          {"warnings", d.warnings},
          {"wall_s", d.wall_s},
          {"host",
           {{"scheduled", d.host.scheduled},
            {"sent", d.host.sent},
            {"late", d.host.late},
            {"consumer_cpu_wait_max", d.host.cpu_wait_max},
            {"consumer_cpu_wait_mean", d.host.cpu_wait_mean}}}};
}

pl::ScenarioFile scale_pulsar_scenario(const pl::ScenarioFile& sc, double s) {
  if (!(s > 0 && s <= 1)) throw InputError("--time-scale: expected a number in (0, 1], got " + std::to_string(s));
  pl::ScenarioFile out = sc;
  scale_timeline(out, out.pulsar.producers, s);
  return out;
}

std::vector<std::string> unsupported_live_settings(const pl::ScenarioFile& sc) {
  std::vector<std::string> out;
  const pl::PulsarBrokerSpec def;
  const auto& b = sc.pulsar.broker;
  if (b.failover_delay != def.failover_delay)
    out.push_back("broker.failover_delay other than the broker's default (1s, activeConsumerFailoverDelayTimeMillis)");
  if (b.key_shared_consistent_hashing != def.key_shared_consistent_hashing || b.consistent_hashing_points != def.consistent_hashing_points)
    out.push_back("Key_Shared selector settings other than the broker's defaults");
  if (b.failover_consistent_hashing != def.failover_consistent_hashing)
    out.push_back("broker.failover_consistent_hashing other than the broker's default (false)");
  if (b.max_read_batch != def.max_read_batch) out.push_back("broker.max_read_batch other than the broker's default (100)");
  for (std::size_t s = 0; s < sc.pulsar.subscriptions.size(); ++s) {
    const auto& sub = sc.pulsar.subscriptions[s];
    if (sub.type == pl::SubscriptionType::KeyShared && sub.key_shared_mode != pl::KeySharedMode::AutoSplit)
      out.push_back("subscription " + sub.name + ": key_shared_mode STICKY");
    if (sub.dead_letter_max_redeliveries) out.push_back("subscription " + sub.name + ": a dead-letter policy");
    if (s < sc.applications.size() && sc.applications[s].negative_ack_probability > 0)
      out.push_back("subscription " + sub.name + ": negative acknowledgements");
  }
  for (const auto& f : sc.faults)
    if (f.kind != models::FaultSpec::Kind::Crash && f.kind != models::FaultSpec::Kind::Leave && f.kind != models::FaultSpec::Kind::Join)
      out.push_back(std::string("a ") + models::to_string(f.kind) + " fault (crash, leave and join replay live)");
  return out;
}

PulsarBackend::PulsarBackend(PulsarOptions options) : options_(std::move(options)) {}

PulsarRun PulsarBackend::run(const pl::ScenarioFile& scenario) {
  namespace fs = std::filesystem;
  details_ = PulsarDetails{};
  details_.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;
  details_.time_scale = options_.time_scale.value_or(1.0);
  details_.effective = scale_pulsar_scenario(scenario, details_.time_scale);
  details_.broker = options_.url;
  const pl::ScenarioFile& sc = details_.effective;
  for (const auto& why : unsupported_live_settings(sc)) throw InputError(scenario.source_file + ": cannot replay live: " + why);
  auto say = [this](const std::string& m) {
    if (options_.log) options_.log(m);
  };
  const std::string prefix = "cgsim-" + details_.run_id + "-";
  auto topic_name = [&](const std::string& t) { return "persistent://public/default/" + prefix + t; };

  SignalGuard signals;
  const WorkerRuntime rt = find_worker_runtime();
  const fs::path dir = fs::temp_directory_path() / ("cgsim-pulsar-" + details_.run_id);
  fs::create_directories(dir);
  struct DirGuard {
    fs::path p;
    ~DirGuard() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } dir_guard{dir};

  // The admin session: refuse names that exist, create the topics.
  Worker admin(rt, {"mode=admin", "admin_url=" + options_.admin_url}, "admin", {});
  admin.wait_ready(options_.start_timeout_s);
  auto admin_call = [&](const std::string& cmd) {
    admin.send(cmd);
    return admin.await_line([](const std::string& l) { return l == "ok" || l.rfind("error", 0) == 0 || l.rfind("topics", 0) == 0; }, 60);
  };
  AdminTopics topics(admin_call, sc, prefix);
  OwnedResources::refuse_existing(topics, {}, "the run's prefix " + prefix + " must be new (choose another --run-id)");
  OwnedResources owned;
  auto cleanup = [&] {
    const Removal removal = owned.remove_all(topics, {4, std::chrono::milliseconds(500), {}});
    for (const auto& r : removal.deleted) details_.deleted.push_back(r.name);
    for (const auto& l : removal.leftovers) {
      details_.leftovers.push_back(l.resource.remove_command);
      details_.warnings.push_back("left on the broker; remove with: " + l.resource.remove_command);
    }
  };

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Processed> processed;
  std::int64_t t0 = 0;  // steady ns of the run's start
  std::uint64_t sent = 0, late = 0, subscribed = 0;
  std::string failure;
  std::unordered_map<std::string, std::uint64_t> key_index;
  std::vector<std::vector<Scheduled>> schedules;  // per producer instance
  std::vector<std::vector<std::string>> names(sc.pulsar.subscriptions.size());
  std::vector<FaultAt> faults;
  std::vector<std::vector<ThreadWait>> waits(sc.pulsar.subscriptions.size());  // per consumer
  // Declared after the state their reader threads write to, so they are destroyed (and their
  // threads joined) first.
  std::vector<std::unique_ptr<Worker>> producers;
  std::vector<std::vector<std::unique_ptr<Worker>>> consumers(sc.pulsar.subscriptions.size());

  try {
    for (const auto& t : sc.pulsar.topics) {
      const std::string name = topic_name(t.name);
      const std::string r = admin_call("create " + name + " " + std::to_string(t.partitions));
      if (r != "ok") throw BrokerError("creating topic " + name + " failed: " + r);
      details_.created.push_back(name);
      const std::string how = t.partitions > 0 ? " topics delete-partitioned-topic -f " : " topics delete -f ";
      owned.own({"topic", name, "pulsar-admin --admin-url " + options_.admin_url + how + name});
    }
    say("created " + std::to_string(sc.pulsar.topics.size()) + " topic(s) under public/default/" + prefix);

    // The producers' schedules: the simulator's arrivals and keys, from the same named streams.
    std::string key_buf;
    std::uint64_t scheduled = 0;
    for (std::size_t i = 0; i < sc.pulsar.producers.size(); ++i) {
      const pl::PulsarProducerSpec& p = sc.pulsar.producers[i];
      const models::ProducerSpec w = models::workload_spec(p);
      std::unique_ptr<sim::ZipfSampler> zipf;
      if (p.keys.kind == models::KeySpec::Kind::Zipf) zipf = std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent);
      for (std::int32_t k = 0; k < p.count; ++k) {
        const std::string base = "pulsar/producer/" + std::to_string(i) + "/" + std::to_string(k);
        sim::Rng arrivals(sc.seed, base + "/arrivals"), keys(sc.seed, base + "/keys");
        std::uint64_t sequence = 0;
        const std::size_t instance = schedules.size();
        schedules.emplace_back();
        const fs::path file = dir / ("producer-" + std::to_string(instance) + ".txt");
        std::ofstream out(file);
        double t = models::next_arrival(arrivals, w, -1.0);
        while (t < static_cast<double>(sc.duration)) {
          std::uint64_t key = pl::kNoKey;
          std::string text = "-";
          if (p.keys.kind != models::KeySpec::Kind::None) {
            key = models::draw_key(p.keys, zipf.get(), sequence, keys);
            models::key_text(p.keys, key, key_buf);
            text = key_buf;
            key_index.emplace(text, key);
          }
          const auto at = static_cast<std::int64_t>(std::ceil(t));
          const std::uint64_t id = (static_cast<std::uint64_t>(instance) << 40) | schedules[instance].size();
          out << at << ' ' << id << ' ' << text << '\n';
          schedules[instance].push_back({at, key});
          t = models::next_arrival(arrivals, w, t);
        }
        if (!out) throw Error("could not write " + file.string());
        scheduled += schedules[instance].size();
        const std::vector<std::string> args{
            "mode=produce", "url=" + options_.url, "topic=" + topic_name(p.topic), "schedule=" + file.string(),
            "name=" + p.topic + "-producer-" + std::to_string(i) + "-" + std::to_string(k),
            std::string("routing=") + (p.routing == pl::RoutingMode::SinglePartition ? "SinglePartition" : "RoundRobinPartition"),
            std::string("hashing=") + (p.hashing == pl::HashingScheme::Murmur3_32Hash ? "Murmur3_32Hash" : "JavaStringHash"),
            std::string("batching=") + (p.batching ? "1" : "0"),
            "batch_delay_us=" + std::to_string(p.batching_max_publish_delay / sim::kMicrosecond),
            "batch_messages=" + std::to_string(p.batching_max_messages), "batch_bytes=" + std::to_string(p.batching_max_bytes),
            "bytes=" + std::to_string(p.message_bytes), "switch_frequency=" + std::to_string(p.partition_switch_frequency)};
        producers.push_back(std::make_unique<Worker>(rt, args, "producer " + std::to_string(instance), [&, instance](const std::string& l) {
          if (l.rfind("p ", 0) != 0) {
            if (l.rfind("fatal", 0) == 0) {
              std::lock_guard lk(mu);
              if (failure.empty()) failure = "producer " + std::to_string(instance) + ": " + l;
            }
            return;
          }
          std::istringstream in(l.substr(2));
          std::uint64_t id = 0;
          std::int64_t t_sent = 0;
          in >> id >> t_sent;
          const std::size_t seq = id & ((std::uint64_t{1} << 40) - 1);
          std::lock_guard lk(mu);
          const std::int64_t due = t0 + schedules[instance][seq].at_ns;
          if (t_sent - t0 <= sc.duration) ++sent;
          if (t_sent - due > 100'000'000) ++late;
        }));
      }
    }
    details_.host.scheduled = scheduled;

    // The consumers, with the model's names, priority levels and processing times.
    auto message_line = [&](std::int32_t s, std::int32_t c, const std::string& l) {
      if (l.rfind("m ", 0) == 0) {
        std::istringstream in(l.substr(2));
        std::int64_t partition = 0, ledger = 0, entry = 0, batch = 0, id = 0, published = 0, redeliveries = 0, done = 0;
        std::string key;
        in >> partition >> ledger >> entry >> batch >> id >> published >> redeliveries >> done >> key;
        Processed p;
        p.subscription = s;
        p.consumer = c;
        p.partition = static_cast<std::int32_t>(partition);
        p.position = (ledger << 36) | (entry << 12) | (batch + 1);
        p.batch_leader = batch <= 0;
        auto it = key_index.find(key);
        p.key = key == "-" || it == key_index.end() ? pl::kNoKey : it->second;
        std::lock_guard lk(mu);
        p.published_ns = published - t0;
        p.done_ns = done - t0;
        processed.push_back(p);
      } else if (l.rfind("tid ", 0) == 0) {
        std::lock_guard lk(mu);
        waits[static_cast<std::size_t>(s)][static_cast<std::size_t>(c)].tid = std::stol(l.substr(4));
      } else if (l.rfind("subscribed", 0) == 0) {
        std::lock_guard lk(mu);
        ++subscribed;
        cv.notify_all();
      } else if (l.rfind("fatal", 0) == 0) {
        std::lock_guard lk(mu);
        if (failure.empty()) failure = "consumer " + std::to_string(s) + "/" + std::to_string(c) + ": " + l;
      }
    };
    std::uint64_t expected_messages = scheduled;
    for (std::size_t s = 0; s < sc.pulsar.subscriptions.size(); ++s) {
      const auto& sub = sc.pulsar.subscriptions[s];
      std::int32_t count = sub.consumers.count;
      for (const auto& f : sc.faults)
        if (f.kind == models::FaultSpec::Kind::Join && f.group == sub.name) count += f.count;
      names[s] = consumer_names(sub, count);
      waits[s].resize(static_cast<std::size_t>(count));
      for (std::int32_t c = 0; c < count; ++c) {
        const fs::path file = dir / ("processing-" + std::to_string(s) + "-" + std::to_string(c) + ".txt");
        {
          const std::string stream = "pulsar/consumer/" + std::to_string(s) + "/" + std::to_string(c) + "/0/processing";
          models::ProcessingTime pt(sub.consumers.processing_time, sim::Rng(sc.seed, stream));
          std::ofstream out(file);
          const std::uint64_t n = expected_messages + expected_messages / 4 + 1000;
          for (std::uint64_t k = 0; k < n; ++k) out << pt.next(0) << '\n';
          if (!out) throw Error("could not write " + file.string());
        }
        const auto ci = static_cast<std::size_t>(c);
        const std::int32_t priority = ci < sub.consumers.priority_levels.size() ? sub.consumers.priority_levels[ci] : 0;
        const std::vector<std::string> args{
            "mode=consume", "url=" + options_.url, "topic=" + topic_name(sub.topic), "subscription=" + prefix + sub.name,
            std::string("type=") + pl::to_string(sub.type), std::string("key_shared_mode=") + pl::to_string(sub.key_shared_mode),
            "name=" + names[s][ci], "priority=" + std::to_string(priority),
            "receiver_queue=" + std::to_string(sub.consumers.receiver_queue_size),
            std::string("ack=") + (sub.ack == pl::AckMode::Cumulative ? "cumulative" : "individual"),
            "ack_timeout_ms=" + std::to_string(sub.ack_timeout / sim::kMillisecond),
            "nack_delay_ms=" + std::to_string(sub.negative_ack_redelivery_delay / sim::kMillisecond),
            "ack_group_us=" + std::to_string(sub.ack_group_time / sim::kMicrosecond),
            std::string("earliest=") + (sub.earliest ? "1" : "0"), "processing=" + file.string()};
        const auto si = static_cast<std::int32_t>(s);
        consumers[s].push_back(std::make_unique<Worker>(rt, args, "consumer " + names[s][ci],
                                                         [&, si, c](const std::string& l) { message_line(si, c, l); }));
      }
    }
    std::size_t n_consumers = 0;
    for (const auto& cs : consumers) n_consumers += cs.size();
    say("started " + std::to_string(producers.size()) + " producer and " + std::to_string(n_consumers) +
        " consumer JVM(s); waiting for their clients");
    for (auto& p : producers) p->wait_ready(options_.start_timeout_s);
    for (auto& cs : consumers)
      for (auto& c : cs) c->wait_ready(options_.start_timeout_s);

    // The initial consumers subscribe one after another in member order, as the model adds them
    // (the order decides which consumer keeps a Key_Shared hash-ring point two consumers share);
    // then the run's clock starts and the producers follow it.
    std::uint64_t initial = 0;
    for (std::size_t s = 0; s < consumers.size(); ++s)
      for (std::int32_t c = 0; c < sc.pulsar.subscriptions[s].consumers.count; ++c) {
        consumers[s][static_cast<std::size_t>(c)]->send("go 0");
        ++initial;
        std::unique_lock lk(mu);
        if (!cv.wait_for(lk, std::chrono::duration<double>(options_.start_timeout_s), [&] { return subscribed >= initial || !failure.empty(); }))
          throw BrokerError("consumer " + names[s][static_cast<std::size_t>(c)] + " did not subscribe within " +
                            std::to_string(options_.start_timeout_s) + " s");
        if (!failure.empty()) throw BrokerError(failure);
      }
    {
      std::lock_guard lk(mu);
      t0 = steady_ns() + 200'000'000;
    }
    // Each consumer's processing thread is measured from its start (the run's for the initial
    // ones, its join for a joiner) to its last sample (the run's end, or its crash).
    std::int64_t last_sample = steady_ns();
    {
      std::lock_guard lk(mu);
      for (std::size_t s = 0; s < consumers.size(); ++s)
        for (std::size_t c = 0; c < consumers[s].size(); ++c) {
          waits[s][c].pid = consumers[s][c]->pid();
          if (c < static_cast<std::size_t>(sc.pulsar.subscriptions[s].consumers.count)) waits[s][c].start(last_sample);
        }
    }
    auto sample_waits = [&](std::int64_t now) {
      std::lock_guard lk(mu);
      for (auto& ws : waits)
        for (auto& w : ws) w.sample(now);
      last_sample = now;
    };
    for (auto& p : producers) p->send("go " + std::to_string(t0));
    say("run " + details_.run_id + " started: " + std::to_string(scheduled) + " messages over " +
        std::to_string(sim::to_seconds(sc.duration)) + " s");

    // Faults at their times, then the end.
    std::vector<std::int32_t> next_joiner(sc.pulsar.subscriptions.size());
    for (std::size_t s = 0; s < next_joiner.size(); ++s) next_joiner[s] = sc.pulsar.subscriptions[s].consumers.count;
    std::vector<const models::FaultSpec*> order;
    for (const auto& f : sc.faults) order.push_back(&f);
    std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->at < b->at; });
    auto sleep_until_run = [&](std::int64_t at) {
      while (steady_ns() < t0 + at) {
        if (interrupted()) throw Error("interrupted", kExitInterrupted);
        {
          std::lock_guard lk(mu);
          if (!failure.empty()) throw BrokerError(failure);
        }
        if (steady_ns() - last_sample >= 500'000'000) sample_waits(steady_ns());
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(t0 + at - steady_ns(), 20'000'000)));
      }
    };
    for (const models::FaultSpec* f : order) {
      sleep_until_run(f->at);
      const std::int32_t s = sc.subscription_index(f->group);
      auto& members = consumers[static_cast<std::size_t>(s)];
      const std::int64_t at = steady_ns() - t0;
      using Kind = models::FaultSpec::Kind;
      if (f->kind == Kind::Crash && f->member >= 0 && static_cast<std::size_t>(f->member) < members.size()) {
        {
          std::lock_guard lk(mu);
          ThreadWait& w = waits[static_cast<std::size_t>(s)][static_cast<std::size_t>(f->member)];
          w.sample(steady_ns());
          w.sampling = false;
        }
        members[static_cast<std::size_t>(f->member)]->kill();
      } else if (f->kind == Kind::Leave && f->member >= 0 && static_cast<std::size_t>(f->member) < members.size()) {
        members[static_cast<std::size_t>(f->member)]->send("close");
      } else if (f->kind == Kind::Join) {
        for (std::int32_t k = 0; k < f->count; ++k) {
          const auto j = static_cast<std::size_t>(next_joiner[static_cast<std::size_t>(s)]++);
          {
            std::lock_guard lk(mu);
            waits[static_cast<std::size_t>(s)][j].start(steady_ns());
          }
          members[j]->send("go 0");
        }
      }
      faults.push_back({s, *f, at});
      say(std::string(models::to_string(f->kind)) + " " + f->group + (f->member >= 0 ? "/" + std::to_string(f->member) : "") +
          " at " + std::to_string(static_cast<double>(at) / 1e9) + " s");
    }
    sleep_until_run(sc.duration);
    const double wall = static_cast<double>(steady_ns() - t0) / 1e9;
    sample_waits(steady_ns());
    // As Kafka's check: the waiting time summed over the processing threads divided by their summed
    // lifetime, and the worst thread's share.
    double wait_max = -1, wait_sum = 0, life_sum = 0;
    {
      std::lock_guard lk(mu);
      for (const auto& ws : waits)
        for (const auto& w : ws) {
          if (w.t <= w.t0) continue;  // never started, or no schedstat
          const double waited = static_cast<double>(w.wait - w.wait0), life = static_cast<double>(w.t - w.t0);
          wait_max = std::max(wait_max, waited / life);
          wait_sum += waited;
          life_sum += life;
        }
    }
    details_.host.cpu_wait_max = wait_max;
    details_.host.cpu_wait_mean = life_sum > 0 ? wait_sum / life_sum : -1;
    details_.wall_s = wall;
    say("run over; stopping the clients");
    for (auto& p : producers) p->stop(30);
    for (auto& cs : consumers)
      for (auto& c : cs) c->stop(30);
    {
      std::lock_guard lk(mu);
      details_.host.sent = sent;
      details_.host.late = late;
    }
  } catch (...) {
    for (auto& p : producers) p->kill();
    for (auto& cs : consumers)
      for (auto& c : cs) c->kill();
    cleanup();
    throw;
  }
  cleanup();
  admin.stop(10);
  std::vector<Processed> kept;
  for (const auto& p : processed)
    if (p.done_ns <= sc.duration) kept.push_back(p);
  return summarise(sc, std::move(kept), std::move(faults), details_.host.sent, names);
}

}  // namespace cgsim::live::pulsar
