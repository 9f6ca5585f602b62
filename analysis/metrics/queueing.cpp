#include "analysis/metrics/queueing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "models/common/error.hpp"

namespace cgsim::analysis::queueing {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void require(bool ok, const char* what) {
  if (!ok) throw InputError(std::string("queueing model: ") + what);
}
void check_rate(double lambda) { require(std::isfinite(lambda) && lambda >= 0, "arrival rate must be finite and >= 0"); }
void check_service_rate(double mu) { require(std::isfinite(mu) && mu > 0, "service rate must be finite and > 0"); }
void check_quantile(double q) { require(q >= 0 && q < 1, "quantile level must be in [0, 1)"); }
void check_moments(double es, double es2) {
  require(std::isfinite(es) && es >= 0, "mean service time must be finite and >= 0");
  // A small relative slack lets E[S^2] = E[S]^2 (constant service) pass despite rounding.
  require(es2 >= es * es * (1 - 1e-12), "E[S^2] must be at least E[S]^2");
}

// Sum of a sequence with Neumaier's compensation: the per-partition key probabilities can span
// many orders of magnitude (Zipf tails), and plain summation would lose the small ones.
struct CompensatedSum {
  double sum = 0;
  double c = 0;
  void add(double x) {
    const double t = sum + x;
    if (std::fabs(sum) >= std::fabs(x)) {
      c += (sum - t) + x;
    } else {
      c += (x - t) + sum;
    }
    sum = t;
  }
  double value() const { return sum + c; }
};

// Regularised lower incomplete gamma P(a, x) by its power series, for x < a + 1.
double gamma_p_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < 1'000'000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz), for
// x >= a + 1.
double gamma_q_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 1'000'000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

}  // namespace

// ---- M/M/1 -------------------------------------------------------------------------------------

double mm1_utilisation(double lambda, double mu) {
  check_rate(lambda);
  check_service_rate(mu);
  return lambda / mu;
}

double mm1_mean_wait(double lambda, double mu) {
  const double rho = mm1_utilisation(lambda, mu);
  if (rho >= 1) return kInf;
  return rho / (mu - lambda);
}

double mm1_mean_sojourn(double lambda, double mu) {
  const double rho = mm1_utilisation(lambda, mu);
  if (rho >= 1) return kInf;
  return 1 / (mu - lambda);
}

double mm1_sojourn_quantile(double lambda, double mu, double q) {
  check_quantile(q);
  const double rho = mm1_utilisation(lambda, mu);
  if (rho >= 1) return kInf;
  return -std::log1p(-q) / (mu - lambda);
}

double mm1_wait_quantile(double lambda, double mu, double q) {
  check_quantile(q);
  const double rho = mm1_utilisation(lambda, mu);
  if (rho >= 1) return kInf;
  if (q <= 1 - rho) return 0;
  return std::log(rho / (1 - q)) / (mu - lambda);
}

// ---- M/G/1 -------------------------------------------------------------------------------------

double mg1_mean_wait(double lambda, double es, double es2) {
  check_rate(lambda);
  check_moments(es, es2);
  const double rho = lambda * es;
  if (rho >= 1) return kInf;
  return lambda * es2 / (2 * (1 - rho));
}

double mg1_mean_sojourn(double lambda, double es, double es2) {
  const double wq = mg1_mean_wait(lambda, es, es2);
  return std::isinf(wq) ? kInf : wq + es;
}

