#pragma once
/// @file queueing.hpp
/// Analytic queueing models for capacity planning.
///
/// These closed forms bracket the search over partition and consumer counts before any
/// simulation runs: they are exact for their idealised models (Poisson arrivals, independent
/// service times, one FCFS server or a shared pool of servers) and serve as sanity bounds for the
/// simulated system, which has polling, batching, rebalances and per-partition ordering that the
/// formulas ignore. docs/planning.md ("Analytic models") explains when each applies.
///
/// Conventions: rates are per unit time and times are in the same unit (any unit, as long as it
/// is consistent). A queue whose load is at or above its capacity is unstable: its waiting-time
/// results are +infinity rather than an error. Arguments outside their domain (negative rates,
/// non-positive service rates, quantile levels outside [0, 1)) throw cgsim::InputError.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <Eigen/Dense>

namespace cgsim::analysis::queueing {

// ---- M/M/1 -------------------------------------------------------------------------------------

/// M/M/1 utilisation rho = lambda / mu.
double mm1_utilisation(double lambda, double mu);
/// M/M/1 mean wait in queue Wq = rho / (mu - lambda); +inf when rho >= 1.
double mm1_mean_wait(double lambda, double mu);
/// M/M/1 mean sojourn (wait + service) W = 1 / (mu - lambda); +inf when rho >= 1.
double mm1_mean_sojourn(double lambda, double mu);
/// M/M/1 sojourn-time quantile. The sojourn time is exponential with rate mu - lambda, so the
/// q-quantile is -ln(1 - q) / (mu - lambda); +inf when rho >= 1.
double mm1_sojourn_quantile(double lambda, double mu, double q);
/// M/M/1 waiting-time quantile: P(Wq > t) = rho * exp(-(mu - lambda) t), so the q-quantile is
/// ln(rho / (1 - q)) / (mu - lambda) when q > 1 - rho and 0 otherwise; +inf when rho >= 1.
double mm1_wait_quantile(double lambda, double mu, double q);

// ---- M/G/1 -------------------------------------------------------------------------------------

/// M/G/1 mean wait by the Pollaczek-Khinchine formula:
/// Wq = lambda E[S^2] / (2 (1 - rho)) with rho = lambda E[S]; +inf when rho >= 1.
/// Exact for Poisson arrivals, i.i.d. service times and any order of service that does not look
/// at service times (FCFS, round-robin over sub-queues, random).
/// @param lambda arrival rate
/// @param es     mean service time E[S]
/// @param es2    second moment of the service time E[S^2] (>= E[S]^2)
double mg1_mean_wait(double lambda, double es, double es2);
/// M/G/1 mean sojourn Wq + E[S]; +inf when rho >= 1.
double mg1_mean_sojourn(double lambda, double es, double es2);
/// Approximate M/G/1 waiting-time quantile.
///
/// An arrival waits with probability rho (exact, by PASTA). The wait of those that do is taken as
/// gamma-distributed with its exact first two moments, E[Wq] / rho and E[Wq^2] / rho, where
/// E[Wq^2] = 2 Wq^2 + lambda E[S^3] / (3 (1 - rho)) (Takacs). So
/// P(Wq > t) ~= rho Q(k, b t) with Q the regularised upper incomplete gamma function.
/// Exact for exponential service (the conditional wait is then exponential). Against
/// Lindley-recursion simulation of constant, uniform and hyperexponential service (squared
/// coefficient of variation 5.5) at rho = 0.3 to 0.9, the p99 is within 2% when E[S^3] is known;
/// with the gamma default for E[S^3] that holds for constant and uniform service, while the
/// hyperexponential case comes out up to 13% low. tests/queueing_test.cpp checks representative
/// cases.
/// @param es3 the third moment E[S^3]; when absent the service time is taken as
///            gamma-distributed with the given mean and variance, whose third moment is
///            E[S]^3 + 3 E[S] Var[S] + 2 Var[S]^2 / E[S] (exact for constant and exponential
///            service).
double mg1_wait_quantile(double lambda, double es, double es2, double q,
                         std::optional<double> es3 = std::nullopt);
/// Approximate M/G/1 sojourn-time quantile (the planner's p99 with q = 0.99).
///
/// The sojourn T = Wq + S with the wait modelled as in mg1_wait_quantile (an atom 1 - rho at 0,
/// otherwise gamma) and the service time as a gamma distribution with its mean and variance
/// (constant when the variance is 0), independent of the wait. P(T > t) is then
/// P(S > t) + rho * integral_0^t f_S(s) P(W' > t - s) ds, computed by Gauss-Legendre quadrature,
/// and inverted by bisection. Exact for exponential service (T is then exponential with rate
/// mu - lambda). Against the same simulations as mg1_wait_quantile it is within about 2.5% at
/// p99 and 6% at p99.9 when E[S^3] is known; with the gamma default for E[S^3] that holds for
/// constant and uniform service, while the hyperexponential case comes out up to 12% low.
/// @param es3 as for mg1_wait_quantile
double mg1_sojourn_quantile(double lambda, double es, double es2, double q,
                            std::optional<double> es3 = std::nullopt);

/// M/D/1 mean wait: the P-K formula with E[S^2] = d^2, i.e. rho d / (2 (1 - rho)), which is half
/// the M/M/1 wait at the same load.
double md1_mean_wait(double lambda, double d);

// ---- M/M/c (Erlang C) --------------------------------------------------------------------------

/// Erlang C: the probability that an arrival to an M/M/c queue waits, for offered load
/// a = lambda / mu (in erlangs) and c servers; 1 when a >= c. Computed through the numerically
/// stable Erlang-B recursion B(k) = a B(k-1) / (k + a B(k-1)), then
/// C = c B(c) / (c - a (1 - B(c))).
double erlang_c(std::int32_t c, double a);
/// M/M/c mean wait Wq = C / (c mu - lambda); +inf when lambda >= c mu.
double mmc_mean_wait(double lambda, double mu, std::int32_t c);
/// M/M/c waiting-time quantile: P(Wq > t) = C exp(-(c mu - lambda) t), so the q-quantile is
/// ln(C / (1 - q)) / (c mu - lambda) when q > 1 - C and 0 otherwise; +inf when unstable.
double mmc_wait_quantile(double lambda, double mu, std::int32_t c, double q);

// ---- Continuous-time Markov chains -------------------------------------------------------------

/// Stationary distribution pi of an irreducible finite CTMC with generator @p Q (rows sum to 0,
/// off-diagonal entries are transition rates): solves pi Q = 0 with sum(pi) = 1 by replacing one
/// balance equation with the normalisation and factorising with full-pivot LU.
Eigen::VectorXd ctmc_steady_state(const Eigen::MatrixXd& Q);
/// Generator of a birth-death chain on states 0..n-1: @p birth[i] is the rate i -> i+1
/// (i < n-1) and @p death[i] the rate i -> i-1 (i >= 1); both have n entries, and birth[n-1] and
/// death[0] are ignored.
Eigen::MatrixXd birth_death_generator(const std::vector<double>& birth, const std::vector<double>& death);

/// Steady-state measures of an M/M/c/K queue (c servers, at most K >= c records in the system).
struct MmckResult {
  Eigen::VectorXd pi;          ///< P(n in system), n = 0..K
  double blocking = 0;         ///< P(an arrival finds the system full) = pi_K
  double throughput = 0;       ///< accepted arrival rate lambda (1 - pi_K)
  double wait_probability = 0; ///< P(an accepted arrival waits) = sum_{n=c}^{K-1} pi_n / (1 - pi_K)
  double mean_queue = 0;       ///< Lq = sum_{n>c} (n - c) pi_n
  double mean_wait = 0;        ///< Wq = Lq / throughput (Little)
};
/// Solves the M/M/c/K birth-death chain (birth lambda, death min(n, c) mu) with
/// ctmc_steady_state(). As K grows with lambda < c mu it converges to M/M/c (Erlang C).
MmckResult mmck(double lambda, double mu, std::int32_t c, std::int32_t K);

// ---- Sizing rules ------------------------------------------------------------------------------

/// The partition-count rule: enough partitions that neither producers nor consumers are limited
/// by per-partition throughput, ceil(max(T / p, T / c)), at least 1.
/// @param target_throughput T, e.g. records or bytes per second
/// @param per_partition_producer p, what one producer can write to one partition
/// @param per_consumer c, what one consumer (one partition's worth) can process
std::int64_t min_partitions(double target_throughput, double per_partition_producer, double per_consumer);

/// The smallest consumer count whose utilisation, with the load spread evenly, stays at or below
/// @p max_utilisation: ceil(lambda E[S] / max_utilisation), at least 1.
std::int64_t min_consumers(double lambda, double mean_service, double max_utilisation);

/// Arrival rate and service-time moments of one partition.
struct PartitionLoad {
  double lambda = 0;   ///< record arrival rate
  double es = 0;       ///< mean processing time per record
  double es2 = 0;      ///< second moment of the processing time
};
/// One consumer seen as an M/G/1 server of all its partitions.
struct ConsumerLoad {
  double lambda = 0;       ///< total arrival rate of its partitions
  double es = 0;           ///< arrival-weighted mean service time
  double es2 = 0;          ///< arrival-weighted second moment
  double utilisation = 0;  ///< lambda * es
  bool stable = false;     ///< utilisation < 1
  double mean_wait = 0;    ///< P-K mean wait (+inf when unstable)
  double mean_sojourn = 0; ///< mean wait + es (+inf when unstable)
};
/// Per-consumer stability and M/G/1 latency for an assignment.
/// A consumer serves the merged (still Poisson) stream of its partitions; the service time of a
/// random record is the mixture of the partitions' service times weighted by arrival rate.
/// @param partitions per-partition loads
/// @param assignment for each consumer, the indices into @p partitions it owns
/// An index out of range throws cgsim::InputError. A consumer with no partitions is idle.
std::vector<ConsumerLoad> consumer_loads(const std::vector<PartitionLoad>& partitions,
                                         const std::vector<std::vector<std::size_t>>& assignment);

// ---- Key skew ----------------------------------------------------------------------------------

/// How record keys are drawn: uniformly from n keys, or Zipf with P(k) proportional to
/// 1 / (k + 1)^s for k = 0..n-1 (s = 0 is uniform).
struct KeyDistribution {
  enum class Kind { Uniform, Zipf };
  Kind kind = Kind::Uniform;
  std::uint64_t cardinality = 0;
  double exponent = 1.0;
};
/// Expected share of the record load on each partition.
struct PartitionShares {
  std::vector<double> share;   ///< per partition; sums to 1
  std::int32_t hottest = 0;    ///< index of the largest share (lowest index on ties)
  double hottest_share = 0;
  /// hottest_share * partitions: 1 is perfectly even; the factor by which the busiest partition's
  /// consumer needs more capacity than an even split would suggest.
  double imbalance = 0;
};
/// The exact expected share of each partition: the sum of the probabilities of the keys that
/// @p key_to_partition maps to it. Plug the real partitioner in (for instance a Partitioner's
/// keyed_partition applied to the key bytes the scenario would generate) to get the skew a real
/// client would produce. Cost: one call per key.
/// @throws cgsim::InputError for no keys, partitions < 1 or a partition index out of range.
PartitionShares partition_shares(const KeyDistribution& keys, std::int32_t partitions,
                                 const std::function<std::int32_t(std::uint64_t)>& key_to_partition);

// ---- Helpers -----------------------------------------------------------------------------------

/// The q-quantile of a gamma distribution with the given mean and variance (shape mean^2 / var,
/// rate mean / var); the mean itself when the variance is 0.
double gamma_quantile(double mean, double variance, double q);
/// Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a).
double gamma_q(double a, double x);

}  // namespace cgsim::analysis::queueing
