#include "analysis/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/atomic_file.hpp"
#include "analysis/plan.hpp"
#include "analysis/sweep.hpp"
#include "analysis/trace.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- Small helpers -----------------------------------------------------------------------------

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

/// A coordinate: one decimal is finer than a screen pixel and keeps files small and stable.
std::string co(double v) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt("%.1f", v);
  if (s == "-0.0") s = "0.0";
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

/// A value for tables and tick labels: SI suffixes for large values, three significant digits.
std::string human(double v) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "∞" : "-∞";
  const double a = std::fabs(v);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (a >= 1e9) return trim(fmt("%.3g", v / 1e9)) + "G";
  if (a >= 1e6) return trim(fmt("%.3g", v / 1e6)) + "M";
  if (a >= 1e4) return trim(fmt("%.3g", v / 1e3)) + "k";
  if (a >= 100 || a == 0) return trim(fmt("%.0f", v));
  if (a >= 1) return trim(fmt("%.2f", v));
  if (a >= 0.001) return trim(fmt("%.3g", v));
  return fmt("%.2g", v);
}

/// Tableau 20: ten hues, each dark then light, so that neighbouring series differ.
const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                          "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6",
                          "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e"};
std::string color(std::size_t i) { return kPalette[i % 20]; }

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// Rows of a CSV file with the expected header; empty when the file does not exist.
std::vector<std::vector<std::string>> read_csv(const fs::path& p, const std::vector<std::string>& header) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(p);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, line)) return rows;
  if (split_csv_line(line) != header) {
    std::string want;
    for (const auto& h : header) want += (want.empty() ? "" : ",") + h;
    throw InputError(p.string() + ":1: unexpected header (expected \"" + want + "\")");
  }
  std::size_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto f = split_csv_line(line);
    if (f.size() != header.size()) {
      throw InputError(p.string() + ":" + std::to_string(n) + ": expected " + std::to_string(header.size()) + " fields");
    }
    rows.push_back(std::move(f));
  }
  return rows;
}

double to_d(const std::string& s, const fs::path& p) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') throw InputError(p.string() + ": expected a number, got \"" + s + "\"");
  return v;
}

/// An integer read from a CSV field, within +-2^53 (converting a double out of the integer's range
/// would be undefined).
std::int64_t to_int(const std::string& s, const fs::path& p) {
  const double v = to_d(s, p);
  if (!(std::fabs(v) <= 9007199254740992.0))
    throw InputError(p.string() + ": expected an integer within +-2^53, got \"" + s + "\"");
  return static_cast<std::int64_t>(v);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

json read_json(const fs::path& p) {
  try {
    return json::parse(read_text(p));
  } catch (const json::exception& e) {
    throw InputError(p.string() + ": malformed JSON: " + e.what());
  }
}

/// A JSON number that may be written as "inf".
double jd(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>() == "-inf" ? -INFINITY : INFINITY;
  return NAN;
}

/// j[key] when j is an object holding key, null otherwise (a const json's operator[] requires the
/// key to exist, and plan.json is read back from the user's folder).
const json& field(const json& j, const char* key) {
  static const json null;
  if (!j.is_object()) return null;
  auto it = j.find(key);
  return it == j.end() ? null : *it;
}

void write_file(const fs::path& p, const std::string& text) { write_file_atomically(p, text); }

}  // namespace

// ---- Ticks -------------------------------------------------------------------------------------

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return out;
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    out.push_back(lo);
    return out;
  }
  target = std::max(target, 2);
  const double raw = (hi - lo) / (target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (raw <= step * 1.0000001) break;
  }
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double t = first; t <= hi + step * 1e-9; t += step) out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

// ---- SVG charts --------------------------------------------------------------------------------

namespace {

/// A chart in data coordinates, rendered as one <svg class="plot">.
class Chart {
 public:
  Chart(std::string id, std::string title, std::string xlabel, std::string ylabel, double height = 300)
      : id_(std::move(id)), title_(std::move(title)), xlabel_(std::move(xlabel)), ylabel_(std::move(ylabel)),
        h_(height) {}

  void x_range(double lo, double hi) { xlo_ = lo, xhi_ = hi, xset_ = true; }
  void y_range(double lo, double hi) { ylo_ = lo, yhi_ = hi, yset_ = true; }
  void x_log() { xlog_ = true; }
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
    bars_.push_back({row, x0, x1, label, title, c});
  }
  void note(const std::string& n) { note_ = n; }
  void legend_entry(const std::string& name, const std::string& c) { legend_.push_back({name, c}); }
  const std::string& id() const { return id_; }
  const std::string& title() const { return title_; }

