#include "analysis/experiments/simulate.hpp"
#include "analysis/experiments/run_progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "analysis/experiments/fault_feed.hpp"
#include "analysis/experiments/kafka_ordering.hpp"
#include "analysis/experiments/plan.hpp"
#include "analysis/metrics/warmup.hpp"
#include "models/common/error.hpp"
#include "models/common/priorities.hpp"
#include "models/common/workload.hpp"
#include "models/kafka/world.hpp"
#include "sim/engine.hpp"

namespace cgsim::analysis {

namespace {

using models::World;
using sim::Time;

/// Subscribes to the world's signals and samples its state. The faults go through the
/// family-neutral subscription every family's collector uses (fault_feed.hpp); what is Kafka's own
/// stays here: the processed records, rebalances, generations and member and group states.
class Collector {
 public:
  Collector(World& world, SimulationResult& out, bool series)
      : w_(world), out_(out), series_(series), builder_(group_ids(world.scenario())), ordering_(world, builder_) {
    const auto& sc = world.scenario();
    out.latency.resize(sc.groups.size());
    groups_.resize(sc.groups.size());
    for (std::size_t g = 0; g < sc.groups.size(); ++g)
      warmup_.emplace_back(sc.output.warmup ? *sc.output.warmup : -1, warmup_threshold_s(sc, g));
    for (std::int32_t gid = 0; gid < world.broker().partition_count(); ++gid) {
      out.partition_names.push_back(world.broker().partition_name(gid));
    }
    auto& s = world.signals();
    s.processed.connect([this](std::int32_t g, std::int32_t c, const models::ProcessedRecord* recs, std::size_t n) {
      GroupAcc& acc = groups_[static_cast<std::size_t>(g)];
      GroupTally& tally = builder_.group(static_cast<std::size_t>(g));
      Histogram* latency = acc.latency;
      const auto ci = static_cast<std::size_t>(c);
      if (acc.run.size() <= ci) acc.run.resize(ci + 1, 0);
      // Kept in locals for the batch: the histograms' stores could alias the vectors' contents
      // and would make the compiler reload them after every record.
      const sim::Time* handed_out = w_.group(static_cast<std::size_t>(g)).handed_out_times().data();
      bool run = acc.run[ci] != 0;
      std::uint64_t dups = 0;
      const sim::Time warm_end = warmup_[static_cast<std::size_t>(g)].end_ns();
      for (std::size_t k = 0; k < n; ++k) {
        const auto& r = recs[k];
        if (r.after_idle) run = false;
        if (r.duplicate) {
          ++dups;
        } else {
          // Caught in a stall: its partition was handed out after it was appended (a backlog the
          // stall left), or its consumer has been working off such a backlog without running
          // dry since (it queued behind it).
          run = run || r.appended < handed_out[r.partition];
          latency[(run ? 2 : 0) + (r.appended < warm_end ? 1 : 0)].add(r.done - r.appended);
        }
      }
      acc.run[ci] = run ? 1 : 0;
      tally.count(c, n, dups);
      // Ordering can only break in a batch with duplicates or from a member the group has moved
      // past; the ordering pass also charges the duplicates to their fault.
      if (dups != 0 || ordering_.stale(static_cast<std::size_t>(g), c))
        ordering_.batch(static_cast<std::size_t>(g), c, recs, n);
      if (series_) {
        if (acc.interval.size() <= ci) acc.interval.resize(ci + 1, 0);  // the sampler resizes it too
        acc.interval[ci] += n;
      }
    });
    s.rebalance_started.connect([this](const models::RebalanceInfo&) {});
    s.rebalance_completed.connect([this](const models::RebalanceInfo& r) {
      RebalanceRecord rr;
      rr.group = w_.scenario().groups[static_cast<std::size_t>(r.group)].id;
      rr.start_s = sim::to_seconds(r.start);
      rr.end_s = r.end >= 0 ? sim::to_seconds(r.end) : -1;
      rr.generation = r.generation;
      rr.trigger = r.trigger;
      rr.protocol = r.protocol;
      rr.rounds = r.rounds;
      rr.partitions_moved = r.partitions_moved;
      rr.partitions_revoked = r.partitions_revoked;
      rr.partitions_assigned = r.partitions_assigned;
      rr.stop_the_world_partition_s = static_cast<double>(r.stall_partition_ns) / 1e9;
      builder_.rebalance(std::move(rr));
    });
    s.generation.connect([this](const models::GenerationInfo& gi) {
      ordering_.generation(gi);
      GenerationRecord gr;
      gr.group = w_.scenario().groups[static_cast<std::size_t>(gi.group)].id;
      gr.generation = gi.generation;
      gr.start_s = sim::to_seconds(gi.at);
      auto& grp = w_.group(static_cast<std::size_t>(gi.group));
      for (const auto& [c, parts] : gi.assignment)
        if (!parts.empty()) warmup_[static_cast<std::size_t>(gi.group)].assigned(gi.at);
      for (const auto& [c, parts] : gi.assignment) {
        auto& v = gr.assignment[grp.consumer(c).name()];
        for (std::int32_t p : parts) v.push_back(out_.partition_names[static_cast<std::size_t>(p)]);
        std::sort(v.begin(), v.end());
      }
      builder_.generation(std::move(gr));
    });
    s.member_state.connect([this](std::int32_t g, std::int32_t c, models::MemberState from, models::MemberState to, Time t) {
      out_.timeline.push_back({sim::to_seconds(t), "member_state", w_.group(static_cast<std::size_t>(g)).consumer(c).name(),
                               std::string(models::to_string(from)) + " -> " + models::to_string(to)});
    });
    s.group_state.connect([this](std::int32_t g, const char* from, const char* to, Time t) {
      out_.timeline.push_back({sim::to_seconds(t), "group_state", w_.scenario().groups[static_cast<std::size_t>(g)].id,
                               std::string(from) + " -> " + to});
    });
    FaultHooks faults;
    faults.concerns = [this](const models::FaultSpec& f, std::size_t g) {
      const auto& spec = w_.group(g).spec();
      if (f.kind != models::FaultSpec::Kind::AddPartitions) return spec.id == f.group;
      // A topic's growth concerns every group subscribed to it.
      return std::find(spec.topics.begin(), spec.topics.end(), f.topic) != spec.topics.end();
    };
    faults.warmup = [this](std::size_t g, Time t) { warmup_[g].fault(t); };
    faults.timeline = &out_.timeline;
    subscribe_faults(s, group_ids(sc), builder_, std::move(faults));
  }

