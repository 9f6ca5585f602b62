#include "sim/rng.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace cgsim::sim {

namespace {
__extension__ using U128 = unsigned __int128;  // a GCC and Clang extension: 64 x 64 -> 128-bit products
}  // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Rng::Rng(std::uint64_t seed, std::string_view name) : Rng(seed ^ fnv1a64(name)) {}

Rng::Rng(std::uint64_t raw_seed) {
  std::uint64_t st = raw_seed;
  for (auto& w : s_) w = splitmix64(st);
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's nearly-divisionless method with rejection: exact and portable.
  U128 m = static_cast<U128>(next_u64()) * n;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < n) {
    std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<U128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

namespace {

/// Tables of the 128-layer ziggurat for the standard normal (Marsaglia and Tsang, 2000): layer
/// boundaries x[i] with equal areas, and the density at them.
struct Ziggurat {
  static constexpr int kLayers = 128;
  static constexpr double kR = 3.442619855899;        // start of the tail
  static constexpr double kArea = 9.91256303526217e-3;  // area of each layer
  double x[kLayers + 1];
  double f[kLayers + 1];
  Ziggurat() {
    auto density = [](double v) { return std::exp(-0.5 * v * v); };
    x[0] = kArea / density(kR);  // the base layer's notional width (rectangle plus tail)
    x[1] = kR;
    for (int i = 2; i < kLayers; ++i) x[i] = std::sqrt(-2.0 * std::log(kArea / x[i - 1] + density(x[i - 1])));
    x[kLayers] = 0.0;
    for (int i = 0; i <= kLayers; ++i) f[i] = density(x[i]);
  }
};

const Ziggurat& ziggurat() {
  static const Ziggurat z;
  return z;
}

}  // namespace

double Rng::normal() {
  const Ziggurat& z = ziggurat();
  for (;;) {
    const std::uint64_t r = next_u64();
    const int i = static_cast<int>(r & 127);
    const bool negative = (r >> 7) & 1;
    // 53 random bits for a uniform in [0, 1).
    const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
    const double v = u * z.x[i];
    if (v < z.x[i + 1]) return negative ? -v : v;  // inside the layer's rectangle
    if (i == 0) {
      // The tail beyond kR (Marsaglia's method).
      double a, b;
      do {
        a = -std::log(uniform_pos()) / Ziggurat::kR;
        b = -std::log(uniform_pos());
      } while (b + b < a * a);
      return negative ? -(Ziggurat::kR + a) : (Ziggurat::kR + a);
    }
    // The wedge between the rectangle and the curve: accept under the density.
    const double y = z.f[i] + uniform() * (z.f[i + 1] - z.f[i]);
    if (y < std::exp(-0.5 * v * v)) return negative ? -v : v;
  }
}

namespace detail {

ExpZiggurat::ExpZiggurat() {
  x[0] = kArea / std::exp(-kR);
  x[1] = kR;
  for (int i = 2; i < kLayers; ++i) x[i] = -std::log(kArea / x[i - 1] + std::exp(-x[i - 1]));
  x[kLayers] = 0.0;
  for (int i = 0; i <= kLayers; ++i) f[i] = std::exp(-x[i]);
}

}  // namespace detail

void Rng::exponentials(double mean, double* out, std::size_t n) {
  const detail::ExpZiggurat& z = detail::exp_ziggurat();
  std::uint64_t s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
  for (std::size_t k = 0; k < n; ++k) {
    int i;
    double v;
    if (exp_first(z, step(s0, s1, s2, s3), i, v)) {
      out[k] = mean * v;
    } else {
      s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
      out[k] = exponential_rest(mean, i, v);
      s0 = s_[0], s1 = s_[1], s2 = s_[2], s3 = s_[3];
    }
  }
  s_[0] = s0, s_[1] = s1, s_[2] = s2, s_[3] = s3;
}

double Rng::exponential_rest(double mean, int i, double v) {
  using detail::ExpZiggurat;
  const ExpZiggurat& z = detail::exp_ziggurat();
  double offset = 0;
  for (;;) {
    if (i == 0) {
      // The tail beyond kR is the exponential again, shifted (memorylessness).
      offset += ExpZiggurat::kR;
    } else {
      const double y = z.f[i] + uniform() * (z.f[i + 1] - z.f[i]);
      if (y < std::exp(-v)) return mean * (offset + v);
    }
    if (exp_first(z, next_u64(), i, v)) return mean * (offset + v);
  }
}

AliasTable::AliasTable(const std::vector<double>& weights) {
  const std::size_t n = weights.size();
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) throw std::invalid_argument("alias table: bad weight");
    total += w;
  }
  if (n == 0 || !(total > 0)) throw std::invalid_argument("alias table: no positive weight");
  std::vector<double> prob(n, 0.0);
  std::vector<std::uint32_t> alias(n, 0);
  p_.resize(n);
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    p_[i] = weights[i] / total;
    scaled[i] = p_[i] * static_cast<double>(n);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    std::uint32_t s = small.back();
    small.pop_back();
    std::uint32_t l = large.back();
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (std::uint32_t i : large) prob[i] = 1.0;
  for (std::uint32_t i : small) prob[i] = 1.0;
  cols_.resize(n);
  for (std::size_t i = 0; i < n; ++i) cols_[i] = Column{prob[i], i < n ? alias[i] : 0};
}

