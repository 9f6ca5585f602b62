/// @file kg1_trace.cpp
/// Runs a KG-1-shaped scenario on the simulator and exports what bench/simpy/kg1.py needs to run
/// the same model in SimPy and check it: the arrival trace, the model's parameters and the
/// simulator's results.
///
///   kg1_trace [--scenario FILE] [--duration D] [--trace FILE] [--json FILE] [--repeat N]
///
/// The arrival trace holds every record the producers appended, as (append time, partition) sorted
/// by time then partition, read back through the broker's public PartitionLog API after the run (the
/// run itself never truncates the logs here, because no sampler is attached). Binary layout, little
/// endian: the 8 bytes "CGTRACE1", u64 record count n, n x i64 append times (ns), n x i32 partitions.
///
/// The scenario runs on fresh worlds: once with its producers generating the arrivals (what
/// `cgsim run` does) to record them, then, timed, N times (--repeat, default 1) each: replaying
/// that trace (models::World::replay_arrivals), which is the work the SimPy model does, and
/// generating them again, alternating. Every run must agree exactly with the first (exit status 1
/// otherwise). The JSON (stdout unless --json) holds the scenario parameters the SimPy model uses,
/// the wall and CPU time of World::run() alone in the replaying runs (`cpu_seconds`, the median;
/// `cpu_seconds_all`, each run) and in the generating runs (`generating_cpu_seconds`, likewise),
/// and the results to compare: events executed, records consumed and
/// duplicates per consumer, the exact integer sum of end-to-end latencies (processed - appended, ns)
/// over first processings, and the rebalances.
///
/// Only the features the SimPy model implements are accepted: one topic, one eager group with the
/// range assignor and auto-commit, a constant processing time, dynamic members, join and crash
/// faults.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/kafka/client/client_policy.hpp"
#include "models/kafka/world.hpp"
#include "scenarios/loader.hpp"
#include "sim/engine.hpp"

namespace {

using cgsim::sim::Time;
namespace models = cgsim::models;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "kg1_trace: %s\nusage: kg1_trace [--scenario FILE] [--duration D] [--trace FILE] [--json FILE] "
               "[--repeat N]\n",
               why.c_str());
  std::exit(2);
}

void require(bool ok, const std::string& what) {
  if (!ok) usage("the SimPy model does not implement this scenario: " + what);
}

/// Checks that the scenario uses only what bench/simpy/kg1.py models.
void check_supported(const models::Scenario& sc) {
  require(sc.topics.size() == 1, "exactly one topic");
  require(sc.groups.size() == 1, "exactly one group");
  const auto& g = sc.groups[0];
  require(g.topics.size() == 1, "the group subscribes to the one topic");
  require(g.assignor == "range" && g.protocol == "eager", "eager range assignment");
  require(g.commit.kind == models::CommitSpec::Kind::Auto, "auto-commit");
  require(g.auto_offset_reset == "earliest", "auto_offset_reset earliest");
  require(g.consumers.processing_time.kind == cgsim::sim::Distribution::Kind::Constant, "constant processing time");
  require(!g.consumers.static_membership && !g.consumers.rack, "dynamic members without racks");
  require(g.consumers.count <= 100, "at most 100 consumers");
  for (const auto& f : sc.faults) {
    require(f.kind == models::FaultSpec::Kind::Join || f.kind == models::FaultSpec::Kind::Crash,
            "join and crash faults only");
  }
}

/// CPU time of this process: unlike wall time, it does not grow when other jobs share the cores.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Acc {
  std::uint64_t consumed = 0;
  std::uint64_t duplicates = 0;
  std::int64_t latency_sum = 0;  // first processings only, ns
};

struct RunResult {
  nlohmann::json result;  // what the SimPy model is checked against
  double wall = 0;        // World::run() alone
  double cpu = 0;
  std::int32_t record_bytes = 0;  // the topic's record size as the broker sees it
};