  std::string render() {
    autorange();
    std::ostringstream o;
    const double W = kWidth, H = h_;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"" << esc(id_) << "\" viewBox=\"0 0 "
      << co(W) << ' ' << co(H) << "\" width=\"" << co(W) << "\" height=\"" << co(H)
      << "\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"11\" role=\"img\">\n";
    o << "<title>" << esc(title_) << "</title>\n";
    o << "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"" << co(W) << "\" height=\"" << co(H) << "\" fill=\"#fff\"/>\n";
    o << "<text class=\"title\" x=\"" << co(L) << "\" y=\"18\" font-size=\"13\" font-weight=\"600\">" << esc(title_)
      << "</text>\n";
    o << "<clipPath id=\"clip-" << esc(id_) << "\"><rect x=\"" << co(L) << "\" y=\"" << co(T) << "\" width=\""
      << co(pw()) << "\" height=\"" << co(ph()) << "\"/></clipPath>\n";
    // Grid and axes.
    o << "<g class=\"axis x\" stroke=\"#ddd\">\n";
    for (const auto& [v, label] : xticks()) {
      o << "<line x1=\"" << co(X(v)) << "\" y1=\"" << co(T) << "\" x2=\"" << co(X(v)) << "\" y2=\"" << co(T + ph())
        << "\"/>\n";
      o << "<text stroke=\"none\" fill=\"#333\" x=\"" << co(X(v)) << "\" y=\"" << co(T + ph() + 14)
        << "\" text-anchor=\"middle\">" << esc(label) << "</text>\n";
    }
    o << "</g>\n<g class=\"axis y\" stroke=\"#ddd\">\n";
    for (const auto& [v, label] : yticks()) {
      o << "<line x1=\"" << co(L) << "\" y1=\"" << co(Y(v)) << "\" x2=\"" << co(L + pw()) << "\" y2=\"" << co(Y(v))
        << "\"/>\n";
      o << "<text stroke=\"none\" fill=\"#333\" x=\"" << co(L - 6) << "\" y=\"" << co(Y(v) + 4)
        << "\" text-anchor=\"end\">" << esc(label) << "</text>\n";
    }
    o << "</g>\n";
    o << "<rect class=\"frame\" x=\"" << co(L) << "\" y=\"" << co(T) << "\" width=\"" << co(pw()) << "\" height=\""
      << co(ph()) << "\" fill=\"none\" stroke=\"#888\"/>\n";
    o << "<text class=\"xlabel\" x=\"" << co(L + pw() / 2) << "\" y=\"" << co(H - 6) << "\" text-anchor=\"middle\">"
      << esc(xlabel_) << "</text>\n";
    o << "<text class=\"ylabel\" transform=\"translate(14," << co(T + ph() / 2)
      << ") rotate(-90)\" text-anchor=\"middle\">" << esc(ylabel_) << "</text>\n";
    o << "<g clip-path=\"url(#clip-" << esc(id_) << ")\">\n";
    for (const auto& s : spans_) {
      const double x0 = X(s.x0), x1 = std::max(X(s.x1), x0 + 1);
      o << "<rect class=\"span\" x=\"" << co(x0) << "\" y=\"" << co(T) << "\" width=\"" << co(x1 - x0)
        << "\" height=\"" << co(ph()) << "\" fill=\"" << s.color << "\" fill-opacity=\"0.18\"><title>" << esc(s.title)
        << "</title></rect>\n";
    }
    for (std::size_t i = 0; i < series_.size(); ++i) {
      const auto& s = series_[i];
      if (is_band_.count(i)) {
        std::string d;
        for (std::size_t k = 0; k < s.xs.size(); ++k) d += (k ? "L" : "M") + co(X(s.xs[k])) + "," + co(Y(s.hi[k]));
        for (std::size_t k = s.xs.size(); k-- > 0;) d += "L" + co(X(s.xs[k])) + "," + co(Y(s.ys[k]));
        if (!d.empty()) o << "<path class=\"band\" d=\"" << d << "Z\" fill=\"" << s.color << "\" fill-opacity=\"0.2\" stroke=\"none\"/>\n";
        continue;
      }
      std::string d;
      bool pen = false;
      double prev_y = 0;
      for (std::size_t k = 0; k < s.xs.size(); ++k) {
        if (!std::isfinite(s.ys[k]) || !std::isfinite(s.xs[k]) || (xlog_ && s.xs[k] <= 0)) {
          pen = false;
          continue;
        }
        const double x = X(s.xs[k]), y = Y(s.ys[k]);
        if (!pen) {
          d += "M" + co(x) + "," + co(y);
        } else if (s.step) {
          d += "L" + co(x) + "," + co(prev_y) + "L" + co(x) + "," + co(y);
        } else {
          d += "L" + co(x) + "," + co(y);
        }
        prev_y = y;
        pen = true;
      }
      if (!d.empty()) {
        o << "<path class=\"series\" d=\"" << d << "\" fill=\"none\" stroke=\"" << s.color << "\" stroke-width=\"1.5\"";
        if (!s.dash.empty()) o << " stroke-dasharray=\"" << s.dash << "\"";
        o << "><title>" << esc(s.name) << "</title></path>\n";
      }
      if (s.dots) {
        for (std::size_t k = 0; k < s.xs.size(); ++k) {
          if (!std::isfinite(s.xs[k])) continue;
          if (!std::isfinite(s.ys[k])) {
            // Off the scale (e.g. never recovered): a triangle at the top edge.
            const double x = X(s.xs[k]);
            o << "<path class=\"point offscale\" d=\"M" << co(x) << "," << co(T + 2) << "L" << co(x - 5) << ","
              << co(T + 10) << "L" << co(x + 5) << "," << co(T + 10) << "Z\" fill=\"" << s.color << "\"><title>"
              << esc(s.name) << ": off the scale</title></path>\n";
            continue;
          }
          o << "<circle class=\"point\" cx=\"" << co(X(s.xs[k])) << "\" cy=\"" << co(Y(s.ys[k])) << "\" r=\"3\" fill=\""
            << s.color << "\"><title>" << esc(s.name) << ": " << human(s.ys[k]) << "</title></circle>\n";
        }
      }
    }
    for (const auto& b : bars_) {
      const double rowh = ph() / static_cast<double>(std::max<std::size_t>(ycat_.size(), 1));
      const double y = T + rowh * static_cast<double>(b.row) + rowh * 0.15;
      const double x0 = X(b.x0), x1 = std::max(X(b.x1), x0 + 1);
      o << "<rect class=\"bar\" x=\"" << co(x0) << "\" y=\"" << co(y) << "\" width=\"" << co(x1 - x0) << "\" height=\""
        << co(rowh * 0.7) << "\" fill=\"" << b.color << "\" stroke=\"#fff\" stroke-width=\"0.5\"><title>"
        << esc(b.title) << "</title></rect>\n";
      if (x1 - x0 > 7.0 * static_cast<double>(b.label.size()) + 6) {
        o << "<text class=\"barlabel\" x=\"" << co(x0 + 4) << "\" y=\"" << co(y + rowh * 0.35 + 4)
          << "\" fill=\"#fff\" font-size=\"10\">" << esc(b.label) << "</text>\n";
      }
    }
    for (const auto& h : hlines_) {
      o << "<line class=\"limit\" x1=\"" << co(L) << "\" y1=\"" << co(Y(h.y)) << "\" x2=\"" << co(L + pw())
        << "\" y2=\"" << co(Y(h.y)) << "\" stroke=\"" << h.color << "\" stroke-dasharray=\"6 3\" stroke-width=\"1.5\"/>\n";
      o << "<text class=\"limitlabel\" x=\"" << co(L + pw() - 4) << "\" y=\"" << co(Y(h.y) - 4)
        << "\" text-anchor=\"end\" fill=\"" << h.color << "\">" << esc(h.label) << "</text>\n";
    }
    for (const auto& m : markers_) {
      o << "<line class=\"marker\" x1=\"" << co(X(m.x)) << "\" y1=\"" << co(T) << "\" x2=\"" << co(X(m.x))
        << "\" y2=\"" << co(T + ph()) << "\" stroke=\"" << m.color << "\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\"><title>"
        << esc(m.label) << "</title></line>\n";
      o << "<text class=\"markerlabel\" x=\"" << co(X(m.x) + 3) << "\" y=\"" << co(T + 11) << "\" fill=\"" << m.color
        << "\" font-size=\"10\">" << esc(m.label) << "</text>\n";
    }
    o << "</g>\n";
    // Legend.
    o << "<g class=\"legend\">\n";
    const std::size_t max_entries = static_cast<std::size_t>((ph() - 10) / 15);
    for (std::size_t i = 0; i < legend_.size() && i < max_entries; ++i) {
      const double y = T + 8 + 15 * static_cast<double>(i);
      o << "<rect x=\"" << co(L + pw() + 12) << "\" y=\"" << co(y - 8) << "\" width=\"10\" height=\"10\" fill=\""
        << legend_[i].second << "\"/><text x=\"" << co(L + pw() + 26) << "\" y=\"" << co(y + 1) << "\">"
        << esc(legend_[i].first.size() > 26 ? legend_[i].first.substr(0, 25) + "…" : legend_[i].first) << "</text>\n";
    }
    if (legend_.size() > max_entries) {
      o << "<text x=\"" << co(L + pw() + 12) << "\" y=\"" << co(T + 8 + 15 * static_cast<double>(max_entries))
        << "\">+" << legend_.size() - max_entries << " more</text>\n";
    }
    o << "</g>\n";
    if (!note_.empty()) {
      o << "<text class=\"note\" x=\"" << co(L + pw()) << "\" y=\"18\" text-anchor=\"end\" fill=\"#666\">" << esc(note_)
        << "</text>\n";
    }
    o << "</svg>\n";
    return o.str();
  }

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
    double c = std::clamp(v, ylo_ - (yhi_ - ylo_), yhi_ + (yhi_ - ylo_));
    return T + ph() - ph() * (c - ylo_) / (yhi_ - ylo_);
  }

  void autorange() {
    if (!xcat_.empty() || !ycat_.empty()) {
      if (!xset_ && xcat_.empty()) fit_x();
      if (!yset_ && ycat_.empty()) fit_y();
      return;
    }
    if (!xset_) fit_x();
    if (!yset_) fit_y();
  }
  void fit_x() {
    double lo = INFINITY, hi = -INFINITY;
    auto take = [&](double v) {
      if (std::isfinite(v) && (!xlog_ || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
    };
    for (const auto& s : series_)
      for (double v : s.xs) take(v);
    for (const auto& b : bars_) take(b.x0), take(b.x1);
    for (const auto& m : markers_) take(m.x);
    if (!std::isfinite(lo)) lo = xlog_ ? 1 : 0, hi = xlog_ ? 10 : 1;
    if (xlog_) {
      lo = std::pow(10, std::floor(std::log10(lo)));
      hi = std::pow(10, std::ceil(std::log10(hi)));
      if (hi <= lo) hi = lo * 10;
    } else if (hi <= lo) {
      hi = lo + 1;
    }
    xlo_ = lo, xhi_ = hi;
  }
  void fit_y() {
    double lo = 0, hi = -INFINITY;
    for (const auto& s : series_) {
      for (double v : s.ys)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      for (double v : s.hi)
        if (std::isfinite(v)) hi = std::max(hi, v);
    }
    for (const auto& h : hlines_) hi = std::max(hi, h.y);
    if (!std::isfinite(hi) || hi <= lo) hi = lo + 1;
    hi += 0.04 * (hi - lo);  // headroom, so that a line at the maximum stays visible
    const auto t = nice_ticks(lo, hi, 6);
    if (!t.empty() && t.back() < hi) {
      const double step = t.size() > 1 ? t[1] - t[0] : hi - lo;
      hi = t.back() + step;
    }
    ylo_ = lo, yhi_ = hi;
  }
  std::vector<std::pair<double, std::string>> xticks() const {
    std::vector<std::pair<double, std::string>> out;
    if (!xcat_.empty()) {
      for (std::size_t i = 0; i < xcat_.size(); ++i) out.emplace_back(static_cast<double>(i), xcat_[i]);
      return out;
    }
    if (xlog_) {
      const int d0 = static_cast<int>(std::floor(std::log10(xlo_) + 1e-9));
      const int d1 = static_cast<int>(std::ceil(std::log10(xhi_) - 1e-9));
      for (int d = d0; d <= d1; ++d) {
        const double v = std::pow(10.0, d);
        if (v >= xlo_ * 0.999 && v <= xhi_ * 1.001) out.emplace_back(v, human(v));
      }
      return out;
    }
    for (double v : nice_ticks(xlo_, xhi_, 8))
      if (!xint_ || v == std::floor(v)) out.emplace_back(v, human(v));
    return out;
  }
  std::vector<std::pair<double, std::string>> yticks() const {
    std::vector<std::pair<double, std::string>> out;
    if (!ycat_.empty()) {
      for (std::size_t i = 0; i < ycat_.size(); ++i) out.emplace_back(static_cast<double>(i) + 0.5, ycat_[i]);
      return out;
    }
    for (double v : nice_ticks(ylo_, yhi_, 6)) out.emplace_back(v, ypct_ ? human(v * 100) + "%" : human(v));
    return out;
  }

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
  };
  std::string id_, title_, xlabel_, ylabel_, note_;
  double h_;
  double xlo_ = 0, xhi_ = 1, ylo_ = 0, yhi_ = 1;
  bool xset_ = false, yset_ = false, xlog_ = false, ypct_ = false, xint_ = false;
  std::vector<std::string> xcat_, ycat_;
  std::vector<Series> series_;
  std::set<std::size_t> is_band_;
  std::vector<Marker> markers_;
  std::vector<Span> spans_;
  std::vector<HLine> hlines_;
  std::vector<Bar> bars_;
  std::vector<std::pair<std::string, std::string>> legend_;
};

}  // namespace