  void start() { schedule_sample(w_.scenario().output.sample_interval); }

  void sample() {
    const Time now = w_.engine().now();
    const double ts = sim::to_seconds(now);
    for (std::size_t g = 0; g < w_.group_count(); ++g) {
      auto& grp = w_.group(g);
      GroupAcc& acc = groups_[g];
      std::int64_t total = 0;
      Time oldest = now, oldest_unprocessed = now;
      for (std::int32_t gid : grp.partitions()) {
        auto& log = w_.broker().log(gid);
        std::int64_t end = log.end_at(now);
        std::int64_t committed = grp.offsets(gid).committed;
        std::int64_t from = committed >= 0 ? committed : log.start_offset();
        std::int64_t lag = std::max<std::int64_t>(0, end - from);
        total += lag;
        if (lag > 0 && from >= log.start_offset()) oldest = std::min(oldest, log.time_at(from));
        const std::int64_t frontier = grp.offsets(gid).frontier;
        if (frontier < end && frontier >= log.start_offset()) {
          oldest_unprocessed = std::min(oldest_unprocessed, log.time_at(frontier));
        }
        if (series_) out_.lag.push_back({ts, static_cast<std::int32_t>(g), gid, end, committed, lag});
      }
      double lag_s = sim::to_seconds(now - oldest);
      out_.group_lag.push_back({ts, static_cast<std::int32_t>(g), total, lag_s});
      builder_.lag_sample(g, static_cast<std::uint64_t>(total), lag_s, ts);
      const bool startup = warmup_[g].sample(now, sim::to_seconds(now - oldest_unprocessed));
      LagPeak& peak = startup ? acc.startup_lag : acc.steady_lag;
      peak.records = std::max(peak.records, static_cast<std::uint64_t>(total));
      peak.seconds = std::max(peak.seconds, lag_s);
      if (series_) {
        acc.interval.resize(grp.consumers().size(), 0);
        for (std::size_t c = 0; c < acc.interval.size(); ++c) {
          out_.throughput.push_back({ts, static_cast<std::int32_t>(g), static_cast<std::int32_t>(c), acc.interval[c]});
          acc.interval[c] = 0;
        }
      }
    }
    w_.truncate_logs();
    schedule_sample(w_.scenario().output.sample_interval);
  }

