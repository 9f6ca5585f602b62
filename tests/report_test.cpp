// Reports and traces: axis ticks, reading run outputs back, the HTML and Markdown reports (self-
// contained, one SVG per plot, every plot with marks), and the Chrome trace's structure.
// The rendering in a real browser is tests/report_browser/.
#include "analysis/output/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "analysis/output/fault_table.hpp"
#include "analysis/output/output.hpp"
#include "analysis/experiments/sweep.hpp"
#include "analysis/output/trace.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

namespace an = cgsim::analysis;
namespace fs = std::filesystem;

namespace {

const char* kScenario = R"(name: report-small
seed: 3
duration: 60s
broker: {initial_rebalance_delay: 1s}
topics: [{name: t, partitions: 6}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 1500}, keys: {kind: zipf, cardinality: 2000, exponent: 1.0}}
groups:
  - id: g
    topics: [t]
    session_timeout: 6s
    heartbeat_interval: 2s
    consumers: {count: 3, processing_time: {kind: lognormal, median: 200us, sigma: 0.5}}
faults:
  - {at: 20s, crash: g/1}
  - {at: 35s, join: g, count: 1}
)";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

struct RunDir {
  fs::path dir;
  an::SimulationResult result;
};

RunDir make_run(const std::string& name) {
  RunDir r;
  r.dir = fs::path(CGSIM_BINARY_DIR) / name;
  fs::remove_all(r.dir);
  auto sc = cgsim::scenarios::load_scenario_text(kScenario, "report.yaml");
  an::SimulateOptions o;
  o.series = true;
  r.result = an::simulate_full(sc, o);
  an::write_run_outputs(r.dir.string(), r.result);
  an::write_latency_cdf(r.dir.string(), r.result);
  return r;
}

}  // namespace

TEST(Ticks, AreNiceAndCoverTheRange) {
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{{0, 1}, {0, 137}, {3.2, 7.9}, {-40, 2500}, {0, 0.013}}) {
    auto t = an::nice_ticks(lo, hi, 6);
    ASSERT_GE(t.size(), 3u) << lo << ".." << hi;
    EXPECT_GE(t.front(), lo - 1e-12);
    EXPECT_LE(t.back(), hi + 1e-9 * std::fabs(hi));
    const double step = t[1] - t[0];
    EXPECT_LT(t.front() - lo, step * (1 + 1e-9));  // no tick missing at either end
    EXPECT_LT(hi - t.back(), step * (1 + 1e-9));
    const double mant = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::fabs(mant - 1) < 1e-9 || std::fabs(mant - 2) < 1e-9 || std::fabs(mant - 2.5) < 1e-9 ||
                std::fabs(mant - 5) < 1e-9)
        << "step " << step;
    for (std::size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], step, step * 1e-9);
  }
}

TEST(RunOutputs, ReadBackAsWritten) {
  auto r = make_run("report_roundtrip");
  auto back = an::load_run_outputs(r.dir.string());
  // The parts of summary.json the report and the trace use.
  auto used = [](const an::RunSummary& s) {
    nlohmann::json j = an::to_json(s);
    nlohmann::json out;
    for (const char* k : {"scenario", "seed", "simulated_seconds", "events", "produced", "consumed", "duplicates",
                          "skipped", "final_lag", "max_lag", "latency_ms", "generations"})
      out[k] = j[k];
    for (const auto& rb : j["rebalances"])
      out["rebalances"].push_back({rb["group"], rb["start_s"], rb["end_s"], rb["generation"], rb["trigger"],
                                   rb["partitions_moved"], rb["rounds"]});
    for (const auto& g : j["groups"]) {
      out["groups"].push_back({g["id"], g["consumed"], g["duplicates"], g["final_lag"], g["max_lag"],
                               g["max_lag_seconds"], g["latency_ms"], g["generation"], g["consumers"]});
    }
    return out;
  };
  EXPECT_EQ(used(back.summary).dump(), used(r.result.summary).dump());
  // Ordering and the per-fault ledger, which the report shows per group.
  EXPECT_EQ(an::to_json(back.summary)["faults"].dump(), an::to_json(r.result.summary)["faults"].dump());
  EXPECT_EQ(an::to_json(back.summary)["groups"][0]["ordering"].dump(),
            an::to_json(r.result.summary)["groups"][0]["ordering"].dump());
  EXPECT_EQ(back.lag.size(), r.result.lag.size());
  EXPECT_EQ(back.group_lag.size(), r.result.group_lag.size());
  EXPECT_EQ(back.throughput.size(), r.result.throughput.size());
  ASSERT_EQ(back.timeline.size(), r.result.timeline.size());
  for (std::size_t i = 0; i < back.timeline.size(); ++i) EXPECT_EQ(back.timeline[i].detail, r.result.timeline[i].detail);
  EXPECT_THROW(an::load_run_outputs((fs::path(CGSIM_BINARY_DIR) / "no_such_dir").string()), cgsim::InputError);
}

