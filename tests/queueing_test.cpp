// Analytic queueing models: textbook values, reductions between models (M/G/1 with exponential
// service is M/M/1, M/D/1 is half of M/M/1, M/M/c/K tends to Erlang C), analytic identities of the
// incomplete gamma function, and Lindley-recursion simulations as independent checks of the
// quantile approximations.
#include "analysis/metrics/queueing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/error.hpp"
#include "sim/rng.hpp"

namespace {

namespace q = cgsim::analysis::queueing;

// Waiting and sojourn times of successive customers of a single FCFS server (Lindley's
// recursion W' = max(0, W + S - A)), with Poisson arrivals of rate lambda and service times
// drawn by @p service.
struct Samples {
  std::vector<double> wait, sojourn;
};
template <typename Service>
Samples lindley(double lambda, std::size_t n, std::uint64_t seed, Service service) {
  cgsim::sim::Rng rng(seed);
  Samples out;
  out.wait.reserve(n);
  out.sojourn.reserve(n);
  double w = 0;
  for (std::size_t i = 0; i < 2000 + n; ++i) {
    const double s = service(rng);
    if (i >= 2000) {  // past the warm-up from an empty queue
      out.wait.push_back(w);
      out.sojourn.push_back(w + s);
    }
    w = std::max(0.0, w + s - rng.exponential(1 / lambda));
  }
  return out;
}
double mean(const std::vector<double>& xs) {
  double s = 0;
  for (double x : xs) s += x;
  return s / static_cast<double>(xs.size());
}
double quantile(std::vector<double> xs, double p) {
  const auto k = static_cast<std::size_t>(p * static_cast<double>(xs.size()));
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

// Erlang B and C from their defining sums, independent of the library's recursion:
// B = (a^c / c!) / sum_{k=0}^{c} a^k / k!,  C = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + same).
double erlang_b_direct(int c, double a) {
  double term = 1, sum = 1;
  for (int k = 1; k <= c; ++k) {
    term *= a / k;
    sum += term;
  }
  return term / sum;
}
double erlang_c_direct(int c, double a) {
  double term = 1, sum = 0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

// ---- M/M/1 -------------------------------------------------------------------------------------

TEST(queueing, MM1TextbookValues) {
  // lambda = 0.8, mu = 1: rho = 0.8, Wq = rho / (mu - lambda) = 4, W = 1 / (mu - lambda) = 5.
  EXPECT_DOUBLE_EQ(q::mm1_utilisation(0.8, 1), 0.8);
  EXPECT_NEAR(q::mm1_mean_wait(0.8, 1), 4.0, 1e-12);
  EXPECT_NEAR(q::mm1_mean_sojourn(0.8, 1), 5.0, 1e-12);
  // The sojourn time is exponential with mean 5: its median is 5 ln 2, its p99 5 ln 100.
  EXPECT_NEAR(q::mm1_sojourn_quantile(0.8, 1, 0.5), 5 * std::log(2.0), 1e-12);
  EXPECT_NEAR(q::mm1_sojourn_quantile(0.8, 1, 0.99), 5 * std::log(100.0), 1e-12);
  // 20% of arrivals find the server idle, so every quantile up to 0.2 of the wait is 0.
  EXPECT_EQ(q::mm1_wait_quantile(0.8, 1, 0.2), 0.0);
  EXPECT_GT(q::mm1_wait_quantile(0.8, 1, 0.21), 0.0);
}

TEST(queueing, MM1UnstableIsInfinite) {
  EXPECT_TRUE(std::isinf(q::mm1_mean_wait(1, 1)));
  EXPECT_TRUE(std::isinf(q::mm1_mean_sojourn(2, 1)));
  EXPECT_TRUE(std::isinf(q::mm1_sojourn_quantile(1, 1, 0.99)));
}

TEST(queueing, MM1AgreesWithSimulation) {
  const auto s = lindley(0.5, 2'000'000, 17, [](cgsim::sim::Rng& r) { return r.exponential(1.0); });
  EXPECT_NEAR(mean(s.wait), q::mm1_mean_wait(0.5, 1), 0.03);
  EXPECT_NEAR(quantile(s.sojourn, 0.99) / q::mm1_sojourn_quantile(0.5, 1, 0.99), 1.0, 0.03);
  EXPECT_NEAR(quantile(s.wait, 0.99) / q::mm1_wait_quantile(0.5, 1, 0.99), 1.0, 0.03);
}

// ---- M/G/1 -------------------------------------------------------------------------------------

TEST(queueing, MG1PollaczekKhinchineWithExponentialServiceIsMM1) {
  for (double lambda : {0.1, 0.5, 0.8, 0.95}) {
    const double mu = 1.0;
    const double es = 1 / mu, es2 = 2 / (mu * mu), es3 = 6 / (mu * mu * mu);
    EXPECT_NEAR(q::mg1_mean_wait(lambda, es, es2), q::mm1_mean_wait(lambda, mu), 1e-12);
    EXPECT_NEAR(q::mg1_mean_sojourn(lambda, es, es2), q::mm1_mean_sojourn(lambda, mu), 1e-12);
    for (double p : {0.5, 0.9, 0.99, 0.999}) {
      // The wait approximation (atom 1 - rho at 0, gamma otherwise) is exact for M/M/1 ...
      EXPECT_NEAR(q::mg1_wait_quantile(lambda, es, es2, p), q::mm1_wait_quantile(lambda, mu, p), 1e-9);
      EXPECT_NEAR(q::mg1_wait_quantile(lambda, es, es2, p, es3), q::mm1_wait_quantile(lambda, mu, p), 1e-9);
      // ... and so is the sojourn (wait convolved with service), up to quadrature error.
      const double exact = q::mm1_sojourn_quantile(lambda, mu, p);
      EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, es, es2, p) / exact, 1.0, 1e-6);
      EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, es, es2, p, es3) / exact, 1.0, 1e-6);
    }
  }
}