// ---- Run outputs -------------------------------------------------------------------------------

void write_latency_cdf(const std::string& dir, const SimulationResult& r) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ostringstream o;
  o << "group,quantile,latency_ms\n";
  std::vector<double> qs;
  for (int k = 1; k <= 9; ++k) qs.push_back(k / 1000.0);
  for (int k = 1; k < 100; ++k) qs.push_back(k / 100.0);
  for (double q : {0.995, 0.998, 0.999, 0.9995, 0.9999, 1.0}) qs.push_back(q);
  for (std::size_t g = 0; g < r.latency.size() && g < r.summary.groups.size(); ++g) {
    const Histogram& h = r.latency[g];
    if (h.count() == 0) continue;
    for (double q : qs) {
      o << r.summary.groups[g].id << ',' << format_number(q) << ','
        << format_number(static_cast<double>(q >= 1 ? h.max() : h.quantile(q)) / 1e6) << '\n';
    }
  }
  write_file(fs::path(dir) / "latency_cdf.csv", o.str());
}

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

// ---- The report --------------------------------------------------------------------------------

namespace {

struct Plot {
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
    html << "<table><thead><tr>";
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
    html << "</tbody></table>\n";
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
    Plot p{c.id(), c.title(), c.render(), caption};
    html << "<figure>\n" << p.svg << "<figcaption>" << esc(caption) << "</figcaption></figure>\n";
    md << "![" << p.title << "](plots/" << p.id << ".svg)\n\n" << caption << "\n\n";
    plots.push_back(std::move(p));
  }
};

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// Partition names of one topic compressed to ranges: "game_events 0-3,7".
std::string compress_partitions(const std::vector<std::string>& parts) {
  std::map<std::string, std::vector<int>> by_topic;
  for (const auto& p : parts) {
    auto dash = p.rfind('-');
    if (dash == std::string::npos) {
      by_topic[p];
      continue;
    }
    by_topic[p.substr(0, dash)].push_back(std::atoi(p.c_str() + dash + 1));
  }
  std::string out;
  for (auto& [t, v] : by_topic) {
    std::sort(v.begin(), v.end());
    std::string r;
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i;
      while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
      r += (r.empty() ? "" : ",") + std::to_string(v[i]) + (j > i ? "-" + std::to_string(v[j]) : "");
      i = j + 1;
    }
    out += (out.empty() ? "" : "; ") + t + " " + r;
  }
  return out;
}

