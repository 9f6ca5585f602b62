#include "scenarios/pulsar_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "models/common/error.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::scenarios {

namespace ps = models::pulsar;
using sim::Time;

namespace {

/// Keys of Kafka or RabbitMQ scenarios that mean nothing to Pulsar, with what to use instead.
const char* foreign(const std::string& key) {
  if (key == "groups") return "Kafka-only key: a Pulsar scenario lists subscriptions, each with its consumers";
  if (key == "client") return "Kafka-only key: the client flavour is a Kafka setting";
  if (key == "time_scale") return "Kafka-only key: live replay of Pulsar scenarios is not available yet";
  if (key == "partitioner") return "Kafka-only key: Pulsar producers take routing and hashing";
  if (key == "record_bytes") return "Kafka-only key: Pulsar producers take message_bytes";
  if (key == "assignor" || key == "protocol" || key == "session_timeout" || key == "heartbeat_interval" ||
      key == "max_poll_interval" || key == "max_poll_records" || key == "commit" || key == "auto_offset_reset" ||
      key == "static" || key == "rack" || key == "initial_rebalance_delay" || key == "produce_tick")
    return "Kafka-only key, not valid with broker kind pulsar";
  if (key == "exchanges" || key == "queues" || key == "bindings" || key == "exchange" || key == "routing_key" ||
      key == "queue" || key == "prefetch" || key == "priority" || key == "reconnect_delay" ||
      key == "network_latency" || key == "consumer_timeout" || key == "channel_tick")
    return "RabbitMQ-only key, not valid with broker kind pulsar";
  return nullptr;
}

/// A YAML node with its field path and origin, for messages.
class Field {
 public:
  Field(YAML::Node node, std::string path, const std::string* origin)
      : node_(std::move(node)), path_(std::move(path)), origin_(origin) {}

  [[noreturn]] void fail(const std::string& expected) const {
    std::ostringstream m;
    m << *origin_;
    if (node_.IsDefined() && node_.Mark().line >= 0) m << ':' << node_.Mark().line + 1 << ':' << node_.Mark().column + 1;
    m << ": " << (path_.empty() ? "(top level)" : path_) << ": " << expected;
    if (node_.IsDefined() && node_.IsScalar()) m << ", got \"" << escape_bytes(node_.Scalar()) << '"';
    throw InputError(m.str());
  }
  void expect_map(std::initializer_list<const char*> allowed) const {
    if (!node_.IsMap()) fail("expected a mapping");
    std::set<std::string> ok(allowed.begin(), allowed.end());
    for (const auto& kv : node_) {
      const std::string k = kv.first.Scalar();
      if (ok.count(k)) continue;
      Field key(kv.first, join(k), origin_);
      if (const char* why = foreign(k)) key.fail(why);
      std::string list;
      for (const auto* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      key.fail("unknown key (expected one of: " + list + ")");
    }
  }
  bool has(const char* key) const { return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull(); }
  Field at(const char* key) const {
    if (!has(key)) fail(std::string("missing required key \"") + key + "\"");
    return Field(node_[key], join(key), origin_);
  }
  Field at(std::size_t i) const { return Field(node_[i], path_ + "[" + std::to_string(i) + "]", origin_); }
  std::size_t size() const { return node_.size(); }
  bool is_map() const { return node_.IsMap(); }
  bool is_seq() const { return node_.IsSequence(); }
  const YAML::Node& node() const { return node_; }

  std::string str() const {
    if (!node_.IsScalar()) fail("expected a string");
    return node_.Scalar();
  }
  double number() const {
    if (!node_.IsScalar()) fail("expected a number");
    const std::string& s = node_.Scalar();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v)) fail("expected a finite number");
    return v;
  }
  double in_range(double lo, double hi) const {
    const double v = number();
    if (v < lo || v > hi) fail("expected a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
  }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) const {
    if (!node_.IsScalar()) fail("expected an integer");
    const std::string& s = node_.Scalar();
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') fail("expected an integer");
    if (errno == ERANGE || v < lo || v > hi) fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
  }
  bool boolean() const {
    const std::string s = str();
    if (s == "true") return true;
    if (s == "false") return false;
    fail("expected true or false");
  }
  Time duration() const {
    if (!node_.IsScalar()) fail("expected a duration such as \"250ms\", \"45s\" or \"5m\"");
    Time t;
    std::string why;
    if (!parse_duration(node_.Scalar(), t, &why)) fail(why.empty() ? "expected a duration such as \"250ms\", \"45s\" or \"5m\"" : why);
    return t;
  }
  std::string one_of(std::initializer_list<const char*> options) const {
    const std::string s = str();
    std::string list;
    for (const auto* o : options) {
      if (s == o) return s;
      list += std::string(list.empty() ? "" : ", ") + o;
    }
    fail("expected one of: " + list);
  }
  std::string location() const {
    return *origin_ + (node_.IsDefined() && node_.Mark().line >= 0 ? ":" + std::to_string(node_.Mark().line + 1) : "");
  }

