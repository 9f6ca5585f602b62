#include "analysis/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace cgsim::analysis {

Histogram::Histogram() : counts_(static_cast<std::size_t>(2 * kSub + (64 - kSubBits) * kSub), 0) {}

std::int64_t Histogram::lower_bound(std::size_t idx) {
  if (idx < static_cast<std::size_t>(2 * kSub)) return static_cast<std::int64_t>(idx);
  std::size_t rel = idx - static_cast<std::size_t>(2 * kSub);
  int shift = static_cast<int>(rel / static_cast<std::size_t>(kSub)) + 1;
  std::int64_t mant = kSub + static_cast<std::int64_t>(rel % static_cast<std::size_t>(kSub));
  return mant << shift;
}

std::int64_t Histogram::upper_bound(std::size_t idx) {
  if (idx < static_cast<std::size_t>(2 * kSub)) return static_cast<std::int64_t>(idx);
  std::size_t rel = idx - static_cast<std::size_t>(2 * kSub);
  int shift = static_cast<int>(rel / static_cast<std::size_t>(kSub)) + 1;
  return lower_bound(idx) + (std::int64_t{1} << shift) - 1;
}

void Histogram::merge(const Histogram& o) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  min_ = std::min(min_, o.min_);
}

std::int64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The bucket's midpoint, clamped to the exact extremes.
      std::int64_t lo = lower_bound(i), hi = upper_bound(i);
      std::int64_t v = lo + (hi - lo) / 2;
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

std::vector<std::pair<std::int64_t, double>> Histogram::cdf(std::size_t points) const {
  std::vector<std::pair<std::int64_t, double>> out;
  if (count_ == 0 || points == 0) return out;
  for (std::size_t k = 1; k <= points; ++k) {
    double q = static_cast<double>(k) / static_cast<double>(points);
    out.emplace_back(quantile(q), q);
  }
  return out;
}

}  // namespace cgsim::analysis