std::string plot_id(const std::string& base, const std::string& group, std::size_t ngroups) {
  if (ngroups <= 1) return base;
  std::string g;
  for (char c : group) g += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return base + "-" + g;
}

// Run section ------------------------------------------------------------------------------------

void run_section(Doc& doc, const SimulationResult& r, const fs::path& dir, const json* plan) {
  const RunSummary& s = r.summary;
  doc.h2("Run summary");
  doc.para("Scenario " + s.scenario + ", seed " + std::to_string(s.seed) + ", " + human(s.simulated_seconds) +
           " s simulated, " + human(static_cast<double>(s.events)) + " events.");
  doc.table({"produced", "consumed", "duplicates", "skipped", "final lag", "max lag", "p50 ms", "p90 ms", "p99 ms",
             "p99.9 ms", "max ms", "rebalances"},
            {{std::to_string(s.produced), std::to_string(s.consumed), std::to_string(s.duplicates),
              std::to_string(s.skipped), std::to_string(s.final_lag), std::to_string(s.max_lag), human(s.latency_ms.p50),
              human(s.latency_ms.p90), human(s.latency_ms.p99), human(s.latency_ms.p999), human(s.latency_ms.max),
              std::to_string(s.rebalances.size())}});
  for (const auto& g : s.groups) {
    doc.h3("Group " + g.id);
    doc.para("Generation " + std::to_string(g.generation) + "; max lag " + std::to_string(g.max_lag) +
             " records, oldest uncommitted record at most " + human(g.max_lag_seconds) + " s old; final lag " +
             std::to_string(g.final_lag) + " records.");
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : g.consumers) {
      rows.push_back({c.name, c.state, std::to_string(c.consumed), std::to_string(c.duplicates),
                      c.partitions.empty() ? "-" : compress_partitions(c.partitions)});
    }
    doc.table({"consumer", "state", "consumed", "duplicates", "partitions at the end"}, rows);
    std::vector<std::vector<std::string>> rb;
    for (const auto& x : s.rebalances) {
      if (x.group != g.id) continue;
      rb.push_back({human(x.start_s), x.end_s >= 0 ? human(x.end_s) : "open", std::to_string(x.generation), x.trigger,
                    std::to_string(x.partitions_moved), std::to_string(x.rounds)});
    }
    if (!rb.empty()) doc.table({"rebalance start s", "end s", "generation", "trigger", "partitions moved", "rounds"}, rb);
  }

  // SLO lines from plan.json, for the lag plots.
  double lag_seconds_limit = -1, lag_limit = -1, latency_limit = -1;
  if (plan) {
    for (const auto& sl : plan->value("slos", json::array())) {
      const std::string n = sl.value("name", "");
      if (n == "max_lag_seconds") lag_seconds_limit = jd(field(sl, "limit"));
      if (n == "max_lag") lag_limit = jd(field(sl, "limit"));
      if (n == "p99_latency") latency_limit = jd(field(sl, "limit"));
    }
  }

  auto decorate = [&](Chart& c, const std::string& group) {
    for (const auto& x : s.rebalances) {
      if (x.group != group) continue;
      c.span(x.start_s, x.end_s >= 0 ? x.end_s : s.simulated_seconds,
             "rebalance " + x.trigger + " -> generation " + std::to_string(x.generation), "#f28e2b");
    }
    for (const auto& e : r.timeline) {
      if (e.kind != "fault") continue;
      if (split_consumer_name(e.subject).first != group && e.subject != group) continue;
      c.marker(e.time_s, e.detail + " " + e.subject, "#d62728");
    }
  };

  for (std::size_t gi = 0; gi < s.groups.size(); ++gi) {
    const std::string& gid = s.groups[gi].id;
    const std::string suffix = s.groups.size() > 1 ? " (" + gid + ")" : "";
    // Lag per partition.
    if (!r.lag.empty()) {
      Chart c(plot_id("lag-partitions", gid, s.groups.size()), "Lag per partition" + suffix, "time (s)",
              "lag (records)");
      std::map<std::int32_t, std::pair<std::vector<double>, std::vector<double>>> per;
      for (const auto& l : r.lag)
        if (l.group == static_cast<std::int32_t>(gi)) {
          per[l.partition].first.push_back(l.time_s);
          per[l.partition].second.push_back(static_cast<double>(l.lag));
        }
      std::size_t k = 0;
      for (const auto& [p, xy] : per) c.line(r.partition_names[static_cast<std::size_t>(p)], xy.first, xy.second, color(k++));
      c.x_range(0, s.simulated_seconds);
      if (lag_limit > 0) c.hline(lag_limit, "SLO max_lag", "#d62728");
      decorate(c, gid);
      doc.plot(c, "Committed lag (log end minus committed offset) of every partition, sampled every interval. Shaded: "
                  "rebalances; dashed red: faults.");
    }
    // Group lag in seconds.
    if (!r.group_lag.empty()) {
      Chart c(plot_id("lag-seconds", gid, s.groups.size()), "Group lag in seconds" + suffix, "time (s)",
              "age of oldest uncommitted record (s)");
      std::vector<double> xs, ys;
      for (const auto& l : r.group_lag)
        if (l.group == static_cast<std::int32_t>(gi)) xs.push_back(l.time_s), ys.push_back(l.lag_seconds);
      c.line("lag (s)", xs, ys, color(0));
      c.x_range(0, s.simulated_seconds);
      if (lag_seconds_limit > 0) c.hline(lag_seconds_limit, "SLO max_lag_seconds", "#d62728");
      decorate(c, gid);
      doc.plot(c, "Age of the group's oldest uncommitted record at each sample: the lag in time.");
    }
    // Throughput per consumer.
    if (!r.throughput.empty()) {
      Chart c(plot_id("throughput", gid, s.groups.size()), "Throughput per consumer" + suffix, "time (s)",
              "records / s");
      std::map<std::int32_t, std::pair<std::vector<double>, std::vector<double>>> per;
      double prev = 0, interval = 1;
      for (const auto& t : r.throughput) {
        if (t.time_s > prev && prev > 0) {
          interval = t.time_s - prev;
          break;
        }
        prev = t.time_s;
      }
      for (const auto& t : r.throughput)
        if (t.group == static_cast<std::int32_t>(gi)) {
          per[t.consumer].first.push_back(t.time_s);
          per[t.consumer].second.push_back(static_cast<double>(t.records) / interval);
        }
      std::size_t k = 0;
      for (const auto& [cidx, xy] : per) c.line(gid + "/" + std::to_string(cidx), xy.first, xy.second, color(k++), true);
      c.x_range(0, s.simulated_seconds);
      decorate(c, gid);
      doc.plot(c, "Records processed per second by each consumer (duplicates included), per sample interval.");
    }
    // Gantt of ownership.
    {
      std::vector<OwnershipSpan> spans;
      for (auto& sp : ownership_spans(r))
        if (sp.group == gid) spans.push_back(sp);
      if (!spans.empty()) {
        std::map<int, std::string> rows_by_index;
        for (const auto& c : s.groups[gi].consumers) rows_by_index[split_consumer_name(c.name).second] = c.name;
        for (const auto& sp : spans) rows_by_index[sp.consumer_index] = sp.consumer;
        std::vector<std::string> rows;
        std::map<std::string, std::size_t> row_of;
        for (const auto& [idx, name] : rows_by_index) {
          row_of[name] = rows.size();
          rows.push_back(name);
        }
        Chart c(plot_id("ownership", gid, s.groups.size()), "Partition ownership by generation" + suffix, "time (s)",
                "", std::max(160.0, 74.0 + 26.0 * static_cast<double>(rows.size())));
        c.y_categories(rows);
        c.x_range(0, s.simulated_seconds);
        std::set<std::int32_t> gens;
        for (const auto& sp : spans) {
          gens.insert(sp.generation);
          c.bar(row_of[sp.consumer], sp.start_s, sp.end_s, "g" + std::to_string(sp.generation) + " " + compress_partitions(sp.partitions),
                sp.consumer + ", generation " + std::to_string(sp.generation) + " (" + human(sp.start_s) + " s to " +
                    human(sp.end_s) + " s): " + compress_partitions(sp.partitions),
                color(static_cast<std::size_t>(sp.generation)));
        }
        for (auto gn : gens) c.legend_entry("generation " + std::to_string(gn), color(static_cast<std::size_t>(gn)));
        decorate(c, gid);
        doc.plot(c, "Who owned which partitions when: one bar per consumer and generation, from the generation's "
                    "assignment until the next rebalance revokes it (eager protocol) or the consumer stops. Gaps are "
                    "time without partitions.");
      }
    }
  }

  // Latency CDF.
  {
    Chart c("latency-cdf", "Latency CDF", "end-to-end latency (ms, log scale)", "fraction of records");
    c.x_log();
    c.y_range(0, 1);
    c.y_percent();
    std::size_t k = 0;
    bool from_file = false;
    const fs::path p = dir / "latency_cdf.csv";
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> per;
    for (const auto& f : read_csv(p, {"group", "quantile", "latency_ms"})) {
      per[f[0]].first.push_back(std::max(to_d(f[2], p), 1e-3));
      per[f[0]].second.push_back(to_d(f[1], p));
    }
    if (!per.empty()) {
      from_file = true;
      for (const auto& g : s.groups) {
        auto it = per.find(g.id);
        if (it != per.end()) c.line(g.id, it->second.first, it->second.second, color(k++), true);
      }
    } else {
      for (const auto& g : s.groups) {
        const auto& l = g.latency_ms;
        if (l.count == 0) continue;
        std::vector<double> xs{std::max(l.p50, 1e-3), std::max(l.p90, 1e-3), std::max(l.p99, 1e-3),
                               std::max(l.p999, 1e-3), std::max(l.max, 1e-3)};
        c.line(g.id, xs, {0.5, 0.9, 0.99, 0.999, 1.0}, color(k++), true, true);
      }
      c.note("from the summary's percentiles (no latency_cdf.csv)");
    }
    c.hline(0.99, "p99", "#888");
    if (latency_limit > 0) c.marker(latency_limit, "SLO p99", "#d62728");
    doc.plot(c, std::string("Cumulative distribution of end-to-end latency (append to processed, first processing "
                            "of each record)") +
                    (from_file ? "." : "; only the summary's percentiles were available, drawn as steps."));
  }
}

