#include "analysis/output/trace.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/output/atomic_file.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

using json = nlohmann::json;

/// Microseconds, clamped to +-2^61 (times read back from files may be anything; the difference of
/// two clamped values cannot overflow).
std::int64_t us(double seconds) {
  constexpr double kLimit = 2305843009213693952.0;  // 2^61
  const double v = seconds * 1e6;
  return std::isnan(v) ? 0 : std::llround(std::clamp(v, -kLimit, kLimit));
}

std::pair<std::string, int> split_consumer(const std::string& s) { return split_consumer_name(s); }

constexpr int kRebalanceTid = 1;
constexpr int kGroupStateTid = 2;
int state_tid(int consumer) { return 10 + 2 * consumer; }
int partitions_tid(int consumer) { return 11 + 2 * consumer; }

json meta(const char* what, int pid, int tid, const json& args) {
  return {{"ph", "M"}, {"name", what}, {"pid", pid}, {"tid", tid}, {"args", args}};
}

json span(const std::string& name, const char* cat, int pid, int tid, double start_s, double end_s, json args = json::object()) {
  std::int64_t ts = us(start_s);
  std::int64_t dur = std::max<std::int64_t>(us(end_s) - ts, 1);
  return {{"ph", "X"}, {"name", name}, {"cat", cat}, {"pid", pid}, {"tid", tid}, {"ts", ts}, {"dur", dur}, {"args", std::move(args)}};
}

}  // namespace

std::vector<OwnershipSpan> ownership_spans(const SimulationResult& r) {
  const RunSummary& s = r.summary;
  std::map<std::string, std::vector<double>> rebalance_starts;
  for (const auto& rb : s.rebalances) rebalance_starts[rb.group].push_back(rb.start_s);
  for (auto& [g, v] : rebalance_starts) std::sort(v.begin(), v.end());
  std::map<std::string, std::vector<double>> stops;
  for (const auto& e : r.timeline) {
    if (e.kind == "member_state" && e.detail.size() >= 7 && e.detail.substr(e.detail.size() - 7) == "Stopped") {
      stops[e.subject].push_back(e.time_s);
    }
  }
  std::vector<OwnershipSpan> out;
  for (const auto& gen : s.generations) {
    double next = s.simulated_seconds;
    for (double t : rebalance_starts[gen.group])
      if (t > gen.start_s) {
        next = t;
        break;
      }
    for (const auto& [name, parts] : gen.assignment) {
      if (parts.empty()) continue;
      OwnershipSpan sp;
      sp.group = gen.group;
      sp.consumer = name;
      sp.consumer_index = split_consumer_name(name).second;
      sp.generation = gen.generation;
      sp.start_s = gen.start_s;
      sp.end_s = next;
      for (double t : stops[name])
        if (t >= gen.start_s) {
          sp.end_s = std::min(sp.end_s, t);
          break;
        }
      sp.partitions = parts;
      out.push_back(std::move(sp));
    }
  }
  return out;
}