TEST(Report, RunReportIsSelfContainedWithEveryPlotDrawn) {
  auto r = make_run("report_run");
  auto files = an::write_report(r.dir.string());
  const std::string html = read(files.html);
  const std::string md = read(files.markdown);
  // Lag per partition (heat map), total lag, lag in seconds, throughput, ownership Gantt, latency CDF.
  EXPECT_EQ(files.plots.size(), 6u);
  EXPECT_EQ(count(html, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\""), files.plots.size());
  for (const char* id : {"lag-partitions", "lag-total", "lag-seconds", "throughput", "ownership", "latency-cdf"}) {
    EXPECT_NE(html.find(std::string("data-plot=\"") + id + "\""), std::string::npos) << id;
    EXPECT_NE(md.find(std::string("(plots/") + id + ".svg)"), std::string::npos) << id;
    EXPECT_TRUE(fs::exists(r.dir / "plots" / (std::string(id) + ".svg"))) << id;
  }
  // Nothing to fetch: the only URL is the SVG namespace.
  std::regex url(R"((https?:)?//[a-zA-Z0-9.-]+)");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(it->str(), "http://www.w3.org") << "external reference " << it->str();
  }
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  // Every partition has a heat-map row with cells; every fault a marker; every rebalance a shaded span.
  const auto& s = r.result.summary;
  std::string lag_svg = read(r.dir / "plots" / "lag-partitions.svg");
  for (int p = 0; p < 6; ++p) EXPECT_NE(lag_svg.find("<title>t-" + std::to_string(p) + " "), std::string::npos) << p;
  EXPECT_GT(count(lag_svg, "class=\"bar heat\""), 6u);
  EXPECT_EQ(count(lag_svg, "class=\"marker\""), 2u);
  EXPECT_EQ(count(lag_svg, "class=\"span\""), s.rebalances.size());
  EXPECT_EQ(count(read(r.dir / "plots" / "lag-total.svg"), "class=\"series\""), 1u);
  // The Gantt chart has a row per partition, a bar per owner, and marks the partitions the crash
  // and the join moved to another consumer.
  const std::string gantt = read(r.dir / "plots" / "ownership.svg");
  EXPECT_GE(count(gantt, "class=\"bar\""), 6u);
  EXPECT_GT(count(gantt, "class=\"moved\""), 0u);
  for (int c = 0; c < 3; ++c) EXPECT_NE(gantt.find(">g/" + std::to_string(c) + "<"), std::string::npos) << c;
  // The summary table carries the run's totals.
  EXPECT_NE(html.find("<td>" + std::to_string(s.produced) + "</td>"), std::string::npos);
  EXPECT_NE(md.find("| " + std::to_string(s.produced) + " |"), std::string::npos);
}

TEST(Report, RunReportShowsOrderingAndEveryFault) {
  auto r = make_run("report_faults");
  auto files = an::write_report(r.dir.string());
  const std::string html = read(files.html);
  const std::string md = read(files.markdown);
  const auto& s = r.result.summary;
  const auto& o = s.groups.at(0).ordering;
  ASSERT_FALSE(o.scope.empty());
  const std::string line = "Ordering (per " + o.scope + "): " + std::to_string(o.out_of_order) +
                           " records processed out of order (" + std::to_string(o.keys_affected) + " keys), " +
                           std::to_string(o.overlapping) + " processings overlapping";
  EXPECT_NE(html.find(line), std::string::npos);
  EXPECT_NE(md.find(line), std::string::npos);
  // One row per fault (the crash and the join), under the table's head.
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(count(html, "<th>stalled partition-s</th>"), 1u);
  EXPECT_EQ(count(html, "<td>crash</td><td>g/1</td>"), 1u);
  EXPECT_EQ(count(html, "<td>join</td><td>g</td>"), 1u);
  const auto& crash = s.faults[0];
  EXPECT_GT(crash.duplicates, 0u);
  EXPECT_NE(html.find("<td>" + std::to_string(crash.duplicates) + "</td><td>" +
                      std::to_string(crash.duplicates_uncommitted) + "</td><td>" +
                      std::to_string(crash.duplicates_in_flight) + "</td><td>" + std::to_string(crash.out_of_order) +
                      "</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>" + std::to_string(crash.partitions_moved) + "</td>"), std::string::npos);
}