 private:
  std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  YAML::Node node_;
  std::string path_;
  const std::string* origin_;
};

sim::Distribution parse_distribution(const Field& f) {
  if (!f.is_map()) f.fail("expected a distribution mapping such as {kind: constant, value: 1ms}");
  const std::string kind = f.at("kind").one_of({"constant", "exponential", "uniform", "normal", "lognormal", "pareto", "empirical"});
  auto secs = [](const Field& x) { return static_cast<double>(x.duration()) / 1e9; };
  sim::Distribution d;
  if (kind == "constant") {
    f.expect_map({"kind", "value"});
    d = sim::Distribution::constant(secs(f.at("value")));
  } else if (kind == "exponential") {
    f.expect_map({"kind", "mean"});
    d = sim::Distribution::exponential(secs(f.at("mean")));
    if (d.value <= 0) f.at("mean").fail("expected a positive duration");
  } else if (kind == "uniform") {
    f.expect_map({"kind", "low", "high"});
    d.kind = sim::Distribution::Kind::Uniform;
    d.low = secs(f.at("low"));
    d.high = secs(f.at("high"));
    if (d.high < d.low) f.at("high").fail("expected high >= low");
  } else if (kind == "normal") {
    f.expect_map({"kind", "mean", "stddev"});
    d.kind = sim::Distribution::Kind::Normal;
    d.value = secs(f.at("mean"));
    d.sigma = secs(f.at("stddev"));
  } else if (kind == "lognormal") {
    f.expect_map({"kind", "median", "sigma"});
    d.kind = sim::Distribution::Kind::Lognormal;
    d.value = secs(f.at("median"));
    d.sigma = f.at("sigma").in_range(0, 1e3);
  } else if (kind == "pareto") {
    f.expect_map({"kind", "scale", "alpha"});
    d.kind = sim::Distribution::Kind::Pareto;
    d.value = secs(f.at("scale"));
    d.alpha = f.at("alpha").in_range(1e-9, 1e9);
  } else {
    f.expect_map({"kind", "values"});
    d.kind = sim::Distribution::Kind::Empirical;
    const Field vs = f.at("values");
    if (!vs.is_seq() || vs.size() == 0) vs.fail("expected a non-empty list of durations");
    for (std::size_t i = 0; i < vs.size(); ++i) d.values.push_back(secs(vs.at(i)));
  }
  return d;
}

