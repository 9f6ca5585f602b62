#include "scenarios/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/error.hpp"
#include "scenarios/fields.hpp"

namespace cgsim::scenarios {
using namespace cgsim::models;

namespace {

using sim::Time;
using fields::Field;
using fields::Source;
using fields::parse_distribution;
using fields::parse_keys;
using fields::parse_rate;

/// "group/index" -> (group, index), checked against the scenario.
std::pair<std::string, std::int32_t> parse_member_ref(const Field& f) {
  std::string s = f.str();
  auto slash = s.rfind('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size()) {
    f.fail("expected a consumer as <group id>/<index>, e.g. \"game_event_consumers/1\"");
  }
  std::string idx = s.substr(slash + 1);
  for (char c : idx)
    if (!std::isdigit(static_cast<unsigned char>(c))) f.fail("expected a consumer as <group id>/<index>");
  if (idx.size() > 6) f.fail("consumer index too large");
  return {s.substr(0, slash), std::stoi(idx)};
}

Scenario parse(const YAML::Node& root, const Source& source) {
  const std::string& origin = source.origin;
  Field top(root, "", &source);
  top.expect_map({"name", "seed", "duration", "client", "time_scale", "broker", "topics", "producers",
                  "groups", "faults", "output", "description"});
  Scenario sc;
  sc.source_file = origin;
  sc.name = top.at("name").str();
  if (sc.name.empty()) top.at("name").fail("expected a non-empty name");
  if (top.has("seed")) sc.seed = static_cast<std::uint64_t>(top.at("seed").integer(0, INT64_MAX));
  sc.duration = top.at("duration").positive_duration();
  if (top.has("client")) {
    sc.client = top.at("client").one_of({"java", "librdkafka"}) == "java" ? models::ClientFlavor::Java
                                                                          : models::ClientFlavor::Librdkafka;
  }
  if (top.has("time_scale")) {
    sc.time_scale = top.at("time_scale").positive();
    if (sc.time_scale > 1) top.at("time_scale").fail("expected a number in (0, 1]");
  }
  if (top.has("broker")) {
    Field b = top.at("broker");
    b.expect_map({"request_latency", "initial_rebalance_delay", "produce_tick"});
    if (b.has("request_latency")) sc.broker.request_latency = b.at("request_latency").duration();
    if (b.has("initial_rebalance_delay")) sc.broker.initial_rebalance_delay = b.at("initial_rebalance_delay").duration();
    if (b.has("produce_tick")) sc.broker.produce_tick = b.at("produce_tick").positive_duration();
  }
  if (top.has("output")) {
    Field o = top.at("output");
    o.expect_map({"sample_interval", "warmup"});
    if (o.has("sample_interval")) sc.output.sample_interval = o.at("sample_interval").positive_duration();
    if (o.has("warmup")) sc.output.warmup = fields::parse_warmup(o.at("warmup"));
  }

  Field topics = top.at("topics");
  if (!topics.is_seq() || topics.size() == 0) topics.fail("expected a non-empty list of topics");
  for (std::size_t i = 0; i < topics.size(); ++i) {
    Field t = topics.at(i);
    t.expect_map({"name", "partitions"});
    TopicSpec ts;
    ts.name = t.at("name").str();
    if (ts.name.empty()) t.at("name").fail("expected a non-empty topic name");
    if (sc.topic(ts.name)) t.at("name").fail("duplicate topic name");
    ts.partitions = static_cast<std::int32_t>(t.at("partitions").integer(1, 1'000'000));
    sc.topics.push_back(ts);
  }

  if (top.has("producers")) {
    Field ps = top.at("producers");
    if (!ps.is_seq()) ps.fail("expected a list of producers");
    for (std::size_t i = 0; i < ps.size(); ++i) {
      Field p = ps.at(i);
      p.expect_map({"topic", "rate", "keys", "partitioner", "record_bytes", "count", "start", "stop", "metadata_max_age"});
      ProducerSpec pr;
      pr.topic = p.at("topic").str();
      if (!sc.topic(pr.topic)) p.at("topic").fail("expected the name of a topic listed under topics");
      pr.rate = parse_rate(p.at("rate"));
      if (p.has("keys")) pr.keys = parse_keys(p.at("keys"));
      if (p.has("partitioner")) {
        pr.partitioner = p.at("partitioner").str();
        if (!models::partitioners::Partitioner::parse(pr.partitioner)) {
          std::string list;
          for (const auto& n : models::partitioners::Partitioner::names()) list += (list.empty() ? "" : ", ") + n;
          p.at("partitioner").fail("expected one of: " + list);
        }
      }
      if (p.has("record_bytes")) pr.record_bytes = static_cast<std::int32_t>(p.at("record_bytes").integer(0, 100'000'000));
      if (p.has("count")) pr.count = static_cast<std::int32_t>(p.at("count").integer(1, 100'000));
      if (p.has("start")) pr.start = p.at("start").duration();
      if (p.has("stop")) {
        pr.stop = p.at("stop").duration();
        if (pr.stop < pr.start) p.at("stop").fail("expected stop >= start");
      }
      if (p.has("metadata_max_age")) pr.metadata_max_age = p.at("metadata_max_age").positive_duration();
      sc.producers.push_back(pr);
    }
  }

  Field gs = top.at("groups");
  if (!gs.is_seq() || gs.size() == 0) gs.fail("expected a non-empty list of consumer groups");
  for (std::size_t i = 0; i < gs.size(); ++i) {
    Field g = gs.at(i);
    g.expect_map({"id", "topics", "assignor", "protocol", "session_timeout", "heartbeat_interval",
                  "max_poll_interval", "max_poll_records", "commit", "auto_offset_reset", "start_spread",
                  "client_start", "metadata_max_age", "consumers"});
    GroupSpec gr;
    gr.id = g.at("id").str();
    if (gr.id.empty() || gr.id.find('/') != std::string::npos) g.at("id").fail("expected a non-empty id without '/'");
    if (sc.group(gr.id)) g.at("id").fail("duplicate group id");
    Field tl = g.at("topics");
    if (!tl.is_seq() || tl.size() == 0) tl.fail("expected a non-empty list of topic names");
    for (std::size_t k = 0; k < tl.size(); ++k) {
      std::string tn = tl.at(k).str();
      if (!sc.topic(tn)) tl.at(k).fail("expected the name of a topic listed under topics");
      gr.topics.push_back(tn);
    }
    if (g.has("protocol")) gr.protocol = g.at("protocol").one_of({"eager", "cooperative", "consumer"});
    if (gr.protocol == "consumer") {
      // KIP-848 defaults: the server-side uniform assignor and the broker's 5 s heartbeat interval.
      gr.assignor = "uniform";
      gr.heartbeat_interval = 5 * sim::kSecond;
    }
    if (g.has("assignor")) {
      gr.assignor = g.at("assignor").str();
      if (!models::assignors::find_assignor(gr.assignor, sc.client)) {
        std::string list;
        for (const auto& n : models::assignors::assignor_names())
          if (models::assignors::find_assignor(n, sc.client)) list += (list.empty() ? "" : ", ") + n;
        g.at("assignor").fail(std::string("expected one of") +
                              (sc.client == models::ClientFlavor::Librdkafka ? " (client librdkafka)" : "") + ": " + list);
      }
    }
    if (const auto* info = models::assignors::find_assignor_info(gr.assignor, sc.client)) {
      // A client whose only assignor supports the cooperative protocol uses it: the Java client
      // picks the highest protocol all its assignors support, librdkafka the assignor's own.
      if (info->cooperative && gr.protocol == "eager") {
        if (g.has("protocol")) {
          g.at("protocol").fail("assignor \"" + gr.assignor + "\" (groups[" + std::to_string(i) +
                                "].assignor) makes the client use the cooperative protocol: expected protocol: "
                                "cooperative, or leave protocol out");
        }
        gr.protocol = "cooperative";
      }
      if (gr.protocol == "cooperative" && !info->cooperative) {
        g.at("protocol").fail("the cooperative protocol needs a cooperative assignor (cooperative-sticky); \"" +
                              gr.assignor + "\" is eager-only");
      }
      if (gr.protocol != "consumer" && info->server_side) {
        g.at("assignor").fail("\"" + gr.assignor + "\" is a server-side assignor: it needs protocol: consumer");
      }
      if (gr.protocol == "consumer" && !info->server_side) {
        (g.has("assignor") ? g.at("assignor") : g)
            .fail("protocol consumer (KIP-848) assigns on the broker: expected a server-side assignor (uniform, server-range)");
      }
    }
    if (g.has("session_timeout")) gr.session_timeout = g.at("session_timeout").positive_duration();
    if (g.has("heartbeat_interval")) gr.heartbeat_interval = g.at("heartbeat_interval").positive_duration();
    if (g.has("max_poll_interval")) gr.max_poll_interval = g.at("max_poll_interval").positive_duration();
    if (gr.heartbeat_interval >= gr.session_timeout) {
      (g.has("heartbeat_interval") ? g.at("heartbeat_interval") : g)
          .fail("expected heartbeat_interval below session_timeout (Kafka rejects it otherwise)");
    }
    if (g.has("metadata_max_age")) gr.metadata_max_age = g.at("metadata_max_age").positive_duration();
    if (g.has("max_poll_records")) gr.max_poll_records = static_cast<std::int32_t>(g.at("max_poll_records").integer(1, 10'000'000));
    if (g.has("commit")) {
      Field c = g.at("commit");
      if (!c.is_map()) c.fail("expected a commit mapping such as {kind: auto, interval: 5s}");
      std::string kind = c.at("kind").one_of({"auto", "after_batch", "none"});
      if (kind == "auto") {
        c.expect_map({"kind", "interval"});
        gr.commit.kind = CommitSpec::Kind::Auto;
        if (c.has("interval")) gr.commit.interval = c.at("interval").positive_duration();
      } else {
        c.expect_map({"kind"});
        gr.commit.kind = kind == "after_batch" ? CommitSpec::Kind::AfterBatch : CommitSpec::Kind::None;
      }
    }
    if (g.has("start_spread")) {
      Field sp = g.at("start_spread");
      gr.start_spread = sp.duration();
      if (gr.start_spread >= sc.duration) {
        sp.fail("expected a start spread shorter than the run (" + sim::format_duration(sc.duration) + ")");
      }
    }
    if (g.has("client_start")) {
      gr.client_start = g.at("client_start").one_of({"cold", "warm"}) == "warm" ? GroupSpec::ClientStart::Warm
                                                                               : GroupSpec::ClientStart::Cold;
    }
    if (g.has("auto_offset_reset")) gr.auto_offset_reset = g.at("auto_offset_reset").one_of({"earliest", "latest"});
    Field c = g.at("consumers");
    c.expect_map({"count", "processing_time", "rack", "static"});
    gr.consumers.count = static_cast<std::int32_t>(c.at("count").integer(0, 100'000));
    gr.consumers.processing_time = parse_distribution(c.at("processing_time"));
    if (c.has("rack")) gr.consumers.rack = c.at("rack").str();
    if (c.has("static")) gr.consumers.static_membership = c.at("static").boolean();
    sc.groups.push_back(gr);
  }

  if (top.has("faults")) {
    Field fs = top.at("faults");
    if (!fs.is_seq()) fs.fail("expected a list of faults");
    // Members each group will have had by a given time: initial count plus earlier joins.
    std::map<std::string, std::vector<std::pair<Time, std::int32_t>>> joins;
    std::vector<std::pair<FaultSpec, Field>> parsed;
    for (std::size_t i = 0; i < fs.size(); ++i) {
      Field f = fs.at(i);
      if (!f.is_map()) f.fail("expected a fault mapping such as {at: 2m, crash: group/1}");
      FaultSpec fa;
      fa.source = f.location();
      fa.at = f.at("at").duration();
      if (fa.at >= sc.duration) f.at("at").fail("expected a time before the end of the run (" + sim::format_duration(sc.duration) + ")");
      const char* verbs[] = {"crash", "leave", "join", "slow", "restart", "rolling_restart", "add_partitions"};
      int found = 0;
      std::string verb;
      for (const char* v : verbs)
        if (f.has(v)) {
          ++found;
          verb = v;
        }
      if (found != 1) f.fail("expected exactly one of: crash, leave, join, slow, restart, rolling_restart, add_partitions");
      if (verb == "add_partitions") {
        f.expect_map({"at", "add_partitions", "count"});
        fa.kind = FaultSpec::Kind::AddPartitions;
        fa.topic = f.at("add_partitions").str();
        if (!sc.topic(fa.topic)) f.at("add_partitions").fail("expected the name of a topic listed under topics");
        Field n = f.at("count");
        fa.count = static_cast<std::int32_t>(n.integer(1, 100'000));
        parsed.emplace_back(fa, f);
        continue;
      }
      if (verb == "join" || verb == "rolling_restart") {
        fa.group = f.at(verb.c_str()).str();
        if (!sc.group(fa.group)) f.at(verb.c_str()).fail("expected the id of a group listed under groups");
      } else {
        auto [group, idx] = parse_member_ref(f.at(verb.c_str()));
        if (!sc.group(group)) f.at(verb.c_str()).fail("no group \"" + group + "\" in this scenario");
        fa.group = group;
        fa.member = idx;
      }
      if (verb == "slow") {
        // Kafka scenarios take any positive factor and duration.
        f.expect_map({"at", "slow", "factor", "for"});
        fa.kind = FaultSpec::Kind::Slow;
        fa.factor = f.at("factor").positive();
        fa.duration = f.at("for").positive_duration();
      } else {
        fields::parse_fault_verb(f, verb, fa);
        if (verb == "join") joins[fa.group].emplace_back(fa.at, fa.count);
      }
      parsed.emplace_back(fa, f);
    }
    for (auto& [fa, f] : parsed) {
      if (fa.member >= 0) {
        std::int32_t n = sc.group(fa.group)->consumers.count;
        for (auto [t, c] : joins[fa.group])
          if (t <= fa.at) n += c;
        if (fa.member >= n) {
          const char* verbs[] = {"crash", "leave", "join", "slow", "restart", "rolling_restart"};
          f.at(verbs[static_cast<int>(fa.kind)])
              .fail("group \"" + fa.group + "\" has consumers 0.." + std::to_string(n - 1) + " at that time");
        }
      }
      sc.faults.push_back(fa);
    }
    std::stable_sort(sc.faults.begin(), sc.faults.end(),
                     [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  }
  return sc;
}

}  // namespace

bool parse_duration(const std::string& text, sim::Time& out, std::string* error) {
  // The clock counts int64 nanoseconds: whole hours up to 2562047h fit, and every part and the
  // running sum are checked against that before they are added.
  constexpr Time kMaxDuration = 2'562'047 * sim::kHour;
  auto too_long = [error] {
    if (error) *error = "exceeds the maximum duration of 2562047h (about 292 years)";
    return false;
  };
  if (text == "0") {
    out = 0;
    return true;
  }
  std::size_t i = 0;
  Time total = 0;
  bool any = false;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start) return false;
    std::string num = text.substr(start, i - start);
    std::size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    Time scale;
    if (unit == "ns") scale = 1;
    else if (unit == "us") scale = sim::kMicrosecond;
    else if (unit == "ms") scale = sim::kMillisecond;
    else if (unit == "s") scale = sim::kSecond;
    else if (unit == "m") scale = sim::kMinute;
    else if (unit == "h") scale = sim::kHour;
    else return false;
    char* end = nullptr;
    double v = std::strtod(num.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v)) return false;
    const double ns = v * static_cast<double>(scale);
    if (ns > static_cast<double>(kMaxDuration)) return too_long();
    const Time part = static_cast<Time>(std::llround(ns));
    if (part > kMaxDuration - total) return too_long();
    total += part;
    any = true;
  }
  if (!any) return false;
  out = total;
  return true;
}

Override parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError("\"" + text + "\": expected <field path>=<value>, e.g. groups.0.consumers.count=8");
  }
  return Override{text.substr(0, eq), text.substr(eq + 1)};
}

Scenario load_scenario_text(const std::string& text, const std::string& origin, const std::vector<Override>& overrides) {
  // YAML allows no NUL character, and yaml-cpp would take a leading NUL for a UTF-16 mark and
  // decode the file into garbage: report the byte instead.
  // Names and ids are written back into JSON outputs, which must be UTF-8: reject other bytes here.
  auto bad = text.find('\0');
  if (bad == std::string::npos) bad = invalid_utf8_offset(text);
  if (bad != std::string::npos) {
    const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n') + 1;
    const auto bol = text.rfind('\n', bad);
    const auto col = bad - (bol == std::string::npos ? 0 : bol + 1) + 1;
    throw InputError(origin + ':' + std::to_string(line) + ':' + std::to_string(col) + ": unexpected " +
                     (text[bad] == '\0' ? std::string("NUL byte (\\x00)") : "byte " + escape_bytes(text.substr(bad, 1))) +
                     ": expected UTF-8 text");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::ostringstream m;
    m << origin << ':' << e.mark.line + 1 << ':' << e.mark.column + 1 << ": malformed YAML/JSON: " << e.msg;
    throw InputError(m.str());
  }
  if (!root.IsDefined() || root.IsNull()) throw InputError(origin + ": empty scenario");
  Source source{origin, {}, nullptr, {}, {}};
  fields::apply_overrides(root, overrides, source);
  return parse(root, source);
}

Scenario load_scenario_file(const std::string& path, const std::vector<Override>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path + ": is a directory, expected a scenario file (YAML or JSON)");
  }
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open scenario file");
  std::stringstream buf;
  buf << in.rdbuf();
  return load_scenario_text(buf.str(), path, overrides);
}

}  // namespace cgsim::scenarios
