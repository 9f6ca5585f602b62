#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/rng.hpp"

using namespace cgsim::sim;

namespace {
/// Sample mean and variance of n draws.
template <typename F>
std::pair<double, double> moments(F draw, int n) {
  double s = 0, ss = 0;
  for (int i = 0; i < n; ++i) {
    double x = draw();
    s += x;
    ss += x * x;
  }
  double m = s / n;
  return {m, ss / n - m * m};
}
}  // namespace

TEST(Rng, NamedStreamsAreReproducibleAndIndependent) {
  Rng a(42, "consumer/0"), b(42, "consumer/0"), c(42, "consumer/1"), d(43, "consumer/0");
  std::uint64_t xa = a.next_u64();
  EXPECT_EQ(xa, b.next_u64());
  EXPECT_NE(xa, c.next_u64());
  EXPECT_NE(xa, d.next_u64());
}

TEST(Rng, SplitMix64ReferenceOutput) {
  // SplitMix64 from state 0: the reference outputs published with the algorithm.
  std::uint64_t st = 0;
  EXPECT_EQ(splitmix64(st), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(st), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(st), 0x06c45d188009454fULL);
}

TEST(Rng, BelowIsUnbiasedAndInRange) {
  Rng r(1, "below");
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    auto v = r.below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, n / 7, 5 * std::sqrt(n / 7.0));
}

TEST(Distribution, MeansAndVariancesMatchTheory) {
  Rng r(7, "dist");
  const int n = 200000;
  Distribution e = Distribution::exponential(2.0);
  auto [me, ve] = moments([&] { return e.sample(r); }, n);
  EXPECT_NEAR(me, 2.0, 0.03);
  EXPECT_NEAR(ve, 4.0, 0.15);

  Distribution u;
  u.kind = Distribution::Kind::Uniform;
  u.low = 1;
  u.high = 3;
  auto [mu, vu] = moments([&] { return u.sample(r); }, n);
  EXPECT_NEAR(mu, 2.0, 0.01);
  EXPECT_NEAR(vu, 4.0 / 12, 0.01);

  Distribution ln;
  ln.kind = Distribution::Kind::Lognormal;
  ln.value = 1.0;
  ln.sigma = 0.5;
  auto [ml, vl] = moments([&] { return ln.sample(r); }, n);
  EXPECT_NEAR(ml, ln.mean(), 0.01);
  EXPECT_NEAR(vl, ln.second_moment() - ln.mean() * ln.mean(), 0.02);

  Distribution nm;
  nm.kind = Distribution::Kind::Normal;
  nm.value = 10;
  nm.sigma = 2;
  auto [mn, vn] = moments([&] { return nm.sample(r); }, n);
  EXPECT_NEAR(mn, 10, 0.03);
  EXPECT_NEAR(vn, 4, 0.1);

  Distribution pa;
  pa.kind = Distribution::Kind::Pareto;
  pa.value = 1;
  pa.alpha = 3;
  auto [mp, vp] = moments([&] { return pa.sample(r); }, n);
  EXPECT_NEAR(mp, 1.5, 0.02);
  (void)vp;

  Distribution em;
  em.kind = Distribution::Kind::Empirical;
  em.values = {1, 2, 6};
  auto [mm, vm] = moments([&] { return em.sample(r); }, n);
  EXPECT_NEAR(mm, 3, 0.03);
  EXPECT_NEAR(vm, 14.0 / 3, 0.1);
}

TEST(Distribution, NormalIsTruncatedAtZero) {
  Rng r(3, "trunc");
  Distribution nm;
  nm.kind = Distribution::Kind::Normal;
  nm.value = 0.1;
  nm.sigma = 1;
  for (int i = 0; i < 10000; ++i) EXPECT_GE(nm.sample(r), 0.0);
}

TEST(AliasTable, FrequenciesMatchWeights) {
  Rng r(5, "alias");
  AliasTable t({1, 2, 3, 0, 4});
  std::vector<int> counts(5, 0);
  const int n = 400000;
  for (int i = 0; i < n; ++i) ++counts[t.sample(r)];
  EXPECT_EQ(counts[3], 0);
  for (int i = 0; i < 5; ++i) {
    double p = t.probability(static_cast<std::size_t>(i));
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)] / double(n), p, 4 * std::sqrt(p * (1 - p) / n) + 1e-9);
  }
  EXPECT_THROW(AliasTable({0, 0}), std::invalid_argument);
}

