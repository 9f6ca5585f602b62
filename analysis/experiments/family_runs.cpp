#include "analysis/experiments/family_runs.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "analysis/experiments/fault_feed.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "analysis/metrics/warmup.hpp"
#include "models/common/error.hpp"
#include "models/pulsar/world.hpp"
#include "models/rabbitmq/world.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"
#include "sim/engine.hpp"

namespace cgsim::analysis {

namespace {

/// Per group, per "partition" (a queue, or a topic partition): one past the highest message
/// position processed, the frontier a fault's duplicates are measured against (negatively
/// acknowledged messages are requeued and processed again without any fault).
class Frontiers {
 public:
  Frontiers(std::size_t groups, std::size_t partitions) : f_(groups, std::vector<std::int64_t>(partitions, 0)) {}
  void processed(std::size_t g, std::int32_t p, std::int64_t position) {
    auto& v = f_[g][static_cast<std::size_t>(p)];
    v = std::max(v, position + 1);
  }
  const std::vector<std::int64_t>& of(std::size_t g) const { return f_[g]; }

 private:
  std::vector<std::vector<std::int64_t>> f_;
};

/// Every message a group's queue or subscription received is processed once, still waiting for
/// its first processing, or settled without one (lost); duplicates are processings on top.
void check_conservation(const RunSummary& s) {
  for (const GroupSummary& g : s.groups) {
    if (g.produced + g.duplicates == g.consumed + g.final_lag + g.lost + g.skipped) continue;
    throw Error("internal error: group " + g.id + " breaks produced = consumed - duplicates + final lag + lost + skipped (" +
                std::to_string(g.produced) + " != " + std::to_string(g.consumed) + " - " + std::to_string(g.duplicates) +
                " + " + std::to_string(g.final_lag) + " + " + std::to_string(g.lost) + " + " + std::to_string(g.skipped) + ")");
  }
}

/// Each group's warm-up, as a Kafka run's (analysis/metrics/warmup.hpp) with the broker's backlog
/// in place of the lag: it ends at the first backlog sample, at or after the group's first
/// processing, at which the oldest message the group has not processed yet (RabbitMQ: of its
/// queue; Pulsar: the subscription's oldest unsettled message) is at most the steady level old,
/// a message waiting behind one consumer's full prefetch window (prefetch, or receiver queue
/// size; one message without a limit) and the delivery; a fault of the group ends it too, and a
/// run that ends first leaves all of it as start-up. A fixed `output.warmup` replaces that rule
/// for every group, as in Kafka runs. First processings of messages published
/// before the end are start-up ones, the rest steady; backlog samples likewise.
class FamilyWarmup {
 public:
  FamilyWarmup(const std::optional<sim::Time>& fixed, const std::vector<double>& thresholds_s) {
    for (double t : thresholds_s) groups_.push_back(Group{WarmupTracker(fixed ? *fixed : -1, t), {}, {}, 0, 0});
  }
  bool open(std::size_t g) const { return groups_[g].tracker.end_ns() == WarmupTracker::kOpen; }
  /// A first processing of a message published at @p published, done at @p done.
  void processed(std::size_t g, sim::Time published, sim::Time done) {
    Group& x = groups_[g];
    x.tracker.assigned(done);
    (x.tracker.startup(published) ? x.startup : x.steady).add(done - published);
  }
  void fault(std::size_t g, sim::Time at) { groups_[g].tracker.fault(at); }
  void sample(std::size_t g, sim::Time at, std::uint64_t backlog, double oldest_age_s) {
    Group& x = groups_[g];
    std::uint64_t& peak = x.tracker.sample(at, oldest_age_s) ? x.startup_backlog : x.steady_backlog;
    peak = std::max(peak, backlog);
  }
  /// Writes each group's warm-up and the run's (the latest end, merged latencies, largest backlogs).
  void finish(RunSummary& s, sim::Time end) {
    Histogram startup, steady;
    s.warmup.reason = groups_.empty() ? "" : "drained";
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      Group& x = groups_[g];
      x.tracker.finish(end);
      WarmupSummary& w = s.groups[g].warmup;
      w.end_s = sim::to_seconds(x.tracker.end_ns());
      w.reason = x.tracker.reason();
      w.threshold_s = x.tracker.threshold_s();
      w.startup_latency_ms = summarize_latency(x.startup);
      w.steady_latency_ms = summarize_latency(x.steady);
      w.startup_max_lag = x.startup_backlog;
      w.steady_max_lag = x.steady_backlog;
      startup.merge(x.startup);
      steady.merge(x.steady);
      s.warmup.fold_group(w);
    }
    s.warmup.startup_latency_ms = summarize_latency(startup);
    s.warmup.steady_latency_ms = summarize_latency(steady);
  }

