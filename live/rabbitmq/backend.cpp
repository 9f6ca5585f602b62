#include "live/rabbitmq/backend.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <thread>

#include "analysis/experiments/family_runs.hpp"
#include "live/interrupt.hpp"
#include "live/backend.hpp"
#include "live/scale_timeline.hpp"
#include "live/rabbitmq/consumer_client.hpp"
#include "live/rabbitmq/producers.hpp"
#include "live/rabbitmq/topology.hpp"
#include "models/common/error.hpp"
#include "models/rabbitmq/world.hpp"

namespace cgsim::live::rabbitmq {

namespace rmq = models::rabbitmq;
using models::FaultSpec;

namespace {

/// The clients of one run, by group and member, and the timed actions of the scheduling thread.
class Run {
 public:
  Run(RunContext& ctx, Recorder& rec) : ctx_(ctx), rec_(rec) {
    const auto& sc = *ctx.scenario;
    clients_.resize(sc.consumers.size());
    for (std::size_t g = 0; g < sc.consumers.size(); ++g)
      for (std::int32_t m = 0; m < sc.consumers[g].count; ++m) add(static_cast<std::int32_t>(g), m, 0);
  }

  /// Starts the clients one after another, each once the previous one is registered, so that
  /// the broker registers them in member order as the model does (single active consumer picks
  /// the earliest registered one).
  void start_all() {
    for (auto& group : clients_) {
      for (auto& c : group) {
        c->start();
        const auto deadline = Clock::now() + std::chrono::duration<double>(ctx_.connect_timeout_s);
        while (!c->registered() && !c->stopped() && !ctx_.abort && Clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }

  void at(std::int64_t t, std::function<void()> f) { actions_.emplace(t, std::move(f)); }

  /// Runs the actions in time order until the end of the run (or an abort).
  void schedule(std::int64_t end_ns) {
    while (!actions_.empty() && !ctx_.abort && !interrupted()) {
      auto it = actions_.begin();
      if (it->first > end_ns) break;
      // Sleep in short steps so that an interrupt or a failed client stops the run promptly.
      while (Clock::now() < ctx_.at(it->first) && !ctx_.abort && !interrupted())
        std::this_thread::sleep_until(std::min(ctx_.at(it->first), Clock::now() + std::chrono::milliseconds(50)));
      if (ctx_.abort || interrupted()) break;
      auto f = std::move(it->second);
      actions_.erase(it);
      f();
    }
  }

  void fault(const FaultSpec& f) {
    const std::int32_t g = ctx_.scenario->group_index(f.group);
    if (g < 0) return;
    rec_.fault(g, f, ctx_.now_ns());
    auto& members = clients_[static_cast<std::size_t>(g)];
    const auto n = static_cast<std::int32_t>(members.size());
    ConsumerClient* c = f.member >= 0 && f.member < n ? members[static_cast<std::size_t>(f.member)].get() : nullptr;
    switch (f.kind) {
      case FaultSpec::Kind::Crash:
        if (c) c->crash();
        break;
      case FaultSpec::Kind::Leave:
        if (c) c->leave();
        break;
      case FaultSpec::Kind::Join:
        for (std::int32_t i = 0; i < f.count; ++i) add(g, static_cast<std::int32_t>(members.size()), 0)->start();
        break;
      case FaultSpec::Kind::Slow:
        if (c) c->slow(f.factor, ctx_.now_ns() + f.duration);
        break;
      case FaultSpec::Kind::Restart:
        if (c) restart(g, f.member, f.duration);
        break;
      case FaultSpec::Kind::AddPartitions:
        break;  // a Kafka fault: the RabbitMQ loader rejects it
      case FaultSpec::Kind::RollingRestart: {
        const std::int64_t step = f.duration + f.gap;
        const std::int64_t now = ctx_.now_ns();
        for (std::int32_t m = 0; m < n; ++m) at(now + step * m, [this, g, m, d = f.duration] { restart(g, m, d); });
        break;
      }
    }
  }

  /// Ready messages (the broker's count) plus those the group's clients hold unacknowledged.
  std::uint64_t client_unacked(std::int32_t queue) const {
    std::uint64_t n = 0;
    for (std::size_t g = 0; g < clients_.size(); ++g) {
      if (ctx_.scenario->queue_index(ctx_.scenario->consumers[g].queue) != queue) continue;
      for (const auto& c : clients_[g])
        if (!c->stopped() && !c->crashed()) n += c->unacked();
    }
    return n;
  }

  void finish_all() {
    for (auto& group : clients_)
      for (auto& c : group) c->finish();
    for (auto& group : clients_)
      for (auto& c : group) c->join();
    for (auto& c : retired_) c->join();
  }

 private:
  ConsumerClient* add(std::int32_t g, std::int32_t m, std::uint32_t life) {
    auto& members = clients_[static_cast<std::size_t>(g)];
    auto c = std::make_unique<ConsumerClient>(ctx_, g, m, life);
    ConsumerClient* p = c.get();
    if (static_cast<std::size_t>(m) < members.size()) {
      retired_.push_back(std::move(members[static_cast<std::size_t>(m)]));
      members[static_cast<std::size_t>(m)] = std::move(c);
    } else {
      members.push_back(std::move(c));
    }
    return p;
  }

  /// Leave, and once the client has closed, a new one after @p downtime.
  void restart(std::int32_t g, std::int32_t m, std::int64_t downtime) {
    ConsumerClient* c = clients_[static_cast<std::size_t>(g)][static_cast<std::size_t>(m)].get();
    if (c->stopped() || c->crashed()) return;
    c->leave();
    wait_closed(g, m, c, downtime);
  }

  void wait_closed(std::int32_t g, std::int32_t m, ConsumerClient* c, std::int64_t downtime) {
    if (!c->stopped()) {
      at(ctx_.now_ns() + 5000000, [=, this] { wait_closed(g, m, c, downtime); });
      return;
    }
    const std::uint32_t life = c->life() + 1;
    at(ctx_.now_ns() + downtime, [=, this] { add(g, m, life)->start(); });
  }

  RunContext& ctx_;
  Recorder& rec_;
  std::vector<std::vector<std::unique_ptr<ConsumerClient>>> clients_;
  std::vector<std::unique_ptr<ConsumerClient>> retired_;
  std::multimap<std::int64_t, std::function<void()>> actions_;
};

}  // namespace

nlohmann::json to_json(const RabbitDetails& d) {
  return {{"run_id", d.run_id},           {"broker", d.broker},   {"time_scale", d.time_scale},
          {"round_trip_ms", d.round_trip_ms}, {"scheduled", d.scheduled},
          {"published", d.published}, {"late", d.late},               {"created", d.created}, {"deleted", d.deleted},
          {"leftovers", d.leftovers},     {"warnings", d.warnings}};
}

rmq::Scenario scale_rabbitmq_scenario(const rmq::Scenario& sc, double s) {
  if (!(s > 0 && s <= 1)) throw InputError("--time-scale: expected a number in (0, 1], got " + std::to_string(s));
  rmq::Scenario out = sc;
  scale_timeline(out, out.producers, s);
  return out;
}

std::vector<std::string> unsupported_live_settings(const rmq::Scenario& sc) {
  std::vector<std::string> out;
  for (const auto& p : sc.producers)
    if (p.exchange.empty() && p.keys.kind != models::KeySpec::Kind::None)
      out.push_back("a producer on the default exchange with keys (its routing keys would name queues outside the run)");
  return out;
}

RabbitmqBackend::RabbitmqBackend(RabbitOptions options) : options_(std::move(options)) {}

RabbitRun RabbitmqBackend::run(const rmq::Scenario& scenario) {
  details_ = RabbitDetails{};
  details_.run_id = options_.run_id.empty() ? make_run_id() : options_.run_id;
  details_.time_scale = options_.time_scale.value_or(1.0);
  details_.effective = scale_rabbitmq_scenario(scenario, details_.time_scale);
  const rmq::Scenario& sc = details_.effective;
  for (const auto& why : unsupported_live_settings(sc)) throw InputError(scenario.source_file + ": cannot replay live: " + why);
  const AmqpAddress address = parse_amqp_url(options_.url);
  details_.broker = address.host + ":" + std::to_string(address.port);
  auto say = [this](const std::string& m) {
    if (options_.log) options_.log(m);
  };

  SignalGuard signals;
  AmqpConnection admin(address, options_.connect_timeout_s, "admin");
  Topology topo(sc, "cgsim." + details_.run_id + ".");
  topo.check_absent(admin);
  RabbitRun result;
  auto cleanup = [&] {
    details_.created = topo.created();
    details_.deleted = topo.remove(address, options_.connect_timeout_s, 4, details_.leftovers);
    for (const auto& l : details_.leftovers) details_.warnings.push_back("left on the broker: " + l);
  };
  try {
    say("declaring " + std::to_string(sc.exchanges.size()) + " exchange(s) and " + std::to_string(sc.queues.size()) +
        " queue(s) under cgsim." + details_.run_id + ".");
    topo.declare(admin);

    // The broker's round trip: the median of passive declares.
    std::vector<double> rtts;
    for (int i = 0; i < 21; ++i) {
      const auto a = Clock::now();
      admin.queue_info(topo.queue_names().front());
      rtts.push_back(std::chrono::duration<double, std::milli>(Clock::now() - a).count());
    }
    std::nth_element(rtts.begin(), rtts.begin() + 10, rtts.end());
    details_.round_trip_ms = rtts[10];

    Recorder rec(sc);
    RunContext ctx;
    ctx.address = address;
    ctx.connect_timeout_s = options_.connect_timeout_s;
    ctx.scenario = &sc;
    ctx.queue_names = topo.queue_names();
    ctx.exchange_names = topo.exchange_names();
    ctx.recorder = &rec;
    ctx.end_ns = sc.duration;
    ctx.log_fn = options_.log;
    ctx.board = options_.progress;
    // Clients connect and register before the run clock starts.
    ctx.t0 = Clock::now() + std::chrono::hours(1);
    Run run(ctx, rec);
    run.start_all();
    if (const std::string f = ctx.failure(); !f.empty()) throw BrokerError(f);
    ctx.t0 = Clock::now() + std::chrono::milliseconds(100);
    Producers producers(ctx);
    producers.start();
    for (const FaultSpec& f : sc.faults) run.at(f.at, [&run, &f] { run.fault(f); });
    if (sc.output.sample_interval > 0) {
      for (sim::Time t = 0; t <= sc.duration; t += sc.output.sample_interval) {
        run.at(t, [&, t] {
          for (std::size_t q = 0; q < sc.queues.size(); ++q) {
            auto info = admin.queue_info(topo.queue_names()[q]);
            rec.depth(static_cast<std::int32_t>(q), (info ? info->messages : 0) + run.client_unacked(static_cast<std::int32_t>(q)), t);
          }
        });
      }
    }
    run.at(sc.duration, [] {});
    say("running for " + std::to_string(sim::to_seconds(sc.duration)) + " s (time scale " + std::to_string(details_.time_scale) + ")");
    run.schedule(sc.duration);
    std::this_thread::sleep_until(ctx.at(sc.duration));
    const bool was_interrupted = interrupted();
    ctx.abort = true;
    producers.join();
    details_.scheduled = producers.scheduled();
    details_.published = producers.published();
    details_.late = producers.late();
    run.finish_all();
    if (was_interrupted) throw Error("interrupted", kExitInterrupted);
    if (const std::string f = ctx.failure(); !f.empty()) throw BrokerError(f);
    // Closed clients' unacknowledged messages are back in their queues: ready is the depth.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<std::uint64_t> depth;
    for (const auto& q : topo.queue_names()) {
      auto info = admin.queue_info(q);
      depth.push_back(info ? info->messages : 0);
    }
    admin.close();
    result = rec.finish(sc.duration, depth);
  } catch (...) {
    cleanup();
    throw;
  }
  cleanup();
  return result;
}

RabbitRun simulate_for_validation(const rmq::Scenario& sc) {
  const std::size_t ng = sc.consumers.size();
  RedeliveryAttribution attribution(ng);
  RabbitRun out;
  out.family = analysis::simulate_rabbitmq(sc, [&](rmq::World& w) {
    w.signals().fault.connect([&](const FaultSpec& f, sim::Time t) {
      const std::int32_t g = sc.group_index(f.group);
      if (g < 0) return;
      const std::string subject = f.member >= 0 ? f.group + "/" + std::to_string(f.member) : f.group;
      attribution.fault(static_cast<std::size_t>(g), f.group, models::to_string(f.kind), subject, sim::to_seconds(t));
    });
    w.signals().requeued.connect([&](std::int32_t q, std::uint64_t id, rmq::RequeueReason r, sim::Time) {
      if (r != rmq::RequeueReason::Nack) return;
      for (std::size_t g = 0; g < ng; ++g)
        if (sc.queue_index(sc.consumers[g].queue) == q) attribution.nacked(g, q, id);
    });
    w.signals().processed.connect([&](const rmq::ProcessedMessage& m) {
      attribution.processed(static_cast<std::size_t>(m.group), m.queue, m.message, m.redelivered);
    });
  });
  out.fault_redeliveries = attribution.faults();
  out.redelivered_after_nack = attribution.after_nack();
  // The queue's depth as the broker reports it: ready + unacknowledged.
  for (const auto& g : out.family.summary.groups) out.final_depth.push_back(g.final_committed_lag);
  return out;
}

}  // namespace cgsim::live::rabbitmq