json chrome_trace(const SimulationResult& r) {
  const RunSummary& s = r.summary;
  const double end_s = s.simulated_seconds;
  json events = json::array();
  std::map<std::string, int> pid;  // group id -> pid
  std::map<std::string, std::map<int, std::string>> consumers;  // group -> index -> name
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    pid[s.groups[g].id] = static_cast<int>(g) + 1;
    for (const auto& c : s.groups[g].consumers) {
      auto [grp, idx] = split_consumer(c.name);
      if (idx >= 0) consumers[s.groups[g].id][idx] = c.name;
    }
  }
  auto pid_of = [&](const std::string& group) {
    auto it = pid.find(group);
    if (it != pid.end()) return it->second;
    int p = static_cast<int>(pid.size()) + 1;
    pid[group] = p;
    return p;
  };
  for (const auto& e : r.timeline) {
    auto [grp, idx] = split_consumer(e.subject);
    if (idx >= 0) consumers[grp][idx] = e.subject;
  }
  for (const auto& gen : s.generations)
    for (const auto& [name, parts] : gen.assignment) {
      auto [grp, idx] = split_consumer(name);
      if (idx >= 0) consumers[grp][idx] = name;
    }

  // Names and order of the tracks.
  for (const auto& [group, p] : pid) {
    events.push_back(meta("process_name", p, 0, {{"name", "group " + group}}));
    events.push_back(meta("process_sort_index", p, 0, {{"sort_index", p}}));
    events.push_back(meta("thread_name", p, kRebalanceTid, {{"name", "rebalances"}}));
    events.push_back(meta("thread_sort_index", p, kRebalanceTid, {{"sort_index", kRebalanceTid}}));
    events.push_back(meta("thread_name", p, kGroupStateTid, {{"name", "group state"}}));
    events.push_back(meta("thread_sort_index", p, kGroupStateTid, {{"sort_index", kGroupStateTid}}));
    for (const auto& [idx, name] : consumers[group]) {
      events.push_back(meta("thread_name", p, state_tid(idx), {{"name", name + " state"}}));
      events.push_back(meta("thread_sort_index", p, state_tid(idx), {{"sort_index", state_tid(idx)}}));
      events.push_back(meta("thread_name", p, partitions_tid(idx), {{"name", name + " partitions"}}));
      events.push_back(meta("thread_sort_index", p, partitions_tid(idx), {{"sort_index", partitions_tid(idx)}}));
    }
  }

  // Rebalances.
  for (const auto& rb : s.rebalances) {
    const double e = rb.end_s >= 0 ? rb.end_s : end_s;
    events.push_back(span("rebalance: " + rb.trigger, "rebalance", pid_of(rb.group), kRebalanceTid, rb.start_s, e,
                          {{"generation", rb.generation},
                           {"trigger", rb.trigger},
                           {"protocol", rb.protocol},
                           {"rounds", rb.rounds},
                           {"partitions_moved", rb.partitions_moved},
                           {"completed", rb.end_s >= 0}}));
  }

  // Member and group states as consecutive spans.
  std::map<std::string, std::vector<std::pair<double, std::string>>> member_states, group_states;
  for (const auto& e : r.timeline) {
    if (e.kind != "member_state" && e.kind != "group_state") continue;
    auto arrow = e.detail.find(" -> ");
    std::string to = arrow == std::string::npos ? e.detail : e.detail.substr(arrow + 4);
    (e.kind == "member_state" ? member_states : group_states)[e.subject].emplace_back(e.time_s, to);
  }
  for (const auto& [name, states] : member_states) {
    auto [grp, idx] = split_consumer(name);
    for (std::size_t i = 0; i < states.size(); ++i) {
      const double e = i + 1 < states.size() ? states[i + 1].first : end_s;
      if (e > states[i].first || i + 1 == states.size())
        events.push_back(span(states[i].second, "member_state", pid_of(grp), state_tid(idx), states[i].first, e));
    }
  }
  for (const auto& [group, states] : group_states) {
    for (std::size_t i = 0; i < states.size(); ++i) {
      const double e = i + 1 < states.size() ? states[i + 1].first : end_s;
      if (e > states[i].first || i + 1 == states.size())
        events.push_back(span(states[i].second, "group_state", pid_of(group), kGroupStateTid, states[i].first, e));
    }
  }

  // Partition ownership.
  for (const auto& sp : ownership_spans(r)) {
    events.push_back(span("gen " + std::to_string(sp.generation) + ": " + std::to_string(sp.partitions.size()) +
                              (sp.partitions.size() == 1 ? " partition" : " partitions"),
                          "assignment", pid_of(sp.group), partitions_tid(sp.consumer_index), sp.start_s, sp.end_s,
                          {{"generation", sp.generation}, {"partitions", sp.partitions}}));
  }

  // Faults.
  for (const auto& e : r.timeline) {
    if (e.kind != "fault") continue;
    auto [grp, idx] = split_consumer(e.subject);
    json ev{{"ph", "i"}, {"name", e.detail + " " + e.subject}, {"cat", "fault"}, {"pid", pid_of(grp)},
            {"tid", idx >= 0 ? state_tid(idx) : kRebalanceTid}, {"ts", us(e.time_s)},
            {"s", idx >= 0 ? "t" : "p"}, {"args", {{"fault", e.detail}, {"subject", e.subject}}}};
    events.push_back(std::move(ev));
  }

  // Lag counters.
  for (const auto& l : r.group_lag) {
    if (l.group < 0 || static_cast<std::size_t>(l.group) >= s.groups.size()) continue;
    const int p = pid_of(s.groups[static_cast<std::size_t>(l.group)].id);
    events.push_back({{"ph", "C"}, {"name", "lag (records)"}, {"pid", p}, {"ts", us(l.time_s)}, {"args", {{"records", l.lag}}}});
    events.push_back({{"ph", "C"}, {"name", "lag (seconds)"}, {"pid", p}, {"ts", us(l.time_s)},
                      {"args", {{"seconds", std::round(l.lag_seconds * 1000) / 1000}}}});
  }

  return {{"traceEvents", std::move(events)},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"scenario", s.scenario}, {"seed", s.seed}, {"simulated_seconds", s.simulated_seconds},
                         {"generator", "cgsim"}}}};
}

void write_chrome_trace(const std::string& path, const SimulationResult& r) {
  // Names read back from a run's CSVs may hold bytes that are not UTF-8: replace them.
  write_file_atomically(path, chrome_trace(r).dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace cgsim::analysis