TEST(queueing, MG1MD1IsHalfOfMM1) {
  for (double lambda : {0.2, 0.5, 0.9}) {
    EXPECT_NEAR(q::md1_mean_wait(lambda, 1.0), 0.5 * q::mm1_mean_wait(lambda, 1.0), 1e-12);
  }
  // Textbook M/D/1 at rho = 0.5 with unit service: Wq = rho / (2 (1 - rho)) = 0.5.
  EXPECT_NEAR(q::md1_mean_wait(0.5, 1.0), 0.5, 1e-12);
}

TEST(queueing, MG1DeterministicServiceAgreesWithSimulation) {
  const double lambda = 0.7;
  const auto s = lindley(lambda, 2'000'000, 5, [](cgsim::sim::Rng&) { return 1.0; });
  EXPECT_NEAR(mean(s.wait) / q::md1_mean_wait(lambda, 1.0), 1.0, 0.03);
  // The quantiles are approximations; the documented accuracy for constant service is 2.5%.
  const double sim_p99 = quantile(s.sojourn, 0.99);
  EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, 1.0, 1.0, 0.99, 1.0) / sim_p99, 1.0, 0.025);
  EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, 1.0, 1.0, 0.99) / sim_p99, 1.0, 0.025);
  EXPECT_NEAR(q::mg1_wait_quantile(lambda, 1.0, 1.0, 0.99) / quantile(s.wait, 0.99), 1.0, 0.025);
  EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, 1.0, 1.0, 0.999) / quantile(s.sojourn, 0.999), 1.0, 0.06);
}