// Sweep section ----------------------------------------------------------------------------------

void sweep_section(Doc& doc, const SweepResult& sw) {
  doc.h2("Sweep");
  std::string axes;
  for (const auto& a : sw.axes) {
    std::string vals;
    for (const auto& v : a.values) vals += (vals.empty() ? "" : ", ") + v;
    axes += (axes.empty() ? "" : "; ") + a.path + " = " + vals;
  }
  doc.para("Scenario " + sw.scenario + ": " + plural(sw.points.size(), "point", "points") + " x " +
           plural(sw.seeds, "seed", "seeds") + " (seeds " + std::to_string(sw.base_seed) + " to " +
           std::to_string(sw.base_seed + sw.seeds - 1) + "). " + (axes.empty() ? "No axes." : "Axes: " + axes + ".") +
           " Values are means with 95% confidence half-widths over the seeds.");
  const std::vector<std::string> key{"latency_p99_ms", "latency_mean_ms", "max_lag", "max_lag_seconds", "duplicates",
                                     "rebalance_seconds"};
  std::vector<std::size_t> idx;
  for (const auto& k : key)
    for (std::size_t m = 0; m < sw.metrics.size(); ++m)
      if (sw.metrics[m] == k) idx.push_back(m);
  {
    std::vector<std::string> head;
    for (const auto& a : sw.axes) head.push_back(a.path);
    for (auto m : idx) head.push_back(sw.metrics[m]);
    std::vector<std::vector<std::string>> rows;
    for (const auto& pt : sw.points) {
      std::vector<std::string> row;
      for (const auto& ov : pt.params) row.push_back(ov.value);
      for (auto m : idx) row.push_back(human(pt.stats[m].mean) + " ± " + human(pt.stats[m].ci95));
      rows.push_back(std::move(row));
    }
    doc.table(head, rows);
  }
  // Curves: the first axis on x, one line per combination of the others.
  std::vector<std::string> xcats;
  std::vector<double> xvals;
  bool numeric = !sw.axes.empty();
  if (!sw.axes.empty()) {
    for (const auto& v : sw.axes[0].values) {
      xcats.push_back(v);
      sim::Time t;
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (!v.empty() && *end == '\0') {
        xvals.push_back(d);
      } else if (scenarios::parse_duration(v, t)) {
        xvals.push_back(sim::to_seconds(t));
      } else {
        numeric = false;
      }
    }
  }
  std::map<std::string, std::vector<std::size_t>> lines;  // label of the other axes -> points in x order
  std::vector<std::string> order;
  for (std::size_t p = 0; p < sw.points.size(); ++p) {
    std::string label;
    for (std::size_t a = 1; a < sw.points[p].params.size(); ++a)
      label += (label.empty() ? "" : ", ") + sw.points[p].params[a].path + "=" + sw.points[p].params[a].value;
    if (label.empty()) label = "mean";
    if (!lines.count(label)) order.push_back(label);
    lines[label].push_back(p);
  }
  for (auto m : idx) {
    const std::string xlabel = sw.axes.empty() ? "" : sw.axes[0].path + (numeric && !xvals.empty() && xcats[0] != format_number(xvals[0]) ? " (s)" : "");
    Chart c("sweep-" + sw.metrics[m], sw.metrics[m] + " vs " + (sw.axes.empty() ? "point" : sw.axes[0].path), xlabel,
            sw.metrics[m] + (sw.units[m].empty() ? "" : " (" + sw.units[m] + ")"));
    if (!numeric) c.x_categories(sw.axes.empty() ? std::vector<std::string>{"all"} : xcats);
    std::size_t k = 0;
    for (const auto& label : order) {
      std::vector<double> xs, ys, lo, hi;
      for (std::size_t j = 0; j < lines[label].size(); ++j) {
        const auto& st = sw.points[lines[label][j]].stats[m];
        xs.push_back(numeric ? xvals[j % xvals.size()] : static_cast<double>(j));
        ys.push_back(st.mean);
        lo.push_back(st.mean - st.ci95);
        hi.push_back(st.mean + st.ci95);
      }
      c.band(xs, lo, hi, color(k));
      c.line(label, xs, ys, color(k), false, true);
      ++k;
    }
    doc.plot(c, "Mean over seeds with its 95% confidence band.");
  }
}