TEST(Zipf, RankProbabilitiesFollowThePowerLaw) {
  ZipfSampler z(1000, 1.1);
  EXPECT_NEAR(z.probability(0) / z.probability(1), std::pow(2.0, 1.1), 1e-9);
  EXPECT_NEAR(z.probability(9) / z.probability(99), std::pow(10.0, 1.1), 1e-9);
  double sum = 0;
  for (int k = 0; k < 1000; ++k) sum += z.probability(static_cast<std::uint64_t>(k));
  EXPECT_NEAR(sum, 1.0, 1e-9);
}

TEST(Distribution, NormalMatchesTheStandardNormalCdf) {
  // The ziggurat's layers, wedges and tail together must give the normal CDF.
  Rng r(11, "ziggurat");
  const int n = 2'000'000;
  const double points[] = {-3.5, -2.5, -1.5, -1.0, -0.5, 0.0, 0.3, 0.9, 1.7, 2.2, 3.0, 3.6};
  std::vector<int> below(std::size(points), 0);
  for (int i = 0; i < n; ++i) {
    double z = r.normal();
    for (std::size_t k = 0; k < std::size(points); ++k) below[k] += z < points[k] ? 1 : 0;
  }
  for (std::size_t k = 0; k < std::size(points); ++k) {
    double p = 0.5 * std::erfc(-points[k] / std::sqrt(2.0));
    double sd = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(below[k] / double(n), p, 4.5 * sd + 1e-7) << "at " << points[k];
  }
}

TEST(Distribution, ExponentialMatchesItsCdfIncludingTheTail) {
  Rng r(13, "exp-ziggurat");
  const int n = 2'000'000;
  const double points[] = {0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 7.7, 8.5, 10.0};
  std::vector<int> below(std::size(points), 0);
  for (int i = 0; i < n; ++i) {
    double x = r.exponential(1.0);
    ASSERT_GE(x, 0.0);
    for (std::size_t k = 0; k < std::size(points); ++k) below[k] += x < points[k] ? 1 : 0;
  }
  for (std::size_t k = 0; k < std::size(points); ++k) {
    double p = 1 - std::exp(-points[k]);
    double sd = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(below[k] / double(n), p, 4.5 * sd + 1e-7) << "at " << points[k];
  }
}

// Rng::exponential against the ziggurat written as one loop: the same draws, bit for bit,
// through the rectangles, the wedges and the tail.
TEST(Distribution, ExponentialEqualsTheOneLoopZiggurat) {
  const detail::ExpZiggurat& z = detail::exp_ziggurat();
  auto reference = [&z](Rng& rng, double mean) {
    double offset = 0;
    for (;;) {
      const std::uint64_t r = rng.next_u64();
      const int i = static_cast<int>(r & 255);
      const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
      const double v = u * z.x[i];
      if (v < z.x[i + 1]) return mean * (offset + v);
      if (i == 0) {
        offset += detail::ExpZiggurat::kR;
        continue;
      }
      const double y = z.f[i] + rng.uniform() * (z.f[i + 1] - z.f[i]);
      if (y < std::exp(-v)) return mean * (offset + v);
    }
  };
  Rng a(7, "exp-reference"), b(7, "exp-reference");
  int tail = 0;
  for (int k = 0; k < 1'000'000; ++k) {
    const double mean = k % 3 == 0 ? 1.0 : k % 3 == 1 ? 1e6 : 0.37;
    const double x = a.exponential(mean);
    const double y = reference(b, mean);
    ASSERT_EQ(x, y) << "draw " << k;
    tail += x / mean > detail::ExpZiggurat::kR ? 1 : 0;
  }
  EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_GT(tail, 100);  // e^-7.7 of a million draws: the tail was exercised
}

// Rng::exponentials gives what as many exponential() calls give, in order, and leaves the stream
// where they leave it, across the calls' boundaries and through the slow paths.
TEST(Distribution, ExponentialsEqualsSuccessiveExponentialCalls) {
  Rng a(11, "exp-batch"), b(11, "exp-batch");
  std::vector<double> batch;
  int slow = 0;
  for (std::size_t n : {0, 1, 2, 31, 32, 33, 1000, 250'000}) {
    batch.assign(n, -1.0);
    a.exponentials(4.5e6, batch.data(), n);
    for (std::size_t k = 0; k < n; ++k) {
      const double x = b.exponential(4.5e6);
      ASSERT_EQ(batch[k], x) << "batch of " << n << ", draw " << k;
      slow += batch[k] / 4.5e6 > detail::ExpZiggurat::kR ? 1 : 0;  // the tail: drawn by exponential_rest
    }
    ASSERT_EQ(a.next_u64(), b.next_u64()) << "after a batch of " << n;
  }
  EXPECT_GT(slow, 0);
}
