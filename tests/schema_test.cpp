// `cgsim schema` against the loaders: every shipped scenario of each broker family validates,
// invalid files are refused by both the schema and the loader, the properties the schema lists
// are exactly the keys the loader accepts, and every property is described.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"
#include "tests/schema_check.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string family_of(const YAML::Node& doc) {
  if (doc["broker"] && doc["broker"].IsMap() && doc["broker"]["kind"]) return doc["broker"]["kind"].Scalar();
  return "kafka";
}

/// Loads scenario text with the loader of its family; returns the InputError's message, or ""
/// when it loads.
std::string load_error(const std::string& text) {
  try {
    const std::string family = family_of(YAML::Load(text));
    if (family == "rabbitmq") cgsim::scenarios::load_rabbitmq_scenario_text(text, "t.yaml");
    else if (family == "pulsar") cgsim::scenarios::load_pulsar_scenario_text(text, "t.yaml");
    else cgsim::scenarios::load_scenario_text(text, "t.yaml");
  } catch (const cgsim::Error& e) {
    EXPECT_EQ(e.exit_code(), cgsim::kExitInput) << e.what();
    return e.what();
  }
  return "";
}

std::string emit(const YAML::Node& n) {
  YAML::Emitter e;
  e << n;
  return e.c_str();
}

/// The node at a dotted path (list items by index), created as a map when missing.
YAML::Node at_path(YAML::Node root, const std::string& path) {
  YAML::Node cur = root;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    YAML::Node next = cur.IsSequence() ? cur[static_cast<std::size_t>(std::stoul(part))] : cur[part];
    cur.reset(next);
  }
  return cur;
}

/// A copy of @p doc with the field at @p path set to @p value (YAML), or removed when it is "~delete".
YAML::Node mutate(const YAML::Node& doc, const std::string& path, const std::string& value) {
  YAML::Node copy = YAML::Clone(doc);
  const auto dot = path.rfind('.');
  YAML::Node parent = dot == std::string::npos ? copy : at_path(copy, path.substr(0, dot));
  const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
  if (value == "~delete") parent.remove(leaf);
  else if (parent.IsSequence()) parent[static_cast<std::size_t>(std::stoul(leaf))] = YAML::Load(value);
  else parent[leaf] = YAML::Load(value);
  return copy;
}

struct Fixture {
  json schema = cgsim::scenarios::scenario_json_schema();
  schema_check::Checker checker{schema};
};

std::vector<fs::path> shipped() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

YAML::Node shipped_doc(const char* name) { return YAML::LoadFile(std::string(CGSIM_SOURCE_DIR) + "/scenarios/" + name); }

}  // namespace

TEST(Schema, EveryShippedScenarioOfEachFamilyValidates) {
  Fixture f;
  std::map<std::string, int> per_family;
  for (const fs::path& p : shipped()) {
    const YAML::Node doc = YAML::LoadFile(p.string());
    const std::string family = family_of(doc);
    ++per_family[family];
    ASSERT_EQ(load_error(read_text(p)), "") << p;
    const json inst = schema_check::to_json(doc);
    const auto errors = f.checker.errors(inst, f.schema);
    EXPECT_TRUE(errors.empty()) << p << ": " << errors.front();
    // The one family's schema (cgsim schema --broker F) takes it too, and the others refuse it.
    for (const char* other : {"kafka", "rabbitmq", "pulsar"}) {
      const json one = cgsim::scenarios::scenario_json_schema(other);
      EXPECT_EQ(schema_check::Checker(one).valid(inst, one), family == other) << p << " against --broker " << other;
    }
  }
  EXPECT_GE(per_family["kafka"], 8);
  EXPECT_GE(per_family["rabbitmq"], 3);
  EXPECT_GE(per_family["pulsar"], 3);
}

TEST(Schema, BrokerOptionNamesAFamily) {
  EXPECT_THROW(cgsim::scenarios::scenario_json_schema("kafak"), cgsim::InputError);
  EXPECT_EQ(cgsim::scenarios::scenario_json_schema("pulsar")["properties"]["broker"]["properties"]["kind"]["const"], "pulsar");
}

/// An invalid change to a valid file: the schema and the loader must both refuse it, and the
/// loader's message must name @p where.
struct Bad {
  const char* file;
  const char* path;
  const char* value;
  const char* where;
};