 private:
  struct Group {
    WarmupTracker tracker;
    Histogram startup, steady;
    std::uint64_t startup_backlog, steady_backlog;
  };
  std::vector<Group> groups_;
};

/// The steady level (s) of a group's oldest unprocessed message: one full prefetch window of
/// processing ahead of it (@p window messages; 0: no limit, one message).
double family_threshold_s(std::int32_t window, const sim::Distribution& processing) {
  const double mean_s = processing.mean();
  if (!std::isfinite(mean_s)) return steady_lag_level(0);
  return steady_lag_level(static_cast<double>(std::max(window, 1)) * mean_s);
}

/// The collector of a RabbitMQ or Pulsar run: it subscribes to the faults through the signals every
/// family emits (fault_feed.hpp, as a Kafka run's collector does) and takes each family's processings and backlog
/// samples in family-neutral terms, feeding one SummaryBuilder, the groups' duplicate frontiers
/// and warm-ups, and the run's ordering violations and backlog series.
class FamilyCollector {
 public:
  FamilyCollector(std::vector<std::string> ids, std::size_t partitions, const std::optional<sim::Time>& fixed_warmup,
                  const std::vector<double>& thresholds, models::CommonSignals& signals, FamilyRun& out)
      : ids_(std::move(ids)), builder_(ids_), frontiers_(ids_.size(), partitions), warmup_(fixed_warmup, thresholds), out_(out) {
    for (std::size_t g = 0; g < ids_.size(); ++g) builder_.ordering_scope(g, "key");
    FaultHooks faults;
    faults.frontier = [this](std::size_t g) { return frontiers_.of(g); };
    faults.warmup = [this](std::size_t g, sim::Time t) { warmup_.fault(g, t); };
    subscribe_faults(signals, ids_, builder_, std::move(faults));
  }

  /// Whether group @p g's warm-up is still open (its backlog samples then need the oldest message's age).
  bool warming(std::size_t g) const { return warmup_.open(g); }

  /// Consumer @p consumer of group @p g completed a processing of the message at @p position of
  /// @p partition (a queue, or a topic partition), published at @p published and done at @p done;
  /// @p out_of_order: after a later message of its key @p key (-1: none).
  void processed(std::size_t g, std::int32_t consumer, std::int32_t partition, std::int64_t position, sim::Time published,
                 sim::Time done, bool duplicate, bool out_of_order, std::int64_t key) {
    const Processing p{partition, position, done - published, duplicate, false};
    builder_.processed(g, consumer, &p, 1);
    if (!duplicate) warmup_.processed(g, published, done);
    frontiers_.processed(g, partition, position);
    // Every processing counts, re-processings included (docs/model.md, "Ordering").
    if (out_of_order) {
      ++out_.ordering_violations;
      builder_.out_of_order(g, partition, key);
    }
  }

  /// Group @p g's backlog at a sample taken at @p at, its oldest unprocessed message @p oldest_age_s old.
  void backlog(std::size_t g, sim::Time at, std::uint64_t backlog, double oldest_age_s) {
    warmup_.sample(g, at, backlog, oldest_age_s);
    builder_.lag_sample(g, backlog, 0, sim::to_seconds(at));
    out_.backlog.push_back({sim::to_seconds(at), static_cast<std::int32_t>(g), backlog});
  }

  /// Writes the run's summary from @p head, the groups' end states and the warm-ups closed at
  /// @p end, and checks conservation.
  void finish(RunSummary head, std::vector<GroupEnd> ends, sim::Time end) {
    out_.summary = builder_.finish(std::move(head), std::move(ends));
    warmup_.finish(out_.summary, end);
    check_conservation(out_.summary);
  }

