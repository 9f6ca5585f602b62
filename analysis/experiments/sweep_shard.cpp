#include "analysis/experiments/sweep_shard.hpp"

#include <algorithm>
#include <chrono>

#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

nlohmann::json sweep_spec(const SweepOptions& o, const SweepResult& skeleton) {
  nlohmann::json set = nlohmann::json::array();
  for (const auto& ov : o.base_overrides) set.push_back({{"path", ov.path}, {"value", ov.value}});
  nlohmann::json axes = nlohmann::json::array();
  for (const auto& a : o.axes) axes.push_back({{"path", a.path}, {"values", a.values}});
  nlohmann::json spec{{"set", set}, {"axes", axes}, {"seeds", o.seeds}, {"metrics", skeleton.metrics}};
  if (skeleton.broker != "kafka") spec["broker"] = skeleton.broker;
  return spec;
}

}  // namespace

nlohmann::json run_sweep_shard(const SweepOptions& o, const Shard& shard, double& wall_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepScenarios scenarios;
  SweepResult res = sweep_skeleton(o, scenarios);
  const std::size_t total = scenarios.size() * o.seeds;
  std::vector<std::size_t> units;
  for (std::size_t u = shard.index; u < total; u += shard.count) units.push_back(u);
  // The budget applies to the runs this shard starts: its own points, as many at once as it runs.
  std::vector<bool> points(scenarios.size(), false);
  for (std::size_t u : units) points[u / o.seeds] = true;
  if (!units.empty()) {
    check_sweep_budget(o, scenarios, res, points, static_cast<unsigned>(std::min<std::size_t>(res.jobs, units.size())));
  }
  std::vector<SweepRun> runs(units.size());
  ProgressBar bar("runs (shard " + shard.text() + ")", units.size(), o.progress && stderr_is_tty());
  parallel_for(units.size(), res.jobs, [&](std::size_t i) {
    runs[i] = run_sweep_unit(scenarios, units[i] / o.seeds, units[i] % o.seeds);
  }, &bar);

  nlohmann::json doc;
  doc["manifest"] = shard_manifest("sweep", o.scenario_file, sweep_spec(o, res), shard, total, units);
  doc["scenario"] = res.scenario;
  doc["base_seed"] = res.base_seed;
  nlohmann::json rj = nlohmann::json::array();
  for (std::size_t i = 0; i < units.size(); ++i) {
    nlohmann::json values = nlohmann::json::array();
    for (double v : runs[i].values) values.push_back(exact_number(v));
    rj.push_back({{"unit", units[i]}, {"seed", runs[i].seed}, {"values", values}});
  }
  doc["runs"] = std::move(rj);
  wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return doc;
}

SweepResult merge_sweep_shards(const std::vector<ShardDir>& shards) {
  const auto& first = shards.front();
  const auto& m = first.doc.at("manifest");
  SweepResult res;
  std::vector<SweepRun> runs;
  try {
    const auto& spec = m.at("spec");
    res.scenario_file = m.at("scenario_file").get<std::string>();
    res.scenario = first.doc.at("scenario").get<std::string>();
    res.base_seed = first.doc.at("base_seed").get<std::uint64_t>();
    res.seeds = spec.at("seeds").get<std::size_t>();
    for (const auto& a : spec.at("axes")) res.axes.push_back({a.at("path").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
    res.broker = spec.value("broker", std::string("kafka"));
    res.metrics = spec.at("metrics").get<std::vector<std::string>>();
    const auto expected = sweep_metric_names(res.broker);
    if (res.metrics.size() != expected.size()) throw InputError("");
    for (std::size_t i = 0; i < res.metrics.size(); ++i) {
      if (res.metrics[i] != expected[i].first) throw InputError("");
      res.units.push_back(expected[i].second);
    }
    for (const auto& combo : cross_product(res.axes)) {
      SweepPoint p;
      p.params = combo;
      res.points.push_back(std::move(p));
    }
    const std::size_t total = m.at("units").at("total").get<std::size_t>();
    if (total != res.points.size() * res.seeds) throw InputError("");
    runs.resize(total);
    for (const auto& s : shards) {
      for (const auto& rj : s.doc.at("runs")) {
        const std::size_t u = rj.at("unit").get<std::size_t>();
        if (u >= total) throw InputError("");
        SweepRun r;
        r.seed = rj.at("seed").get<std::uint64_t>();
        for (const auto& v : rj.at("values")) r.values.push_back(exact_number_from(v));
        if (r.values.size() != res.metrics.size()) throw InputError("");
        runs[u] = std::move(r);
      }
      res.wall_seconds += s.wall_seconds;
    }
    for (std::size_t u = 0; u < total; ++u)
      if (runs[u].values.empty()) throw InputError("");
  } catch (const std::exception&) {
    throw InputError("merge: " + escape_bytes(first.dir) + "/shard.json and the others: malformed sweep shard "
                     "(expected spec.seeds, spec.axes, spec.metrics as this cgsim names them, and one record "
                     "{unit, seed, values} per covered unit)");
  }
  res.jobs = static_cast<unsigned>(shards.size());
  finish_sweep(res, std::move(runs));
  return res;
}

}  // namespace cgsim::analysis
