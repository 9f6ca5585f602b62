#include "analysis/experiments/run_progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace cgsim::analysis {

namespace {

std::string duration_text(double s) {
  char buf[48];
  const long v = std::lround(std::min(s, 1e9));
  if (v >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", v / 3600, (v % 3600) / 60);
  else if (v >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", v / 60, v % 60);
  else std::snprintf(buf, sizeof buf, "%lds", v);
  return buf;
}

std::string count_text(double n) {
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.1fG", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

}  // namespace

std::string progress_text(const std::string& name, double simulated_s, double total_s, double events, double elapsed_s) {
  const double frac = total_s > 0 ? std::clamp(simulated_s / total_s, 0.0, 1.0) : 1.0;
  char buf[160];
  std::snprintf(buf, sizeof buf, ": %.4g of %.4g s simulated (%.0f%%), %s events, %s elapsed", simulated_s, total_s,
                100 * frac, count_text(events).c_str(), duration_text(elapsed_s).c_str());
  std::string s = "cgsim run " + name + buf;
  if (frac > 0.001 && frac < 1) s += ", about " + duration_text(elapsed_s * (1 - frac) / frac) + " left";
  return s;
}

void run_with_progress(sim::Engine& engine, sim::Time until, const std::string& name) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  bool drawn = false;
  // A thousand slices (fewer for a run shorter than 1 us).
  const sim::Time slice = std::max<sim::Time>(1, until / 1000);
  for (sim::Time t = slice; t < until; t = until - t > slice ? t + slice : until) {
    engine.run_until(t);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double since = std::chrono::duration<double>(now - last).count();
    if (elapsed < 1.0 || since < (tty ? 0.2 : 10.0)) continue;
    last = now;
    const std::string line = progress_text(name, static_cast<double>(t) / 1e9, static_cast<double>(until) / 1e9,
                                           static_cast<double>(engine.events_executed()), elapsed);
    if (tty) {
      std::cerr << '\r' << line << "\x1b[K" << std::flush;
      drawn = true;
    } else {
      std::cerr << line << std::endl;
    }
  }
  if (drawn) std::cerr << "\r\x1b[K" << std::flush;
}

}  // namespace cgsim::analysis