std::uint32_t AliasTable::sample(Rng& rng) const {
  std::uint64_t r = rng.next_u64();
  // The high bits pick the column, the low 53 bits the coin: one draw per sample.
  std::uint32_t col = static_cast<std::uint32_t>(
      (static_cast<U128>(r >> 11) * cols_.size()) >> 53);
  double coin = static_cast<double>(r & ((1ULL << 53) - 1)) * 0x1.0p-53;
  const Column& c = cols_[col];
  return coin < c.prob ? col : c.alias;
}

double Distribution::sample(Rng& rng) const {
  switch (kind) {
    case Kind::Constant:
      return value;
    case Kind::Exponential:
      return rng.exponential(value);
    case Kind::Uniform:
      return low + (high - low) * rng.uniform();
    case Kind::Normal: {
      double x = value + sigma * rng.normal();
      return x < 0 ? 0 : x;
    }
    case Kind::Lognormal:
      return value * std::exp(sigma * rng.normal());
    case Kind::Pareto:
      return value / std::pow(rng.uniform_pos(), 1.0 / alpha);
    case Kind::Empirical:
      return values[rng.below(values.size())];
  }
  return value;
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::Constant:
    case Kind::Exponential:
    case Kind::Normal:
      return value;
    case Kind::Uniform:
      return (low + high) / 2;
    case Kind::Lognormal:
      return value * std::exp(sigma * sigma / 2);
    case Kind::Pareto:
      return alpha > 1 ? alpha * value / (alpha - 1) : std::numeric_limits<double>::infinity();
    case Kind::Empirical: {
      double s = 0;
      for (double v : values) s += v;
      return values.empty() ? 0 : s / static_cast<double>(values.size());
    }
  }
  return value;
}

double Distribution::second_moment() const {
  switch (kind) {
    case Kind::Constant:
      return value * value;
    case Kind::Exponential:
      return 2 * value * value;
    case Kind::Normal:
      return value * value + sigma * sigma;
    case Kind::Uniform:
      return (low * low + low * high + high * high) / 3;
    case Kind::Lognormal:
      return value * value * std::exp(2 * sigma * sigma);
    case Kind::Pareto:
      return alpha > 2 ? alpha * value * value / (alpha - 2)
                       : std::numeric_limits<double>::infinity();
    case Kind::Empirical: {
      double s = 0;
      for (double v : values) s += v * v;
      return values.empty() ? 0 : s / static_cast<double>(values.size());
    }
  }
  return 0;
}

ZipfSampler::ZipfSampler(std::uint64_t n, double exponent) {
  if (n == 0) throw std::invalid_argument("zipf: cardinality must be positive");
  std::vector<double> w(n);
  for (std::uint64_t k = 0; k < n; ++k) w[k] = 1.0 / std::pow(static_cast<double>(k + 1), exponent);
  table_ = AliasTable(w);
}

}  // namespace cgsim::sim