TEST(Report, LatencyCdfFallsBackToSummaryPercentiles) {
  auto r = make_run("report_no_cdf");
  fs::remove(r.dir / "latency_cdf.csv");
  auto files = an::write_report(r.dir.string());
  const std::string cdf = read(r.dir / "plots" / "latency-cdf.svg");
  EXPECT_NE(cdf.find("from the summary's percentiles"), std::string::npos);
  EXPECT_EQ(count(cdf, "class=\"point\""), 5u);  // p50, p90, p99, p99.9, max
}

TEST(Report, SweepReportHasACurvePerMetric) {
  const fs::path scen = fs::path(CGSIM_BINARY_DIR) / "report_sweep.yaml";
  std::ofstream(scen) << kScenario;
  an::SweepOptions o;
  o.scenario_file = scen.string();
  o.axes = {an::parse_vary("groups.0.consumers.count=2,3,4"), an::parse_vary("groups.0.session_timeout=6s,10s")};
  o.seeds = 2;
  auto sw = an::run_sweep(o);
  const fs::path dir = fs::path(CGSIM_BINARY_DIR) / "report_sweep_out";
  fs::remove_all(dir);
  an::write_sweep_outputs(dir.string(), sw);
  auto files = an::write_report(dir.string());
  EXPECT_EQ(files.plots.size(), 6u);
  const std::string p99 = read(dir / "plots" / "sweep-latency_p99_ms.svg");
  EXPECT_EQ(count(p99, "class=\"series\""), 2u);  // one line per session timeout
  EXPECT_EQ(count(p99, "class=\"band\""), 2u);
  EXPECT_EQ(count(p99, "class=\"point\""), 6u);
  // The legend names each varied value of the other axis.
  for (const char* v : {">session_timeout=6s<", ">session_timeout=10s<"}) EXPECT_NE(p99.find(v), std::string::npos) << v;
}

TEST(Report, SweepCellsHaveUnitsAndSiSuffixes) {
  // Durations in the unit that suits the mean, three significant digits, the unit after the pair.
  EXPECT_EQ(an::format_mean_ci(136300, 3837, 2, "ms", 0), "2.27 ± 0.06 min");
  EXPECT_EQ(an::format_mean_ci(63000, 972, 2, "ms", 0), "63.0 ± 1.0 s");
  EXPECT_EQ(an::format_mean_ci(861, 1657, 2, "ms", 0), "861 ± 1657 ms");
  EXPECT_EQ(an::format_mean_ci(0.512, 0.01, 2, "ms", 3), "0.512 ± 0.010 ms");
  EXPECT_EQ(an::format_mean_ci(9000, 0, 2, "s", 0), "2.50 ± 0.00 h");
  EXPECT_EQ(an::format_mean_ci(0, 0, 2, "s", 0), "0 ± 0 s");
  // Counts: the column's precision below 10,000, an SI suffix above; one seed has no half-width.
  EXPECT_EQ(an::format_mean_ci(5772, 50.82, 2, "records", 0), "5772 ± 51");
  EXPECT_EQ(an::format_mean_ci(247.5, 82.59, 2, "count", an::column_decimals("count", 247.5, false)), "247.5 ± 82.6");
  EXPECT_EQ(an::format_mean_ci(12345, 410, 2, "records", 0), "12.3k ± 0.4k");
  EXPECT_EQ(an::format_mean_ci(4.56e6, 0, 1, "records", 0), "4.56M");
  EXPECT_EQ(an::format_mean_ci(std::nan(""), 0, 2, "ms", 0), "-");
}

TEST(RunTable, FaultTableHasAUnitsRowAndAlignedColumns) {
  an::RunSummary s;
  an::GroupSummary g;
  g.id = "g";
  g.ordering.scope = "key";
  s.groups.push_back(g);
  an::FaultRecord f{"g", "crash", "g/1", 20, 14569};
  f.peak_lag = 315161;
  f.peak_lag_seconds = 53.226;
  f.recovery_s = -1;
  f.stop_the_world_partition_s = 136.62;
  s.faults.push_back(f);
  std::istringstream in(an::format_group_faults(s, s.groups[0]));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[1], "  faults:");
  EXPECT_NE(lines[3].find("(records)"), std::string::npos);
  EXPECT_NE(lines[3].find("(partition·s)"), std::string::npos);
  EXPECT_NE(lines[4].find("    20.000  crash"), std::string::npos);
  EXPECT_NE(lines[4].find("not yet"), std::string::npos);
  EXPECT_NE(lines[4].find(" 53.2 "), std::string::npos);
  // Names, units and the row end in the same column ("·" is two bytes and one column).
  EXPECT_EQ(lines[2].size(), lines[4].size());
  EXPECT_EQ(lines[3].size() - 1, lines[4].size());
}

TEST(Report, EmptyDirectoryIsAnInputError) {
  const fs::path dir = fs::path(CGSIM_BINARY_DIR) / "report_empty";
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_THROW(an::write_report(dir.string()), cgsim::InputError);
  EXPECT_THROW(an::write_report((dir / "missing").string()), cgsim::InputError);
}