TEST(Schema, SchemaAndLoaderRefuseTheSameInvalidFiles) {
  Fixture f;
  const std::vector<Bad> cases{
      // Kafka
      {"game_platform.yaml", "exchanges", "[{name: x, type: direct}]", "exchanges"},
      {"game_platform.yaml", "groups.0.prefetch", "2", "groups[0].prefetch"},
      {"game_platform.yaml", "groups.0.colour", "red", "groups[0].colour"},
      {"game_platform.yaml", "groups.0.assignor", "rangee", "groups[0].assignor"},
      {"game_platform.yaml", "groups.0.consumers.count", "-1", "groups[0].consumers.count"},
      {"game_platform.yaml", "topics.0.partitions", "~delete", "topics[0]"},
      {"game_platform.yaml", "broker", "{kind: kafka}", "broker.kind"},
      {"game_platform.yaml", "producers.0.keys", "{kind: none, cardinality: 3}", "producers[0].keys.cardinality"},
      // RabbitMQ
      {"mail_jobs_rabbitmq.yaml", "topics", "[{name: t, partitions: 1}]", "topics"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.session_timeout", "10s", "consumers[0].session_timeout"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.assignor", "range", "consumers[0].assignor"},
      {"mail_jobs_rabbitmq.yaml", "producers.0.partitioner", "murmur2", "producers[0].partitioner"},
      {"mail_jobs_rabbitmq.yaml", "queues.0.colour", "red", "queues[0].colour"},
      {"mail_jobs_rabbitmq.yaml", "queues.0.type", "stream", "queues[0].type"},
      {"mail_jobs_rabbitmq.yaml", "exchanges.0.type", "headers", "exchanges[0].type"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.prefetch", "-1", "consumers[0].prefetch"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.count", "-2", "consumers[0].count"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.queue", "~delete", "consumers[0]"},
      {"mail_jobs_rabbitmq.yaml", "queues.2.delivery_limit", "3", "queues[2].delivery_limit"},
      {"mail_jobs_rabbitmq.yaml", "consumers.0.ack", "{mode: auto, requeue: false}", "consumers[0].ack.requeue"},
      {"mail_jobs_rabbitmq.yaml", "output.warmup", "soon", "output.warmup"},
      {"mail_jobs_rabbitmq.yaml", "subscriptions", "[]", "subscriptions"},
      // Pulsar
      {"chat_pulsar_failover.yaml", "groups", "[]", "groups"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.assignor", "range", "subscriptions[0].assignor"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.prefetch", "5", "subscriptions[0].prefetch"},
      {"chat_pulsar_failover.yaml", "exchanges", "[{name: x, type: direct}]", "exchanges"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.colour", "red", "subscriptions[0].colour"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.type", "KeyShared", "subscriptions[0].type"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.consumers.count", "-1", "subscriptions[0].consumers.count"},
      {"chat_pulsar_failover.yaml", "topics.0.partitions", "-4", "topics[0].partitions"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.type", "~delete", "subscriptions[0]"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.key_shared_mode", "STICKY", "subscriptions[0].key_shared_mode"},
      {"chat_pulsar_failover.yaml", "subscriptions.0.dead_letter_max_redeliveries", "3", "subscriptions[0].dead_letter_max_redeliveries"},
      {"chat_pulsar_failover.yaml", "producers.0.hashing", "crc32", "producers[0].hashing"},
      {"chat_pulsar_failover.yaml", "faults.0", "{at: 30s, add_partitions: chat, count: 2}", "faults[0]"},
      {"player_events_pulsar_key_shared.yaml", "subscriptions.0.ack", "cumulative", "subscriptions[0].ack"},
  };
  for (const Bad& b : cases) {
    const YAML::Node doc = mutate(shipped_doc(b.file), b.path, b.value);
    const std::string what = std::string(b.file) + " with " + b.path + "=" + b.value;
    EXPECT_FALSE(f.checker.valid(schema_check::to_json(doc), f.schema)) << what << ": the schema takes it";
    const std::string err = load_error(emit(doc));
    EXPECT_NE(err, "") << what << ": the loader takes it";
    EXPECT_NE(err.find(std::string(": ") + b.where), std::string::npos) << what << ": " << err;
  }
}

namespace {

/// The keys an "unknown key (expected one of: a, b)" message lists.
std::set<std::string> listed_keys(const std::string& message) {
  const std::string tag = "unknown key (expected one of: ";
  const auto from = message.find(tag);
  if (from == std::string::npos) return {};
  std::set<std::string> out;
  std::stringstream ss(message.substr(from + tag.size(), message.find(')', from) - from - tag.size()));
  std::string k;
  while (std::getline(ss, k, ',')) out.insert(k.substr(k.find_first_not_of(' ')));
  return out;
}

/// Walks a valid document beside its family's schema: at every mapping, the object schema it
/// matches (through oneOf/anyOf) and the keys the loader accepts there, found by adding an
/// unknown key and reading the loader's message. Keyed by the path without list indices.
struct Probe {
  const schema_check::Checker& checker;
  std::map<std::string, std::set<std::string>> schema_keys, loader_keys;
  std::set<const json*> visited;

  const json& object_schema(const json& inst, const json& s) const {
    if (s.contains("properties")) return s;
    for (const char* k : {"oneOf", "anyOf"})
      if (s.contains(k))
        for (const auto& alt : s[k])
          if (checker.valid(inst, alt)) return object_schema(inst, alt);
    return s;
  }

  void walk(const YAML::Node& doc, const json& inst, const json& s, const std::string& path, const std::string& yaml_path,
            const std::string& location) {
    if (inst.is_object()) {
      const json& o = object_schema(inst, s);
      if (!o.contains("properties")) return;
      visited.insert(&o);
      for (const auto& [k, v] : o["properties"].items()) schema_keys[location].insert(k);
      const YAML::Node probed = mutate(doc, yaml_path.empty() ? "zz_probe" : yaml_path + ".zz_probe", "1");
      const std::string err = load_error(emit(probed));
      EXPECT_NE(err.find((path.empty() ? "" : path + ".") + "zz_probe: unknown key"), std::string::npos) << err;
      const auto keys = listed_keys(err);
      loader_keys[location].insert(keys.begin(), keys.end());
      for (const auto& [k, v] : inst.items())
        if (o["properties"].contains(k))
          walk(doc, v, o["properties"][k], path.empty() ? k : path + "." + k, yaml_path.empty() ? k : yaml_path + "." + k,
               location + "." + k);
    } else if (inst.is_array()) {
      for (std::size_t i = 0; i < inst.size(); ++i) {
        const bool prefix = s.contains("prefixItems") && i < s["prefixItems"].size();
        if (!prefix && !s.contains("items")) continue;
        const json& item = prefix ? s["prefixItems"][i] : s["items"];
        walk(doc, inst[i], item, path + "[" + std::to_string(i) + "]", yaml_path + "." + std::to_string(i), location + "[]");
      }
    }
  }
};

/// Every object schema under @p s (through properties, items, prefixItems, oneOf, anyOf).
void object_schemas(const json& s, std::set<const json*>& out) {
  if (!s.is_object()) return;
  if (s.contains("properties")) {
    out.insert(&s);
    for (const auto& [k, v] : s["properties"].items()) object_schemas(v, out);
  }
  for (const char* k : {"oneOf", "anyOf", "prefixItems"})
    if (s.contains(k))
      for (const auto& v : s[k]) object_schemas(v, out);
  if (s.contains("items")) object_schemas(s["items"], out);
}

/// Variants of the shared parts, as (dotted path in the file, value), to cover every branch.
std::vector<std::pair<std::string, std::string>> variants(const std::string& processing_time, const std::string& producer,
                                                          const std::string& fault, const std::string& member,
                                                          const std::string& group) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const char* d : {"{kind: constant, value: 1ms}", "{kind: exponential, mean: 1ms}", "{kind: uniform, low: 1ms, high: 2ms}",
                        "{kind: normal, mean: 1ms, stddev: 1us}", "{kind: lognormal, median: 1ms, sigma: 0.5}",
                        "{kind: pareto, scale: 1ms, alpha: 2.5}", "{kind: empirical, values: [1ms, 2ms]}", "{capacity: 1k/s}",
                        "{capacity: 1k/s, kind: exponential}", "{capacity: 1k/s, kind: lognormal, sigma: 0.5}",
                        "{capacity: 1k/s, kind: pareto, alpha: 2}"})
    v.emplace_back(processing_time, d);
  for (const char* k : {"{kind: none}", "{kind: uniform, cardinality: 10, prefix: k}", "{kind: zipf, cardinality: 10, exponent: 1.1}",
                        "{kind: sequential, cardinality: 10}"})
    v.emplace_back(producer + ".keys", k);
  v.emplace_back(producer + ".rate", "{kind: constant, per_second: 10}");
  v.emplace_back(producer + ".rate", "{kind: steps, steps: [[0s, 10], [1s, 20]], arrivals: constant}");
  for (const std::string f : {"{at: 1s, crash: M}", "{at: 1s, leave: M}", "{at: 1s, join: G, count: 1}",
                              "{at: 1s, slow: M, factor: 2, for: 1s}", "{at: 1s, restart: M, downtime: 1s}",
                              "{at: 1s, rolling_restart: G, downtime: 1s, gap: 1s}"}) {
    std::string t = f;
    if (auto p = t.find(": M"); p != std::string::npos) t.replace(p + 2, 1, member);
    if (auto p = t.find(": G"); p != std::string::npos) t.replace(p + 2, 1, group);
    v.emplace_back(fault, t);
  }
  return v;
}

void expect_schema_lists_the_loaders_keys(const std::string& family, const std::vector<YAML::Node>& docs) {
  const json schema = cgsim::scenarios::scenario_json_schema(family);
  const schema_check::Checker checker(schema);
  Probe probe{checker, {}, {}, {}};
  for (const YAML::Node& doc : docs) {
    const json inst = schema_check::to_json(doc);
    ASSERT_EQ(load_error(emit(doc)), "") << emit(doc);
    const auto errors = checker.errors(inst, schema);
    ASSERT_TRUE(errors.empty()) << errors.front() << "\n" << emit(doc);
    probe.walk(doc, inst, schema, "", "", "");
  }
  for (const auto& [location, keys] : probe.schema_keys) {
    EXPECT_EQ(keys, probe.loader_keys[location]) << family << " at " << (location.empty() ? "(top level)" : location);
  }
  std::set<const json*> all;
  object_schemas(schema, all);
  for (const json* o : all)
    EXPECT_TRUE(probe.visited.count(o)) << family << ": no test document reaches " << o->dump().substr(0, 200);
}

std::vector<YAML::Node> with_variants(YAML::Node base, const std::vector<std::pair<std::string, std::string>>& changes) {
  std::vector<YAML::Node> out{base};
  for (const auto& [path, value] : changes) out.push_back(mutate(base, path, value));
  return out;
}

}  // namespace

