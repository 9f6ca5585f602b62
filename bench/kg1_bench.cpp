/// @file kg1_bench.cpp
/// KG-1 scenario throughput: bench/kg1.yaml run end to end through analysis::simulate_full, the
/// path `cgsim run` takes (world, signals, per-record latency histogram, lag sampling every second).
///
///   kg1_bench [--scenario=FILE] [--duration=D] [Google Benchmark flags]
///
/// --duration shortens the run (faults at or after the new end are dropped). Each iteration is one
/// whole run; use --benchmark_repetitions=N for a median. Rates are per CPU second of the process
/// (the run is single-threaded: on an idle machine that is the wall second; Google Benchmark's Time
/// column shows wall time, its CPU column CPU time). Counters:
///   events_per_s       engine events executed
///   records_per_s      records consumed (simulated records per second)
///   x_real_time        simulated seconds per second
///   peak_rss_MiB       peak resident set size of the process (getrusage ru_maxrss)
/// plus the run's totals (events, consumed, duplicates) so a change in the model shows up beside
/// a change in speed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "analysis/experiments/simulate.hpp"
#include "bench/bench_util.hpp"
#include "scenarios/loader.hpp"

namespace {

namespace models = cgsim::models;

std::string g_scenario = std::string(CGSIM_SOURCE_DIR) + "/bench/kg1.yaml";
std::string g_duration;

models::Scenario load() {
  models::Scenario sc = cgsim::scenarios::load_scenario_file(g_scenario);
  if (!g_duration.empty()) {
    if (!cgsim::scenarios::parse_duration(g_duration, sc.duration) || sc.duration <= 0) {
      std::fprintf(stderr, "kg1_bench: bad --duration %s\n", g_duration.c_str());
      std::exit(2);
    }
    std::erase_if(sc.faults, [&](const models::FaultSpec& f) { return f.at >= sc.duration; });
  }
  return sc;
}

void BM_KG1(benchmark::State& state) {
  const models::Scenario sc = load();
  cgsim::analysis::RunSummary last;
  double events = 0, consumed = 0, simulated = 0;
  for (auto _ : state) {
    last = cgsim::analysis::simulate(sc);
    events += static_cast<double>(last.events);
    consumed += static_cast<double>(last.consumed);
    simulated += last.simulated_seconds;
  }
  using benchmark::Counter;
  state.counters["events_per_s"] = Counter(events, Counter::kIsRate);
  state.counters["records_per_s"] = Counter(consumed, Counter::kIsRate);
  state.counters["x_real_time"] = Counter(simulated, Counter::kIsRate);
  state.counters["peak_rss_MiB"] = cgsim::bench::peak_rss_mib();
  state.counters["events"] = static_cast<double>(last.events);
  state.counters["consumed"] = static_cast<double>(last.consumed);
  state.counters["duplicates"] = static_cast<double>(last.duplicates);
  state.SetLabel(sc.name + ", " + std::to_string(static_cast<long long>(last.simulated_seconds)) + " s simulated");
}
BENCHMARK(BM_KG1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  g_scenario = cgsim::bench::take_flag(argc, argv, "scenario", g_scenario);
  g_duration = cgsim::bench::take_flag(argc, argv, "duration", "");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