/// The message of the InputError that write_report throws on a folder holding @p file with
/// @p text.
std::string report_error(const std::string& name, const std::string& file, const std::string& text) {
  const fs::path dir = fs::path(CGSIM_BINARY_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / file) << text;
  try {
    an::write_report(dir.string());
  } catch (const cgsim::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for " << text;
  return "";
}

// Numbers read back as integers are range-checked (a float beyond an integer's range converted
// unchecked is undefined behaviour) and the message names the file and the field's path.
TEST(Report, NumbersBeyondAnIntegersRangeNameTheFileAndTheField) {
  std::string m = report_error("report_consumed_2.9e34", "summary.json",
                               R"({"scenario":"s","simulated_seconds":1,"consumed":2.9e34,"groups":[]})");
  EXPECT_NE(m.find("report_consumed_2.9e34/summary.json: consumed: expected an integer from 0 to 18446744073709551615, got 2.9e+34"),
            std::string::npos) << m;
  m = report_error("report_plan_partitions_1e15", "plan.json",
                   R"({"kind":"cgsim-plan","points":[{"recommendation":{"partitions":1e15,"consumers":1}}]})");
  EXPECT_NE(m.find("plan.json: points[0].recommendation.partitions: expected an integer from 0 to 2147483647, got 1e+15"),
            std::string::npos) << m;
  m = report_error("report_group_generation", "summary.json",
                   R"({"scenario":"s","simulated_seconds":1,"groups":[{"id":"g","generation":2.5}]})");
  EXPECT_NE(m.find("summary.json: groups[0].generation: expected an integer from -2147483648 to 2147483647, got 2.5"),
            std::string::npos) << m;
  m = report_error("report_sweep_seeds", "sweep.json",
                   R"({"kind":"cgsim-sweep","scenario":"s","base_seed":1,"seeds":-1e300,"axes":[],"metrics":[],"points":[]})");
  EXPECT_NE(m.find("sweep.json: seeds: expected an integer from 1 to"), std::string::npos) << m;
  m = report_error("report_summary_type", "summary.json", R"({"scenario":"s","simulated_seconds":"1","groups":[]})");
  EXPECT_NE(m.find("summary.json: simulated_seconds: expected a number, got \"1\""), std::string::npos) << m;
}

TEST(Trace, IsWellFormedChromeTraceOfRebalancesFaultsAndOwnership) {
  auto r = make_run("report_trace");
  const fs::path file = r.dir / "trace.json";
  an::write_report(r.dir.string(), {file.string()});
  auto j = nlohmann::json::parse(read(file));
  ASSERT_TRUE(j.contains("traceEvents"));
  const auto& s = r.result.summary;
  std::size_t rebalances = 0, faults = 0, counters = 0;
  std::map<std::pair<int, int>, std::vector<std::pair<long long, long long>>> spans_by_track;
  for (const auto& e : j["traceEvents"]) {
    const std::string ph = e.at("ph");
    ASSERT_TRUE(ph == "X" || ph == "i" || ph == "C" || ph == "M") << ph;
    if (ph == "M") continue;
    EXPECT_GE(e.at("ts").get<long long>(), 0);
    if (ph == "X") {
      EXPECT_GT(e.at("dur").get<long long>(), 0);
      if (e.at("cat") == "rebalance") ++rebalances;
      spans_by_track[{e.at("pid").get<int>(), e.at("tid").get<int>()}].emplace_back(e.at("ts").get<long long>(),
                                                                                    e.at("dur").get<long long>());
    }
    if (ph == "i") ++faults;
    if (ph == "C") ++counters;
  }
  EXPECT_EQ(rebalances, s.rebalances.size());
  EXPECT_EQ(faults, 2u);
  EXPECT_EQ(counters, 2 * r.result.group_lag.size());
  // Spans on one track never overlap (so every viewer stacks them as a timeline).
  for (auto& [track, v] : spans_by_track) {
    std::sort(v.begin(), v.end());
    for (std::size_t i = 1; i < v.size(); ++i)
      EXPECT_LE(v[i - 1].first + v[i - 1].second, v[i].first) << "track " << track.first << "/" << track.second;
  }
  // Ownership: within a generation no partition has two owners, and the crashed consumer's
  // ownership ends at its crash.
  std::map<std::int32_t, std::set<std::string>> seen;
  for (const auto& sp : an::ownership_spans(r.result)) {
    for (const auto& p : sp.partitions) EXPECT_TRUE(seen[sp.generation].insert(p).second) << p;
    EXPECT_LE(sp.start_s, sp.end_s);
    if (sp.consumer == "g/1") {
      EXPECT_LE(sp.end_s, 20.0);
    }
  }
}
