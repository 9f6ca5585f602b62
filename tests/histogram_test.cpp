// The latency histogram: exact count, sum, min and max; percentiles within one bucket.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "analysis/histogram.hpp"

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

TEST(Histogram, AddBothMatchesTwoSeparateAdds) {
  Histogram a, b, a2, b2;
  a.add(5);
  b.add(1'000'000'007);
  a2.add(5);
  b2.add(1'000'000'007);
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{-3}, std::int64_t{2047}, std::int64_t{2048}, std::int64_t{123456789}}) {
    Histogram::add_both(a, b, v);
    a2.add(v);
    b2.add(v);
  }
  for (const auto& [x, y] : {std::pair<const Histogram*, const Histogram*>{&a, &a2}, {&b, &b2}}) {
    EXPECT_EQ(x->count(), y->count());
    EXPECT_EQ(x->mean(), y->mean());
    EXPECT_EQ(x->min(), y->min());
    EXPECT_EQ(x->max(), y->max());
    EXPECT_EQ(x->cdf(4096), y->cdf(4096));
  }
}