namespace {

// A gamma distribution fitted by mean and variance; a point mass at the mean when the variance
// is negligible.
struct GammaFit {
  double mean = 0;
  double shape = 0;  // 0 for a point mass
  double rate = 0;
  bool point() const { return shape == 0; }
  // P(X > x).
  double tail(double x) const {
    if (point()) return x < mean ? 1.0 : 0.0;
    return x <= 0 ? 1.0 : gamma_q(shape, rate * x);
  }
  double density(double x) const {
    return std::exp(shape * std::log(rate) + (shape - 1) * std::log(x) - rate * x - std::lgamma(shape));
  }
  double sd() const { return point() ? 0 : std::sqrt(shape) / rate; }
};

GammaFit fit_gamma(double mean, double variance) {
  GammaFit g;
  g.mean = mean;
  if (mean > 0 && variance > mean * mean * 1e-12) {
    g.shape = mean * mean / variance;
    g.rate = mean / variance;
  }
  return g;
}

// The M/G/1 wait: zero with probability 1 - rho, otherwise `busy`, a gamma fitted to the exact
// conditional mean E[Wq] / rho = E[S^2] / (2 E[S] (1 - rho)) and conditional second moment
// E[Wq^2] / rho = 2 E[Wq] m1 + E[S^3] / (3 E[S] (1 - rho)), written without dividing by rho.
struct WaitModel {
  double rho = 0;
  GammaFit busy;
};
WaitModel wait_model(double lambda, double es, double es2, std::optional<double> es3) {
  WaitModel w;
  w.rho = lambda * es;
  const double var_s = std::max(0.0, es2 - es * es);
  double third = 0;
  if (es3) {
    require(std::isfinite(*es3) && *es3 >= 0, "E[S^3] must be finite and >= 0");
    third = *es3;
  } else {
    third = es * es * es + 3 * es * var_s + (es > 0 ? 2 * var_s * var_s / es : 0);
  }
  const double wq = lambda * es2 / (2 * (1 - w.rho));
  const double m1 = es2 / (2 * es * (1 - w.rho));
  const double m2 = 2 * wq * m1 + third / (3 * es * (1 - w.rho));
  w.busy = fit_gamma(m1, std::max(0.0, m2 - m1 * m1));
  return w;
}

// 32-point Gauss-Legendre rule on [-1, 1] by the Golub-Welsch method: the nodes are the
// eigenvalues of the Jacobi matrix of the Legendre recurrence, the weights twice the squared
// first components of its normalised eigenvectors.
struct Quadrature {
  std::vector<double> nodes, weights;
};
const Quadrature& gauss_legendre() {
  static const Quadrature rule = [] {
    constexpr int n = 32;
    Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(n, n);
    for (int k = 1; k < n; ++k) {
      const double b = k / std::sqrt(4.0 * k * k - 1);
      jacobi(k, k - 1) = b;
      jacobi(k - 1, k) = b;
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(jacobi);
    Quadrature r;
    for (int i = 0; i < n; ++i) {
      r.nodes.push_back(eig.eigenvalues()(i));
      r.weights.push_back(2 * eig.eigenvectors()(0, i) * eig.eigenvectors()(0, i));
    }
    return r;
  }();
  return rule;
}

// Integral of f over [a, b] split at the sorted breakpoints inside it, 32 nodes per panel.
template <typename F>
double integrate(double a, double b, std::vector<double> cuts, F f) {
  const Quadrature& gl = gauss_legendre();
  cuts.push_back(a);
  cuts.push_back(b);
  std::sort(cuts.begin(), cuts.end());
  double total = 0;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const double lo = std::max(a, cuts[i]), hi = std::min(b, cuts[i + 1]);
    if (!(hi > lo)) continue;
    const double half = 0.5 * (hi - lo), mid = 0.5 * (hi + lo);
    double s = 0;
    for (std::size_t k = 0; k < gl.nodes.size(); ++k) s += gl.weights[k] * f(mid + half * gl.nodes[k]);
    total += s * half;
  }
  return total;
}

// P(Wq + S > t) = P(S > t) + rho * P(S <= t, W' > t - S) with W' the wait of those who wait.
double sojourn_tail(const WaitModel& w, const GammaFit& s, double t) {
  if (t <= 0) return 1;
  const double qs = s.tail(t);
  double j = 0;
  if (s.point()) {
    j = t >= s.mean ? w.busy.tail(t - s.mean) : 0;
  } else if (w.busy.point()) {
    j = s.tail(std::max(0.0, t - w.busy.mean)) - qs;
  } else {
    // Breakpoints where the service density changes character, so narrow peaks are resolved.
    std::vector<double> cuts;
    for (double z : {-6.0, -2.0, 0.0, 2.0, 6.0}) {
      const double x = s.mean + z * s.sd();
      if (x > 0 && x < t) cuts.push_back(x);
    }
    if (s.shape >= 1) {
      j = integrate(0, t, cuts, [&](double x) { return s.density(x) * w.busy.tail(t - x); });
    } else {
      // The density diverges at 0; substituting x = t y^(1/shape) turns f_S(x) dx into
      // (rate t)^shape / Gamma(shape + 1) exp(-rate x) dy, which is smooth.
      const double inv = 1 / s.shape;
      for (double& c : cuts) c = std::pow(c / t, s.shape);
      for (double y : {0.25, 0.5, 0.75}) cuts.push_back(y);
      const double scale = std::exp(s.shape * std::log(s.rate * t) - std::lgamma(s.shape + 1));
      j = scale * integrate(0, 1, cuts, [&](double y) {
            const double x = t * std::pow(y, inv);
            return std::exp(-s.rate * x) * w.busy.tail(t - x);
          });
    }
  }
  return std::min(1.0, qs + w.rho * j);
}

// The smallest t with tail(t) <= target, for a non-increasing tail, by doubling from @p guess
// and then bisection.
template <typename Tail>
double invert_tail(Tail tail, double target, double guess) {
  double lo = 0, hi = std::max(guess, 1e-300);
  while (tail(hi) > target) {
    lo = hi;
    hi *= 2;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-11 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (tail(mid) > target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double mg1_wait_quantile(double lambda, double es, double es2, double q, std::optional<double> es3) {
  check_quantile(q);
  const double wq = mg1_mean_wait(lambda, es, es2);
  if (std::isinf(wq)) return kInf;
  const double rho = lambda * es;
  if (rho <= 0 || q <= 1 - rho) return 0;
  const WaitModel w = wait_model(lambda, es, es2, es3);
  const double level = 1 - (1 - q) / rho;
  if (w.busy.point()) return w.busy.mean;
  return gamma_quantile(w.busy.mean, w.busy.shape / (w.busy.rate * w.busy.rate), level);
}

double mg1_sojourn_quantile(double lambda, double es, double es2, double q, std::optional<double> es3) {
  check_quantile(q);
  const double wq = mg1_mean_wait(lambda, es, es2);
  if (std::isinf(wq)) return kInf;
  const double var_s = std::max(0.0, es2 - es * es);
  if (lambda * es <= 0) return gamma_quantile(es, var_s, q);
  const WaitModel w = wait_model(lambda, es, es2, es3);
  const GammaFit s = fit_gamma(es, var_s);
  return invert_tail([&](double t) { return sojourn_tail(w, s, t); }, 1 - q, wq + es);
}

double md1_mean_wait(double lambda, double d) { return mg1_mean_wait(lambda, d, d * d); }

// ---- M/M/c -------------------------------------------------------------------------------------

double erlang_c(std::int32_t c, double a) {
  require(c >= 1, "server count must be >= 1");
  require(std::isfinite(a) && a >= 0, "offered load must be finite and >= 0");
  if (a >= c) return 1;
  double b = 1;  // Erlang B with zero servers
  for (std::int32_t k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

double mmc_mean_wait(double lambda, double mu, std::int32_t c) {
  check_rate(lambda);
  check_service_rate(mu);
  const double capacity = c * mu;
  const double pw = erlang_c(c, lambda / mu);
  if (lambda >= capacity) return kInf;
  return pw / (capacity - lambda);
}

double mmc_wait_quantile(double lambda, double mu, std::int32_t c, double q) {
  check_quantile(q);
  check_rate(lambda);
  check_service_rate(mu);
  const double pw = erlang_c(c, lambda / mu);
  const double capacity = c * mu;
  if (lambda >= capacity) return kInf;
  if (q <= 1 - pw) return 0;
  return std::log(pw / (1 - q)) / (capacity - lambda);
}

// ---- CTMC --------------------------------------------------------------------------------------

Eigen::VectorXd ctmc_steady_state(const Eigen::MatrixXd& Q) {
  require(Q.rows() == Q.cols() && Q.rows() >= 1, "generator must be a non-empty square matrix");
  const Eigen::Index n = Q.rows();
  // Balance equations Q^T pi = 0 have rank n - 1 for an irreducible chain; the last one is
  // redundant and is replaced by sum(pi) = 1.
  Eigen::MatrixXd a = Q.transpose();
  a.row(n - 1).setOnes();
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  rhs(n - 1) = 1;
  Eigen::FullPivLU<Eigen::MatrixXd> lu(a);
  require(lu.isInvertible(), "generator is not irreducible (no unique stationary distribution)");
  Eigen::VectorXd pi = lu.solve(rhs);
  // Round-off can leave tiny negative entries for states of negligible probability.
  for (Eigen::Index i = 0; i < n; ++i) pi(i) = std::max(0.0, pi(i));
  return pi / pi.sum();
}

Eigen::MatrixXd birth_death_generator(const std::vector<double>& birth, const std::vector<double>& death) {
  require(!birth.empty() && birth.size() == death.size(), "birth and death rates need one entry per state");
  const auto n = static_cast<Eigen::Index>(birth.size());
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    if (i + 1 < n) {
      require(birth[k] >= 0, "rates must be >= 0");
      q(i, i + 1) = birth[k];
    }
    if (i > 0) {
      require(death[k] >= 0, "rates must be >= 0");
      q(i, i - 1) = death[k];
    }
    q(i, i) = -q.row(i).sum();
  }
  return q;
}

MmckResult mmck(double lambda, double mu, std::int32_t c, std::int32_t K) {
  check_rate(lambda);
  check_service_rate(mu);
  require(c >= 1 && K >= c, "M/M/c/K needs 1 <= c <= K");
  require(lambda > 0, "M/M/c/K needs a positive arrival rate");
  const auto states = static_cast<std::size_t>(K) + 1;
  std::vector<double> birth(states, lambda), death(states, 0);
  for (std::size_t n = 0; n < states; ++n) death[n] = static_cast<double>(std::min<std::size_t>(n, c)) * mu;
  MmckResult r;
  r.pi = ctmc_steady_state(birth_death_generator(birth, death));
  r.blocking = r.pi(K);
  r.throughput = lambda * (1 - r.blocking);
  double waiting = 0;
  for (std::int32_t n = c; n < K; ++n) waiting += r.pi(n);
  r.wait_probability = r.blocking < 1 ? waiting / (1 - r.blocking) : 1;
  double lq = 0;
  for (std::int32_t n = c + 1; n <= K; ++n) lq += (n - c) * r.pi(n);
  r.mean_queue = lq;
  r.mean_wait = r.throughput > 0 ? lq / r.throughput : 0;
  return r;
}

// ---- Sizing rules ------------------------------------------------------------------------------

namespace {
// ceil() that treats a ratio within 1e-12 (relative) above an integer as that integer, so that
// rounding in a division like 1.1 / 0.1 does not add a whole partition or consumer.
std::int64_t ceil_ratio(double x) {
  const double c = std::ceil(x * (1 - 1e-12));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(c));
}
}  // namespace

std::int64_t min_partitions(double target_throughput, double per_partition_producer, double per_consumer) {
  require(std::isfinite(target_throughput) && target_throughput >= 0, "target throughput must be finite and >= 0");
  require(std::isfinite(per_partition_producer) && per_partition_producer > 0,
          "per-partition producer throughput must be > 0");
  require(std::isfinite(per_consumer) && per_consumer > 0, "per-consumer throughput must be > 0");
  return ceil_ratio(std::max(target_throughput / per_partition_producer, target_throughput / per_consumer));
}

std::int64_t min_consumers(double lambda, double mean_service, double max_utilisation) {
  check_rate(lambda);
  require(std::isfinite(mean_service) && mean_service >= 0, "mean service time must be finite and >= 0");
  require(max_utilisation > 0 && max_utilisation <= 1, "utilisation ceiling must be in (0, 1]");
  return ceil_ratio(lambda * mean_service / max_utilisation);
}

std::vector<ConsumerLoad> consumer_loads(const std::vector<PartitionLoad>& partitions,
                                         const std::vector<std::vector<std::size_t>>& assignment) {
  for (const auto& p : partitions) {
    check_rate(p.lambda);
    check_moments(p.es, p.es2);
  }
  std::vector<ConsumerLoad> out;
  out.reserve(assignment.size());
  for (const auto& owned : assignment) {
    ConsumerLoad c;
    double weighted_es = 0, weighted_es2 = 0;
    for (std::size_t i : owned) {
      require(i < partitions.size(), "assignment names a partition that does not exist");
      const PartitionLoad& p = partitions[i];
      c.lambda += p.lambda;
      weighted_es += p.lambda * p.es;
      weighted_es2 += p.lambda * p.es2;
    }
    if (c.lambda > 0) {
      c.es = weighted_es / c.lambda;
      c.es2 = weighted_es2 / c.lambda;
    }
    c.utilisation = c.lambda * c.es;
    c.stable = c.utilisation < 1;
    c.mean_wait = c.stable ? (c.lambda > 0 ? c.lambda * c.es2 / (2 * (1 - c.utilisation)) : 0) : kInf;
    c.mean_sojourn = c.stable ? c.mean_wait + c.es : kInf;
    out.push_back(c);
  }
  return out;
}

// ---- Key skew ----------------------------------------------------------------------------------

PartitionShares partition_shares(const KeyDistribution& keys, std::int32_t partitions,
                                 const std::function<std::int32_t(std::uint64_t)>& key_to_partition) {
  require(keys.cardinality >= 1, "key distribution needs at least one key");
  require(partitions >= 1, "partition count must be >= 1");
  require(keys.kind == KeyDistribution::Kind::Uniform || std::isfinite(keys.exponent),
          "Zipf exponent must be finite");
  std::vector<CompensatedSum> acc(static_cast<std::size_t>(partitions));
  const bool uniform = keys.kind == KeyDistribution::Kind::Uniform || keys.exponent == 0;
  for (std::uint64_t k = 0; k < keys.cardinality; ++k) {
    const std::int32_t p = key_to_partition(k);
    require(p >= 0 && p < partitions, "key maps to a partition out of range");
    const double w = uniform ? 1.0 : std::pow(static_cast<double>(k + 1), -keys.exponent);
    acc[static_cast<std::size_t>(p)].add(w);
  }
  CompensatedSum total;
  for (const auto& a : acc) total.add(a.value());
  PartitionShares r;
  r.share.resize(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    r.share[i] = acc[i].value() / total.value();
    if (r.share[i] > r.hottest_share) {
      r.hottest_share = r.share[i];
      r.hottest = static_cast<std::int32_t>(i);
    }
  }
  r.imbalance = r.hottest_share * partitions;
  return r;
}

// ---- Helpers -----------------------------------------------------------------------------------

double gamma_q(double a, double x) {
  require(a > 0, "gamma shape must be > 0");
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gamma_p_series(a, x);
  return gamma_q_fraction(a, x);
}

double gamma_quantile(double mean, double variance, double q) {
  check_quantile(q);
  require(std::isfinite(mean) && mean >= 0 && variance >= 0, "gamma moments must be finite and >= 0");
  if (mean == 0) return 0;
  if (variance <= mean * mean * 1e-14) return mean;
  const double shape = mean * mean / variance;
  const double rate = mean / variance;
  if (q == 0) return 0;
  // Q(shape, x) falls from 1 to 0: bracket the point where it equals 1 - q, then bisect.
  const double tail = 1 - q;
  double lo = 0, hi = std::max(1.0, shape);
  while (gamma_q(shape, hi) > tail) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (gamma_q(shape, mid) > tail ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi) / rate;
}

}  // namespace cgsim::analysis::queueing
