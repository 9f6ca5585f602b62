/// @file consume_bench.cpp
/// Batched consumption with exact per-record latency: how many simulated records per wall second
/// the consumer model processes when every poll returns a full batch.
///
/// A group of C consumers (eager, range, max_poll_records 500, constant 1 us processing time) reads
/// a backlog of N records spread over P partitions; the logs are filled through the broker's public
/// PartitionLog API before the run, so the timed part is consumption alone: the group's rebalance,
/// fetch sessions, polls, one engine event per batch, and per record its processing end time, the
/// duplicate check and one add to an analysis::Histogram of end-to-end latency (what the `cgsim run`
/// collector does with every processed record).
///
/// Counters, per CPU second of World::run() (single-threaded: the wall second on an idle machine;
/// the benchmark's manual time is that CPU time):
///   records_per_s   records consumed
///   events_per_s    engine events executed
///   records_per_event  batch size actually achieved
///   consumed        records consumed in the run (equals the backlog: nothing is left over)
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "analysis/metrics/histogram.hpp"
#include "bench/bench_util.hpp"
#include "models/kafka/world.hpp"
#include "sim/engine.hpp"

namespace {

namespace models = cgsim::models;
using cgsim::sim::Time;
using cgsim::sim::kSecond;

models::Scenario batch_scenario(std::int32_t partitions, std::int32_t consumers, std::int64_t records) {
  models::Scenario sc;
  sc.name = "batched-consumption";
  sc.seed = 1;
  sc.topics.push_back({"backlog", partitions});
  models::GroupSpec g;
  g.id = "readers";
  g.topics = {"backlog"};
  g.assignor = "range";
  g.max_poll_records = 500;
  g.consumers.count = consumers;
  g.consumers.processing_time = cgsim::sim::Distribution::constant(1e-6);
  sc.groups.push_back(g);
  // The initial rebalance takes about 6 s (two initial delays); then every consumer works through
  // its share at 1 us per record. Twice that time is ample.
  const Time work = static_cast<Time>(records / consumers) * 1000;
  sc.duration = 10 * kSecond + 2 * work;
  return sc;
}

void BM_BatchedConsumption(benchmark::State& state) {
  const auto partitions = static_cast<std::int32_t>(state.range(0));
  const auto consumers = static_cast<std::int32_t>(state.range(1));
  const std::int64_t records = state.range(2);
  const models::Scenario sc = batch_scenario(partitions, consumers, records);
  const std::int64_t per_partition = records / partitions;

  double consumed = 0, events = 0;
  std::uint64_t last_consumed = 0;
  for (auto _ : state) {
    cgsim::sim::Engine engine;
    models::World world(engine, sc);
    // The backlog: per partition, records appended evenly over the first second.
    for (std::int32_t gid = 0; gid < partitions; ++gid) {
      auto& log = world.broker().log(gid);
      for (std::int64_t i = 0; i < per_partition; ++i) log.append(i * kSecond / per_partition);
    }
    cgsim::analysis::Histogram latency;
    std::uint64_t n_consumed = 0;
    world.signals().processed.connect(
        [&](std::int32_t, std::int32_t, const models::ProcessedRecord* recs, std::size_t n) {
          for (std::size_t k = 0; k < n; ++k)
            if (!recs[k].duplicate) latency.add(recs[k].done - recs[k].appended);
          n_consumed += n;
        });
    world.start();
    const double t0 = cgsim::bench::cpu_seconds();
    world.run();
    state.SetIterationTime(cgsim::bench::cpu_seconds() - t0);
    benchmark::DoNotOptimize(latency.quantile(0.99));
    consumed += static_cast<double>(n_consumed);
    events += static_cast<double>(engine.events_executed());
    last_consumed = n_consumed;
  }
  using benchmark::Counter;
  state.counters["records_per_s"] = Counter(consumed, Counter::kIsRate);
  state.counters["events_per_s"] = Counter(events, Counter::kIsRate);
  state.counters["records_per_event"] = events > 0 ? consumed / events : 0;
  state.counters["consumed"] = static_cast<double>(last_consumed);
  if (last_consumed != static_cast<std::uint64_t>(per_partition * partitions)) {
    state.SkipWithError("the backlog was not fully consumed");
  }
}
// (partitions, consumers, records)
BENCHMARK(BM_BatchedConsumption)
    ->Args({16, 4, 20'000'000})
    ->Args({100, 10, 20'000'000})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // --records=N scales the backlog (CI's quick run uses a small one).
  std::string records = cgsim::bench::take_flag(argc, argv, "records", "");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!records.empty()) {
    // Registered again with the requested size; the built-in sizes are filtered out.
    const long long n = std::stoll(records);
    benchmark::RegisterBenchmark("BM_BatchedConsumption_custom", BM_BatchedConsumption)
        ->Args({16, 4, n})
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
    benchmark::RunSpecifiedBenchmarks(std::string("BM_BatchedConsumption_custom"));
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}
