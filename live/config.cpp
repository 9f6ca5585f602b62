// Client properties, scenario scaling and the checks of settings against broker limits.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "live/backend.hpp"
#include "live/java/java_consumer.hpp"
#include "live/scale_timeline.hpp"
#include "models/common/error.hpp"

namespace cgsim::live {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string ms(sim::Time t) { return std::to_string(t / sim::kMillisecond) + " ms"; }

}  // namespace

sim::Time scale_time(sim::Time t, double s) {
  if (t == sim::kNever || t < 0) return t;
  return static_cast<sim::Time>(std::llround(static_cast<double>(t) * s));
}

std::pair<std::string, std::string> parse_property(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos) throw InputError("client property \"" + text + "\": expected key=value");
  std::string key = trim(text.substr(0, eq));
  if (key.empty()) throw InputError("client property \"" + text + "\": empty key");
  return {key, text.substr(eq + 1)};
}

ClientProperties read_properties_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open client properties file");
  ClientProperties out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    auto sep = t.find_first_of("=:");
    if (sep == std::string::npos) {
      throw InputError(path + ":" + std::to_string(n) + ": expected key=value, got \"" + t + "\"");
    }
    std::string key = trim(t.substr(0, sep));
    if (key.empty()) throw InputError(path + ":" + std::to_string(n) + ": empty key");
    out.emplace_back(key, trim(t.substr(sep + 1)));
  }
  return out;
}

models::Scenario scale_scenario(const models::Scenario& in, double s) {
  if (!(s > 0) || s > 1) {
    std::ostringstream m;
    m << "time scale " << s << ": expected a number in (0, 1]";
    throw InputError(m.str());
  }
  models::Scenario sc = in;
  sc.time_scale = 1;
  scale_timeline(sc, sc.producers, s);
  sc.broker.initial_rebalance_delay = scale_time(sc.broker.initial_rebalance_delay, s);
  for (auto& p : sc.producers) p.metadata_max_age = scale_time(p.metadata_max_age, s);
  for (auto& g : sc.groups) {
    g.session_timeout = scale_time(g.session_timeout, s);
    g.heartbeat_interval = scale_time(g.heartbeat_interval, s);
    g.max_poll_interval = scale_time(g.max_poll_interval, s);
    g.commit.interval = scale_time(g.commit.interval, s);
    g.metadata_max_age = scale_time(g.metadata_max_age, s);
  }
  return sc;
}

std::string librdkafka_strategy(const std::string& assignor) {
  if (assignor == "range" || assignor == "roundrobin") return assignor;
  if (assignor == "cooperative-sticky" || assignor == "cooperative_sticky") return "cooperative-sticky";
  throw InputError("assignor \"" + assignor +
                   "\" is not implemented by librdkafka; live runs support range, roundrobin and cooperative-sticky");
}

void use_broker_consumer_settings(models::Scenario& sc, const BrokerLimits& limits, std::vector<std::string>& warnings) {
  for (auto& g : sc.groups) {
    if (g.protocol != "consumer") continue;
    const std::string where = "group " + g.id + ": ";
    if (limits.from_broker && !limits.consumer_protocol) {
      throw InputError(where + "protocol: consumer (KIP-848) needs a broker with "
                       "group.coordinator.rebalance.protocols=classic,consumer; this one serves only the classic protocol");
    }
    const sim::Time session = limits.consumer_session_timeout_ms * sim::kMillisecond;
    const sim::Time heartbeat = limits.consumer_heartbeat_interval_ms * sim::kMillisecond;
    if (g.session_timeout != session || g.heartbeat_interval != heartbeat) {
      warnings.push_back(where + "the consumer protocol takes the broker's group.consumer.session.timeout.ms (" +
                         ms(session) + ") and group.consumer.heartbeat.interval.ms (" + ms(heartbeat) +
                         "), not the scenario's scaled " + ms(g.session_timeout) + " and " + ms(g.heartbeat_interval) +
                         "; the simulation uses the broker's");
    }
    g.session_timeout = session;
    g.heartbeat_interval = heartbeat;
  }
}

