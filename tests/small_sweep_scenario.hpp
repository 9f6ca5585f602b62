#pragma once
/// @file small_sweep_scenario.hpp
/// The small Kafka scenario the sweep and shard tests vary: one topic of four partitions under
/// Poisson load with uniform keys, a group of two consumers, consumer 0 crashing halfway through
/// the run; with helpers that write a scenario file and read a file back whole.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cgsim::testing {

/// What the tests choose of the scenario; the rest is fixed.
struct SmallSweep {
  std::string name;
  int seed = 1;
  int duration_s = 30;
  int per_second = 1000;
  int cardinality = 500;
};

/// The scenario's YAML text.
inline std::string small_sweep_scenario(const SmallSweep& s) {
  const std::string rate = std::to_string(s.per_second), keys = std::to_string(s.cardinality);
  return "name: " + s.name + "\nseed: " + std::to_string(s.seed) + "\nduration: " + std::to_string(s.duration_s) +
         "s\n"
         "broker: {initial_rebalance_delay: 1s}\n"
         "topics: [{name: t, partitions: 4}]\n"
         "producers:\n"
         "  - {topic: t, rate: {kind: poisson, per_second: " + rate + "}, keys: {kind: uniform, cardinality: " + keys + "}}\n"
         "groups:\n"
         "  - id: g\n"
         "    topics: [t]\n"
         "    session_timeout: 6s\n"
         "    heartbeat_interval: 2s\n"
         "    consumers: {count: 2, processing_time: {kind: exponential, mean: 300us}}\n"
         "faults:\n"
         "  - {at: " + std::to_string(s.duration_s / 2) + "s, crash: g/0}\n";
}

/// Writes @p text to @p path (creating its folder) and returns the path.
inline std::string write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path.string();
}

/// The whole of the file at @p path ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

}  // namespace cgsim::testing
