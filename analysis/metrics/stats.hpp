#pragma once
/// @file stats.hpp
/// Small statistics helpers shared by run summaries and sweeps.
#include <cstdint>
#include <vector>

namespace cgsim::analysis {

/// Mean and half-width of a 95% confidence interval (Student t) of a sample.
struct MeanCi {
  double mean = 0;
  double half_width = 0;
  std::size_t n = 0;
};
MeanCi mean_ci95(const std::vector<double>& xs);
/// Two-sided 97.5% quantile of Student's t with @p dof degrees of freedom.
double student_t975(std::size_t dof);

}  // namespace cgsim::analysis
