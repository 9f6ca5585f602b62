#include <algorithm>
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
  SimulationResult r;
  RunSummary& s = r.summary;
  const json j = read_json(sp);
  try {
    j.get_to(s);
  } catch (const InputError& e) {  // the field's path and what was expected
    throw InputError(sp.string() + ": " + e.what());
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
      r.lag.push_back({to_d(f[0], p), group_of(f[1], p), it->second, to_int(f[3], p),
                       to_int(f[4], p), to_int(f[5], p)});
    }
  }
  {
    const fs::path p = d / "group_lag.csv";
    for (const auto& f : read_csv(p, {"time_s", "group", "lag", "lag_seconds"})) {
      r.group_lag.push_back({to_d(f[0], p), group_of(f[1], p), to_int(f[2], p), to_d(f[3], p)});
    }
  }
  {
    const fs::path p = d / "throughput.csv";
    for (const auto& f : read_csv(p, {"time_s", "group", "consumer", "records"})) {
      const std::int32_t g = group_of(f[1], p);
      const int idx = split_consumer_name(f[2]).second;
      r.throughput.push_back({to_d(f[0], p), g, idx, static_cast<std::uint64_t>(std::max<std::int64_t>(0, to_int(f[3], p)))});
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