// Plan section -----------------------------------------------------------------------------------

void plan_section(Doc& doc, const json& plan) {
  doc.h2("Capacity plan and SLO verdicts");
  std::string slos;
  for (const auto& s : plan.value("slos", json::array()))
    slos += (slos.empty() ? "" : ", ") + s.value("name", "") + " <= " + human(jd(field(s, "limit"))) + " " + s.value("unit", "");
  const int failures = plan.value("failures", 0);
  doc.para("Scenario " + plan.value("scenario", "") + ", group " + plan.value("group", "") + "; SLOs: " + slos + "; " +
           std::to_string(failures) + (failures == 1 ? " consumer crash" : " simultaneous consumer crashes") +
           " at the start of peak load; " + plural(plan.value("seeds", 1), "seed", "seeds") +
           " per configuration, each SLO judged on its worst seed.");
  for (const auto& pt : plan.value("points", json::array())) {
    std::string params;
    const json point_params = pt.value("params", json::object());
    for (const auto& [k, v] : point_params.items()) params += (params.empty() ? "" : ", ") + k + "=" + v.get<std::string>();
    if (!params.empty()) doc.h3("With " + params);
    const auto& rec = field(pt, "recommendation");
    if (rec.is_object()) {
      std::string binding;
      for (const auto& b : rec.value("binding", json::array())) binding += (binding.empty() ? "" : ", ") + b.get<std::string>();
      doc.para("Recommendation: " + std::to_string(rec.value("partitions", 0)) + " partitions and " +
                   std::to_string(rec.value("consumers", 0)) + " consumers" +
                   (binding.empty() ? "." : "; binding SLO: " + binding + " (it fails with one consumer fewer)."),
               "verdict ok");
    } else {
      doc.para("No configuration among those tried meets every SLO.", "verdict fail");
    }
    for (const auto& w : pt.value("warnings", json::array())) doc.para("Warning: " + w.get<std::string>(), "warning");
    for (const auto& s : pt.value("searches", json::array())) {
      std::vector<std::string> head{"partitions", "consumers", "model utilisation"};
      for (const auto& sl : plan.value("slos", json::array())) head.push_back(sl.value("name", "") + " (" + sl.value("unit", "") + ")");
      head.push_back("verdict");
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : s.value("candidates", json::array())) {
        std::vector<std::string> row{std::to_string(s.value("partitions", 0)), std::to_string(c.value("consumers", 0))};
        const auto& an = field(c, "analytic");
        std::string u = human(jd(field(an, "max_utilisation")));
        if (failures > 0) u += " / " + human(jd(field(an, "max_utilisation_after_failures"))) + " after";
        row.push_back(u);
        for (const auto& v : c.value("verdicts", json::array())) {
          row.push_back(std::string(v.value("met", false) ? "✔ " : "✘ ") + human(jd(field(v, "worst"))));
        }
        row.push_back(c.value("meets", false) ? "✔ meets all" : "✘ fails");
        rows.push_back(std::move(row));
      }
      doc.para("Partitions " + std::to_string(s.value("partitions", 0)) + ": the hottest partition takes " +
               human(100 * jd(field(s, "hottest_share"))) + "% of the load (" + human(jd(field(s, "imbalance"))) +
               "x an even share); the analytic models rule out fewer than " +
               std::to_string(s.value("analytic_lower", 0)) + " consumers.");
      doc.table(head, rows);
    }
    // One chart per SLO: worst value vs consumer count, a line per partition count.
    for (const auto& sl : plan.value("slos", json::array())) {
      const std::string name = sl.value("name", "");
      Chart c("plan-" + name, name + " vs consumers", "consumers",
              name + " (" + sl.value("unit", "") + ")");
      c.x_integer();
      std::size_t k = 0;
      double top = jd(field(sl, "limit"));
      for (const auto& s : pt.value("searches", json::array())) {
        std::vector<double> xs, ys;
        for (const auto& cand : s.value("candidates", json::array()))
          for (const auto& v : cand.value("verdicts", json::array()))
            if (v.value("slo", "") == name) {
              xs.push_back(cand.value("consumers", 0));
              ys.push_back(jd(field(v, "worst")));
              if (std::isfinite(ys.back())) top = std::max(top, ys.back());
            }
        c.line(std::to_string(s.value("partitions", 0)) + " partitions", xs, ys, color(k++), false, true);
      }
      top = std::min(top, 4 * jd(field(sl, "limit")));
      c.y_range(0, top * 1.1);
      c.hline(jd(field(sl, "limit")), "SLO " + human(jd(field(sl, "limit"))), "#d62728");
      doc.plot(c, "Worst value over seeds of " + name + " for each simulated candidate; the dashed line is the SLO. "
                  "Values beyond four times the limit are clipped; triangles at the top mark values off the scale "
                  "(e.g. never recovered).");
    }
    break;  // plots and tables for the first point only; plan.json has the rest
  }
}