TEST(Schema, ListsExactlyTheKeysTheKafkaLoaderAccepts) {
  YAML::Node base = shipped_doc("game_platform.yaml");
  base = mutate(base, "broker", "{request_latency: 1ms, initial_rebalance_delay: 1s, produce_tick: 10ms}");
  base = mutate(base, "output", "{sample_interval: 1s, warmup: auto}");
  auto docs = with_variants(base, variants("groups.0.consumers.processing_time", "producers.0", "faults.0",
                                           base["groups"][0]["id"].Scalar() + "/0", base["groups"][0]["id"].Scalar()));
  docs.push_back(mutate(base, "groups.0.commit", "{kind: none}"));
  docs.push_back(mutate(base, "groups.0.commit", "{kind: auto, interval: 1s}"));
  docs.push_back(mutate(base, "faults.0", "{at: 1s, add_partitions: " + base["topics"][0]["name"].Scalar() + ", count: 2}"));
  expect_schema_lists_the_loaders_keys("kafka", docs);
}

TEST(Schema, ListsExactlyTheKeysTheRabbitmqLoaderAccepts) {
  YAML::Node base = shipped_doc("mail_jobs_rabbitmq.yaml");
  base = mutate(base, "broker", "{kind: rabbitmq, network_latency: 1ms, consumer_timeout: off, channel_tick: 1m}");
  base = mutate(base, "queues.0", "{name: mail, type: quorum, max_length: 10, max_length_bytes: 100, overflow: drop-head, "
                                  "message_ttl: 1m, dead_letter_exchange: jobs.dlx, dead_letter_routing_key: x, delivery_limit: 3, "
                                  "single_active_consumer: true}");
  base = mutate(base, "producers.0", "{exchange: jobs, routing_key: mail, rate: {kind: poisson, per_second: 5}, keys: {kind: none}, "
                                     "message_bytes: 10, count: 1, start: 0s, stop: 5m}");
  base = mutate(base, "consumers.0.ack", "{mode: manual, multiple: 2, reject_probability: 0.1, requeue: false}");
  base = mutate(base, "consumers.0.priority", "1");
  base = mutate(base, "consumers.0.reconnect_delay", "never");
  auto docs = with_variants(base, variants("consumers.0.processing_time", "producers.0", "faults.0", "mail_workers/0", "mail_workers"));
  YAML::Node hash = shipped_doc("chat_rabbitmq_hash.yaml");
  docs.push_back(hash);
  expect_schema_lists_the_loaders_keys("rabbitmq", docs);
}