TEST(queueing, MG1HighVarianceServiceAgreesWithSimulation) {
  // Hyperexponential service: mean 1, E[S^2] = 0.9 * 2 * 0.5^2 + 0.1 * 2 * 5.5^2 = 6.5.
  const double lambda = 0.6;
  const double es = 0.9 * 0.5 + 0.1 * 5.5;
  const double es2 = 0.9 * 2 * 0.25 + 0.1 * 2 * 30.25;
  const double es3 = 0.9 * 6 * 0.125 + 0.1 * 6 * 166.375;
  const auto s = lindley(lambda, 4'000'000, 9, [](cgsim::sim::Rng& r) {
    return r.uniform() < 0.9 ? r.exponential(0.5) : r.exponential(5.5);
  });
  EXPECT_NEAR(mean(s.wait) / q::mg1_mean_wait(lambda, es, es2), 1.0, 0.05);
  EXPECT_NEAR(q::mg1_wait_quantile(lambda, es, es2, 0.99, es3) / quantile(s.wait, 0.99), 1.0, 0.025);
  EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, es, es2, 0.99, es3) / quantile(s.sojourn, 0.99), 1.0, 0.025);
  // p99.9: the approximation's own error (about 6% here) plus the sampling error of a p99.9
  // estimate from one strongly autocorrelated run (about 2% at this length).
  EXPECT_NEAR(q::mg1_sojourn_quantile(lambda, es, es2, 0.999, es3) / quantile(s.sojourn, 0.999), 1.0, 0.08);
}

// ---- M/M/c -------------------------------------------------------------------------------------

TEST(queueing, MMcErlangCReducesToMM1ForOneServer) {
  for (double a : {0.1, 0.5, 0.9}) {
    EXPECT_NEAR(q::erlang_c(1, a), a, 1e-12);
    EXPECT_NEAR(q::mmc_mean_wait(a, 1, 1), q::mm1_mean_wait(a, 1), 1e-12);
  }
}

TEST(queueing, MMcTwoServerTextbookValues) {
  // M/M/2 with lambda = mu = 1 (per-server utilisation 0.5): P(wait) = 2 rho^2 / (1 + rho) = 1/3,
  // Lq = 2 rho^3 / (1 - rho^2) = 1/3, so Wq = Lq / lambda = 1/3.
  EXPECT_NEAR(q::erlang_c(2, 1.0), 1.0 / 3, 1e-12);
  EXPECT_NEAR(q::mmc_mean_wait(1, 1, 2), 1.0 / 3, 1e-12);
}

TEST(queueing, MMcErlangCMatchesItsDefiningSum) {
  const struct {
    int c;
    double a;
  } cases[] = {{3, 2.4}, {10, 8.0}, {20, 19.5}, {50, 40.0}, {100, 97.0}};
  for (const auto& k : cases) {
    EXPECT_NEAR(q::erlang_c(k.c, k.a), erlang_c_direct(k.c, k.a), 1e-10) << k.c << " " << k.a;
  }
  EXPECT_EQ(q::erlang_c(4, 4.0), 1.0);
}

TEST(queueing, MMcWaitQuantile) {
  const double pw = q::erlang_c(3, 2.4);
  EXPECT_EQ(q::mmc_wait_quantile(2.4, 1, 3, 1 - pw), 0.0);
  // P(Wq > t) = C exp(-(c mu - lambda) t) evaluated at the returned quantile gives 1 - q.
  const double t = q::mmc_wait_quantile(2.4, 1, 3, 0.99);
  EXPECT_NEAR(pw * std::exp(-(3 - 2.4) * t), 0.01, 1e-12);
  EXPECT_TRUE(std::isinf(q::mmc_wait_quantile(3, 1, 3, 0.5)));
}

// ---- CTMC --------------------------------------------------------------------------------------

TEST(queueing, CtmcMM1KMatchesClosedForm) {
  // M/M/1/K: pi_n = (1 - rho) rho^n / (1 - rho^(K+1)).
  const double lambda = 0.5, mu = 1.0;
  const int K = 5;
  const auto r = q::mmck(lambda, mu, 1, K);
  const double rho = lambda / mu;
  for (int n = 0; n <= K; ++n) {
    EXPECT_NEAR(r.pi(n), (1 - rho) * std::pow(rho, n) / (1 - std::pow(rho, K + 1)), 1e-12);
  }
  // At rho = 1 every state is equally likely.
  const auto eq = q::mmck(1.0, 1.0, 1, K);
  for (int n = 0; n <= K; ++n) EXPECT_NEAR(eq.pi(n), 1.0 / (K + 1), 1e-12);
}

