#include "analysis/metrics/stats.hpp"

#include <cmath>

namespace cgsim::analysis {

double student_t975(std::size_t dof) {
  static const double table[] = {0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306,  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120,  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064,  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof == 0) return 0;
  if (dof <= 30) return table[dof];
  // Cornish-Fisher style expansion around the normal quantile for larger dof.
  const double z = 1.959963984540054;
  const double n = static_cast<double>(dof);
  return z + (z * z * z + z) / (4 * n) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

MeanCi mean_ci95(const std::vector<double>& xs) {
  MeanCi r;
  r.n = xs.size();
  if (xs.empty()) return r;
  double s = 0;
  for (double x : xs) s += x;
  r.mean = s / static_cast<double>(xs.size());
  if (xs.size() < 2) return r;
  double ss = 0;
  for (double x : xs) ss += (x - r.mean) * (x - r.mean);
  double sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
  r.half_width = student_t975(xs.size() - 1) * sd / std::sqrt(static_cast<double>(xs.size()));
  return r;
}

}  // namespace cgsim::analysis
