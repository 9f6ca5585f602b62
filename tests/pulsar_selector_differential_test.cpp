// Differential test: cgsim's Pulsar selectors, hashes and routers against Apache Pulsar 4.2.4's
// own classes (pulsar-broker and pulsar-client), on seeded random cases. The Java side is the
// harness in tests/reference_pulsar, built with Maven and run once for all cases through its
// run.sh. Every case must give the same consumer for every key after every join and leave, the
// same active consumer for every partition, the same hash for every key and the same partition
// for every message. Skipped when Java or Maven is missing; .ci/setup installs both.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "models/pulsar/selectors/consistent_hashing.hpp"
#include "models/pulsar/selectors/failover.hpp"
#include "models/pulsar/selectors/hash_range_auto_split.hpp"
#include "models/pulsar/selectors/hash_range_exclusive.hpp"
#include "models/pulsar/selectors/java_string_hash.hpp"
#include "models/pulsar/selectors/round_robin_router.hpp"
#include "models/pulsar/selectors/routing_hash.hpp"
#include "models/pulsar/selectors/single_partition_router.hpp"
#include "sim/rng.hpp"

using namespace cgsim::models::pulsar;
using nlohmann::json;

namespace {

std::string to_hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- random inputs ----------------------------------------------------------------------------

struct Gen {
  cgsim::sim::Rng rng{20250301, "pulsar-selector-differential"};
  int below(int n) { return static_cast<int>(rng.below(static_cast<std::uint64_t>(n))); }
  bool chance(double p) { return rng.uniform() < p; }