TEST(queueing, CtmcMMcKWithNoRoomIsErlangB) {
  for (int c : {1, 3, 8}) {
    const auto r = q::mmck(5.0, 1.0, c, c);
    EXPECT_NEAR(r.blocking, erlang_b_direct(c, 5.0), 1e-12);
    EXPECT_NEAR(r.mean_wait, 0.0, 1e-15);
  }
}

TEST(queueing, CtmcMMcKConvergesToErlangC) {
  const struct {
    double lambda, mu;
    int c;
  } cases[] = {{2.4, 1.0, 3}, {0.8, 1.0, 1}, {7.0, 0.5, 16}};
  for (const auto& k : cases) {
    const auto r = q::mmck(k.lambda, k.mu, k.c, 400);
    EXPECT_LT(r.blocking, 1e-15);
    EXPECT_NEAR(r.wait_probability, q::erlang_c(k.c, k.lambda / k.mu), 1e-9);
    EXPECT_NEAR(r.mean_wait, q::mmc_mean_wait(k.lambda, k.mu, k.c), 1e-9);
  }
}

TEST(queueing, CtmcGeneralChainSatisfiesBalance) {
  Eigen::MatrixXd Q(3, 3);
  Q << -3, 1, 2,  //
      4, -5, 1,   //
      0.5, 2.5, -3;
  const Eigen::VectorXd pi = q::ctmc_steady_state(Q);
  EXPECT_NEAR(pi.sum(), 1.0, 1e-12);
  EXPECT_LT((pi.transpose() * Q).cwiseAbs().maxCoeff(), 1e-12);
  for (int i = 0; i < 3; ++i) EXPECT_GT(pi(i), 0.0);
}

TEST(queueing, CtmcReducibleChainIsRejected) {
  Eigen::MatrixXd Q = Eigen::MatrixXd::Zero(2, 2);
  EXPECT_THROW(q::ctmc_steady_state(Q), cgsim::InputError);
}

// ---- Sizing rules ------------------------------------------------------------------------------

TEST(queueing, SizingPartitionRule) {
  // T = 100, p = 10, c = 20: max(100 / 10, 100 / 20) = 10 partitions.
  EXPECT_EQ(q::min_partitions(100, 10, 20), 10);
  EXPECT_EQ(q::min_partitions(100, 30, 7), 15);  // ceil(14.29)
  // 1.1 / 0.1 is 11.000000000000002 in binary floating point: still 11.
  EXPECT_EQ(q::min_partitions(1.1, 0.1, 1.0), 11);
  EXPECT_EQ(q::min_partitions(0, 1, 1), 1);
  EXPECT_THROW(q::min_partitions(10, 0, 1), cgsim::InputError);
}

TEST(queueing, SizingMinConsumers) {
  // 1000 records/s at 2 ms each is 2 erlangs; at most 70% busy needs ceil(2 / 0.7) = 3.
  EXPECT_EQ(q::min_consumers(1000, 0.002, 0.7), 3);
  EXPECT_EQ(q::min_consumers(1000, 0.002, 1.0), 2);
  EXPECT_EQ(q::min_consumers(0, 0.002, 0.5), 1);
}