models::RateSpec parse_rate(const Field& f) {
  if (!f.is_map()) f.fail("expected a rate mapping such as {kind: poisson, per_second: 100}");
  models::RateSpec r;
  const std::string kind = f.at("kind").one_of({"constant", "poisson", "steps"});
  if (kind == "steps") {
    f.expect_map({"kind", "steps", "arrivals"});
    r.kind = models::RateSpec::Kind::Steps;
    if (f.has("arrivals")) r.poisson_steps = f.at("arrivals").one_of({"poisson", "constant"}) == "poisson";
    const Field steps = f.at("steps");
    if (!steps.is_seq() || steps.size() == 0) steps.fail("expected a list of [time, per_second] pairs");
    Time last = -1;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const Field s = steps.at(i);
      if (!s.is_seq() || s.size() != 2) s.fail("expected a [time, per_second] pair");
      const Time t = s.at(std::size_t{0}).duration();
      if (t <= last) s.at(std::size_t{0}).fail("expected step times in increasing order");
      last = t;
      r.steps.emplace_back(t, s.at(std::size_t{1}).in_range(0, 1e9));
    }
  } else {
    f.expect_map({"kind", "per_second"});
    r.kind = kind == "poisson" ? models::RateSpec::Kind::Poisson : models::RateSpec::Kind::Constant;
    r.per_second = f.at("per_second").in_range(0, 1e9);
  }
  return r;
}

models::KeySpec parse_keys(const Field& f) {
  if (!f.is_map()) f.fail("expected a key mapping such as {kind: zipf, cardinality: 1000, exponent: 1.1}");
  models::KeySpec k;
  const std::string kind = f.at("kind").one_of({"none", "uniform", "zipf", "sequential"});
  if (kind == "none") {
    f.expect_map({"kind"});
    return k;
  }
  f.expect_map({"kind", "cardinality", "exponent", "prefix"});
  if (f.has("prefix")) k.prefix = f.at("prefix").str();
  if (kind == "sequential") {
    k.kind = models::KeySpec::Kind::Sequential;
    if (f.has("cardinality")) k.cardinality = static_cast<std::uint64_t>(f.at("cardinality").integer(1, 1'000'000'000'000));
  } else {
    k.kind = kind == "zipf" ? models::KeySpec::Kind::Zipf : models::KeySpec::Kind::Uniform;
    k.cardinality = static_cast<std::uint64_t>(f.at("cardinality").integer(1, kind == "zipf" ? 50'000'000 : 1'000'000'000'000));
    if (kind == "zipf") k.exponent = f.has("exponent") ? f.at("exponent").in_range(0, 100) : 1.0;
  }
  if (kind != "zipf" && f.has("exponent")) f.at("exponent").fail("exponent applies to zipf keys only");
  return k;
}


std::vector<ps::HashRange> parse_ranges(const Field& f) {
  if (!f.is_seq() || f.size() == 0) f.fail("expected a non-empty list of [start, end] hash ranges");
  std::vector<ps::HashRange> out;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Field r = f.at(i);
    if (!r.is_seq() || r.size() != 2) r.fail("expected a [start, end] pair within 0..65535");
    ps::HashRange h;
    h.start = static_cast<std::int32_t>(r.at(std::size_t{0}).integer(0, 65535));
    h.end = static_cast<std::int32_t>(r.at(std::size_t{1}).integer(0, 65535));
    if (h.end < h.start) r.at(std::size_t{1}).fail("expected end >= start");
    for (const ps::HashRange& o : out)
      if (h.start <= o.end && o.start <= h.end) r.fail("overlaps another range of the same consumer");
    out.push_back(h);
  }
  return out;
}

