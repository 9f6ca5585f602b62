#include <filesystem>
#include <map>

#include "analysis/output/output.hpp"
#include "analysis/output/readers.hpp"
#include "analysis/output/trace.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace fs = std::filesystem;
using json = nlohmann::json;

SimulationResult load_run_outputs(const std::string& dir) {
  const fs::path d(dir);
  const fs::path sp = d / "summary.json";
  if (!fs::exists(sp)) throw InputError(sp.string() + ": not found (write it with cgsim run --out " + dir + ")");
  json j = read_json(sp);
  SimulationResult r;
  RunSummary& s = r.summary;
  auto lat = [](const json& l) {
    LatencySummary x;
    x.p50 = l.value("p50", 0.0);
    x.p90 = l.value("p90", 0.0);
    x.p99 = l.value("p99", 0.0);
    x.p999 = l.value("p999", 0.0);
    x.max = l.value("max", 0.0);
    x.mean = l.value("mean", 0.0);
    x.count = l.value("count", std::uint64_t{0});
    return x;
  };
  try {
    s.scenario = j.at("scenario").get<std::string>();
    s.backend = j.value("backend", "simulator");
    s.seed = j.value("seed", std::uint64_t{0});
    s.simulated_seconds = j.at("simulated_seconds").get<double>();
    s.wall_seconds = j.value("wall_seconds", 0.0);
    s.events = j.value("events", std::uint64_t{0});
    s.produced = j.value("produced", std::uint64_t{0});
    s.consumed = j.value("consumed", std::uint64_t{0});
    s.duplicates = j.value("duplicates", std::uint64_t{0});
    s.skipped = j.value("skipped", std::uint64_t{0});
    s.final_lag = j.value("final_lag", std::uint64_t{0});
    s.max_lag = j.value("max_lag", std::uint64_t{0});
    if (j.contains("latency_ms")) s.latency_ms = lat(j["latency_ms"]);
    for (const auto& rb : j.value("rebalances", json::array())) {
      RebalanceRecord x;
      x.group = rb.at("group").get<std::string>();
      x.start_s = rb.at("start_s").get<double>();
      x.end_s = rb.value("end_s", -1.0);
      x.generation = rb.value("generation", 0);
      x.trigger = rb.value("trigger", "");
      x.protocol = rb.value("protocol", "");
      x.rounds = rb.value("rounds", 1);
      x.partitions_moved = rb.value("partitions_moved", std::int64_t{0});
      x.partitions_revoked = rb.value("partitions_revoked", std::int64_t{0});
      x.partitions_assigned = rb.value("partitions_assigned", std::int64_t{0});
      x.stop_the_world_partition_s = rb.value("stop_the_world_partition_s", 0.0);
      s.rebalances.push_back(x);
    }
    for (const auto& gj : j.value("generations", json::array())) {
      GenerationRecord g;
      g.group = gj.at("group").get<std::string>();
      g.generation = gj.value("generation", 0);
      g.start_s = gj.at("start_s").get<double>();
      g.assignment = gj.value("assignment", std::map<std::string, std::vector<std::string>>{});
      s.generations.push_back(std::move(g));
    }
    for (const auto& gj : j.at("groups")) {
      GroupSummary g;
      g.id = gj.at("id").get<std::string>();
      g.produced = gj.value("produced", std::uint64_t{0});
      g.consumed = gj.value("consumed", std::uint64_t{0});
      g.duplicates = gj.value("duplicates", std::uint64_t{0});
      g.skipped = gj.value("skipped", std::uint64_t{0});
      g.final_lag = gj.value("final_lag", std::uint64_t{0});
      g.final_committed_lag = gj.value("final_committed_lag", std::uint64_t{0});
      g.max_lag = gj.value("max_lag", std::uint64_t{0});
      g.max_lag_seconds = gj.value("max_lag_seconds", 0.0);
      if (gj.contains("latency_ms")) g.latency_ms = lat(gj["latency_ms"]);
      g.generation = gj.value("generation", 0);
      for (const auto& cj : gj.value("consumers", json::array())) {
        ConsumerSummary c;
        c.name = cj.at("name").get<std::string>();
        c.member_id = cj.value("member_id", "");
        c.state = cj.value("state", "");
        c.consumed = cj.value("consumed", std::uint64_t{0});
        c.duplicates = cj.value("duplicates", std::uint64_t{0});
        c.partitions = cj.value("partitions", std::vector<std::string>{});
        g.consumers.push_back(std::move(c));
      }
      s.groups.push_back(std::move(g));
    }
  } catch (const json::exception& e) {
    throw InputError(sp.string() + ": malformed summary: " + e.what());
  }
  std::map<std::string, std::int32_t> gidx;
  for (std::size_t g = 0; g < s.groups.size(); ++g) gidx[s.groups[g].id] = static_cast<std::int32_t>(g);
  auto group_of = [&](const std::string& id, const fs::path& p) {
    auto it = gidx.find(id);
    if (it == gidx.end()) throw InputError(p.string() + ": group \"" + id + "\" is not in summary.json");
    return it->second;
  };
  std::map<std::string, std::int32_t> pidx;
  {
    const fs::path p = d / "lag.csv";
    for (const auto& f : read_csv(p, {"time_s", "group", "partition", "log_end", "committed", "lag"})) {
      auto it = pidx.find(f[2]);
      if (it == pidx.end()) {
        it = pidx.emplace(f[2], static_cast<std::int32_t>(r.partition_names.size())).first;
        r.partition_names.push_back(f[2]);
      }
      r.lag.push_back({to_d(f[0], p), group_of(f[1], p), it->second, static_cast<std::int64_t>(to_d(f[3], p)),
                       static_cast<std::int64_t>(to_d(f[4], p)), static_cast<std::int64_t>(to_d(f[5], p))});
    }
  }
  {
    const fs::path p = d / "group_lag.csv";
    for (const auto& f : read_csv(p, {"time_s", "group", "lag", "lag_seconds"})) {
      r.group_lag.push_back({to_d(f[0], p), group_of(f[1], p), static_cast<std::int64_t>(to_d(f[2], p)), to_d(f[3], p)});
    }
  }
  {
    const fs::path p = d / "throughput.csv";
    for (const auto& f : read_csv(p, {"time_s", "group", "consumer", "records"})) {
      const std::int32_t g = group_of(f[1], p);
      const int idx = split_consumer_name(f[2]).second;
      r.throughput.push_back({to_d(f[0], p), g, idx, static_cast<std::uint64_t>(to_d(f[3], p))});
    }
  }
  {
    const fs::path p = d / "timeline.csv";
    for (const auto& f : read_csv(p, {"time_s", "kind", "subject", "detail"})) {
      r.timeline.push_back({to_d(f[0], p), f[1], f[2], f[3]});
    }
  }
  return r;
}

}  // namespace cgsim::analysis