TEST(queueing, SizingConsumerLoads) {
  std::vector<q::PartitionLoad> parts = {
      {1.0, 0.1, 0.02},   // exponential service, mean 0.1
      {3.0, 0.2, 0.08},   // exponential service, mean 0.2
      {2.0, 0.6, 0.36},   // constant service 0.6
  };
  const auto loads = q::consumer_loads(parts, {{0, 1}, {2}, {}, {0, 1, 2}});
  ASSERT_EQ(loads.size(), 4u);
  // Consumer 0: lambda 4, E[S] = (0.1 + 0.6) / 4 = 0.175, E[S^2] = (0.02 + 0.24) / 4 = 0.065,
  // rho = 0.7, Wq = 4 * 0.065 / (2 * 0.3).
  EXPECT_NEAR(loads[0].lambda, 4.0, 1e-12);
  EXPECT_NEAR(loads[0].es, 0.175, 1e-12);
  EXPECT_NEAR(loads[0].es2, 0.065, 1e-12);
  EXPECT_NEAR(loads[0].utilisation, 0.7, 1e-12);
  EXPECT_TRUE(loads[0].stable);
  EXPECT_NEAR(loads[0].mean_wait, 0.26 / 0.6, 1e-12);
  EXPECT_NEAR(loads[0].mean_sojourn, 0.26 / 0.6 + 0.175, 1e-12);
  // Consumer 1 alone is M/D/1 at rho = 1.2: unstable.
  EXPECT_FALSE(loads[1].stable);
  EXPECT_TRUE(std::isinf(loads[1].mean_wait));
  // Consumer 2 is idle.
  EXPECT_TRUE(loads[2].stable);
  EXPECT_EQ(loads[2].mean_wait, 0.0);
  // Consumer 3 owns everything: rho = 0.1 + 0.6 + 1.2 = 1.9.
  EXPECT_NEAR(loads[3].utilisation, 1.9, 1e-12);
  EXPECT_FALSE(loads[3].stable);
  EXPECT_THROW(q::consumer_loads(parts, {{3}}), cgsim::InputError);
}

TEST(queueing, SizingMergedExponentialPartitionsAreMM1) {
  std::vector<q::PartitionLoad> parts(4, q::PartitionLoad{0.2, 1.0, 2.0});
  const auto loads = q::consumer_loads(parts, {{0, 1, 2, 3}});
  EXPECT_NEAR(loads[0].mean_wait, q::mm1_mean_wait(0.8, 1.0), 1e-12);
}

// ---- Key skew ----------------------------------------------------------------------------------

TEST(queueing, KeySkewZipfSharesByHand) {
  // Ten keys with weights 1/(k+1), key k on partition k mod 3. Partition 0 holds keys 0, 3, 6, 9.
  q::KeyDistribution zipf{q::KeyDistribution::Kind::Zipf, 10, 1.0};
  const auto r = q::partition_shares(zipf, 3, [](std::uint64_t k) { return static_cast<std::int32_t>(k % 3); });
  double h = 0;
  for (int k = 1; k <= 10; ++k) h += 1.0 / k;
  EXPECT_NEAR(r.share[0], (1 + 1.0 / 4 + 1.0 / 7 + 1.0 / 10) / h, 1e-15);
  EXPECT_NEAR(r.share[1], (1.0 / 2 + 1.0 / 5 + 1.0 / 8) / h, 1e-15);
  EXPECT_NEAR(r.share[2], (1.0 / 3 + 1.0 / 6 + 1.0 / 9) / h, 1e-15);
  EXPECT_EQ(r.hottest, 0);
  EXPECT_NEAR(r.imbalance, 3 * r.share[0], 1e-15);
}

TEST(queueing, KeySkewSharesSumToOneWithTheRealPartitioner) {
  using cgsim::models::ClientFlavor;
  using cgsim::models::partitioners::Partitioner;
  for (ClientFlavor flavor : {ClientFlavor::Java, ClientFlavor::Librdkafka}) {
    const Partitioner part(Partitioner::Kind::Default, flavor, 12, cgsim::sim::Rng(1));
    ASSERT_TRUE(part.keyed_is_pure());
    auto mapping = [&part](std::uint64_t k) { return part.keyed_partition("key-" + std::to_string(k)); };
    for (double s : {0.0, 0.8, 1.2}) {
      const auto r = q::partition_shares({q::KeyDistribution::Kind::Zipf, 5000, s}, 12, mapping);
      double total = 0;
      for (double x : r.share) total += x;
      EXPECT_NEAR(total, 1.0, 1e-12);
      EXPECT_GE(r.imbalance, 1.0);
      EXPECT_DOUBLE_EQ(r.hottest_share, *std::max_element(r.share.begin(), r.share.end()));
    }
  }
}

