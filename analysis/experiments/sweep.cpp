#include "analysis/experiments/sweep.hpp"
#include "analysis/experiments/option_error.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/format.hpp"
#include "analysis/metrics/json_read.hpp"
#include "analysis/metrics/stats.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

// ---- Parallel execution ------------------------------------------------------------------------

unsigned default_jobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

namespace {
std::string format_eta(double s) {
  char buf[32];
  if (!std::isfinite(s)) return "?";
  long v = std::lround(s);
  if (v >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", v / 3600, (v % 3600) / 60);
  } else if (v >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", v / 60, v % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", v);
  }
  return buf;
}
}  // namespace

std::string ProgressBar::format(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                                std::size_t width) {
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const std::size_t filled = std::min(width, static_cast<std::size_t>(std::floor(frac * static_cast<double>(width))));
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] ";
  const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%zu/%zu %s  %.1f/s  ETA %s", done, total, label.c_str(), rate,
                done == 0 ? "?" : format_eta(static_cast<double>(total - std::min(done, total)) / rate).c_str());
  return bar + buf;
}

void ProgressBar::draw() {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 1.0) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  std::string line = format(label_, done(), total_, elapsed);
  // \r returns to the start of the line, \x1b[K clears what a longer previous line left.
  std::cerr << '\r' << line << "\x1b[K" << std::flush;
}

void ProgressBar::finish() {
  if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
  drawn_ = false;
}

void parallel_for(std::size_t n, unsigned jobs, const std::function<void(std::size_t)>& task, ProgressBar* progress) {
  if (n == 0) return;
  if (jobs == 0) jobs = default_jobs();
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(jobs, n));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable cv;
  std::size_t finished_threads = 0;
  std::size_t error_index = n;
  std::exception_ptr error;

  auto worker = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) break;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        task(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < error_index) {
          error_index = i;
          error = std::current_exception();
        }
        failed = true;
      }
      if (progress) progress->tick();
    }
    std::lock_guard<std::mutex> lock(mu);
    ++finished_threads;
    cv.notify_all();
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mu);
    while (finished_threads < threads) {
      cv.wait_for(lock, std::chrono::milliseconds(100));
      if (progress) {
        lock.unlock();
        progress->draw();
        lock.lock();
      }
    }
  }
  for (auto& t : pool) t.join();
  if (progress) progress->finish();
  if (error) std::rethrow_exception(error);
}

// ---- Sweep axes --------------------------------------------------------------------------------

VaryAxis parse_vary(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw OptionError("axes", "\"" + text + "\"", "expected <field path>=<v1>,<v2>,..., e.g. groups.0.consumers.count=2,4,8");
  }
  VaryAxis axis;
  axis.path = text.substr(0, eq);
  const std::string values = text.substr(eq + 1);
  int depth = 0;
  char quote = 0;
  std::string cur;
  auto push = [&] {
    std::size_t b = cur.find_first_not_of(" \t");
    std::size_t e = cur.find_last_not_of(" \t");
    std::string v = b == std::string::npos ? std::string() : cur.substr(b, e - b + 1);
    if (v.empty()) {
      throw OptionError("axes", axis.path,
                        "empty value in \"" + values + "\" (expected a comma-separated list of values)");
    }
    axis.values.push_back(v);
    cur.clear();
  };
  for (char ch : values) {
    if (quote) {
      if (ch == quote) quote = 0;
    } else if (ch == '"' || ch == '\'') {
      quote = ch;
    } else if (ch == '[' || ch == '{') {
      ++depth;
    } else if (ch == ']' || ch == '}') {
      --depth;
    } else if (ch == ',' && depth == 0) {
      push();
      continue;
    }
    cur += ch;
  }
  if (quote || depth != 0) throw OptionError("axes", axis.path, "unbalanced brackets or quotes in \"" + values + "\"");
  push();
  return axis;
}