/// Runs the scenario on a fresh world, replaying @p replay when given, and times World::run().
/// With @p trace_out, returns every appended record there, in (time, partition) order, read back
/// through the broker's public PartitionLog API (nothing truncates the logs: no sampler runs).
RunResult run_world(const models::Scenario& sc, const std::vector<models::Arrival>* replay,
                    std::vector<models::Arrival>* trace_out) {
  cgsim::sim::Engine engine;
  models::World world(engine, sc);
  std::vector<Acc> acc;
  world.signals().processed.connect(
      [&](std::int32_t, std::int32_t c, const models::ProcessedRecord* recs, std::size_t n) {
        if (acc.size() <= static_cast<std::size_t>(c)) acc.resize(static_cast<std::size_t>(c) + 1);
        Acc& a = acc[static_cast<std::size_t>(c)];
        a.consumed += n;
        for (std::size_t k = 0; k < n; ++k) {
          if (recs[k].duplicate) {
            ++a.duplicates;
          } else {
            a.latency_sum += recs[k].done - recs[k].appended;
          }
        }
      });
  nlohmann::json rebalances = nlohmann::json::array();
  world.signals().rebalance_completed.connect([&](const models::RebalanceInfo& r) {
    rebalances.push_back({{"start_ns", r.start}, {"end_ns", r.end}, {"generation", r.generation}, {"trigger", r.trigger}});
  });
  if (replay) world.replay_arrivals(*replay);
  world.start();
  RunResult out;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  world.run();
  out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.cpu = cpu_seconds() - cpu0;

  if (trace_out) {
    const auto& broker = world.broker();
    for (std::int32_t gid = 0; gid < broker.partition_count(); ++gid) {
      const auto& log = broker.log(gid);
      if (log.start_offset() != 0) usage("a log was truncated during the run");
      for (std::int64_t o = 0; o < log.end_offset(); ++o) trace_out->push_back({log.time_at(o), gid});
    }
    std::stable_sort(trace_out->begin(), trace_out->end(),
                     [](const models::Arrival& a, const models::Arrival& b) { return a.time < b.time; });
  }

  out.record_bytes = world.broker().topic(0).record_bytes;
  nlohmann::json& res = out.result;
  res["events"] = engine.events_executed();
  std::uint64_t consumed = 0, dups = 0;
  std::int64_t lat = 0;
  nlohmann::json per = nlohmann::json::array();
  for (const auto& a : acc) {
    consumed += a.consumed;
    dups += a.duplicates;
    lat += a.latency_sum;
    per.push_back({{"consumed", a.consumed}, {"duplicates", a.duplicates}, {"latency_sum_ns", a.latency_sum}});
  }
  res["consumed"] = consumed;
  res["duplicates"] = dups;
  res["latency_sum_ns"] = lat;
  res["per_consumer"] = per;
  res["rebalances"] = rebalances;
  // What the fetch views examined: the SimPy model must do the same work (kg1.py checks it).
  const models::FetchWork& w = world.group(0).fetch_work();
  res["work"] = {{"polls", w.polls},
                 {"fetches", w.fetches},
                 {"view_rebuilds", w.view_rebuilds},
                 {"view_refreshes", w.view_refreshes},
                 {"cut_partitions", w.cut_partitions},
                 {"cut_entries", w.cut_entries},
                 {"poll_partitions", w.poll_partitions},
                 {"scanned", w.scanned}};
  return out;
}

