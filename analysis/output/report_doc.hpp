#pragma once
/// @file report_doc.hpp
/// The pieces of `cgsim report` (report.cpp) shared by its sections: the document written as
/// HTML and Markdown side by side, naming helpers, and the plan section (report_plan.cpp), which
/// reads plan.json.
#include <cctype>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/output/svg_chart.hpp"

namespace cgsim::analysis {
struct SimulationResult;
}

namespace cgsim::analysis::report_parts {

struct Plot {
  /// The plot's file name under plots/, without ".svg": the chart's id reduced to letters,
  /// digits, '-' and '_' (ids carry SLO, metric and group names from the input files, which may
  /// hold '/' or ".."), and made unique within the report.
  std::string id;
  std::string title;
  std::string svg;
  std::string caption;
};

/// Markdown-and-HTML document built in parallel.
struct Doc {
  std::ostringstream html, md;
  std::vector<Plot> plots;

  void h2(const std::string& t) {
    html << "<h2>" << esc(t) << "</h2>\n";
    md << "\n## " << t << "\n\n";
  }
  void h3(const std::string& t) {
    html << "<h3>" << esc(t) << "</h3>\n";
    md << "\n### " << t << "\n\n";
  }
  void para(const std::string& t, const std::string& cls = "") {
    html << "<p" << (cls.empty() ? "" : " class=\"" + cls + "\"") << ">" << esc(t) << "</p>\n";
    md << t << "\n\n";
  }
  /// A table; cells starting with "✔" or "✘" are coloured in HTML.
  void table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
    html << "<div class=\"table\"><table><thead><tr>";
    for (const auto& h : head) html << "<th>" << esc(h) << "</th>";
    html << "</tr></thead><tbody>\n";
    for (const auto& r : rows) {
      html << "<tr>";
      for (const auto& c : r) {
        std::string cls = c.rfind("✔", 0) == 0 ? " class=\"ok\"" : c.rfind("✘", 0) == 0 ? " class=\"fail\"" : "";
        html << "<td" << cls << ">" << esc(c) << "</td>";
      }
      html << "</tr>\n";
    }
    html << "</tbody></table></div>\n";
    md << "|";
    for (const auto& h : head) md << " " << h << " |";
    md << "\n|";
    for (std::size_t i = 0; i < head.size(); ++i) md << "---|";
    md << "\n";
    for (const auto& r : rows) {
      md << "|";
      for (const auto& c : r) {
        std::string cell = c;
        for (std::size_t p = 0; (p = cell.find('|', p)) != std::string::npos; p += 2) cell.replace(p, 1, "\\|");
        md << " " << cell << " |";
      }
      md << "\n";
    }
    md << "\n";
  }
  void plot(Chart& c, const std::string& caption) {
    Plot p{file_stem(c.id()), c.title(), c.render(), caption};
    html << "<figure>\n" << p.svg << "<figcaption>" << esc(caption) << "</figcaption></figure>\n";
    md << "![" << p.title << "](plots/" << p.id << ".svg)\n\n" << caption << "\n\n";
    plots.push_back(std::move(p));
  }

 private:
  std::string file_stem(const std::string& id) const {
    std::string stem;
    for (char ch : id) stem += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ? ch : '-';
    if (stem.empty()) stem = "plot";
    const auto taken = [&](const std::string& s) {
      for (const auto& q : plots)
        if (q.id == s) return true;
      return false;
    };
    std::string unique = stem;
    for (std::size_t n = 2; taken(unique); ++n) unique = stem + "-" + std::to_string(n);
    return unique;
  }
};

/// "1 point", "3 points".
std::string plural(std::size_t n, const std::string& one, const std::string& many);

/// Partition names of one topic compressed to ranges: "game_events 0-3,7".
std::string compress_partitions(const std::vector<std::string>& parts);

/// The id of a per-group plot: @p base alone when the run has one group.
std::string plot_id(const std::string& base, const std::string& group, std::size_t ngroups);

/// The SLOs of plan.json: name, unit and limit (NaN when absent).
struct Slo {
  std::string name, unit;
  double limit = NAN;
};

/// The SLOs listed in plan.json; @p top is "<file>: ", the start of the paths in messages.
std::vector<Slo> plan_slos(const nlohmann::json& plan, const std::string& top);

/// Consumer and partition counts in plan.json: the planner writes them as non-negative 32-bit
/// integers.
int count_or_zero(const nlohmann::json& j, const std::string& path, const char* key);

/// Adds a group's rebalances (shaded spans) and faults (dashed markers) to a time chart.
using Decorate = std::function<void(Chart&)>;

/// The SLO @p limit as a dashed line when it is on the scale of @p values (at most ten times the
/// largest), else a note saying it is off the scale.
void slo_line(Chart& c, const std::vector<double>& values, double limit, const std::string& label);

/// Group @p gi's lag per partition as a heat map (partition x time) and its total lag as a line
/// (report_run_plots.cpp).
void lag_plots(Doc& doc, const SimulationResult& r, std::size_t gi, const Decorate& decorate, double lag_limit);

/// Group @p gi's partition ownership: a Gantt row per partition coloured by consumer, hand-overs
/// marked (report_run_plots.cpp).
void ownership_plot(Doc& doc, const SimulationResult& r, std::size_t gi, const Decorate& decorate);

/// The capacity plan and its SLO verdicts; @p top is "<file>: ", the start of the paths in messages.
void plan_section(Doc& doc, const nlohmann::json& plan, const std::string& top);

}  // namespace cgsim::analysis::report_parts
