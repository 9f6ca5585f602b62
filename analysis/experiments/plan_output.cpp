#include <cmath>
#include <set>
#include <sstream>

#include "analysis/experiments/plan.hpp"
#include "analysis/metrics/format.hpp"

namespace cgsim::analysis {

namespace {

/// JSON cannot hold infinities: they are written as the string "inf".
nlohmann::json jnum(double v) {
  if (std::isfinite(v)) return nlohmann::json::parse(format_number(v));
  return v > 0 ? "inf" : "-inf";
}

}  // namespace

nlohmann::json to_json(const PlanResult& r) {
  nlohmann::json j;
  j["kind"] = "cgsim-plan";
  j["scenario"] = r.scenario;
  j["scenario_file"] = r.scenario_file;
  j["group"] = r.group;
  j["base_seed"] = r.base_seed;
  j["seeds"] = r.seeds;
  j["failures"] = r.failures;
  j["scenario_partitions"] = r.scenario_partitions;
  j["latency_under_failure"] = r.latency_under_failure;
  j["recovery_definition"] = {{"settle_s", jnum(r.recovery.settle_s)},
                              {"window_s", jnum(r.recovery.window_s)},
                              {"margin", jnum(r.recovery.margin)},
                              {"floor_s", jnum(r.recovery.floor_s)},
                              {"hold_s", jnum(r.recovery.hold_s)}};
  j["slos"] = nlohmann::json::array();
  for (const auto& s : r.slos) j["slos"].push_back({{"name", s.name}, {"limit", jnum(s.limit)}, {"unit", s.unit}});
  j["axes"] = nlohmann::json::array();
  for (const auto& a : r.axes) j["axes"].push_back({{"path", a.path}, {"values", a.values}});
  j["ok"] = r.ok();
  j["points"] = nlohmann::json::array();
  for (const auto& p : r.points) {
    nlohmann::json pj;
    pj["params"] = nlohmann::json::object();
    for (const auto& ov : p.params) pj["params"][ov.path] = ov.value;
    pj["peak"] = {{"rate", jnum(p.peak.rate)}, {"start_s", jnum(p.peak.start_s)}, {"end_s", jnum(p.peak.end_s)}};
    if (p.best_consumers >= 0) {
      pj["recommendation"] = {{"partitions", p.best_partitions}, {"consumers", p.best_consumers}, {"binding", p.binding}};
    } else {
      pj["recommendation"] = nullptr;
    }
    pj["warnings"] = p.warnings;
    if (!p.notes.empty()) pj["notes"] = p.notes;
    if (!p.infeasible.empty()) pj["infeasible"] = p.infeasible;
    pj["searches"] = nlohmann::json::array();
    for (const auto& s : p.searches) {
      nlohmann::json sj;
      sj["partitions"] = s.partitions;
      sj["hottest_share"] = jnum(s.loads.hottest_share);
      sj["imbalance"] = jnum(s.loads.imbalance);
      sj["keyed"] = s.loads.keyed;
      sj["min_consumers"] = s.min_consumers;
      sj["max_consumers"] = s.max_consumers;
      sj["analytic_lower"] = s.analytic_lower;
      sj["answer"] = s.answer >= 0 ? nlohmann::json(s.answer) : nlohmann::json(nullptr);
      sj["binding"] = s.binding;
      sj["candidates"] = nlohmann::json::array();
      for (const auto& c : s.candidates) {
        nlohmann::json cj;
        cj["consumers"] = c.consumers;
        cj["meets"] = c.meets;
        cj["analytic"] = {{"max_utilisation", jnum(c.analytic.max_utilisation)},
                          {"max_utilisation_after_failures", jnum(c.analytic.max_utilisation_failed)},
                          {"stable", c.analytic.stable},
                          {"plausible", c.analytic.plausible}};
        for (const auto& [n, lh] : c.analytic.latency_ms)
          cj["analytic"][n + "_ms"] = {{"low", jnum(lh.first)}, {"high", jnum(lh.second)}};
        cj["failure_s"] = jnum(c.failure_s);
        cj["victims"] = c.victims;
        if (!c.notes.empty()) cj["notes"] = c.notes;
        cj["verdicts"] = nlohmann::json::array();
        for (const auto& v : c.verdicts) {
          cj["verdicts"].push_back({{"slo", v.slo},
                                    {"limit", jnum(v.limit)},
                                    {"worst", jnum(v.worst)},
                                    {"mean", jnum(v.mean)},
                                    {"ci95", jnum(v.ci95)},
                                    {"run", v.run},
                                    {"met", v.met}});
        }
        cj["figures"] = nlohmann::json::object();
        for (const auto& [n, st] : c.figures) {
          cj["figures"][n] = {{"mean", jnum(st.mean)}, {"ci95", jnum(st.ci95)}, {"max", jnum(st.max)}, {"n", st.n}};
        }
        sj["candidates"].push_back(std::move(cj));
      }
      pj["searches"].push_back(std::move(sj));
    }
    j["points"].push_back(std::move(pj));
  }
  return j;
}

std::string format_plan(const PlanResult& r) {
  std::ostringstream o;
  o << "cgsim plan: " << r.scenario << ", group " << r.group << " (" << r.seeds << (r.seeds == 1 ? " seed" : " seeds")
    << ", " << r.failures << (r.failures == 1 ? " consumer crash" : " simultaneous consumer crashes")
    << " at peak)\n  SLOs:";
  for (std::size_t i = 0; i < r.slos.size(); ++i) o << (i ? ", " : " ") << describe(r.slos[i]);
  o << "\n";
  for (const auto& p : r.points) {
    o << "\n";
    if (!p.params.empty()) {
      o << "with";
      for (const auto& ov : p.params) o << " " << ov.path << "=" << ov.value;
      o << ":\n";
    }
    o << "  peak load " << format_short(p.peak.rate) << " records/s from " << format_short(p.peak.start_s) << " s to " << format_short(p.peak.end_s)
      << " s\n";
    if (!p.infeasible.empty()) {
      o << "\n  NO CONFIGURATION can meet every SLO (nothing simulated):\n";
      for (const auto& why : p.infeasible) o << "  - " << why << "\n";
      for (const auto& w : p.warnings) o << "  warning: " << w << "\n";
      continue;
    }
    for (const auto& s : p.searches) {
      o << "\n  partitions " << s.partitions << ": hottest partition takes " << fmt("%.1f", 100 * s.loads.hottest_share)
        << "% of the load (" << fmt("%.2f", s.loads.imbalance) << "x an even share); analytic lower bound: ";
      if (s.analytic_lower > s.max_consumers) {
        o << "none (no consumer count up to " << s.max_consumers << " is stable at peak in the M/G/1 model)\n";
      } else {
        o << s.analytic_lower << " consumers\n";
      }
      o << "    consumers  util max  model p99 ms      ";
      for (const auto& slo : r.slos) {
        std::string h = slo.name + (slo.unit == "records" ? "" : " " + slo.unit);
        o << std::string(h.size() < 22 ? 22 - h.size() : 1, ' ') << h;
      }
      o << "  verdict\n";
      for (const auto& c : s.candidates) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "    %9d  %8s  ", c.consumers,
                      (fmt("%.2f", c.analytic.max_utilisation) + (r.failures > 0 ? "/" + fmt("%.2f", c.analytic.max_utilisation_failed) : "")).c_str());
        o << buf;
        std::string model = "-";
        auto it = c.analytic.latency_ms.find("p99_latency");
        if (it != c.analytic.latency_ms.end()) model = format_short(it->second.first) + ".." + format_short(it->second.second);
        o << model << std::string(model.size() < 18 ? 18 - model.size() : 1, ' ');
        for (const auto& v : c.verdicts) {
          std::string cell = format_short(v.worst) + (v.met ? " ok" : " FAIL");
          o << std::string(cell.size() < 22 ? 22 - cell.size() : 1, ' ') << cell;
        }
        o << "  " << (c.meets ? "meets all" : "fails") << "\n";
      }
      // What the model lacks, once per effect: the first candidate that shows it.
      std::set<std::string> shown;
      for (const auto& c : s.candidates)
        for (const auto& n : c.notes) {
          const std::string effect = n.substr(n.find(':') + 1, 20);
          if (!shown.insert(n.substr(0, n.find(' ')) + effect).second) continue;
          o << "    model gap (" << c.consumers << " consumers): " << n << "\n";
        }
      if (s.answer >= 0) {
        o << "    -> " << s.answer << " consumers";
        if (!s.binding.empty()) {
          o << " (binding: ";
          for (std::size_t i = 0; i < s.binding.size(); ++i) o << (i ? ", " : "") << s.binding[i];
          o << " fails with " << s.answer - 1 << ")";
        } else {
          o << " (the fewest allowed)";
        }
        o << "\n";
      } else {
        o << "    -> no consumer count meets every SLO\n";
      }
    }
    o << "\n";
    if (p.best_consumers >= 0) {
      o << "  RECOMMENDATION: " << p.best_partitions << " partitions, " << p.best_consumers << " consumers";
      if (!p.binding.empty()) o << "; binding SLO: " << p.binding.front();
      o << "\n";
      for (const auto& s : p.searches) {
        if (s.partitions != p.best_partitions) continue;
        for (const auto& c : s.candidates) {
          if (c.consumers != p.best_consumers) continue;
          auto fig = [&](const std::string& n) {
            auto it = c.figures.find(n);
            return it == c.figures.end() ? std::string("-") : format_short(it->second.max);
          };
          auto warm = c.figures.find("steady_warmup_s");
          if (warm != c.figures.end()) {
            o << "  warm-up: the start-up backlog drained " << format_short(warm->second.max)
              << " s into the run; latency and lag SLOs count only what follows\n";
          }
          if (c.figures.count("steady_max_lag_seconds") == 0) {
            // A RabbitMQ or Pulsar plan (plan_family.hpp): backlog, latency and duplicates.
            o << "  backlog at that size: steady max " << fig("steady_max_lag") << " messages, p99 "
              << fig("steady_p99_latency") << " ms";
            if (r.failures > 0) {
              o << "; with the failure at " << format_short(c.failure_s) << " s (";
              for (std::size_t i = 0; i < c.victims.size(); ++i) o << (i ? ", " : "") << c.victims[i];
              o << "): max " << fig("failure_max_lag") << " messages, p99 " << fig("failure_p99_latency") << " ms, "
                << fig("duplicates") << " duplicates";
            }
            o << "; ordering violations " << fig("steady_ordering_violations");
            if (r.failures > 0) o << " failure-free, " << fig("failure_ordering_violations") << " with the failure";
            o << "\n";
            continue;
          }
          o << "  lag at that size: steady max " << fig("steady_max_lag") << " records / "
            << fig("steady_max_lag_seconds") << " s";
          if (r.failures > 0) {
            o << "; with the failure at " << format_short(c.failure_s) << " s (";
            for (std::size_t i = 0; i < c.victims.size(); ++i) o << (i ? ", " : "") << c.victims[i];
            o << "): max " << fig("failure_max_lag") << " records, oldest uncommitted record "
              << fig("failure_max_lag_seconds") << " s old, " << fig("failure_drain_seconds")
              << " s of peak traffic; recovery " << fig("recovery") << " s";
          }
          if (c.figures.count("steady_ordering_violations") != 0) {
            o << "; ordering violations " << fig("steady_ordering_violations");
            if (r.failures > 0) o << " failure-free, " << fig("failure_ordering_violations") << " with the failure";
          }
          o << "\n";
        }
      }
    } else {
      o << "  NO CONFIGURATION among those tried meets every SLO\n";
    }
    for (const auto& n : p.notes) o << "  note: " << n << "\n";
    for (const auto& w : p.warnings) o << "  warning: " << w << "\n";
  }
  return o.str();
}

}  // namespace cgsim::analysis