const char* kCss = R"(body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}td.ok{color:#1a7f37}td.fail{color:#c62828;font-weight:600}
p.verdict.ok{background:#e8f5e9;padding:.6em;border-left:4px solid #1a7f37}p.verdict.fail{background:#ffebee;padding:.6em;border-left:4px solid #c62828}
p.warning{background:#fff8e1;padding:.6em;border-left:4px solid #f9a825}
figure{margin:1.2em 0}figcaption{color:#555;font-size:.85em;max-width:900px}svg.plot{max-width:100%;height:auto;border:1px solid #eee}
.meta{color:#666})";

/// Checks, in the browser, that every plot has content and a laid-out size; the result is left
/// in data attributes on <body> for automated tests (and shown in the footer).
const char* kScript = R"(<script>
(function () {
  var plots = document.querySelectorAll('svg.plot');
  var drawn = 0;
  for (var i = 0; i < plots.length; i++) {
    var s = plots[i];
    var marks = s.querySelectorAll('path.series, path.band, rect.bar, circle.point, path.point');
    var box = s.getBBox();
    if (marks.length > 0 && box.width > 0 && box.height > 0) drawn++;
    else s.setAttribute('data-empty', 'true');
  }
  document.body.setAttribute('data-plots', String(plots.length));
  document.body.setAttribute('data-plots-drawn', String(drawn));
  var f = document.getElementById('plot-check');
  if (f) f.textContent = drawn + ' of ' + plots.length + ' plots drawn.';
})();
</script>)";

}  // namespace

ReportFiles write_report(const std::string& dir, const ReportOptions& options) {
  const fs::path d(dir);
  if (!fs::is_directory(d)) throw InputError(dir + ": not a directory");
  const bool has_run = fs::exists(d / "summary.json");
  const bool has_sweep = fs::exists(d / "sweep.json");
  const bool has_plan = fs::exists(d / "plan.json");
  if (!has_run && !has_sweep && !has_plan) {
    throw InputError(dir + ": no summary.json, sweep.json or plan.json (write one with cgsim run --out, cgsim sweep "
                           "--out or cgsim plan --out)");
  }
  json plan;
  if (has_plan) {
    plan = read_json(d / "plan.json");
    if (!plan.is_object() || plan["kind"] != "cgsim-plan")
      throw InputError((d / "plan.json").string() + ": not a cgsim plan file");
  }
  std::optional<SimulationResult> run;
  if (has_run) run = load_run_outputs(dir);
  std::optional<SweepResult> sweep;
  if (has_sweep) sweep = sweep_from_json(read_json(d / "sweep.json"));

  std::string name;
  Doc doc;
  std::string kinds = std::string(has_plan ? "plan" : "") + (has_sweep ? std::string(has_plan ? ", " : "") + "sweep" : "") +
                      (has_run ? std::string(has_plan || has_sweep ? ", " : "") + "run" : "");
  try {
    name = run ? run->summary.scenario : sweep ? sweep->scenario : plan.value("scenario", "");
    doc.md << "# cgsim report: " << name << "\n\n";
    doc.md << "Generated by cgsim from the " << kinds << " outputs in this directory.\n";
    if (has_plan) plan_section(doc, plan);
    if (run) {
      if (has_plan) {
        doc.para("The run below is the recommended configuration" +
                 std::string(plan.value("failures", 0) > 0 ? " with its failure at peak" : "") +
                 " (the plan's first seed).");
      }
      run_section(doc, *run, d, has_plan ? &plan : nullptr);
    }
    if (sweep) sweep_section(doc, *sweep);
  } catch (const json::exception& e) {
    throw InputError(dir + ": malformed plan.json, sweep.json or summary.json: " + e.what());
  }

  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>cgsim report: " << esc(name)
       << "</title>\n<style>\n" << kCss << "\n</style>\n</head>\n<body>\n<h1>cgsim report: " << esc(name) << "</h1>\n"
       << "<p class=\"meta\">Generated by cgsim from the " << esc(kinds)
       << " outputs in this directory. Self-contained: no network access is needed to view it.</p>\n"
       << doc.html.str() << "<p class=\"meta\" id=\"plot-check\"></p>\n" << kScript << "\n</body>\n</html>\n";

  ReportFiles files;
  files.html = (d / "report.html").string();
  files.markdown = (d / "report.md").string();
  std::error_code ec;
  fs::create_directories(d / "plots", ec);
  if (ec) throw WriteError(escape_bytes((d / "plots").string()) + ": cannot create directory: " + ec.message());
  for (const auto& p : doc.plots) {
    const fs::path pp = d / "plots" / (p.id + ".svg");
    write_file(pp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + p.svg);
    files.plots.push_back(pp.string());
  }
  write_file(files.html, html.str());
  write_file(files.markdown, doc.md.str());
  if (!options.trace_file.empty()) {
    if (!run) throw InputError("--trace: " + dir + " has no summary.json to take the timeline from");
    write_chrome_trace(options.trace_file, *run);
  }
  return files;
}

}  // namespace cgsim::analysis