TEST(Schema, ListsExactlyTheKeysThePulsarLoaderAccepts) {
  YAML::Node base = shipped_doc("player_events_pulsar_key_shared.yaml");
  base = mutate(base, "broker", "{kind: pulsar, request_latency: 1ms, failover_delay: 1s, key_shared_consistent_hashing: true, "
                                "consistent_hashing_points: 100, failover_consistent_hashing: false}");
  base = mutate(base, "producers.0.routing", "round_robin");
  base = mutate(base, "producers.0.hashing", "murmur3");
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"batching", "true"}, {"batching_max_publish_delay", "1ms"}, {"batching_max_messages", "100"},
           {"batching_max_bytes", "1000"}, {"partition_switch_frequency", "10"}, {"message_bytes", "10"}, {"count", "1"},
           {"start", "0s"}, {"stop", "1m"}})
    base = mutate(base, "producers.0." + k, v);
  const std::string sub = "subscriptions.0";
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"key_shared_mode", "STICKY"}, {"allow_out_of_order_delivery", "false"}, {"ack", "individual"}, {"ack_timeout", "1s"},
           {"negative_ack_redelivery_delay", "1s"}, {"negative_ack_probability", "0.1"}, {"dead_letter_max_redeliveries", "3"},
           {"ack_group_time", "0s"}, {"initial_position", "latest"}})
    base = mutate(base, sub + "." + k, v);
  const int count = base["subscriptions"][0]["consumers"]["count"].as<int>();
  std::string names = "[", levels = "[", ranges = "[";
  for (int i = 0; i < count + 4; ++i) {  // ranges for consumers that join too
    if (i < count) names += std::string(i ? ", " : "") + "c" + std::to_string(i);
    if (i < count) levels += std::string(i ? ", " : "") + "0";
    ranges += std::string(i ? ", " : "") + "[[" + std::to_string(i * 1000) + ", " + std::to_string(i * 1000 + 999) + "]]";
  }
  base = mutate(base, sub + ".consumers.names", names + "]");
  base = mutate(base, sub + ".consumers.priority_levels", levels + "]");
  base = mutate(base, sub + ".consumers.receiver_queue_size", "100");
  base = mutate(base, sub + ".consumers.sticky_ranges", ranges + "]");
  const std::string name = base["subscriptions"][0]["name"].Scalar();
  auto docs = with_variants(base, variants(sub + ".consumers.processing_time", "producers.0", "faults.0", name + "/0", name));
  expect_schema_lists_the_loaders_keys("pulsar", docs);
}