  void finish(double wall_s) {
    const auto& sc = w_.scenario();
    const Time end = sc.duration;
    RunSummary h;
    h.scenario = sc.name;
    h.seed = sc.seed;
    h.simulated_seconds = sim::to_seconds(end);
    h.wall_seconds = wall_s;
    h.events = w_.engine().events_executed();
    for (std::int32_t gid = 0; gid < w_.broker().partition_count(); ++gid) {
      h.produced += static_cast<std::uint64_t>(w_.broker().log(gid).end_at(end));
    }
    std::vector<GroupEnd> ends;
    for (std::size_t g = 0; g < w_.group_count(); ++g) {
      auto& grp = w_.group(g);
      GroupEnd ge;
      ge.skipped = grp.skipped();
      ge.lost = grp.lost();
      for (std::int32_t gid : grp.partitions()) {
        auto& log = w_.broker().log(gid);
        std::int64_t e = log.end_at(end);
        ge.produced += static_cast<std::uint64_t>(e);
        ge.final_lag += static_cast<std::uint64_t>(std::max<std::int64_t>(0, e - grp.offsets(gid).frontier));
        std::int64_t c = grp.offsets(gid).committed;
        ge.final_committed_lag += static_cast<std::uint64_t>(std::max<std::int64_t>(0, e - (c >= 0 ? c : 0)));
      }
      ge.generation = grp.generation();
      for (const auto& c : grp.consumers()) {
        ConsumerSummary cs;
        cs.name = c->name();
        cs.member_id = c->member_id();
        cs.state = models::to_string(c->state());
        if (c->state() == models::MemberState::Stable)
          for (std::int32_t p : c->assigned()) cs.partitions.push_back(out_.partition_names[static_cast<std::size_t>(p)]);
        std::sort(cs.partitions.begin(), cs.partitions.end());
        ge.consumers.push_back(std::move(cs));
        ge.consumer_index.push_back(c->index());
      }
      ends.push_back(std::move(ge));
      fold_latency(g);
      out_.latency[g] = builder_.latency(g);
    }
    out_.summary = builder_.finish(h, std::move(ends));
    finish_warmup(end);
    mark_undetected(out_.summary);
    check_conservation(out_.summary);
  }

 private:
  struct LagPeak {
    std::uint64_t records = 0;
    double seconds = 0;
  };
  /// What the collector itself keeps per group (the tallies are the builder's).
  struct GroupAcc {
    std::vector<std::uint64_t> interval;
    /// Per consumer index: working off a stall's backlog since its last idle wait.
    std::vector<std::uint8_t> run;
    /// Latencies of first processings, one histogram per class: index 2 * (caught in a stall) +
    /// (appended before the warm-up's end). Each record is added to one histogram, not to one of
    /// the steady/stalled pair and one of the start-up/after pair: a second add per record
    /// doubles the histogram lines the hot loop touches. fold_latency() rebuilds the pairs by
    /// merging, which is exact (counts, integer sums, minima and maxima all merge).
    Histogram latency[4];
    /// First processings of records appended before and after the warm-up's end (filled by
    /// fold_latency()); lag peaks of the samples before and after it.
    Histogram startup, after_warmup;
    LagPeak startup_lag, steady_lag;
  };

  /// Adds group @p g's per-class latencies (once, at the end) to the tally's steady and stalled histograms and
  /// into the start-up and after-warm-up ones.
  void fold_latency(std::size_t g) {
    GroupAcc& acc = groups_[g];
    GroupTally& tally = builder_.group(g);
    for (int k = 0; k < 4; ++k) {
      const Histogram& h = acc.latency[k];
      if (h.count() == 0) continue;
      (k >= 2 ? tally.stalled : tally.steady).merge(h);
      ((k & 1) != 0 ? acc.startup : acc.after_warmup).merge(h);
    }
  }