/// The median of one field over the runs (the mean of the middle two for an even count).
double median(const std::vector<RunResult>& runs, double RunResult::*field) {
  std::vector<double> v;
  for (const RunResult& r : runs) v.push_back(r.*field);
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// One field of every run, in run order.
std::vector<double> all_of(const std::vector<RunResult>& runs, double RunResult::*field) {
  std::vector<double> v;
  for (const RunResult& r : runs) v.push_back(r.*field);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario_path = std::string(CGSIM_SOURCE_DIR) + "/bench/kg1.yaml";
  std::string duration, trace_path, json_path;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--scenario") {
      scenario_path = value();
    } else if (a == "--duration") {
      duration = value();
    } else if (a == "--trace") {
      trace_path = value();
    } else if (a == "--json") {
      json_path = value();
    } else if (a == "--repeat") {
      const std::string v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 1000) usage("--repeat needs a whole number from 1 to 1000, got \"" + v + "\"");
      repeat = static_cast<int>(n);
    } else {
      usage("unknown argument " + a);
    }
  }

  models::Scenario sc;
  try {
    sc = cgsim::scenarios::load_scenario_file(scenario_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (!duration.empty()) {
    // A shortened run: faults at or after its end are dropped, as the run would never reach them.
    if (!cgsim::scenarios::parse_duration(duration, sc.duration) || sc.duration <= 0) usage("bad --duration " + duration);
    std::erase_if(sc.faults, [&](const models::FaultSpec& f) { return f.at >= sc.duration; });
  }
  check_supported(sc);

  // A first run records the arrivals. The timed runs follow, each on a fresh world in a process
  // that has already run the scenario once (so none pays for first-touch page faults): replaying
  // the arrivals, as the SimPy model does, and generating them again, as `cgsim run` does,
  // alternating so that a slow spell of the machine weighs on both alike.
  std::vector<models::Arrival> trace;
  const RunResult first = run_world(sc, nullptr, &trace);
  std::vector<RunResult> replayed, generated;
  for (int k = 0; k < repeat; ++k) {
    replayed.push_back(run_world(sc, &trace, nullptr));
    generated.push_back(run_world(sc, nullptr, nullptr));
    if (replayed.back().result != first.result || generated.back().result != first.result) {
      std::fprintf(stderr, "kg1_trace: the runs differ (generating, replaying its own arrivals, generating again)\n");
      return 1;
    }
  }
  if (!trace_path.empty()) {
    std::ofstream out(trace_path, std::ios::binary);
    if (!out) usage("cannot write " + trace_path);
    const std::uint64_t n = trace.size();
    out.write("CGTRACE1", 8);
    out.write(reinterpret_cast<const char*>(&n), sizeof n);
    std::vector<std::int64_t> times(trace.size());
    std::vector<std::int32_t> gids(trace.size());
    for (std::size_t i = 0; i < trace.size(); ++i) {
      times[i] = trace[i].time;
      gids[i] = trace[i].gid;
    }
    out.write(reinterpret_cast<const char*>(times.data()), static_cast<std::streamsize>(times.size() * sizeof(std::int64_t)));
    out.write(reinterpret_cast<const char*>(gids.data()), static_cast<std::streamsize>(gids.size() * sizeof(std::int32_t)));
    if (!out) usage("failed writing " + trace_path);
  }

  const auto& g = sc.groups[0];
  nlohmann::json j;
  j["scenario"] = sc.name;
  j["params"] = {
      {"seed", sc.seed},
      {"duration_ns", sc.duration},
      {"partitions", sc.topics[0].partitions},
      {"group", g.id},
      {"consumers", g.consumers.count},
      {"processing_ns", static_cast<Time>(std::llround(g.consumers.processing_time.value * 1e9))},
      {"max_poll_records", g.max_poll_records},
      {"record_bytes", first.record_bytes},
      {"session_timeout_ns", g.session_timeout},
      {"heartbeat_interval_ns", g.heartbeat_interval},
      {"max_poll_interval_ns", g.max_poll_interval},
      {"commit_interval_ns", g.commit.interval},
      {"request_latency_ns", sc.broker.request_latency},
      {"initial_rebalance_delay_ns", sc.broker.initial_rebalance_delay},
      {"produce_tick_ns", sc.broker.produce_tick},
      {"start_spread_ns", g.start_spread},
      {"bootstrap_cost_low_ns", models::ClientPolicy::java().bootstrap_cost_low},
      {"bootstrap_cost_high_ns", models::ClientPolicy::java().bootstrap_cost_high},
      {"bootstrap_round_trips", models::ClientPolicy::java().bootstrap_round_trips},
  };
  nlohmann::json faults = nlohmann::json::array();
  for (const auto& f : sc.faults) {
    if (f.kind == models::FaultSpec::Kind::Join) {
      faults.push_back({{"at_ns", f.at}, {"kind", "join"}, {"count", f.count}});
    } else {
      faults.push_back({{"at_ns", f.at}, {"kind", "crash"}, {"member", f.member}});
    }
  }
  j["params"]["faults"] = faults;
  j["records"] = trace.size();
  j["repeat"] = repeat;
  j["wall_seconds"] = median(replayed, &RunResult::wall);
  j["cpu_seconds"] = median(replayed, &RunResult::cpu);
  j["generating_wall_seconds"] = median(generated, &RunResult::wall);
  j["generating_cpu_seconds"] = median(generated, &RunResult::cpu);
  j["cpu_seconds_all"] = all_of(replayed, &RunResult::cpu);
  j["generating_cpu_seconds_all"] = all_of(generated, &RunResult::cpu);
  j["result"] = first.result;
  if (json_path.empty()) {
    std::cout << j.dump(1) << '\n';
  } else {
    std::ofstream(json_path) << j.dump(1) << '\n';
  }
  return 0;
}