TEST(Schema, EveryPropertyHasItsOwnDescriptionDefaultOrExample) {
  const json schema = cgsim::scenarios::scenario_json_schema();
  std::size_t properties = 0;
  std::set<std::string> descriptions;
  std::vector<std::string> undescribed;
  std::function<void(const json&, const std::string&)> walk = [&](const json& n, const std::string& path) {
    if (!n.is_object()) return;
    if (n.contains("properties")) {
      for (const auto& [name, sub] : n["properties"].items()) {
        ++properties;
        if (!sub.contains("description") || !sub.contains("examples")) undescribed.push_back(path + "." + name);
        else descriptions.insert(sub["description"].get<std::string>());
        walk(sub, path + "." + name);
      }
    }
    for (const char* k : {"oneOf", "anyOf"})
      if (n.contains(k))
        for (const auto& v : n[k]) walk(v, path);
    if (n.contains("items")) walk(n["items"], path + "[]");
    if (n.contains("$defs"))
      for (const auto& [name, sub] : n["$defs"].items()) walk(sub, "$defs/" + name);
  };
  walk(schema, "");
  EXPECT_TRUE(undescribed.empty()) << undescribed.size() << " undescribed, first " << undescribed.front();
  EXPECT_GT(properties, 250u);
  EXPECT_GE(descriptions.size(), 170u) << "descriptions must say what each property is";
  const json& kafka = schema["$defs"]["kafka"];
  EXPECT_EQ(kafka["properties"]["groups"]["items"]["properties"]["session_timeout"]["default"], "45s");
  EXPECT_EQ(schema["$defs"]["rabbitmq"]["properties"]["consumers"]["items"]["properties"]["prefetch"]["default"], 0);
  EXPECT_EQ(schema["$defs"]["pulsar"]["properties"]["broker"]["properties"]["failover_delay"]["default"], "1s");
}
