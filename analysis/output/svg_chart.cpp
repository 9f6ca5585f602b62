#include "analysis/output/svg_chart.hpp"

#include <cstdio>
#include <sstream>

#include "analysis/metrics/format.hpp"

namespace cgsim::analysis {

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

namespace {

/// Tableau 20: ten hues, each dark then light, so that neighbouring series differ.
const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                          "#ff9da7", "#9c755f", "#bab0ac", "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6",
                          "#8cd17d", "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e"};
}  // namespace

std::string color(std::size_t i) { return kPalette[i % 20]; }

std::string heat_color(double t) {
  // Stops of a pale-yellow to dark-red ramp (ColorBrewer YlOrRd), interpolated linearly.
  static const double stops[][3] = {{255, 255, 204}, {254, 217, 118}, {253, 141, 60}, {227, 26, 28}, {128, 0, 38}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4;
  const int i = std::min(static_cast<int>(t), 3);
  const double f = t - i;
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(std::lround(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]))),
                static_cast<int>(std::lround(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]))),
                static_cast<int>(std::lround(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]))));
  return buf;
}

bool spans_decades(const std::vector<double>& v) {
  double lo = INFINITY, hi = 0;
  for (double x : v)
    if (std::isfinite(x) && x > 0) lo = std::min(lo, x), hi = std::max(hi, x);
  return hi > 0 && hi >= 100 * lo;
}

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

// ---- Chart ---------------------------------------------------------------------------------------

std::string Chart::render() {
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
    if (b.heat) {
      o << "<rect class=\"bar heat\" x=\"" << co(x0) << "\" y=\"" << co(T + rowh * static_cast<double>(b.row))
        << "\" width=\"" << co(x1 - x0) << "\" height=\"" << co(rowh) << "\" fill=\"" << b.color << "\"><title>"
        << esc(b.title) << "</title></rect>\n";
      continue;
    }
    o << "<rect class=\"bar\" x=\"" << co(x0) << "\" y=\"" << co(y) << "\" width=\"" << co(x1 - x0) << "\" height=\""
      << co(rowh * 0.7) << "\" fill=\"" << b.color << "\" stroke=\"#fff\" stroke-width=\"0.5\"><title>"
      << esc(b.title) << "</title></rect>\n";
    if (x1 - x0 > 7.0 * static_cast<double>(b.label.size()) + 6) {
      o << "<text class=\"barlabel\" x=\"" << co(x0 + 4) << "\" y=\"" << co(y + rowh * 0.35 + 4)
        << "\" fill=\"#fff\" font-size=\"10\">" << esc(b.label) << "</text>\n";
    }
  }
  for (const auto& t : ticks_) {
    const double rowh = ph() / static_cast<double>(std::max<std::size_t>(ycat_.size(), 1));
    const double x = X(t.x), y = T + rowh * static_cast<double>(t.row) + rowh * 0.15;
    const double a = std::min(5.0, rowh * 0.4);
    o << "<path class=\"moved\" d=\"M" << co(x) << "," << co(y + a) << "L" << co(x - a) << "," << co(y - a * 0.4) << "L"
      << co(x + a) << "," << co(y - a * 0.4) << "Z\" fill=\"#222\"><title>" << esc(t.title) << "</title></path>\n";
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
  // Legend: names longer than a line wrap onto up to three lines (the full name is the tooltip).
  o << "<g class=\"legend\">\n";
  constexpr std::size_t kChars = 28;
  const double bottom = T + ph() - 4;
  double y = T + 8;
  std::size_t shown = 0;
  for (const auto& [name, c] : legend_) {
    std::vector<std::string> lines;
    std::string rest = name;
    while (!rest.empty() && lines.size() < 3) {
      if (rest.size() <= kChars) {
        lines.push_back(rest);
        rest.clear();
        break;
      }
      // Break after a separator when there is one in the line, else at the width.
      std::size_t cut = rest.find_last_of(" ,=/;", kChars - 1);
      cut = cut == std::string::npos || cut < kChars / 2 ? kChars : cut + 1;
      lines.push_back(rest.substr(0, cut));
      rest = rest.substr(cut);
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    }
    if (!rest.empty()) lines.back() = lines.back().substr(0, kChars - 1) + "…";
    if (y + 15 * static_cast<double>(lines.size() - 1) > bottom - 15) break;
    o << "<g class=\"entry\"><title>" << esc(name) << "</title><rect x=\"" << co(L + pw() + 12) << "\" y=\"" << co(y - 8)
      << "\" width=\"10\" height=\"10\" fill=\"" << c << "\"/><text x=\"" << co(L + pw() + 26) << "\" y=\"" << co(y + 1)
      << "\">";
    for (std::size_t i = 0; i < lines.size(); ++i)
      o << "<tspan x=\"" << co(L + pw() + 26) << "\" dy=\"" << (i ? "13" : "0") << "\">" << esc(lines[i]) << "</tspan>";
    o << "</text></g>\n";
    y += 15 + 13 * static_cast<double>(lines.size() - 1);
    ++shown;
  }
  if (shown < legend_.size()) {
    o << "<text x=\"" << co(L + pw() + 12) << "\" y=\"" << co(y) << "\">+" << legend_.size() - shown << " more</text>\n";
  }
  o << "</g>\n";
  if (!note_.empty()) {
    o << "<text class=\"note\" x=\"" << co(L + pw()) << "\" y=\"18\" text-anchor=\"end\" fill=\"#666\">" << esc(note_)
      << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

void Chart::autorange() {
  if (!xcat_.empty() || !ycat_.empty()) {
    if (!xset_ && xcat_.empty()) fit_x();
    if (!yset_ && ycat_.empty()) fit_y();
    return;
  }
  if (!xset_) fit_x();
  if (!yset_) fit_y();
}

void Chart::fit_x() {
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

void Chart::fit_y() {
  if (ylog_) {
    double lo = INFINITY, hi = 0;
    auto take = [&](double v) {
      if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    };
    for (const auto& s : series_) {
      for (double v : s.ys) take(v);
      for (double v : s.hi) take(v);
    }
    for (const auto& h : hlines_) take(h.y);
    if (!(hi > 0)) lo = 1, hi = 10;
    ylo_ = std::pow(10, std::floor(std::log10(lo)));
    yhi_ = std::pow(10, std::ceil(std::log10(hi) + 1e-9));
    if (yhi_ <= ylo_) yhi_ = ylo_ * 10;
    return;
  }
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

std::vector<std::pair<double, std::string>> Chart::xticks() const {
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

std::vector<std::pair<double, std::string>> Chart::yticks() const {
  std::vector<std::pair<double, std::string>> out;
  if (!ycat_.empty()) {
    for (std::size_t i = 0; i < ycat_.size(); ++i) out.emplace_back(static_cast<double>(i) + 0.5, ycat_[i]);
    return out;
  }
  if (ylog_) {
    for (double v = ylo_; v <= yhi_ * 1.001; v *= 10) out.emplace_back(v, human(v));
    return out;
  }
  for (double v : nice_ticks(ylo_, yhi_, 6)) out.emplace_back(v, ypct_ ? human(v * 100) + "%" : human(v));
  return out;
}

}  // namespace cgsim::analysis