  /// Keys of every shape: the scenario format's "prefix-N", short ASCII, multi-byte UTF-8
  /// (surrogate pairs included), and arbitrary bytes (ill-formed UTF-8).
  std::string key() {
    switch (below(5)) {
      case 0: return "player-" + std::to_string(below(100000));
      case 1: {
        std::string s;
        for (int n = below(20); n > 0; --n) s += static_cast<char>(0x20 + below(95));
        return s;
      }
      case 2: {
        static const char* pieces[] = {"a", "Z", "7", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xae", "\xe6\x97\xa5", "-"};
        std::string s;
        for (int n = below(12); n > 0; --n) s += pieces[below(8)];
        return s;
      }
      case 3: {
        std::string s;
        for (int n = below(16); n > 0; --n) s += static_cast<char>(below(256));
        return s;
      }
      default: return "k" + std::to_string(below(50));
    }
  }
  std::string utf8_key() {  // what a Java String key round-trips to: well-formed UTF-8
    for (;;) {
      std::string k = key();
      bool ascii = true;
      for (unsigned char c : k) ascii &= c < 0x80;
      if (ascii || below(3) == 0) {
        if (ascii) return k;
        // keep only well-formed multi-byte keys
        const std::vector<char16_t> u = utf16_of_utf8(k);
        bool ok = true;
        for (char16_t c : u) ok &= c != u'\uFFFD';
        if (ok) return k;
      }
    }
  }
  std::vector<std::string> keys(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(key());
    return out;
  }
  std::string name(int pool) {  // small pools give namesakes
    static const char* base[] = {"consumer", "c", "worker-", "Consumer", "\xc3\xa9t\xc3\xa9", "z"};
    return std::string(base[below(6)]) + std::to_string(below(pool));
  }
};

json keys_json(const std::vector<std::string>& keys) {
  json a = json::array();
  for (const auto& k : keys) a.push_back(to_hex(k));
  return a;
}

/// Joins and leaves: an add takes a fresh id; a remove names a live consumer (or, rarely, one
/// that already left, which both sides ignore).
json membership_ops(Gen& g, int count, const std::function<void(json&)>& decorate) {
  json ops = json::array();
  std::vector<int> live, gone;
  int next_id = 1;
  for (int i = 0; i < count; ++i) {
    const bool add = live.empty() || g.below(100) < 60;
    if (add) {
      json op{{"op", "add"}, {"id", next_id}};
      decorate(op);
      live.push_back(next_id++);
      ops.push_back(op);
    } else if (!gone.empty() && g.chance(0.05)) {
      ops.push_back({{"op", "remove"}, {"id", gone[static_cast<std::size_t>(g.below(static_cast<int>(gone.size())))]}});
    } else {
      const auto at = static_cast<std::size_t>(g.below(static_cast<int>(live.size())));
      ops.push_back({{"op", "remove"}, {"id", live[at]}});
      gone.push_back(live[at]);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  return ops;
}

/// Hash cases add byte strings made of lead and continuation bytes, to reach every replacement
/// rule of Java's UTF-8 decoding.
json hash_case(Gen& g) {
  std::vector<std::string> keys = g.keys(40);
  static const unsigned char bytes[] = {0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee,
                                        0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xf7, 0xf8, 0xff, 0x8f, 0x90};
  for (int i = 0; i < 40; ++i) {
    std::string k;
    for (int n = 1 + g.below(7); n > 0; --n) k += static_cast<char>(bytes[g.below(sizeof bytes)]);
    keys.push_back(k);
  }
  return {{"kind", "hash"}, {"keys", keys_json(keys)}};
}

json auto_split_case(Gen& g) {
  const int log2 = g.chance(0.5) ? 16 : 1 + g.below(16);
  return {{"kind", "auto_split"},
          {"range_size", 1 << log2},
          {"keys", keys_json(g.keys(40))},
          {"ops", membership_ops(g, 1 + g.below(40), [&](json& op) { op["name"] = g.name(8); })}};
}

json consistent_case(Gen& g) {
  static const int points[] = {1, 2, 3, 10, 100, 100, 100, 150};
  static const int range_max[] = {3, 16, 255, 65535, 65535, 65535};
  const int pool = 1 + g.below(6);
  return {{"kind", "consistent"},
          {"points", points[g.below(8)]},
          {"range_max", range_max[g.below(6)]},
          {"keys", keys_json(g.keys(40))},
          {"ops", membership_ops(g, 1 + g.below(30), [&](json& op) { op["name"] = g.name(pool); })}};
}

json sticky_case(Gen& g) {
  const int range_size = g.chance(0.6) ? 65536 : 1 + g.below(64);
  return {{"kind", "sticky"},
          {"range_size", range_size},
          {"keys", keys_json(g.keys(40))},
          {"ops", membership_ops(g, 1 + g.below(20), [&](json& op) {
             json ranges = json::array();
             const int n = g.below(10) == 0 ? 0 : 1 + g.below(3);
             for (int i = 0; i < n; ++i) {
               const int start = g.below(range_size);
               int end = start + g.below(std::max(1, range_size / 3));
               if (g.chance(0.03)) end = start - 1 - g.below(3);  // start > end
               ranges.push_back({start, end});
             }
             op["ranges"] = ranges;
           })}};
}

json failover_case(Gen& g) {
  const int partitions = g.chance(0.3) ? 0 : 1 + g.below(12);
  const int pool = 1 + g.below(8);
  const int levels = 1 + g.below(3);
  return {{"kind", "failover"},
          {"partitions", partitions},
          {"topic", "persistent://public/default/" + g.name(1000)},
          {"consistent", partitions > 0 && g.chance(0.2)},
          {"ops", membership_ops(g, 1 + g.below(25), [&](json& op) {
             op["name"] = g.name(pool);
             op["priority"] = g.below(levels);
           })}};
}

json route_case(Gen& g) {
  const int partitions = 1 + g.below(16);
  json messages = json::array();
  std::int64_t t = g.below(1 << 30);
  for (int i = 0; i < 60; ++i) {
    t += g.below(4) == 0 ? g.below(50) : g.below(3);
    messages.push_back({{"key", g.chance(0.5) ? json(to_hex(g.utf8_key())) : json(nullptr)}, {"t", t}});
  }
  return {{"kind", "route"},
          {"mode", g.chance(0.7) ? "round_robin" : "single"},
          {"scheme", g.chance(0.5) ? "java" : "murmur"},
          {"partitions", partitions},
          {"start", g.chance(0.1) ? 2147483600 - partitions : g.below(partitions)},
          {"batching", g.chance(0.5)},
          {"switch_ms", g.chance(0.5) ? 10 : g.below(30)},
          {"messages", messages}};
}

// ---- cgsim's answers --------------------------------------------------------------------------

template <class Selector, class Add>
json run_selector(Selector& s, const json& c, Add add) {
  std::vector<std::string> keys;
  for (const auto& k : c.at("keys")) keys.push_back(from_hex(k.get<std::string>()));
  json steps = json::array();
  for (const auto& op : c.at("ops")) {
    bool ok = true;
    if (op.at("op") == "add") ok = add(s, op);
    else s.remove(op.at("id").get<ConsumerId>());
    json select = json::array();
    for (const auto& k : keys) select.push_back(s.select_key(k));
    steps.push_back({{"ok", ok}, {"select", select}});
  }
  return {{"steps", steps}};
}

json run_cgsim(const json& c) {
  const std::string kind = c.at("kind");
  if (kind == "hash") {
    json m = json::array(), j = json::array(), cm = json::array();
    for (const auto& k : c.at("keys")) {
      const std::string key = from_hex(k.get<std::string>());
      m.push_back(murmur3_32(key));
      j.push_back(routing_hash(HashingScheme::JavaStringHash, key));
      cm.push_back(routing_hash(HashingScheme::Murmur3_32Hash, key));
    }
    return {{"murmur", m}, {"java", j}, {"client_murmur", cm}};
  }
  if (kind == "auto_split") {
    HashRangeAutoSplitSelector s(c.at("range_size").get<std::int32_t>());
    return run_selector(s, c, [](HashRangeAutoSplitSelector& s, const json& op) { return s.add(op.at("id")); });
  }
  if (kind == "consistent") {
    ConsistentHashingSelector s(c.at("points").get<std::int32_t>(), c.at("range_max").get<std::int32_t>());
    return run_selector(s, c, [](ConsistentHashingSelector& s, const json& op) {
      s.add(op.at("id"), op.at("name").get<std::string>());
      return true;
    });
  }
  if (kind == "sticky") {
    HashRangeExclusiveSelector s(c.at("range_size").get<std::int32_t>());
    return run_selector(s, c, [](HashRangeExclusiveSelector& s, const json& op) {
      std::vector<HashRange> ranges;
      for (const auto& r : op.at("ranges")) ranges.push_back({r.at(0).get<std::int32_t>(), r.at(1).get<std::int32_t>()});
      return s.add(op.at("id"), ranges).empty();
    });
  }
  if (kind == "failover") {
    const int partitions = c.at("partitions");
    const std::string topic = c.at("topic");
    std::vector<FailoverConsumer> consumers;
    json steps = json::array();
    for (const auto& op : c.at("ops")) {
      const ConsumerId id = op.at("id");
      if (op.at("op") == "add") consumers.push_back({id, op.at("name").get<std::string>(), op.at("priority").get<int>()});
      else std::erase_if(consumers, [id](const FailoverConsumer& f) { return f.id == id; });
      json active = json::array();
      if (partitions == 0) active.push_back(failover_active_consumer(consumers, -1, topic));
      for (int p = 0; p < partitions; ++p)
        active.push_back(failover_active_consumer(consumers, p, topic + "-partition-" + std::to_string(p),
                                                  c.at("consistent").get<bool>()));
      steps.push_back(active);
    }
    return {{"steps", steps}};
  }
  // route
  const HashingScheme scheme = c.at("scheme") == "murmur" ? HashingScheme::Murmur3_32Hash : HashingScheme::JavaStringHash;
  const std::int32_t partitions = c.at("partitions");
  RoundRobinRouter rr(scheme, c.at("start"), c.at("batching"), c.at("switch_ms"));
  json chosen = json::array();
  for (const auto& m : c.at("messages")) {
    std::optional<std::string> key;
    if (!m.at("key").is_null()) key = from_hex(m.at("key").get<std::string>());
    std::optional<std::string_view> view = key ? std::optional<std::string_view>(*key) : std::nullopt;
    chosen.push_back(c.at("mode") == "single" ? single_partition_route(scheme, c.at("start"), view, partitions)
                                              : rr.choose(view, m.at("t").get<std::int64_t>(), partitions));
  }
  return {{"partitions", chosen}};
}

bool have(const char* tool) { return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

TEST(PulsarSelectorDifferential, MatchesPulsar424OnRandomCases) {
  if (!have("java") || !have("mvn")) GTEST_SKIP() << "Java 17 and Maven are needed for the Pulsar reference harness";

  // 1. Seeded random cases, the same on every run.
  Gen g;
  json cases = json::array();
  for (int i = 0; i < 50; ++i) cases.push_back(hash_case(g));
  for (int i = 0; i < 250; ++i) cases.push_back(auto_split_case(g));
  for (int i = 0; i < 300; ++i) cases.push_back(consistent_case(g));
  for (int i = 0; i < 200; ++i) cases.push_back(sticky_case(g));
  for (int i = 0; i < 300; ++i) cases.push_back(failover_case(g));
  for (int i = 0; i < 150; ++i) cases.push_back(route_case(g));
  ASSERT_GE(cases.size(), 1000u);

  // 2. Pulsar's answers, from one run of the reference harness.
  const std::string dir = std::string(CGSIM_BINARY_DIR) + "/pulsar_selector_differential";
  std::filesystem::create_directories(dir);
  const std::string in_path = dir + "/cases.json", out_path = dir + "/pulsar.json", err_path = dir + "/harness.log";
  std::ofstream(in_path) << cases.dump();
  const std::string cmd = "bash '" + std::string(CGSIM_SOURCE_DIR) + "/tests/reference_pulsar/run.sh' < '" + in_path +
                          "' > '" + out_path + "' 2> '" + err_path + "'";
  const int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << "The Pulsar reference harness could not be built or run. Command: " << cmd
                   << "\n--- harness log ---\n"
                   << read_file(err_path);
  json pulsar;
  try {
    pulsar = json::parse(read_file(out_path));
  } catch (const std::exception& e) {
    FAIL() << "unreadable harness output: " << e.what() << "\n" << read_file(err_path);
  }
  ASSERT_TRUE(pulsar.is_array());
  ASSERT_EQ(pulsar.size(), cases.size());

  // 3. Compare, case by case; count the individual answers (selections, hashes, partitions).
  std::map<std::string, std::pair<int, int>> rate;  // kind -> (matching cases, cases)
  std::map<std::string, long> answers;
  std::map<std::string, int> shown;
  const auto count_answers = [](const json& j) {
    long n = 0;
    std::function<void(const json&)> walk = [&](const json& v) {
      if (v.is_array() || v.is_object())
        for (const auto& e : v) walk(e);
      else ++n;
    };
    walk(j);
    return n;
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string kind = cases[i].at("kind");
    const json ours = run_cgsim(cases[i]);
    const bool match = ours == pulsar[i];
    auto& r = rate[kind];
    r.second += 1;
    r.first += match ? 1 : 0;
    answers[kind] += count_answers(pulsar[i]);
    if (!match && shown[kind]++ < 3)
      ADD_FAILURE() << "case " << i << " (" << kind << ") differs from Pulsar\ninput: " << cases[i].dump()
                    << "\npulsar: " << pulsar[i].dump() << "\ncgsim:  " << ours.dump();
  }
  std::cout << "\nExact-match rate against Pulsar 4.2.4 (" << cases.size() << " cases):\n";
  for (const auto& [kind, r] : rate)
    std::printf("  %-12s %5d / %5d cases  %6.2f%%  (%ld answers compared)\n", kind.c_str(), r.first, r.second,
                100.0 * r.first / r.second, answers[kind]);
  for (const auto& [kind, r] : rate) EXPECT_EQ(r.first, r.second) << kind << " does not match Pulsar on every case";
}
