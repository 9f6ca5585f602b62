// Assignor benchmark at the sizes of Kafka's own JMH assignor benchmarks (ClientSideAssignorBenchmark
// and ServerSideAssignorBenchmark): 100 to 10,000 members, 5 to 50 partitions per member spread over
// 10 to 1,000 topics, homogeneous or bucketed (heterogeneous) subscriptions, with or without racks,
// a full assignment or an incremental one (the group assigned without its last member, which then
// joins while everyone else owns its partitions).
//
//   assignor_bench [--benchmark_filter=...]        run the benchmarks
//   assignor_bench --dump-cases FILE [--filter RE]  write the same groups as `cgsim assign` JSON for
//                                                  the Java harness (tests/reference, --time mode)
// tests/reference/bench_ratio.sh runs both sides and prints cgsim's speed-up over Kafka's. Both sides
// time the assignor call on inputs built beforehand (see run_shape); server assignors also have an
// `/end_to_end` variant that includes building cgsim's group view and its sorted report.
#include <benchmark/benchmark.h>

#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/json_io.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;

namespace {

struct Shape {
  std::string assignor;
  int members;
  int ratio;   // partitions per member
  int topics;
  bool homogeneous;
  bool racks;
  bool incremental;

  std::string name() const {
    return assignor + "/members:" + std::to_string(members) + "/ratio:" + std::to_string(ratio) + "/topics:" +
           std::to_string(topics) + (homogeneous ? "/homogeneous" : "/heterogeneous") + (racks ? "/racks" : "/no_racks") +
           (incremental ? "/incremental" : "/full");
  }
};

/// The group Kafka's benchmark builds for @p s (member and topic names, replica placement over three
/// racks, five subscription buckets when heterogeneous).
AssignCase build_case(const Shape& s) {
  AssignCase c;
  c.assignor = s.assignor;
  const int per_topic = s.members * s.ratio / s.topics;
  std::vector<std::string> names;
  for (int t = 0; t < s.topics; ++t) {
    TopicMetadata topic;
    topic.name = "topic" + std::to_string(t);
    topic.partitions = per_topic;
    for (int p = 0; p < per_topic; ++p) {
      std::vector<std::string> racks;
      for (int j = 0; j < 3; ++j) racks.push_back("rack" + std::to_string((p + j) % 3));
      topic.partition_racks.push_back(std::move(racks));
    }
    names.push_back(topic.name);
    c.cluster.topics.push_back(std::move(topic));
  }
  const int initial = s.incremental ? s.members - 1 : s.members;
  auto subscription = [&](int i, int count) {
    if (s.homogeneous) return names;
    const int buckets = std::min(5, count);
    const int topics_per_bucket = (s.topics + buckets - 1) / buckets;
    const int members_per_bucket = (count + buckets - 1) / buckets;
    const int bucket = std::min(i / members_per_bucket, buckets - 1);
    const int first = bucket * topics_per_bucket, last = std::min((bucket + 1) * topics_per_bucket, s.topics);
    return std::vector<std::string>(names.begin() + first, names.begin() + last);
  };
  for (int i = 0; i < initial; ++i) {
    MemberSubscription m;
    m.member_id = "member" + std::to_string(i);
    if (s.racks) m.rack = "rack" + std::to_string(i % 3);
    m.topics = subscription(i, initial);
    c.members.push_back(std::move(m));
  }
  if (s.incremental) {
    const AssignorInfo* info = find_assignor_info(s.assignor, ClientFlavor::Java);
    const Assignment first = info->assign(c.cluster, c.members);
    for (auto& m : c.members) m.owned = first.at(m.member_id);
    MemberSubscription joiner;
    joiner.member_id = "member" + std::to_string(s.members - 1);
    if (s.racks) joiner.rack = "rack" + std::to_string((s.members - 1) % 3);
    joiner.topics = s.homogeneous ? names : c.members.back().topics;
    c.members.push_back(std::move(joiner));
  }
  return c;
}

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  for (const char* a : {"range", "cooperative-sticky", "uniform", "server-range", "roundrobin", "sticky"})
    for (int members : {100, 1000, 10000})
      for (int ratio : {10, 50})
        for (int topics : {100, 1000})
          for (bool homogeneous : {true, false})
            for (bool incremental : {false, true}) {
              if (topics > members * ratio) continue;
              out.push_back({a, members, ratio, topics, homogeneous, false, incremental});
            }
  // Rack-aware variants of the client assignors Kafka benchmarks with racks.
  for (const char* a : {"range", "cooperative-sticky"})
    for (int members : {100, 1000, 10000}) out.push_back({a, members, 10, 100, true, true, false});
  return out;
}

