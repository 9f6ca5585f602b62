/// @file scale_bench.cpp
/// Scale: one topic with 100k partitions, a group of 10k consumers, 1M records/s in total, run for
/// one simulated hour through analysis::simulate_full (the `cgsim run` path, lag sampled every
/// simulated second). Reports wall time and peak memory.
///
///   scale_bench [--duration=1h] [--partitions=100000] [--consumers=10000] [--rate=1000000]
///               [--producers=100] [Google Benchmark flags]
///
/// The scenario is generated here: `producers` Poisson producers share the rate, keyless records
/// with the Java client's default (sticky) partitioner, 512-byte records; the group is eager with
/// the range assignor, max_poll_records 500, auto-commit every 5 s and a constant 500 us processing
/// time per record (each consumer is about 5% busy). The whole hour takes long on a small machine:
/// pass a shorter --duration (CI runs a few simulated seconds) and extrapolate; peak memory is set
/// by the partitions, consumers and the records retained until committed, not by the duration.
///
/// Counters: wall_s and cpu_s of the run; per CPU second (single-threaded: the wall second on an
/// idle machine) x_real_time (simulated seconds), events_per_s and records_per_s (consumed);
/// peak_rss_MiB (getrusage ru_maxrss), setup_rss_MiB (before the run), and the run's totals.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "analysis/experiments/simulate.hpp"
#include "bench/bench_util.hpp"
#include "scenarios/loader.hpp"

namespace {

namespace models = cgsim::models;
using cgsim::sim::Time;

struct Options {
  Time duration = cgsim::sim::kHour;
  std::int32_t partitions = 100'000;
  std::int32_t consumers = 10'000;
  double rate = 1'000'000;
  std::int32_t producers = 100;
};
Options g_opt;

models::Scenario scale_scenario(const Options& o) {
  models::Scenario sc;
  sc.name = "scale-" + std::to_string(o.partitions) + "p-" + std::to_string(o.consumers) + "c";
  sc.seed = 1;
  sc.duration = o.duration;
  sc.topics.push_back({"events", o.partitions});
  models::ProducerSpec p;
  p.topic = "events";
  p.rate.kind = models::RateSpec::Kind::Poisson;
  p.rate.per_second = o.rate / o.producers;
  p.count = o.producers;
  p.record_bytes = 512;
  sc.producers.push_back(p);
  models::GroupSpec g;
  g.id = "scale";
  g.topics = {"events"};
  g.assignor = "range";
  g.max_poll_records = 500;
  g.consumers.count = o.consumers;
  g.consumers.processing_time = cgsim::sim::Distribution::constant(500e-6);
  sc.groups.push_back(g);
  return sc;
}

void BM_Scale(benchmark::State& state) {
  const models::Scenario sc = scale_scenario(g_opt);
  const double setup_rss = cgsim::bench::current_rss_mib();
  cgsim::analysis::RunSummary s;
  double wall = 0, cpu = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cgsim::bench::cpu_seconds();
    s = cgsim::analysis::simulate(sc);
    cpu = cgsim::bench::cpu_seconds() - c0;
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["wall_s"] = wall;
  state.counters["cpu_s"] = cpu;
  state.counters["x_real_time"] = s.simulated_seconds / cpu;
  state.counters["events_per_s"] = static_cast<double>(s.events) / cpu;
  state.counters["records_per_s"] = static_cast<double>(s.consumed) / cpu;
  state.counters["peak_rss_MiB"] = cgsim::bench::peak_rss_mib();
  state.counters["setup_rss_MiB"] = setup_rss;
  state.counters["simulated_s"] = s.simulated_seconds;
  state.counters["events"] = static_cast<double>(s.events);
  state.counters["produced"] = static_cast<double>(s.produced);
  state.counters["consumed"] = static_cast<double>(s.consumed);
  state.counters["max_lag"] = static_cast<double>(s.max_lag);
  state.SetLabel(sc.name);
}
BENCHMARK(BM_Scale)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

[[noreturn]] void bad(const std::string& what) {
  std::fprintf(stderr, "scale_bench: bad %s\n", what.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using cgsim::bench::take_flag;
  const std::string duration = take_flag(argc, argv, "duration", "1h");
  if (!cgsim::scenarios::parse_duration(duration, g_opt.duration) || g_opt.duration <= 0) bad("--duration " + duration);
  try {
    g_opt.partitions = std::stoi(take_flag(argc, argv, "partitions", "100000"));
    g_opt.consumers = std::stoi(take_flag(argc, argv, "consumers", "10000"));
    g_opt.rate = std::stod(take_flag(argc, argv, "rate", "1000000"));
    g_opt.producers = std::stoi(take_flag(argc, argv, "producers", "100"));
  } catch (const std::exception&) {
    bad("number in --partitions, --consumers, --rate or --producers");
  }
  if (g_opt.partitions <= 0 || g_opt.consumers <= 0 || g_opt.producers <= 0 || !(g_opt.rate > 0)) bad("size");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
