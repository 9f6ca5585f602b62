// The latency histogram: exact count, sum, min and max; percentiles within one bucket.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "analysis/metrics/histogram.hpp"

using cgsim::analysis::Histogram;

TEST(Histogram, CountSumMinMaxAreExactAndQuantilesWithinABucket) {
  Histogram h;
  std::vector<std::int64_t> values;
  std::uint64_t x = 11;
  for (int i = 0; i < 100000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    values.push_back(static_cast<std::int64_t>(x >> 30));  // up to 2^34: every bucket range
    h.add(values.back());
  }
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (std::int64_t v : values) sum += static_cast<double>(v);
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_NEAR(h.mean(), sum / static_cast<double>(values.size()), 1e-6 * h.mean());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const std::int64_t exact = values[static_cast<std::size_t>(q * static_cast<double>(values.size())) - 1];
    EXPECT_NEAR(static_cast<double>(h.quantile(q)), static_cast<double>(exact), static_cast<double>(exact) / 1000.0 + 1)
        << "q=" << q;
  }
}

TEST(Histogram, MergingIsExactlyTheHistogramOfAllValues) {
  Histogram all, low, high;
  std::uint64_t x = 5;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto v = static_cast<std::int64_t>(x >> 12);  // up to 2^52: the sum passes 2^53 early
    all.add(v);
    (i % 3 == 0 ? low : high).add(v);
  }
  Histogram merged = low;
  merged.merge(high);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.mean(), all.mean());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.cdf(4096), all.cdf(4096));
}

TEST(Histogram, TheSumIsExactPastTheDoublePrecision) {
  Histogram h;
  h.add(std::int64_t{1} << 53);
  h.add(1);  // a running sum in a double would lose both ones
  h.add(1);
  EXPECT_EQ(h.mean(), static_cast<double>((std::int64_t{1} << 53) + 2) / 3.0);
}