/// The group for @p s, built once per shape. Only the current shape's group is kept: the groups of
/// the largest shapes take hundreds of megabytes, and a heap holding all of them slows every
/// allocation of the assignors measured after them.
const AssignCase& cached_case(const Shape& s) {
  static std::string name;
  static std::unique_ptr<AssignCase> current;
  if (!current || name != s.name()) {
    current.reset();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    current = std::make_unique<AssignCase>(build_case(s));
    name = s.name();
  }
  return *current;
}

/// Runs @p call once per benchmark iteration and records the shape's partition count; an assignor
/// that refuses the input skips the benchmark with its message.
template <typename F>
void time_calls(benchmark::State& state, const Shape& s, F call) {
  for (auto _ : state) {
    try {
      call();
    } catch (const AssignorFailure& e) {
      state.SkipWithError(e.what());
      break;
    }
  }
  state.counters["partitions"] = static_cast<double>(s.members) * s.ratio;
}

/// Times what Kafka's benchmark times: the assignor call on inputs already built. For the client
/// assignors that is the cgsim entry point itself (cluster metadata and subscriptions in, the member
/// map out, as ConsumerPartitionAssignor.assign). For the server assignors Kafka's input is the
/// coordinator's GroupSpec (member map, resolved subscriptions, previous assignments, built by the
/// target assignment builder) and its output a set per member: cgsim's counterparts are
/// server::GroupView, built before timing, and server::Targets.
void run_shape(benchmark::State& state, const Shape& s) {
  const AssignCase& c = cached_case(s);
  const AssignorInfo* info = find_assignor_info(s.assignor, ClientFlavor::Java);
  const bool server = info->server_side, range = s.assignor == "server-range";
  std::unique_ptr<server::GroupView> view;
  if (server) {
    server::ServerOptions options;
    options.with_previous = !range;
    view = std::make_unique<server::GroupView>(c.cluster, c.members, options);
  }
  time_calls(state, s, [&] {
    if (server) {
      server::Targets t = range ? server::range_targets(c.members, *view) : server::uniform_targets(c.members, *view);
      benchmark::DoNotOptimize(t);
    } else {
      AssignResult r = info->assign_detailed(c.cluster, c.members);
      benchmark::DoNotOptimize(r);
    }
  });
}

/// The whole cgsim entry point of a server assignor: building the group view from names, the
/// assignment, and the report as sorted TopicPartition lists (what `cgsim assign` and the simulator
/// pay; Kafka's coordinator does the corresponding work outside its assignor).
void run_shape_end_to_end(benchmark::State& state, const Shape& s) {
  const AssignCase& c = cached_case(s);
  const AssignorInfo* info = find_assignor_info(s.assignor, ClientFlavor::Java);
  time_calls(state, s, [&] {
    AssignResult r = info->assign_detailed(c.cluster, c.members);
    benchmark::DoNotOptimize(r);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string dump, filter = ".*";
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--dump-cases") && i + 1 < argc)
      dump = argv[++i];
    else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc)
      filter = argv[++i];
    else
      rest.push_back(argv[i]);
  }
  if (!dump.empty()) {
    const std::regex re(filter);
    nlohmann::json all = nlohmann::json::array();
    nlohmann::json names = nlohmann::json::array();
    for (const auto& s : shapes()) {
      if (!std::regex_search(s.name(), re)) continue;
      all.push_back(case_to_json(build_case(s)));
      names.push_back(s.name());
    }
    std::ofstream(dump) << all.dump();
    std::ofstream(dump + ".names") << names.dump();
    std::cout << "wrote " << all.size() << " cases to " << dump << "\n";
    return 0;
  }
  for (const auto& s : shapes()) {
    benchmark::RegisterBenchmark(s.name().c_str(), [s](benchmark::State& st) { run_shape(st, s); })
        ->Unit(benchmark::kMillisecond);
    if (find_assignor_info(s.assignor, ClientFlavor::Java)->server_side)
      benchmark::RegisterBenchmark((s.name() + "/end_to_end").c_str(), [s](benchmark::State& st) { run_shape_end_to_end(st, s); })
          ->Unit(benchmark::kMillisecond);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
