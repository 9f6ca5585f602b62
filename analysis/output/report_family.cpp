#include "analysis/output/report_family.hpp"

#include <algorithm>
#include <map>

#include "analysis/metrics/json_read.hpp"
#include "analysis/output/readers.hpp"
#include "analysis/output/svg_chart.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis::report_parts {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::optional<FamilyRunOutputs> load_family_run_outputs(const fs::path& dir) {
  const fs::path sp = dir / "summary.json";
  if (!fs::exists(sp)) return std::nullopt;
  const json j = read_json(sp);
  if (!j.is_object() || !j.contains("broker") || !j["broker"].is_string() || j["broker"] == "kafka") return std::nullopt;
  FamilyRunOutputs out;
  FamilyRun& r = out.run;
  try {
    from_json(j, r.summary, r);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()).rfind(sp.string(), 0) == 0 ? e.what() : sp.string() + ": " + e.what());
  } catch (const json::exception& e) {
    throw InputError(sp.string() + ": malformed summary: " + e.what());
  }
  std::map<std::string, std::size_t> gidx;
  for (std::size_t g = 0; g < r.summary.groups.size(); ++g) gidx[r.summary.groups[g].id] = g;
  const fs::path bp = dir / "backlog.csv";
  for (const auto& f : read_csv(bp, {"time_s", "group", "backlog"})) {
    auto it = gidx.find(f[1]);
    if (it == gidx.end()) throw InputError(bp.string() + ": group \"" + f[1] + "\" is not in summary.json");
    r.backlog.push_back({to_d(f[0], bp), static_cast<std::int32_t>(it->second), static_cast<std::uint64_t>(std::max<std::int64_t>(0, to_int(f[2], bp)))});
  }
  return out;
}

namespace {

std::string percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? "-" : human(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + " %";
}

}  // namespace

void family_run_section(Doc& doc, const FamilyRunOutputs& out) {
  const FamilyRun& r = out.run;
  const RunSummary& s = r.summary;
  const std::string broker = r.broker == "rabbitmq" ? "RabbitMQ" : r.broker == "pulsar" ? "Pulsar" : r.broker;
  const std::string backlog_name = r.broker == "rabbitmq" ? "queue depth" : "backlog";
  doc.h2("Run summary");
  doc.para("Scenario " + s.scenario + " (" + broker + "), seed " + std::to_string(s.seed) + ", " +
           human(s.simulated_seconds) + " s simulated, " + human(static_cast<double>(s.events)) + " events.");
  doc.table({"produced", "consumed", "duplicates", "ordering violations", "final " + backlog_name, "max " + backlog_name,
             "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"},
            {{std::to_string(s.produced), std::to_string(s.consumed), std::to_string(s.duplicates),
              std::to_string(r.ordering_violations), std::to_string(s.final_lag), std::to_string(s.max_lag),
              human(s.latency_ms.p50), human(s.latency_ms.p90), human(s.latency_ms.p99), human(s.latency_ms.p999),
              human(s.latency_ms.max)}});
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    const GroupSummary& gs = s.groups[g];
    doc.h3((r.broker == "pulsar" ? "Subscription " : "Consumer group ") + gs.id +
           (g < r.sources.size() ? " (" + r.sources[g] + ")" : ""));
    doc.para("Consumed " + std::to_string(gs.consumed) + " messages (" + std::to_string(gs.duplicates) +
             " duplicates); max " + backlog_name + " " + std::to_string(gs.max_lag) + ", final " +
             std::to_string(gs.final_lag) + "; latency p99 " + human(gs.latency_ms.p99) + " ms. Ordering (per key): " +
             std::to_string(gs.ordering.out_of_order) + " messages processed out of order (" +
             std::to_string(gs.ordering.keys_affected) + " keys).");
    // Pulsar consumers have names of their own; RabbitMQ ones are known by their index.
    const bool named = std::any_of(gs.consumers.begin(), gs.consumers.end(), [](const ConsumerSummary& c) { return !c.member_id.empty(); });
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : gs.consumers) {
      std::vector<std::string> row{c.name};
      if (named) row.push_back(c.member_id);
      for (auto cell : {c.state, std::to_string(c.consumed), percent(c.consumed, gs.consumed), std::to_string(c.duplicates),
                        std::to_string(c.lost_work)})
        row.push_back(cell);
      rows.push_back(std::move(row));
    }
    std::vector<std::string> head{"consumer"};
    if (named) head.push_back("name");
    for (const char* h : {"state", "consumed", "share", "duplicates", "lost work"}) head.push_back(h);
    doc.table(head, rows);
    if (gs.duplicates > 0) {
      doc.para("Duplicates: messages the consumer processed again. Lost work: the duplicates charged to the "
               "consumer's own faults (it had processed them without settling them), whoever processed them again.");
    }
    std::vector<std::vector<std::string>> faults;
    for (const FaultRecord& f : s.faults) {
      if (f.group != gs.id) continue;
      faults.push_back({human(f.at_s), f.kind, f.subject, std::to_string(f.duplicates), std::to_string(f.out_of_order),
                        std::to_string(f.keys_affected), std::to_string(f.peak_lag),
                        f.recovery_s < 0 ? "not yet" : human(f.recovery_s)});
    }
    if (!faults.empty())
      doc.table({"fault at s", "fault", "subject", "duplicates", "out of order", "keys", "peak " + backlog_name,
                 "recovered s"},
                faults);
  }
  doc.h3(broker + " counts");
  std::vector<std::vector<std::string>> counts;
  for (const auto& [k, v] : r.counts) counts.push_back({k, std::to_string(v)});
  counts.push_back({"ordering violations", std::to_string(r.ordering_violations)});
  doc.table({"count", "value"}, counts);

  if (!r.backlog.empty()) {
    Chart c("backlog", (r.broker == "rabbitmq" ? "Queue depth" : "Subscription backlog") + std::string(" over time"),
            "time (s)", backlog_name + " (messages)");
    for (std::size_t g = 0; g < s.groups.size(); ++g) {
      std::vector<double> xs, ys;
      for (const auto& b : r.backlog)
        if (static_cast<std::size_t>(b.group) == g) xs.push_back(b.time_s), ys.push_back(static_cast<double>(b.backlog));
      if (!xs.empty()) c.line(s.groups[g].id, xs, ys, color(g));
    }
    for (const FaultRecord& f : s.faults) c.marker(f.at_s, f.kind + " " + f.subject, "#d62728");
    doc.plot(c, "The " + backlog_name + " of each " + (r.broker == "pulsar" ? "subscription" : "consumer group") +
                    " at every sample (ready plus unacknowledged messages); faults marked.");
  }
  Chart lat("latency-percentiles", "Latency percentiles", "percentile", "end-to-end latency (ms)");
  lat.x_categories({"p50", "p90", "p99", "p99.9", "max"});
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    const LatencySummary& l = s.groups[g].latency_ms;
    lat.line(s.groups[g].id, {0, 1, 2, 3, 4}, {l.p50, l.p90, l.p99, l.p999, l.max}, color(g), false, true);
  }
  doc.plot(lat, "End-to-end latency (publish to processed) of each group's first processings, by percentile.");
}

}  // namespace cgsim::analysis::report_parts