void parse_broker(const Field& b, ps::PulsarBrokerSpec& out) {
  b.expect_map({"kind", "request_latency", "failover_delay", "key_shared_consistent_hashing", "consistent_hashing_points",
                "failover_consistent_hashing"});
  b.at("kind").one_of({"pulsar"});
  if (b.has("request_latency")) out.request_latency = b.at("request_latency").duration();
  if (b.has("failover_delay")) out.failover_delay = b.at("failover_delay").duration();
  if (b.has("key_shared_consistent_hashing")) out.key_shared_consistent_hashing = b.at("key_shared_consistent_hashing").boolean();
  if (b.has("consistent_hashing_points"))
    out.consistent_hashing_points = static_cast<std::int32_t>(b.at("consistent_hashing_points").integer(1, 10'000));
  if (b.has("failover_consistent_hashing")) out.failover_consistent_hashing = b.at("failover_consistent_hashing").boolean();
}

ps::PulsarProducerSpec parse_producer(const Field& p, const ps::ScenarioFile& sc) {
  p.expect_map({"topic", "rate", "keys", "routing", "hashing", "batching", "batching_max_publish_delay",
                "batching_max_messages", "batching_max_bytes", "partition_switch_frequency", "message_bytes", "count",
                "start", "stop"});
  ps::PulsarProducerSpec s;
  s.topic = p.at("topic").str();
  if (sc.topic_index(s.topic) < 0) p.at("topic").fail("no topic of that name under topics");
  s.rate = parse_rate(p.at("rate"));
  if (p.has("keys")) s.keys = parse_keys(p.at("keys"));
  if (p.has("routing"))
    s.routing = p.at("routing").one_of({"round_robin", "single"}) == "single" ? ps::RoutingMode::SinglePartition
                                                                               : ps::RoutingMode::RoundRobinPartition;
  if (p.has("hashing"))
    s.hashing = p.at("hashing").one_of({"java_string", "murmur3"}) == "murmur3" ? ps::HashingScheme::Murmur3_32Hash
                                                                                 : ps::HashingScheme::JavaStringHash;
  if (p.has("batching")) s.batching = p.at("batching").boolean();
  if (p.has("batching_max_publish_delay")) {
    s.batching_max_publish_delay = p.at("batching_max_publish_delay").duration();
    if (s.batching_max_publish_delay < sim::kMicrosecond) p.at("batching_max_publish_delay").fail("expected at least 1us");
  }
  if (p.has("batching_max_messages"))
    s.batching_max_messages = static_cast<std::int32_t>(p.at("batching_max_messages").integer(1, 1'000'000));
  if (p.has("batching_max_bytes"))
    s.batching_max_bytes = static_cast<std::int32_t>(p.at("batching_max_bytes").integer(1, 1 << 30));
  if (p.has("partition_switch_frequency"))
    s.partition_switch_frequency = static_cast<std::int32_t>(p.at("partition_switch_frequency").integer(1, 1'000'000));
  if (p.has("message_bytes")) s.message_bytes = static_cast<std::int32_t>(p.at("message_bytes").integer(0, 5 * 1024 * 1024));
  if (p.has("count")) s.count = static_cast<std::int32_t>(p.at("count").integer(1, 10'000));
  if (p.has("start")) s.start = p.at("start").duration();
  if (p.has("stop")) s.stop = p.at("stop").duration();
  if (s.stop <= s.start) p.at("stop").fail("expected stop after start");
  return s;
}

void parse_subscription(const Field& f, ps::ScenarioFile& sc) {
  f.expect_map({"name", "topic", "type", "key_shared_mode", "allow_out_of_order_delivery", "ack", "ack_timeout",
                "negative_ack_redelivery_delay", "negative_ack_probability", "dead_letter_max_redeliveries",
                "initial_position", "consumers"});
  ps::SubscriptionSpec s;
  ps::ApplicationSpec app;
  s.name = f.at("name").str();
  if (s.name.empty()) f.at("name").fail("expected a non-empty name");
  if (sc.subscription_index(s.name) >= 0) f.at("name").fail("duplicate subscription name");
  s.topic = f.at("topic").str();
  if (sc.topic_index(s.topic) < 0) f.at("topic").fail("no topic of that name under topics");
  const std::string type = f.at("type").one_of({"Exclusive", "Failover", "Shared", "Key_Shared"});
  s.type = type == "Exclusive" ? ps::SubscriptionType::Exclusive
           : type == "Failover" ? ps::SubscriptionType::Failover
           : type == "Shared"   ? ps::SubscriptionType::Shared
                                : ps::SubscriptionType::KeyShared;
  const bool key_shared = s.type == ps::SubscriptionType::KeyShared;
  const bool single = s.type == ps::SubscriptionType::Exclusive || s.type == ps::SubscriptionType::Failover;
  if (f.has("key_shared_mode")) {
    if (!key_shared) f.at("key_shared_mode").fail("key_shared_mode applies to Key_Shared subscriptions only");
    s.key_shared_mode = f.at("key_shared_mode").one_of({"AUTO_SPLIT", "STICKY"}) == "STICKY" ? ps::KeySharedMode::Sticky
                                                                                               : ps::KeySharedMode::AutoSplit;
  }
  if (f.has("allow_out_of_order_delivery")) {
    if (!key_shared) f.at("allow_out_of_order_delivery").fail("allow_out_of_order_delivery applies to Key_Shared subscriptions only");
    s.allow_out_of_order_delivery = f.at("allow_out_of_order_delivery").boolean();
  }
  if (f.has("ack")) {
    s.ack = f.at("ack").one_of({"individual", "cumulative"}) == "cumulative" ? ps::AckMode::Cumulative : ps::AckMode::Individual;
    if (s.ack == ps::AckMode::Cumulative && !single)
      f.at("ack").fail("cumulative acknowledgement is allowed on Exclusive and Failover subscriptions only");
  }
  if (f.has("ack_timeout")) {
    s.ack_timeout = f.at("ack_timeout").duration();
    if (s.ack_timeout != 0 && s.ack_timeout < sim::kSecond) f.at("ack_timeout").fail("expected 0s (disabled) or at least 1s, as the client requires");
  }
  if (f.has("negative_ack_redelivery_delay")) s.negative_ack_redelivery_delay = f.at("negative_ack_redelivery_delay").duration();
  if (f.has("negative_ack_probability")) app.negative_ack_probability = f.at("negative_ack_probability").in_range(0, 1);
  if (f.has("dead_letter_max_redeliveries")) {
    if (single) f.at("dead_letter_max_redeliveries").fail("a dead-letter policy applies to Shared and Key_Shared subscriptions only");
    s.dead_letter_max_redeliveries = static_cast<std::int32_t>(f.at("dead_letter_max_redeliveries").integer(1, 1'000'000));
  }
  if (f.has("initial_position")) s.earliest = f.at("initial_position").one_of({"earliest", "latest"}) == "earliest";

  const Field c = f.at("consumers");
  c.expect_map({"count", "names", "priority_levels", "receiver_queue_size", "processing_time", "sticky_ranges"});
  ps::PulsarConsumerSpec& cs = s.consumers;
  if (c.has("count")) cs.count = static_cast<std::int32_t>(c.at("count").integer(0, 100'000));
  if (s.type == ps::SubscriptionType::Exclusive && cs.count > 1)
    c.at("count").fail("an Exclusive subscription takes one consumer (the broker refuses a second)");
  if (c.has("names")) {
    const Field n = c.at("names");
    if (!n.is_seq() || static_cast<std::int32_t>(n.size()) != cs.count) n.fail("expected a list of one name per consumer (count)");
    for (std::size_t i = 0; i < n.size(); ++i) {
      cs.names.push_back(n.at(i).str());
      if (cs.names.back().empty()) n.at(i).fail("expected a non-empty name");
    }
  }
  if (c.has("priority_levels")) {
    const Field n = c.at("priority_levels");
    if (!n.is_seq() || static_cast<std::int32_t>(n.size()) != cs.count) n.fail("expected a list of one priority level per consumer (count)");
    for (std::size_t i = 0; i < n.size(); ++i) cs.priority_levels.push_back(static_cast<std::int32_t>(n.at(i).integer(0, 2147483647)));
  }
  if (c.has("receiver_queue_size"))
    cs.receiver_queue_size = static_cast<std::int32_t>(c.at("receiver_queue_size").integer(1, 1'000'000));
  cs.processing_time = parse_distribution(c.at("processing_time"));
  const bool sticky = key_shared && s.key_shared_mode == ps::KeySharedMode::Sticky;
  if (c.has("sticky_ranges")) {
    const Field r = c.at("sticky_ranges");
    if (!sticky) r.fail("sticky_ranges apply to Key_Shared subscriptions with key_shared_mode STICKY only");
    if (!r.is_seq() || static_cast<std::int32_t>(r.size()) < cs.count)
      r.fail("expected a list of hash ranges for each consumer (at least count entries; more for consumers that join)");
    for (std::size_t i = 0; i < r.size(); ++i) cs.sticky_ranges.push_back(parse_ranges(r.at(i)));
  } else if (sticky) {
    c.fail("missing required key \"sticky_ranges\" (STICKY mode: each consumer's hash ranges)");
  }
  sc.pulsar.subscriptions.push_back(s);
  sc.applications.push_back(app);
}

void parse_faults(const Field& fs, ps::ScenarioFile& sc) {
  if (!fs.is_seq()) fs.fail("expected a list of faults");
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const Field f = fs.at(i);
    if (!f.is_map()) f.fail("expected a fault mapping such as {at: 2m, crash: scores/1}");
    models::FaultSpec fa;
    fa.source = f.location();
    fa.at = f.at("at").duration();
    if (fa.at >= sc.duration) f.at("at").fail("expected a time before the end of the run");
    std::string verb;
    int found = 0;
    for (const char* v : {"crash", "leave", "join", "slow", "restart", "rolling_restart"})
      if (f.has(v)) {
        ++found;
        verb = v;
      }
    if (found != 1) f.fail("expected exactly one of: crash, leave, join, slow, restart, rolling_restart");
    const Field target = f.at(verb.c_str());
    const std::string ref = target.str();
    if (verb == "join" || verb == "rolling_restart") {
      fa.group = ref;
    } else {
      const auto slash = ref.rfind('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size() || ref.size() - slash > 7 ||
          ref.find_first_not_of("0123456789", slash + 1) != std::string::npos)
        target.fail("expected a consumer as <subscription>/<index>, e.g. \"scores/1\"");
      fa.group = ref.substr(0, slash);
      fa.member = std::stoi(ref.substr(slash + 1));
    }
    const std::int32_t s = sc.subscription_index(fa.group);
    if (s < 0) target.fail("no subscription \"" + fa.group + "\" under subscriptions");
    const ps::SubscriptionSpec& sub = sc.pulsar.subscriptions[static_cast<std::size_t>(s)];
    std::int32_t n = sub.consumers.count;  // members added by earlier joins count too
    for (const auto& e : sc.faults)
      if (e.kind == models::FaultSpec::Kind::Join && e.group == fa.group && e.at <= fa.at) n += e.count;
    if (fa.member >= n) target.fail("no consumer of that index in the subscription at that time");
    if (verb == "crash") {
      f.expect_map({"at", "crash"});
      fa.kind = models::FaultSpec::Kind::Crash;
    } else if (verb == "leave") {
      f.expect_map({"at", "leave"});
      fa.kind = models::FaultSpec::Kind::Leave;
    } else if (verb == "join") {
      f.expect_map({"at", "join", "count"});
      fa.kind = models::FaultSpec::Kind::Join;
      if (f.has("count")) fa.count = static_cast<std::int32_t>(f.at("count").integer(1, 100'000));
      if (sub.type == ps::SubscriptionType::Exclusive)
        target.fail("an Exclusive subscription takes one consumer (the broker refuses a second)");
      if (sub.key_shared_mode == ps::KeySharedMode::Sticky && sub.type == ps::SubscriptionType::KeyShared &&
          n + fa.count > static_cast<std::int32_t>(sub.consumers.sticky_ranges.size()))
        target.fail("a joining STICKY consumer needs its hash ranges under consumers.sticky_ranges");
    } else if (verb == "slow") {
      f.expect_map({"at", "slow", "factor", "for"});
      fa.kind = models::FaultSpec::Kind::Slow;
      fa.factor = f.at("factor").in_range(1e-6, 1e6);
      fa.duration = f.at("for").duration();
    } else if (verb == "restart") {
      f.expect_map({"at", "restart", "downtime"});
      fa.kind = models::FaultSpec::Kind::Restart;
      fa.duration = f.at("downtime").duration();
    } else {
      f.expect_map({"at", "rolling_restart", "downtime", "gap"});
      fa.kind = models::FaultSpec::Kind::RollingRestart;
      fa.duration = f.has("downtime") ? f.at("downtime").duration() : 0;
      fa.gap = f.at("gap").duration();
    }
    sc.faults.push_back(fa);
  }
}

ps::ScenarioFile parse_pulsar(const YAML::Node& root, const std::string& origin) {
  const Field top(root, "", &origin);
  top.expect_map({"name", "description", "seed", "duration", "broker", "topics", "producers", "subscriptions", "faults",
                  "output"});
  ps::ScenarioFile sc;
  sc.source_file = origin;
  sc.name = top.at("name").str();
  if (sc.name.empty()) top.at("name").fail("expected a non-empty name");
  if (top.has("seed")) sc.seed = static_cast<std::uint64_t>(top.at("seed").integer(0, INT64_MAX));
  if (top.has("duration")) {
    sc.duration = top.at("duration").duration();
    if (sc.duration <= 0) top.at("duration").fail("expected a positive duration");
  }
  parse_broker(top.at("broker"), sc.pulsar.broker);

  auto list = [&](const char* key, const char* example) {
    const Field l = top.at(key);
    if (!l.is_seq() || l.size() == 0) l.fail(std::string("expected a non-empty list of ") + example);
    return l;
  };
  const Field ts = list("topics", "topics such as {name: player_events, partitions: 0}");
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const Field t = ts.at(i);
    t.expect_map({"name", "partitions"});
    ps::PulsarTopicSpec s;
    s.name = t.at("name").str();
    if (s.name.empty()) t.at("name").fail("expected a non-empty name");
    if (sc.topic_index(s.name) >= 0) t.at("name").fail("duplicate topic name");
    if (t.has("partitions")) s.partitions = static_cast<std::int32_t>(t.at("partitions").integer(0, 10'000));
    sc.pulsar.topics.push_back(s);
  }
  if (top.has("producers")) {
    const Field ps_ = list("producers", "producers");
    for (std::size_t i = 0; i < ps_.size(); ++i) sc.pulsar.producers.push_back(parse_producer(ps_.at(i), sc));
  }
  const Field ss = list("subscriptions", "subscriptions such as {name: scores, topic: player_events, type: Shared, ...}");
  for (std::size_t i = 0; i < ss.size(); ++i) parse_subscription(ss.at(i), sc);
  if (top.has("faults")) parse_faults(top.at("faults"), sc);
  if (top.has("output")) {
    const Field o = top.at("output");
    o.expect_map({"sample_interval"});
    if (o.has("sample_interval")) {
      sc.output.sample_interval = o.at("sample_interval").duration();
      if (sc.output.sample_interval <= 0) o.at("sample_interval").fail("expected a positive duration");
    }
  }
  return sc;
}

}  // namespace

bool is_pulsar_scenario_text(const std::string& text) {
  try {
    const YAML::Node root = YAML::Load(text);
    return root.IsMap() && root["broker"].IsMap() && root["broker"]["kind"].IsScalar() &&
           root["broker"]["kind"].Scalar() == "pulsar";
  } catch (const YAML::Exception&) {
    return false;
  }
}

ps::ScenarioFile load_pulsar_scenario_text(const std::string& text, const std::string& origin) {
  if (text.find('\0') != std::string::npos) throw InputError(origin + ": contains a NUL character");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream m;
    m << origin << ':' << e.mark.line + 1 << ':' << e.mark.column + 1 << ": malformed YAML/JSON: " << e.msg;
    throw InputError(m.str());
  }
  if (!root.IsDefined() || root.IsNull()) throw InputError(origin + ": empty scenario");
  return parse_pulsar(root, origin);
}

ps::ScenarioFile load_pulsar_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open scenario file");
  std::ostringstream s;
  s << in.rdbuf();
  return load_pulsar_scenario_text(s.str(), path);
}

}  // namespace cgsim::scenarios