  /// Closes every group's warm-up and writes the start-up and steady figures.
  void finish_warmup(Time end) {
    RunSummary& s = out_.summary;
    Histogram startup, steady;
    s.warmup.reason = "drained";
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      WarmupTracker& t = warmup_[g];
      t.finish(end);
      const GroupAcc& acc = groups_[g];
      WarmupSummary& w = s.groups[g].warmup;
      w.end_s = sim::to_seconds(t.end_ns());
      w.reason = t.reason();
      w.threshold_s = t.threshold_s();
      w.startup_latency_ms = summarize_latency(acc.startup);
      w.steady_latency_ms = summarize_latency(acc.after_warmup);
      w.startup_max_lag = acc.startup_lag.records;
      w.startup_max_lag_seconds = acc.startup_lag.seconds;
      w.steady_max_lag = acc.steady_lag.records;
      w.steady_max_lag_seconds = acc.steady_lag.seconds;
      startup.merge(acc.startup);
      steady.merge(acc.after_warmup);
      s.warmup.fold_group(w);
    }
    if (groups_.empty()) s.warmup.reason.clear();
    s.warmup.startup_latency_ms = summarize_latency(startup);
    s.warmup.steady_latency_ms = summarize_latency(steady);
  }

  static std::vector<std::string> group_ids(const models::Scenario& sc) {
    std::vector<std::string> ids;
    for (const auto& g : sc.groups) ids.push_back(g.id);
    return ids;
  }

  void schedule_sample(Time interval) {
    Time at = w_.engine().now() + interval;
    if (at > w_.scenario().duration) return;
    w_.engine().schedule_at(at, models::priority::kSample, [this] { sample(); });
  }

  /// A crash is detected when its group starts a rebalance after it.
  static void mark_undetected(RunSummary& s) {
    for (FaultRecord& f : s.faults) {
      if (f.kind != "crash") continue;
      f.detected = std::any_of(s.rebalances.begin(), s.rebalances.end(),
                               [&](const RebalanceRecord& r) { return r.group == f.group && r.start_s >= f.at_s; });
    }
  }

  /// Every record a group's topics received is processed once, still waiting, lost or skipped.
  static void check_conservation(const RunSummary& s) {
    for (const GroupSummary& g : s.groups) {
      if (g.produced + g.duplicates == g.consumed + g.final_lag + g.lost + g.skipped) continue;
      throw Error("internal error: group " + g.id + " breaks produced = consumed - duplicates + final lag + lost + skipped (" +
                  std::to_string(g.produced) + " != " + std::to_string(g.consumed) + " - " + std::to_string(g.duplicates) +
                  " + " + std::to_string(g.final_lag) + " + " + std::to_string(g.lost) + " + " + std::to_string(g.skipped) + ")");
    }
  }

  World& w_;
  SimulationResult& out_;
  bool series_;
  SummaryBuilder builder_;
  KafkaOrdering ordering_;
  std::vector<GroupAcc> groups_;
  std::vector<WarmupTracker> warmup_;
};

}  // namespace

double warmup_threshold_s(const models::Scenario& sc, std::size_t group) {
  const auto& g = sc.groups.at(group);
  double rate = 0;
  std::int64_t partitions = 0;
  for (const auto& t : g.topics) {
    for (const auto& p : sc.producers)
      if (p.topic == t) rate += models::rate_at(p, 0.0) * p.count;
    for (const auto& spec : sc.topics)
      if (spec.name == t) partitions += spec.partitions;
  }
  const double consumers = static_cast<double>(std::max<std::int64_t>(1, std::min<std::int64_t>(g.consumers.count, partitions)));
  const double mean_s = g.consumers.processing_time.mean();
  if (!std::isfinite(mean_s)) return steady_lag_level(0);
  return steady_lag_level(steady_batch_records(g.max_poll_records, rate / consumers * mean_s) * mean_s);
}

SimulationResult simulate_full(const models::Scenario& scenario, const SimulateOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  SimulationResult result;
  sim::Engine engine;
  World world(engine, scenario);
  Collector collector(world, result, options.series);
  world.start();
  collector.start();
  if (options.progress) run_with_progress(engine, scenario.duration, scenario.name);
  world.run();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  collector.finish(wall);
  if (options.model) {
    for (std::size_t g = 0; g < scenario.groups.size(); ++g) result.summary.groups[g].model = group_model(scenario, g);
  }
  return result;
}

RunSummary simulate(const models::Scenario& scenario) { return simulate_full(scenario).summary; }

}  // namespace cgsim::analysis
