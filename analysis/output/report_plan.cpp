#include <cmath>
#include <limits>

#include "analysis/metrics/format.hpp"
#include "analysis/metrics/json_read.hpp"
#include "analysis/output/report_doc.hpp"

namespace cgsim::analysis::report_parts {

using json = nlohmann::json;

std::vector<Slo> plan_slos(const json& plan, const std::string& top) {
  std::vector<Slo> out;
  const auto& slos = json_array_or_empty(plan, top, "slos");
  for (std::size_t i = 0; i < slos.size(); ++i) {
    const std::string sp = index_path(top + "slos", i);
    out.push_back({json_string_or(slos[i], sp, "name", ""), json_string_or(slos[i], sp, "unit", ""),
                   json_real_or_nan_at(slos[i], sp, "limit")});
  }
  return out;
}

int count_or_zero(const json& j, const std::string& path, const char* key) {
  return json_integer_or<int>(j, path, key, 0, 0, std::numeric_limits<int>::max());
}

void plan_section(Doc& doc, const json& plan, const std::string& top) {
  doc.h2("Capacity plan and SLO verdicts");
  const std::vector<Slo> slo_list = plan_slos(plan, top);
  std::string slos;
  for (const auto& s : slo_list) slos += (slos.empty() ? "" : ", ") + s.name + " <= " + human(s.limit) + " " + s.unit;
  const int failures = count_or_zero(plan, top, "failures");
  const int seeds = json_integer_or<int>(plan, top, "seeds", 1, 0, std::numeric_limits<int>::max());
  doc.para("Scenario " + json_string_or(plan, top, "scenario", "") + ", group " + json_string_or(plan, top, "group", "") +
           "; SLOs: " + slos + "; " + std::to_string(failures) +
           (failures == 1 ? " consumer crash" : " simultaneous consumer crashes") + " at the start of peak load; " +
           plural(static_cast<std::size_t>(seeds), "seed", "seeds") +
           " per configuration, each SLO judged on its worst seed.");
  const auto& points = json_array_or_empty(plan, top, "points");
  for (std::size_t pi = 0; pi < points.size(); ++pi) {
    const json& pt = points[pi];
    const std::string pp = index_path(top + "points", pi);
    std::string params;
    if (const json* pj = json_find(pt, pp, "params")) {
      const std::string parp = key_path(pp, "params");
      if (!pj->is_object()) json_type_error(parp, "an object", *pj);
      for (const auto& [k, v] : pj->items()) params += (params.empty() ? "" : ", ") + k + "=" + json_string(v, key_path(parp, k));
    }
    if (!params.empty()) doc.h3("With " + params);
    if (const json* rec = json_find(pt, pp, "recommendation"); rec && rec->is_object()) {
      const std::string rp = key_path(pp, "recommendation");
      std::string binding;
      const auto& bs = json_array_or_empty(*rec, rp, "binding");
      for (std::size_t i = 0; i < bs.size(); ++i)
        binding += (binding.empty() ? "" : ", ") + json_string(bs[i], index_path(key_path(rp, "binding"), i));
      doc.para("Recommendation: " + std::to_string(count_or_zero(*rec, rp, "partitions")) + " partitions and " +
                   std::to_string(count_or_zero(*rec, rp, "consumers")) + " consumers" +
                   (binding.empty() ? "." : "; binding SLO: " + binding + " (it fails with one consumer fewer)."),
               "verdict ok");
    } else {
      doc.para("No configuration among those tried meets every SLO.", "verdict fail");
    }
    const auto& infeasible = json_array_or_empty(pt, pp, "infeasible");
    for (std::size_t i = 0; i < infeasible.size(); ++i)
      doc.para("Cannot be met: " + json_string(infeasible[i], index_path(key_path(pp, "infeasible"), i)), "verdict fail");
    const auto& notes = json_array_or_empty(pt, pp, "notes");
    for (std::size_t i = 0; i < notes.size(); ++i)
      doc.para("Note: " + json_string(notes[i], index_path(key_path(pp, "notes"), i)));
    const auto& warnings = json_array_or_empty(pt, pp, "warnings");
    for (std::size_t i = 0; i < warnings.size(); ++i)
      doc.para("Warning: " + json_string(warnings[i], index_path(key_path(pp, "warnings"), i)), "warning");
    const auto& searches = json_array_or_empty(pt, pp, "searches");
    for (std::size_t si = 0; si < searches.size(); ++si) {
      const json& s = searches[si];
      const std::string sp = index_path(key_path(pp, "searches"), si);
      std::vector<std::string> head{"partitions", "consumers", "model utilisation"};
      for (const auto& sl : slo_list) head.push_back(sl.name + " (" + sl.unit + ")");
      head.push_back("verdict");
      const int partitions = count_or_zero(s, sp, "partitions");
      std::vector<std::vector<std::string>> rows;
      const auto& cands = json_array_or_empty(s, sp, "candidates");
      for (std::size_t ci = 0; ci < cands.size(); ++ci) {
        const json& c = cands[ci];
        const std::string cp = index_path(key_path(sp, "candidates"), ci);
        std::vector<std::string> row{std::to_string(partitions), std::to_string(count_or_zero(c, cp, "consumers"))};
        std::string u = "nan";
        if (const json* an = json_find(c, cp, "analytic")) {
          const std::string anp = key_path(cp, "analytic");
          u = human(json_real_or_nan_at(*an, anp, "max_utilisation"));
          if (failures > 0) u += " / " + human(json_real_or_nan_at(*an, anp, "max_utilisation_after_failures")) + " after";
        }
        row.push_back(u);
        const auto& verdicts = json_array_or_empty(c, cp, "verdicts");
        for (std::size_t vi = 0; vi < verdicts.size(); ++vi) {
          const std::string vp = index_path(key_path(cp, "verdicts"), vi);
          row.push_back(std::string(json_bool_or(verdicts[vi], vp, "met", false) ? "✔ " : "✘ ") +
                        human(json_real_or_nan_at(verdicts[vi], vp, "worst")));
        }
        row.push_back(json_bool_or(c, cp, "meets", false) ? "✔ meets all" : "✘ fails");
        rows.push_back(std::move(row));
      }
      doc.para("Partitions " + std::to_string(partitions) + ": the hottest partition takes " +
               human(100 * json_real_or_nan_at(s, sp, "hottest_share")) + "% of the load (" +
               human(json_real_or_nan_at(s, sp, "imbalance")) + "x an even share); the analytic models rule out fewer than " +
               std::to_string(count_or_zero(s, sp, "analytic_lower")) + " consumers.");
      doc.table(head, rows);
    }
    // One chart per SLO: worst value vs consumer count, a line per partition count.
    for (const auto& sl : slo_list) {
      Chart c("plan-" + sl.name, sl.name + " vs consumers", "consumers", sl.name + " (" + sl.unit + ")");
      c.x_integer();
      std::size_t k = 0;
      double top_value = 0;
      std::vector<double> all;
      for (std::size_t si = 0; si < searches.size(); ++si) {
        const json& s = searches[si];
        const std::string sp = index_path(key_path(pp, "searches"), si);
        std::vector<double> xs, ys;
        const auto& cands = json_array_or_empty(s, sp, "candidates");
        for (std::size_t ci = 0; ci < cands.size(); ++ci) {
          const std::string cp = index_path(key_path(sp, "candidates"), ci);
          const auto& verdicts = json_array_or_empty(cands[ci], cp, "verdicts");
          for (std::size_t vi = 0; vi < verdicts.size(); ++vi) {
            const std::string vp = index_path(key_path(cp, "verdicts"), vi);
            if (json_string_or(verdicts[vi], vp, "slo", "") != sl.name) continue;
            xs.push_back(count_or_zero(cands[ci], cp, "consumers"));
            ys.push_back(json_real_or_nan_at(verdicts[vi], vp, "worst"));
            if (std::isfinite(ys.back())) top_value = std::max(top_value, ys.back()), all.push_back(ys.back());
          }
        }
        c.line(std::to_string(count_or_zero(s, sp, "partitions")) + " partitions", xs, ys, color(k++), false, true);
      }
      // The SLO sets the scale only when the values come near it; values far under it get their
      // own scale, logarithmic when they span decades, with the limit named in a note.
      const bool on_scale = all.empty() || sl.limit <= 10 * top_value;
      if (on_scale) {
        top_value = std::min(std::max(top_value, sl.limit), 4 * sl.limit);
        c.y_range(0, top_value * 1.1);
        c.hline(sl.limit, "SLO " + human(sl.limit), "#d62728");
      } else {
        if (spans_decades(all)) c.y_log();
        c.note("SLO " + human(sl.limit) + " " + sl.unit + " is off the scale: every value is under a tenth of it");
      }
      doc.plot(c, "Worst value over seeds of " + sl.name + " for each simulated candidate" +
                      (on_scale ? "; the dashed line is the SLO. Values beyond four times the limit are clipped"
                                : "; the SLO is far above every value, so it is not drawn") +
                      "; triangles at the top mark values off the scale (e.g. never recovered).");
    }
    break;  // plots and tables for the first point only; plan.json has the rest
  }
}

}  // namespace cgsim::analysis::report_parts