std::vector<std::string> check_live_settings(const models::Scenario& sc, const BrokerLimits& limits, bool mock) {
  std::vector<std::string> w;
  for (const auto& g : sc.groups) {
    const std::string where = "group " + g.id + ": ";
    const bool java = sc.client == models::ClientFlavor::Java;
    if (!java) librdkafka_strategy(g.assignor);
    if (java && g.protocol != "consumer") java::java_assignor_class(g.assignor);
    if (g.session_timeout < sim::kMillisecond || g.heartbeat_interval < sim::kMillisecond) {
      throw InputError(where + "scaled session_timeout and heartbeat_interval must be at least 1 ms (the clients' unit)");
    }
    if (!java && g.max_poll_interval < g.session_timeout) {
      throw InputError(where + "scaled max_poll_interval (" + ms(g.max_poll_interval) +
                       ") is below session_timeout (" + ms(g.session_timeout) +
                       "); librdkafka rejects max.poll.interval.ms < session.timeout.ms");
    }
    const std::int64_t session_ms = g.session_timeout / sim::kMillisecond;
    if (!mock && g.protocol != "consumer" && session_ms < limits.min_session_timeout_ms) {
      w.push_back(where + "scaled session.timeout.ms " + std::to_string(session_ms) +
                  " is below the broker's group.min.session.timeout.ms " +
                  std::to_string(limits.min_session_timeout_ms) +
                  (limits.from_broker ? "" : " (Kafka's default; the broker's setting could not be read)") +
                  ": the broker will reject the consumers' JoinGroup; raise time_scale or the broker setting");
    }
    if (!mock && session_ms > limits.max_session_timeout_ms) {
      w.push_back(where + "scaled session.timeout.ms " + std::to_string(session_ms) +
                  " is above the broker's group.max.session.timeout.ms " + std::to_string(limits.max_session_timeout_ms));
    }
    if (g.heartbeat_interval * 3 > g.session_timeout) {
      w.push_back(where + "heartbeat_interval is more than a third of session_timeout; a member may time out "
                  "after one late heartbeat");
    }
    if (mock && g.session_timeout < 5 * sim::kSecond) {
      // The mock coordinator answers the first JoinGroup of an empty group only after 3 s, but
      // expires members that wait that long (its session check runs once a second).
      throw InputError(where + "scaled session timeout " + ms(g.session_timeout) +
                       " is too short for librdkafka's mock cluster, which holds the first JoinGroup for 3 s and "
                       "expires members waiting longer than session.timeout.ms: use at least 5 s there (raise "
                       "time_scale) or a real broker (--bootstrap)");
    }
    if (mock) {
      w.push_back(where + "the mock cluster checks session timeouts once a second, so a crash is detected up to 1 s "
                  "late, and after a membership change it waits session.timeout.ms - 1 s before assigning");
    }
    if (g.commit.kind == models::CommitSpec::Kind::Auto && g.commit.interval < 10 * sim::kMillisecond) {
      w.push_back(where + "scaled auto-commit interval " + ms(g.commit.interval) +
                  " is very short; commits will dominate the broker's load");
    }
    const sim::Time mean_processing = static_cast<sim::Time>(g.consumers.processing_time.mean() * 1e9);
    if (mean_processing > 0 && static_cast<double>(mean_processing) * g.max_poll_records > static_cast<double>(g.max_poll_interval)) {
      w.push_back(where + "a full batch of " + std::to_string(g.max_poll_records) + " records at the mean processing time (" +
                  std::to_string(mean_processing / 1000) + " us each) takes longer than the scaled max_poll_interval (" +
                  ms(g.max_poll_interval) + "): scaling shortens timeouts but not processing, so members may be evicted "
                  "more often than in the unscaled scenario");
    }
    if (mean_processing > 0 && mean_processing < 50 * sim::kMicrosecond) {
      w.push_back(where + "mean processing time " + std::to_string(mean_processing / 1000) +
                  " us is close to the resolution of a thread sleep; live processing will be slower");
    }
  }
  for (const auto& p : sc.producers) {
    double peak = p.rate.per_second;
    for (const auto& st : p.rate.steps) peak = std::max(peak, st.second);
    if (peak * p.count > 50000) {
      w.push_back("producer on " + p.topic + ": scaled peak rate " + std::to_string(static_cast<long long>(peak * p.count)) +
                  " records/s may be more than this machine produces and consumes in real time");
    }
  }
  return w;
}

std::string make_run_id() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%06x", static_cast<unsigned>(rd()) & 0xffffffu);
  return std::string(buf) + suffix;
}

nlohmann::json to_json(const LiveDetails& d) {
  nlohmann::json j;
  j["run_id"] = d.run_id;
  j["bootstrap"] = d.bootstrap;
  j["mock"] = d.mock;
  j["time_scale"] = d.time_scale;
  j["broker_limits"] = {{"initial_rebalance_delay_ms", d.limits.initial_rebalance_delay_ms},
                        {"min_session_timeout_ms", d.limits.min_session_timeout_ms},
                        {"max_session_timeout_ms", d.limits.max_session_timeout_ms},
                        {"consumer_protocol", d.limits.consumer_protocol},
                        {"consumer_session_timeout_ms", d.limits.consumer_session_timeout_ms},
                        {"consumer_heartbeat_interval_ms", d.limits.consumer_heartbeat_interval_ms},
                        {"from_broker", d.limits.from_broker}};
  j["topics_created"] = d.topics_created;
  j["topics_deleted"] = d.topics_deleted;
  j["groups_created"] = d.groups_created;
  j["groups_deleted"] = d.groups_deleted;
  j["leftovers"] = d.leftovers;
  j["warnings"] = d.warnings;
  j["produced_per_partition"] = d.produced_per_partition;
  return j;
}

}  // namespace cgsim::live