TEST(queueing, KeySkewZipfExponentZeroIsUniformByPartition) {
  // With s = 0 every key is equally likely, so a partition's share is its key count / n.
  const std::uint64_t n = 1000;
  auto mapping = [](std::uint64_t k) {
    return static_cast<std::int32_t>(cgsim::models::partitioners::to_positive(
                                         cgsim::models::partitioners::murmur2(&k, sizeof k)) %
                                     7);
  };
  std::vector<int> count(7, 0);
  for (std::uint64_t k = 0; k < n; ++k) ++count[static_cast<std::size_t>(mapping(k))];
  const int max_count = *std::max_element(count.begin(), count.end());
  const auto zipf0 = q::partition_shares({q::KeyDistribution::Kind::Zipf, n, 0.0}, 7, mapping);
  const auto uniform = q::partition_shares({q::KeyDistribution::Kind::Uniform, n, 1.0}, 7, mapping);
  EXPECT_NEAR(zipf0.hottest_share, static_cast<double>(max_count) / n, 1e-15);
  EXPECT_NEAR(uniform.hottest_share, static_cast<double>(max_count) / n, 1e-15);
  for (std::size_t p = 0; p < 7; ++p) EXPECT_NEAR(zipf0.share[p], static_cast<double>(count[p]) / n, 1e-15);
}

TEST(queueing, KeySkewRejectsBadMappings) {
  q::KeyDistribution u{q::KeyDistribution::Kind::Uniform, 10, 1.0};
  EXPECT_THROW(q::partition_shares(u, 3, [](std::uint64_t) { return 3; }), cgsim::InputError);
  EXPECT_THROW(q::partition_shares({q::KeyDistribution::Kind::Uniform, 0, 1.0}, 3,
                                   [](std::uint64_t) { return 0; }),
               cgsim::InputError);
}

// ---- Helpers -----------------------------------------------------------------------------------

TEST(queueing, GammaUpperIncompleteGammaIdentities) {
  for (double x : {0.01, 0.5, 1.0, 2.0, 5.0, 20.0, 60.0}) {
    EXPECT_NEAR(q::gamma_q(1.0, x) / std::exp(-x), 1.0, 1e-12) << x;
    EXPECT_NEAR(q::gamma_q(2.0, x) / ((1 + x) * std::exp(-x)), 1.0, 1e-12) << x;
    EXPECT_NEAR(q::gamma_q(0.5, x) / std::erfc(std::sqrt(x)), 1.0, 1e-10) << x;
  }
  EXPECT_EQ(q::gamma_q(3.0, 0.0), 1.0);
}

TEST(queueing, GammaQuantileInvertsTheDistribution) {
  // Shape 1 is the exponential distribution.
  EXPECT_NEAR(q::gamma_quantile(2.0, 4.0, 0.99), 2.0 * std::log(100.0), 1e-9);
  // Shape 2 (mean 2, variance 2, rate 1): the returned x satisfies (1 + x) e^-x = 1 - q.
  const double x = q::gamma_quantile(2.0, 2.0, 0.95);
  EXPECT_NEAR((1 + x) * std::exp(-x), 0.05, 1e-12);
  // No variance: the mean.
  EXPECT_EQ(q::gamma_quantile(3.0, 0.0, 0.99), 3.0);
}

TEST(queueing, InputsDomainErrorsThrow) {
  EXPECT_THROW(q::mm1_mean_wait(-1, 1), cgsim::InputError);
  EXPECT_THROW(q::mm1_mean_wait(1, 0), cgsim::InputError);
  EXPECT_THROW(q::mm1_sojourn_quantile(0.5, 1, 1.0), cgsim::InputError);
  EXPECT_THROW(q::mg1_mean_wait(0.5, 1.0, 0.5), cgsim::InputError);  // E[S^2] < E[S]^2
  EXPECT_THROW(q::erlang_c(0, 1.0), cgsim::InputError);
  EXPECT_THROW(q::mmck(1.0, 1.0, 3, 2), cgsim::InputError);
}

}  // namespace
