#pragma once
/// @file svg_chart.hpp
/// The report's charting module: charts in data coordinates (linear and log axes with "nice"
/// ticks, lines, confidence bands, markers, spans, horizontal limits and Gantt bars) rendered as
/// inline SVG, plus the text helpers the report's tables share with it.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cgsim::analysis {

/// A coordinate: one decimal is finer than a screen pixel and keeps files small and stable.
std::string co(double v);
/// @p s with the HTML/XML special characters escaped.
std::string esc(const std::string& s);
/// A value for tables and tick labels: SI suffixes for large values, three significant digits.
std::string human(double v);
/// Colour @p i of the series palette (Tableau 20: ten hues, each dark then light).
std::string color(std::size_t i);

/// Colour of a heat-map cell: @p t in [0, 1] from pale (nothing) through yellow and orange to dark
/// red (the largest value).
std::string heat_color(double t);

/// Whether @p v's positive values span two decades or more, so that a log axis shows them better
/// than a linear one.
bool spans_decades(const std::vector<double>& v);

/// Axis ticks at "nice" values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi], about
/// @p target of them (Heckbert's labelling).
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

/// A chart in data coordinates, rendered as one <svg class="plot">.
class Chart {
 public:
  Chart(std::string id, std::string title, std::string xlabel, std::string ylabel, double height = 300)
      : id_(std::move(id)), title_(std::move(title)), xlabel_(std::move(xlabel)), ylabel_(std::move(ylabel)),
        h_(height) {}

  void x_range(double lo, double hi) { xlo_ = lo, xhi_ = hi, xset_ = true; }
  void y_range(double lo, double hi) { ylo_ = lo, yhi_ = hi, yset_ = true; }
  void x_log() { xlog_ = true; }
  /// A log y axis; values at or below the axis' floor are drawn on it.
  void y_log() { ylog_ = true; }
  void x_categories(std::vector<std::string> c) { xcat_ = std::move(c); }
  void y_categories(std::vector<std::string> c) {
    ycat_ = std::move(c);
    // Room for the longest row label (about 6.5 px per character at 11 px).
    for (const auto& l : ycat_) L = std::max(L, 6.5 * static_cast<double>(l.size()) + 16);
  }
  void y_percent() { ypct_ = true; }
  void x_integer() { xint_ = true; }

  void line(const std::string& name, const std::vector<double>& xs, const std::vector<double>& ys, const std::string& c,
            bool step = false, bool dots = false, const std::string& dash = "") {
    series_.push_back({name, xs, ys, {}, c, step, dots, dash});
    legend_.push_back({name, c});
  }
  void band(const std::vector<double>& xs, const std::vector<double>& lo, const std::vector<double>& hi,
            const std::string& c) {
    series_.push_back({"", xs, lo, hi, c, false, false, ""});
    is_band_.insert(series_.size() - 1);
  }
  void marker(double x, const std::string& label, const std::string& c) { markers_.push_back({x, label, c}); }
  void span(double x0, double x1, const std::string& title, const std::string& c) { spans_.push_back({x0, x1, title, c}); }
  void hline(double y, const std::string& label, const std::string& c) { hlines_.push_back({y, label, c}); }
  void bar(std::size_t row, double x0, double x1, const std::string& label, const std::string& title, const std::string& c) {
    bars_.push_back({row, x0, x1, label, title, c, false});
  }
  /// A heat-map cell: a borderless bar filling its row.
  void cell(std::size_t row, double x0, double x1, const std::string& title, const std::string& c) {
    bars_.push_back({row, x0, x1, "", title, c, true});
  }
  /// A mark at @p x on row @p row (a small triangle above the bar), e.g. a partition changing owner.
  void tick(std::size_t row, double x, const std::string& title) { ticks_.push_back({row, x, title}); }
  void note(const std::string& n) { note_ = n; }
  void legend_entry(const std::string& name, const std::string& c) { legend_.push_back({name, c}); }
  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }

  std::string render();

 private:
  static constexpr double kWidth = 960, R = 190, T = 30, B = 44;
  double L = 72;  // left margin: wider for long row labels
  double pw() const { return kWidth - L - R; }
  double ph() const { return h_ - T - B; }
  double X(double v) const {
    if (!xcat_.empty()) return L + pw() * (v + 0.5) / static_cast<double>(xcat_.size());
    if (xlog_) return L + pw() * (std::log10(std::max(v, xlo_)) - std::log10(xlo_)) / (std::log10(xhi_) - std::log10(xlo_));
    return L + pw() * (v - xlo_) / (xhi_ - xlo_);
  }
  double Y(double v) const {
    if (!ycat_.empty()) return T + ph() * v / static_cast<double>(ycat_.size());
    if (ylog_) {
      const double l = std::log10(std::clamp(v, ylo_, yhi_ * 10));
      return T + ph() - ph() * (l - std::log10(ylo_)) / (std::log10(yhi_) - std::log10(ylo_));
    }
    double c = std::clamp(v, ylo_ - (yhi_ - ylo_), yhi_ + (yhi_ - ylo_));
    return T + ph() - ph() * (c - ylo_) / (yhi_ - ylo_);
  }

  void autorange();
  void fit_x();
  void fit_y();
  std::vector<std::pair<double, std::string>> xticks() const;
  std::vector<std::pair<double, std::string>> yticks() const;

  struct Series {
    std::string name;
    std::vector<double> xs, ys, hi;
    std::string color;
    bool step, dots;
    std::string dash;
  };
  struct Marker {
    double x;
    std::string label, color;
  };
  struct Span {
    double x0, x1;
    std::string title, color;
  };
  struct HLine {
    double y;
    std::string label, color;
  };
  struct Bar {
    std::size_t row;
    double x0, x1;
    std::string label, title, color;
    bool heat;
  };
  struct Tick {
    std::size_t row;
    double x;
    std::string title;
  };
  std::string id_, title_, xlabel_, ylabel_, note_;
  double h_;
  double xlo_ = 0, xhi_ = 1, ylo_ = 0, yhi_ = 1;
  bool xset_ = false, yset_ = false, xlog_ = false, ylog_ = false, ypct_ = false, xint_ = false;
  std::vector<std::string> xcat_, ycat_;
  std::vector<Series> series_;
  std::set<std::size_t> is_band_;
  std::vector<Marker> markers_;
  std::vector<Span> spans_;
  std::vector<HLine> hlines_;
  std::vector<Bar> bars_;
  std::vector<Tick> ticks_;
  std::vector<std::pair<std::string, std::string>> legend_;
};

}  // namespace cgsim::analysis