 private:
  std::vector<std::string> ids_;
  SummaryBuilder builder_;
  Frontiers frontiers_;
  FamilyWarmup warmup_;
  FamilyRun& out_;
};

const char* state_name(models::rabbitmq::ConsumerState s) {
  switch (s) {
    case models::rabbitmq::ConsumerState::Consuming: return "Consuming";
    case models::rabbitmq::ConsumerState::Cancelling: return "Cancelling";
    case models::rabbitmq::ConsumerState::Closed: return "Closed";
    case models::rabbitmq::ConsumerState::Crashed: return "Crashed";
  }
  return "?";
}

}  // namespace

FamilyRun simulate_rabbitmq(const models::rabbitmq::Scenario& sc,
                            const std::function<void(models::rabbitmq::World&)>& attach) {
  namespace rmq = models::rabbitmq;
  sim::Engine engine;
  rmq::World world(engine, sc);
  std::vector<std::string> ids;
  for (const auto& g : sc.consumers) ids.push_back(g.name);
  FamilyRun out;
  out.broker = "rabbitmq";
  std::vector<double> thresholds;
  for (const auto& g : sc.consumers) thresholds.push_back(family_threshold_s(g.ack.automatic ? 0 : g.prefetch, g.processing_time));
  FamilyCollector collector(ids, sc.queues.size(), sc.output.warmup, thresholds, world.signals(), out);
  std::uint64_t redelivered = 0, settlement_pending = 0;
  std::map<std::string, std::uint64_t> requeues, drops;

  world.signals().processed.connect([&](const rmq::ProcessedMessage& m) {
    collector.processed(static_cast<std::size_t>(m.group), m.consumer, m.queue, static_cast<std::int64_t>(m.message), m.published,
                        m.done, m.duplicate, m.out_of_order, m.key == rmq::kNoKey ? -1 : static_cast<std::int64_t>(m.key));
    if (m.redelivered) ++redelivered;
  });
  world.signals().requeued.connect([&](std::int32_t, std::uint64_t, rmq::RequeueReason r, sim::Time) {
    ++requeues[std::string("requeued (") + rmq::to_string(r) + ")"];
  });
  world.signals().dropped.connect([&](std::int32_t, rmq::DropReason r, bool dead_lettered, sim::Time) {
    ++drops[std::string(dead_lettered ? "dead-lettered (" : "dropped (") + rmq::to_string(r) + ")"];
  });
  world.signals().depth.connect([&](std::int32_t q, std::uint64_t ready, std::uint64_t unacked, sim::Time t) {
    // The oldest message of the queue no consumer has finished, while a warm-up needs it.
    sim::Time oldest = -1;
    for (std::size_t g = 0; g < sc.consumers.size(); ++g) {
      if (sc.queue_index(sc.consumers[g].queue) != q || !collector.warming(g) || oldest >= 0) continue;
      oldest = t;
      world.broker().pool().for_each_live([&](const rmq::Message& m) {
        if (m.queue == q && m.processed == 0) oldest = std::min(oldest, m.published);
      });
    }
    for (std::size_t g = 0; g < sc.consumers.size(); ++g)
      if (sc.queue_index(sc.consumers[g].queue) == q)
        collector.backlog(g, t, ready + unacked, oldest >= 0 ? sim::to_seconds(t - oldest) : 0.0);
  });
  if (attach) attach(world);
  world.start();
  world.run();

  const rmq::Totals totals = world.totals();
  std::vector<GroupEnd> ends;
  for (std::size_t g = 0; g < sc.consumers.size(); ++g) {
    const auto& spec = sc.consumers[g];
    GroupEnd e;
    const std::int32_t q = sc.queue_index(spec.queue);
    const rmq::Queue& queue = world.broker().queue(q);
    const std::uint64_t ready = queue.ready(), unacked = queue.unacked();
    const auto [unprocessed, processed_unsettled] = world.broker().unsettled(q);
    // A message whose quorum enqueue is still applying at the end is there once it applies.
    e.produced = queue.counters().enqueued + queue.counters().applying;
    // Waiting for a first processing: in the queue, delivered, or held by an auto-ack client.
    e.final_lag = unprocessed;
    // The broker's view: ready + unacknowledged (processed messages whose ack is on its way
    // included) + enqueues still applying.
    e.final_committed_lag = ready + unacked + queue.counters().applying;
    e.lost = queue.counters().discarded_unprocessed + queue.counters().lost_in_clients;
    settlement_pending += processed_unsettled;
    for (std::int32_t c = 0; c < world.consumer_count(static_cast<std::int32_t>(g)); ++c) {
      ConsumerSummary cs;
      cs.name = spec.name + "/" + std::to_string(c);
      cs.state = state_name(world.consumer(static_cast<std::int32_t>(g), c).state());
      e.consumers.push_back(std::move(cs));
    }
    ends.push_back(std::move(e));
    out.sources.push_back("queue " + spec.queue);
  }
  RunSummary head;
  head.scenario = sc.name;
  head.seed = sc.seed;
  head.simulated_seconds = sim::to_seconds(sc.duration);
  head.events = engine.events_executed();
  head.produced = totals.published;
  collector.finish(std::move(head), std::move(ends), sc.duration);
  out.counts = {{"published", totals.published},
                {"unroutable", totals.unroutable},
                {"enqueued", totals.enqueued},
                {"acknowledged", totals.acked},
                {"publishes refused (reject-publish)", totals.publish_rejected},
                {"redelivered deliveries processed", redelivered},
                {"ready at the end", totals.ready},
                {"unacknowledged at the end", totals.unacked},
                {"processed, not yet settled at the end", settlement_pending},
                {"lost in auto-ack clients", totals.lost_in_clients}};
  for (const auto& [k, v] : requeues) out.counts.emplace_back(k, v);
  for (const auto& [k, v] : drops) out.counts.emplace_back(k, v);
  return out;
}