std::vector<std::vector<scenarios::Override>> cross_product(const std::vector<VaryAxis>& axes) {
  std::set<std::string> seen;
  for (const auto& a : axes) {
    if (!seen.insert(a.path).second) throw OptionError("axes", a.path, "the same path is varied twice");
    if (a.values.empty()) throw OptionError("axes", a.path, "expected at least one value");
  }
  std::vector<std::vector<scenarios::Override>> out{{}};
  for (const auto& a : axes) {
    std::vector<std::vector<scenarios::Override>> next;
    next.reserve(out.size() * a.values.size());
    for (const auto& prefix : out) {
      for (const auto& v : a.values) {
        auto row = prefix;
        row.push_back({a.path, v, a.option});
        next.push_back(std::move(row));
      }
    }
    out = std::move(next);
  }
  return out;
}

// ---- Metrics -----------------------------------------------------------------------------------

const std::vector<MetricDef>& summary_metrics() {
  static const std::vector<MetricDef> defs = [] {
    std::vector<MetricDef> m;
    auto u = [](std::uint64_t v) { return static_cast<double>(v); };
    m.push_back({"produced", "records", "records appended by the producers", [u](const RunSummary& s) { return u(s.produced); }});
    m.push_back({"consumed", "records", "records processed, duplicates included", [u](const RunSummary& s) { return u(s.consumed); }});
    m.push_back({"duplicates", "records", "records processed again after a rebalance", [u](const RunSummary& s) { return u(s.duplicates); }});
    m.push_back({"skipped", "records", "records skipped by auto_offset_reset=latest", [u](const RunSummary& s) { return u(s.skipped); }});
    m.push_back({"final_lag", "records", "records produced but not processed at the end", [u](const RunSummary& s) { return u(s.final_lag); }});
    m.push_back({"max_lag", "records", "largest sampled group lag (log end - committed)", [u](const RunSummary& s) { return u(s.max_lag); }});
    m.push_back({"max_lag_seconds", "s", "largest sampled age of a group's oldest uncommitted record",
                 [](const RunSummary& s) {
                   double v = 0;
                   for (const auto& g : s.groups) v = std::max(v, g.max_lag_seconds);
                   return v;
                 }});
    m.push_back({"latency_p50_ms", "ms", "median end-to-end latency (append to processed)", [](const RunSummary& s) { return s.latency_ms.p50; }});
    m.push_back({"latency_p90_ms", "ms", "90th percentile latency", [](const RunSummary& s) { return s.latency_ms.p90; }});
    m.push_back({"latency_p99_ms", "ms", "99th percentile latency", [](const RunSummary& s) { return s.latency_ms.p99; }});
    m.push_back({"latency_p999_ms", "ms", "99.9th percentile latency", [](const RunSummary& s) { return s.latency_ms.p999; }});
    m.push_back({"latency_max_ms", "ms", "largest latency", [](const RunSummary& s) { return s.latency_ms.max; }});
    m.push_back({"latency_mean_ms", "ms", "mean latency", [](const RunSummary& s) { return s.latency_ms.mean; }});
    m.push_back({"rebalances", "count", "rebalances started (completed or open at the end)",
                 [](const RunSummary& s) { return static_cast<double>(s.rebalances.size()); }});
    m.push_back({"rebalance_seconds", "s", "summed duration of completed rebalances",
                 [](const RunSummary& s) {
                   double v = 0;
                   for (const auto& r : s.rebalances)
                     if (r.end_s >= 0) v += r.end_s - r.start_s;
                   return v;
                 }});
    m.push_back({"partitions_moved", "count", "partitions that changed owner, summed over rebalances",
                 [](const RunSummary& s) {
                   double v = 0;
                   for (const auto& r : s.rebalances) v += static_cast<double>(r.partitions_moved);
                   return v;
                 }});
    m.push_back({"events", "count", "simulation events executed", [u](const RunSummary& s) { return u(s.events); }});
    // Steady state: after each group's warm-up (analysis/metrics/warmup.hpp), as in run's headline.
    m.push_back({"warmup_s", "s", "end of the warm-up (latest over groups)", [](const RunSummary& s) { return s.warmup.end_s; }});
    m.push_back({"steady_max_lag", "records", "largest group lag sampled after the warm-up",
                 [u](const RunSummary& s) { return u(s.warmup.steady_max_lag); }});
    m.push_back({"steady_max_lag_seconds", "s", "largest age of an uncommitted record sampled after the warm-up",
                 [](const RunSummary& s) { return s.warmup.steady_max_lag_seconds; }});
    m.push_back({"steady_latency_p99_ms", "ms", "99th percentile latency of records appended after the warm-up",
                 [](const RunSummary& s) { return s.warmup.steady_latency_ms.p99; }});
    m.push_back({"out_of_order", "records", "records processed after a later record of their key (or partition)",
                 [u](const RunSummary& s) { return u(s.ordering.out_of_order); }});
    m.push_back({"overlapping", "records", "records processed while their partition was handed to another member",
                 [u](const RunSummary& s) { return u(s.ordering.overlapping); }});
    m.push_back({"keys_affected", "count", "keys with an out-of-order record", [u](const RunSummary& s) { return u(s.ordering.keys_affected); }});
    return m;
  }();
  return defs;
}

