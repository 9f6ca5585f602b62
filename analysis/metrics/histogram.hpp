#pragma once
/// @file histogram.hpp
/// A log-linear histogram of non-negative integer values (nanoseconds), in the manner of
/// HdrHistogram: every value is counted, each bucket spans at most 1/1024 of its value, so
/// percentiles are within 0.1% of the exact order statistic; count, sum, min and max are exact (the
/// sum is an integer of 128 bits, so merging histograms gives exactly the histogram of all values).
#include <cstdint>
#include <vector>

namespace cgsim::analysis {

class Histogram {
 public:
  Histogram();
  void add(std::int64_t v) {
    if (v < 0) v = 0;
    add_at(index(v), v);
  }
  void merge(const Histogram& o);
  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  /// Value at quantile @p q in [0, 1] (nearest rank), within one bucket's width.
  std::int64_t quantile(double q) const;
  /// (upper value, cumulative fraction) points for a CDF plot, at most @p points of them.
  std::vector<std::pair<std::int64_t, double>> cdf(std::size_t points) const;

 private:
  static constexpr int kSubBits = 10;
  static constexpr std::int64_t kSub = std::int64_t{1} << kSubBits;
  static std::size_t index(std::int64_t v) {
    if (v < 2 * kSub) return static_cast<std::size_t>(v);
    int msb = 63 - __builtin_clzll(static_cast<unsigned long long>(v));
    int shift = msb - kSubBits;
    std::int64_t mant = v >> shift;  // in [kSub, 2*kSub)
    return static_cast<std::size_t>(2 * kSub + (shift - 1) * kSub + (mant - kSub));
  }
  void add_at(std::size_t idx, std::int64_t v) {
    ++counts_[idx];
    ++count_;
    sum_ += static_cast<std::uint64_t>(v);
    if (v > max_) max_ = v;
    if (v < min_) min_ = v;
  }
  static std::int64_t lower_bound(std::size_t idx);
  static std::int64_t upper_bound(std::size_t idx);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  __extension__ unsigned __int128 sum_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = INT64_MAX;
};

}  // namespace cgsim::analysis