FamilyRun simulate_pulsar(const models::pulsar::ScenarioFile& sc, const std::function<void(models::pulsar::World&)>& attach) {
  namespace pl = models::pulsar;
  sim::Engine engine;
  pl::World world(engine, sc);
  std::vector<std::string> ids;
  std::size_t max_partitions = 1;
  for (const auto& t : sc.pulsar.topics) max_partitions = std::max<std::size_t>(max_partitions, static_cast<std::size_t>(std::max(1, t.partitions)));
  for (const auto& s : sc.pulsar.subscriptions) ids.push_back(s.name);
  FamilyRun out;
  out.broker = "pulsar";
  std::vector<double> thresholds;
  for (const auto& sub : sc.pulsar.subscriptions)
    thresholds.push_back(family_threshold_s(sub.consumers.receiver_queue_size, sub.consumers.processing_time));
  FamilyCollector collector(ids, max_partitions, sc.output.warmup, thresholds, world.signals(), out);
  // Per subscription and partition: the first message not settled yet (settling is final).
  std::vector<std::vector<std::int64_t>> first_unsettled(ids.size());
  std::map<std::string, std::uint64_t> redeliveries;
  std::uint64_t dead_lettered = 0, failed = 0, settlement_pending = 0;
  std::map<std::tuple<std::int32_t, std::int32_t, std::uint64_t>, std::int64_t> key_high;

  world.signals().processed.connect([&](const pl::ProcessedMessage& m) {
    // A failed processing (negatively acknowledged) completes nothing: it is counted apart and
    // the message is processed again later.
    if (m.failed) {
      ++failed;
      return;
    }
    // Every processing counts, re-processings included (docs/model.md, "Ordering"): the model
    // flags first completions only, so the highest entry completed per key is kept here.
    bool out_of_order = false;
    if (m.key != pl::kNoKey) {
      auto [it, fresh] = key_high.try_emplace(std::make_tuple(m.subscription, m.partition, m.key), m.entry);
      if (!fresh) {
        if (m.entry < it->second) out_of_order = true;
        else it->second = m.entry;
      }
    }
    collector.processed(static_cast<std::size_t>(m.subscription), m.consumer, m.partition, m.entry, m.published, m.done,
                        m.duplicate, out_of_order, m.key == pl::kNoKey ? -1 : static_cast<std::int64_t>(m.key));
  });
  world.signals().redelivered.connect([&](std::int32_t, std::int32_t, std::int64_t, pl::RedeliveryReason r, sim::Time) {
    ++redeliveries[std::string("redelivered (") + pl::to_string(r) + ")"];
  });
  world.signals().dead_lettered.connect([&](std::int32_t, std::int32_t, std::int64_t, sim::Time) { ++dead_lettered; });
  world.signals().backlog.connect([&](std::int32_t s, std::uint64_t backlog, std::uint64_t, sim::Time t) {
    const auto g = static_cast<std::size_t>(s);
    double oldest_age_s = 0;
    if (collector.warming(g)) {
      const std::vector<pl::Dispatcher*> ds = world.dispatchers(s);
      auto& first = first_unsettled[g];
      first.resize(ds.size(), 0);
      for (std::size_t d = 0; d < ds.size(); ++d) {
        const pl::Dispatcher& disp = *ds[d];
        const std::vector<pl::Entry>& ledger = disp.topic().ledger(disp.partition());
        const auto size = static_cast<std::int64_t>(ledger.size());
        std::int64_t& e = first[d];
        while (e < size && disp.settled(e)) ++e;
        if (e < size) oldest_age_s = std::max(oldest_age_s, sim::to_seconds(t - ledger[static_cast<std::size_t>(e)].published));
      }
    }
    collector.backlog(g, t, backlog, oldest_age_s);
  });
  if (attach) attach(world);
  world.start();
  world.run();

  std::vector<GroupEnd> ends;
  std::uint64_t published = 0;
  for (std::size_t s = 0; s < sc.pulsar.subscriptions.size(); ++s) {
    const auto& spec = sc.pulsar.subscriptions[s];
    const pl::SubscriptionTotals t = world.totals(static_cast<std::int32_t>(s));
    GroupEnd e;
    e.produced = t.published;
    // Waiting for a first completed processing; the broker's backlog also holds processed
    // messages whose ack is on its way.
    e.final_lag = t.unprocessed;
    e.final_committed_lag = t.backlog;
    e.lost = t.settled_unprocessed;
    settlement_pending += t.backlog - t.unprocessed;
    for (std::int32_t c = 0; c < world.consumer_count(static_cast<std::int32_t>(s)); ++c) {
      ConsumerSummary cs;
      const pl::Consumer& consumer = world.consumer(static_cast<std::int32_t>(s), c);
      cs.name = spec.name + "/" + std::to_string(c);
      cs.member_id = consumer.name();
      cs.state = pl::to_string(consumer.state());
      e.consumers.push_back(std::move(cs));
    }
    ends.push_back(std::move(e));
    out.sources.push_back(std::string(pl::to_string(spec.type)) + " subscription on " + spec.topic);
    published = std::max(published, t.published);
  }
  RunSummary head;
  head.scenario = sc.name;
  head.seed = sc.seed;
  head.simulated_seconds = sim::to_seconds(sc.duration);
  head.events = engine.events_executed();
  head.produced = published;
  collector.finish(std::move(head), std::move(ends), sc.duration);
  out.counts = {{"published", published},
                {"dead-lettered", dead_lettered},
                {"failed (negative acks)", failed},
                {"processed, not yet settled at the end", settlement_pending}};
  for (const auto& [k, v] : redeliveries) out.counts.emplace_back(k, v);
  return out;
}