MetricStats metric_stats(const std::vector<double>& xs) {
  MetricStats st;
  if (xs.empty()) return st;
  MeanCi ci = mean_ci95(xs);
  st.mean = ci.mean;
  st.ci95 = ci.half_width;
  st.n = xs.size();
  st.min = *std::min_element(xs.begin(), xs.end());
  st.max = *std::max_element(xs.begin(), xs.end());
  if (xs.size() > 1) {
    double ss = 0;
    for (double x : xs) ss += (x - st.mean) * (x - st.mean);
    st.sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  }
  return st;
}

// ---- Sweeps ------------------------------------------------------------------------------------

SweepResult sweep_skeleton(const SweepOptions& o, SweepScenarios& scenarios) {
  if (o.seeds == 0) throw OptionError("seeds", "", "expected at least 1");
  SweepResult res;
  res.broker = scenario_family(o.scenario_file);
  res.scenario_file = o.scenario_file;
  res.seeds = o.seeds;
  res.axes = o.axes;
  res.jobs = o.jobs == 0 ? default_jobs() : o.jobs;
  for (const auto& [name, unit] : sweep_metric_names(res.broker)) {
    res.metrics.push_back(name);
    res.units.push_back(unit);
  }
  const auto combos = cross_product(o.axes);
  scenarios = SweepScenarios{};
  scenarios.broker = res.broker;
  for (const auto& combo : combos) {
    auto ov = o.base_overrides;
    ov.insert(ov.end(), combo.begin(), combo.end());
    if (res.broker == "kafka") {
      scenarios.kafka.push_back(scenarios::load_scenario_file(o.scenario_file, ov));
    } else {
      scenarios.family.push_back(load_family_scenario(o.scenario_file, res.broker, ov));
    }
    SweepPoint p;
    p.params = combo;
    res.points.push_back(std::move(p));
  }
  if (res.broker == "kafka") {
    res.scenario = scenarios.kafka.front().name;
    res.base_seed = scenarios.kafka.front().seed;
  } else {
    res.scenario = scenarios.family.front().name();
    res.base_seed = scenarios.family.front().seed();
  }
  return res;
}

SweepRun run_sweep_unit(const models::Scenario& point, std::size_t k) {
  models::Scenario sc = point;
  sc.seed = point.seed + static_cast<std::uint64_t>(k);
  RunSummary s = simulate(sc);
  SweepRun r;
  r.seed = sc.seed;
  for (const auto& m : summary_metrics()) r.values.push_back(m.get(s));
  return r;
}

void finish_sweep(SweepResult& res, std::vector<SweepRun> runs) {
  for (std::size_t p = 0; p < res.points.size(); ++p) {
    SweepPoint& pt = res.points[p];
    pt.runs.clear();
    pt.stats.clear();
    for (std::size_t k = 0; k < res.seeds; ++k) pt.runs.push_back(std::move(runs[p * res.seeds + k]));
    for (std::size_t m = 0; m < res.metrics.size(); ++m) {
      std::vector<double> xs;
      for (const auto& r : pt.runs) xs.push_back(r.values[m]);
      pt.stats.push_back(metric_stats(xs));
    }
  }
}