std::string scenario_family(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "kafka";
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return "kafka";
  if (scenarios::is_rabbitmq_scenario_text(text.str())) return "rabbitmq";
  if (scenarios::is_pulsar_scenario_text(text.str())) return "pulsar";
  return "kafka";
}

const std::string& FamilyScenario::broker() const {
  static const std::string rabbitmq = "rabbitmq", pulsar = "pulsar";
  return scenario.index() == 0 ? rabbitmq : pulsar;
}

const std::string& FamilyScenario::name() const {
  return std::visit([](const auto& s) -> const std::string& { return s.name; }, scenario);
}

std::uint64_t FamilyScenario::seed() const {
  return std::visit([](const auto& s) { return s.seed; }, scenario);
}

void FamilyScenario::set_seed(std::uint64_t seed) {
  std::visit([seed](auto& s) { s.seed = seed; }, scenario);
}

FamilyScenario load_family_scenario(const std::string& path, const std::string& family,
                                    const std::vector<scenarios::Override>& overrides) {
  if (family == "rabbitmq") return {scenarios::load_rabbitmq_scenario_file(path, overrides)};
  return {scenarios::load_pulsar_scenario_file(path, overrides)};
}

FamilyRun simulate_family(const FamilyScenario& scenario) {
  if (const auto* r = std::get_if<models::rabbitmq::Scenario>(&scenario.scenario)) return simulate_rabbitmq(*r);
  return simulate_pulsar(std::get<models::pulsar::ScenarioFile>(scenario.scenario));
}

nlohmann::json to_json(const FamilyRun& run) { return to_json(run.summary, run); }

}  // namespace cgsim::analysis