void check_sweep_budget(const SweepOptions& o, const SweepScenarios& scenarios, const SweepResult& res,
                        const std::vector<bool>& points, unsigned parallel) {
  for (std::size_t p = 0; p < scenarios.size(); ++p) {
    if (!points.empty() && !points[p]) continue;
    std::string point;
    for (const auto& ov : res.points[p].params) point += (point.empty() ? " (" : ", ") + ov.path + "=" + ov.value;
    check_budget(scenarios.broker == "kafka" ? estimate_cost(scenarios.kafka[p], false) : estimate_cost(scenarios.family[p]),
                 o.budget, o.scenario_file + (point.empty() ? "" : point + ")"), parallel);
  }
}

SweepResult run_sweep(const SweepOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepScenarios scenarios;
  SweepResult res = sweep_skeleton(o, scenarios);
  const std::size_t total = scenarios.size() * o.seeds;
  check_sweep_budget(o, scenarios, res, {}, static_cast<unsigned>(std::min<std::size_t>(res.jobs, total)));
  std::vector<SweepRun> runs(total);
  ProgressBar bar("runs", total, o.progress && (stderr_is_tty() || o.progress_anywhere));
  parallel_for(total, res.jobs, [&](std::size_t i) { runs[i] = run_sweep_unit(scenarios, i / o.seeds, i % o.seeds); }, &bar);
  finish_sweep(res, std::move(runs));
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

// ---- Output ------------------------------------------------------------------------------------

namespace {

nlohmann::json stats_json(const MetricStats& s) {
  return {{"mean", json_number(s.mean)}, {"ci95", json_number(s.ci95)}, {"sd", json_number(s.sd)},
          {"min", json_number(s.min)},   {"max", json_number(s.max)},   {"n", s.n}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

nlohmann::json to_json(const SweepResult& s) {
  nlohmann::json j;
  j["kind"] = "cgsim-sweep";
  if (s.broker != "kafka") j["broker"] = s.broker;
  j["scenario"] = s.scenario;
  j["scenario_file"] = s.scenario_file;
  j["base_seed"] = s.base_seed;
  j["seeds"] = s.seeds;
  j["seed_derivation"] = "run i of every point uses seed base_seed + i (i = 0..seeds-1)";
  j["confidence"] = "mean +/- ci95: 95% Student-t interval over the seeds";
  j["axes"] = nlohmann::json::array();
  for (const auto& a : s.axes) j["axes"].push_back({{"path", a.path}, {"values", a.values}});
  j["metrics"] = nlohmann::json::array();
  for (std::size_t m = 0; m < s.metrics.size(); ++m) {
    nlohmann::json mj{{"name", s.metrics[m]}, {"unit", m < s.units.size() ? s.units[m] : ""}};
    if (const std::string d = sweep_metric_description(s.broker, s.metrics[m]); !d.empty()) mj["description"] = d;
    j["metrics"].push_back(std::move(mj));
  }
  j["points"] = nlohmann::json::array();
  for (std::size_t p = 0; p < s.points.size(); ++p) {
    const auto& pt = s.points[p];
    nlohmann::json pj;
    pj["index"] = p;
    pj["params"] = nlohmann::json::object();
    for (const auto& ov : pt.params) pj["params"][ov.path] = ov.value;
    pj["stats"] = nlohmann::json::object();
    for (std::size_t m = 0; m < s.metrics.size() && m < pt.stats.size(); ++m) pj["stats"][s.metrics[m]] = stats_json(pt.stats[m]);
    pj["runs"] = nlohmann::json::array();
    for (const auto& r : pt.runs) {
      nlohmann::json rj{{"seed", r.seed}};
      for (std::size_t m = 0; m < s.metrics.size() && m < r.values.size(); ++m) rj[s.metrics[m]] = json_number(r.values[m]);
      pj["runs"].push_back(std::move(rj));
    }
    j["points"].push_back(std::move(pj));
  }
  return j;
}

SweepResult sweep_from_json(const nlohmann::json& j, const std::string& file) {
  const std::string top = file + ": ";
  if (!j.is_object() || !j.contains("kind") || j["kind"] != "cgsim-sweep") {
    throw InputError(file + ": not a cgsim sweep file (expected \"kind\": \"cgsim-sweep\")");
  }
  // Every value goes through the checked readers: the file may have been edited.
  SweepResult s;
  s.broker = json_string_or(j, top, "broker", "kafka");
  s.scenario = json_string(json_at(j, top, "scenario"), top + "scenario");
  s.scenario_file = json_string_or(j, top, "scenario_file", "");
  s.base_seed = json_integer<std::uint64_t>(json_at(j, top, "base_seed"), top + "base_seed");
  s.seeds = json_integer<std::size_t>(json_at(j, top, "seeds"), top + "seeds", 1);
  const auto& axes = json_at(j, top, "axes");
  if (!axes.is_array()) json_type_error(top + "axes", "an array", axes);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::string ap = index_path(top + "axes", i);
    VaryAxis axis;
    axis.path = json_string(json_at(axes[i], ap, "path"), key_path(ap, "path"));
    const auto& values = json_at(axes[i], ap, "values");
    if (!values.is_array() || values.empty()) json_type_error(key_path(ap, "values"), "a non-empty array", values);
    for (std::size_t k = 0; k < values.size(); ++k)
      axis.values.push_back(json_string(values[k], index_path(key_path(ap, "values"), k)));
    s.axes.push_back(std::move(axis));
  }
  const auto& metrics = json_at(j, top, "metrics");
  if (!metrics.is_array()) json_type_error(top + "metrics", "an array", metrics);
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const std::string mp = index_path(top + "metrics", i);
    s.metrics.push_back(json_string(json_at(metrics[i], mp, "name"), key_path(mp, "name")));
    s.units.push_back(json_string_or(metrics[i], mp, "unit", ""));
  }
  const auto& points = json_at(j, top, "points");
  if (!points.is_array()) json_type_error(top + "points", "an array", points);
  for (std::size_t p = 0; p < points.size(); ++p) {
    const auto& pj = points[p];
    const std::string pp = index_path(top + "points", p);
    SweepPoint pt;
    const auto& params = json_at(pj, pp, "params");
    for (const auto& a : s.axes)
      pt.params.push_back({a.path, json_string(json_at(params, key_path(pp, "params"), a.path), key_path(key_path(pp, "params"), a.path))});
    const auto& stats = json_at(pj, pp, "stats");
    for (const auto& name : s.metrics) {
      const std::string sp = key_path(key_path(pp, "stats"), name);
      const auto& st = json_at(stats, key_path(pp, "stats"), name);
      MetricStats ms;
      ms.mean = json_real_or_nan(json_at(st, sp, "mean"), key_path(sp, "mean"));
      ms.ci95 = json_real_or_nan(json_at(st, sp, "ci95"), key_path(sp, "ci95"));
      const auto* sd = json_find(st, sp, "sd");
      ms.sd = sd ? json_real_or_nan(*sd, key_path(sp, "sd")) : 0.0;
      const auto* mn = json_find(st, sp, "min");
      ms.min = mn ? json_real_or_nan(*mn, key_path(sp, "min")) : ms.mean;
      const auto* mx = json_find(st, sp, "max");
      ms.max = mx ? json_real_or_nan(*mx, key_path(sp, "max")) : ms.mean;
      ms.n = json_integer_or<std::size_t>(st, sp, "n", 0);
      pt.stats.push_back(ms);
    }
    const auto& runs = json_array_or_empty(pj, pp, "runs");
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const std::string rp = index_path(key_path(pp, "runs"), r);
      SweepRun run;
      run.seed = json_integer<std::uint64_t>(json_at(runs[r], rp, "seed"), key_path(rp, "seed"));
      for (const auto& name : s.metrics) {
        const auto* v = json_find(runs[r], rp, name);
        run.values.push_back(v ? json_real_or_nan(*v, key_path(rp, name)) : 0.0);
      }
      pt.runs.push_back(std::move(run));
    }
    s.points.push_back(std::move(pt));
  }
  return s;
}

std::string to_csv(const SweepResult& s) {
  std::ostringstream o;
  o << "point";
  for (const auto& a : s.axes) o << ',' << csv_field(a.path);
  for (const auto& m : s.metrics) o << ',' << m << "_mean," << m << "_ci95";
  o << '\n';
  for (std::size_t p = 0; p < s.points.size(); ++p) {
    const auto& pt = s.points[p];
    o << p;
    for (const auto& ov : pt.params) o << ',' << csv_field(ov.value);
    for (const auto& st : pt.stats) o << ',' << format_number(st.mean) << ',' << format_number(st.ci95);
    o << '\n';
  }
  return o.str();
}

std::string runs_csv(const SweepResult& s) {
  std::ostringstream o;
  o << "point";
  for (const auto& a : s.axes) o << ',' << csv_field(a.path);
  o << ",seed";
  for (const auto& m : s.metrics) o << ',' << m;
  o << '\n';
  for (std::size_t p = 0; p < s.points.size(); ++p) {
    const auto& pt = s.points[p];
    for (const auto& r : pt.runs) {
      o << p;
      for (const auto& ov : pt.params) o << ',' << csv_field(ov.value);
      o << ',' << r.seed;
      for (double v : r.values) o << ',' << format_number(v);
      o << '\n';
    }
  }
  return o.str();
}

std::string format_sweep_table(const SweepResult& s) {
  // A RabbitMQ or Pulsar run has no rebalances and no warm-up estimate: its headline is the whole
  // run's latency and backlog, then its own counts.
  const std::vector<std::string> key =
      s.broker != "kafka"
          ? std::vector<std::string>{"latency_p99_ms", "latency_mean_ms", "max_lag", "duplicates",
                                     "ordering_violations", "requeues", "redeliveries", "dead_lettered", "dropped"}
          : std::vector<std::string>{"steady_latency_p99_ms", "latency_mean_ms", "steady_max_lag",
                                     "steady_max_lag_seconds", "duplicates", "rebalances", "warmup_s",
                                     // Ordering last, so the columns before it keep their place.
                                     "out_of_order", "overlapping"};
  std::vector<std::size_t> idx;
  for (const auto& k : key)
    for (std::size_t m = 0; m < s.metrics.size(); ++m)
      if (s.metrics[m] == k) idx.push_back(m);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head;
  for (const auto& a : s.axes) head.push_back(a.path);
  for (auto m : idx) head.push_back(s.metrics[m]);
  // Fixed precision per column, from its unit and the size of its values, so that a column reads
  // "54510 ± 430" rather than "5.451e+04 ± 4.3e+02".
  std::vector<int> decimals;
  std::vector<std::string> units(s.axes.size());
  for (auto m : idx) {
    const std::string unit = m < s.units.size() ? s.units[m] : "";
    double top = 0;
    bool integral = true;
    for (const auto& pt : s.points) {
      top = std::max(top, std::fabs(pt.stats[m].mean));
      integral = integral && pt.stats[m].mean == std::floor(pt.stats[m].mean);
    }
    decimals.push_back(column_decimals(unit, top, integral));
    units.push_back(unit.empty() ? "" : "(" + unit + ")");
  }
  auto cell = [](const MetricStats& st, int d) {
    char buf[96];
    if (st.n > 1) {
      std::snprintf(buf, sizeof buf, "%.*f ± %.*f", d, st.mean, d, st.ci95);
    } else {
      std::snprintf(buf, sizeof buf, "%.*f", d, st.mean);
    }
    return std::string(buf);
  };
  for (const auto& pt : s.points) {
    std::vector<std::string> row;
    for (const auto& ov : pt.params) row.push_back(ov.value);
    for (std::size_t k = 0; k < idx.size(); ++k) row.push_back(cell(pt.stats[idx[k]], decimals[k]));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> w(head.size());
  for (std::size_t c = 0; c < head.size(); ++c) {
    w[c] = std::max(head[c].size(), units[c].size());
    for (const auto& r : rows) w[c] = std::max(w[c], r[c].size());
  }
  std::ostringstream o;
  auto line = [&](const std::vector<std::string>& r) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      // "±" is two bytes and one column.
      std::size_t len = r[c].size() - (r[c].find("±") != std::string::npos ? 1 : 0);
      o << (c ? "  " : "") << std::string(w[c] > len ? w[c] - len : 0, ' ') << r[c];
    }
    o << "\n";
  };
  line(head);
  bool any_unit = false;
  for (const auto& u : units) any_unit = any_unit || !u.empty();
  if (any_unit) line(units);
  for (const auto& r : rows) line(r);
  return o.str();
}

}  // namespace cgsim::analysis
