#pragma once
/// @file rng.hpp
/// Random streams and distributions that give the same numbers on every platform.
///
/// Each model draws from its own named stream, derived from the scenario seed and the stream's
/// name, so adding a draw in one model never shifts the numbers another model sees. The generator
/// is xoshiro256** seeded through SplitMix64. Distributions are written here rather than taken from
/// <random>, whose distributions are implementation-defined and differ between standard libraries.
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/time.hpp"

namespace cgsim::sim {

/// SplitMix64 step: used to expand seeds.
std::uint64_t splitmix64(std::uint64_t& state);
/// 64-bit FNV-1a of a string: stable stream-name hashing.
std::uint64_t fnv1a64(std::string_view s);

namespace detail {
/// Tables of the 256-layer ziggurat for the standard exponential (Marsaglia and Tsang, 2000):
/// layer boundaries x[i] with equal areas, and exp(-x[i]).
struct ExpZiggurat {
  static constexpr int kLayers = 256;
  static constexpr double kR = 7.69711747013104972;       // start of the tail
  static constexpr double kArea = 3.949659822581572e-3;   // area of each layer
  double x[kLayers + 1];
  double f[kLayers + 1];
  ExpZiggurat();
};
/// The tables, built on first use (so a draw during static initialisation still finds them).
inline const ExpZiggurat& exp_ziggurat() {
  static const ExpZiggurat z;
  return z;
}
}  // namespace detail

/// A xoshiro256** random stream.
class Rng {
 public:
  /// A stream named @p name under scenario seed @p seed.
  Rng(std::uint64_t seed, std::string_view name);
  /// A stream from a raw 64-bit seed.
  explicit Rng(std::uint64_t raw_seed = 0);

  /// Next 64 random bits.
  std::uint64_t next_u64() { return step(s_[0], s_[1], s_[2], s_[3]); }
  /// Uniform double in [0, 1), 53 bits of precision.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform double in (0, 1]: safe to take the logarithm of.
  double uniform_pos() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }
  /// Uniform integer in [0, n) without modulo bias (Lemire's method); n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Standard normal variate: Marsaglia and Tsang's ziggurat with 128 layers (one 64-bit draw
  /// in about 99% of calls; the tail and wedges fall back to exact rejection).
  double normal();
  /// Exponential variate with the given mean (256-layer ziggurat). The draw that lands inside
  /// its layer's rectangle (about 99% of them) is inline; the rest continue in exponential_rest.
  double exponential(double mean) {
    int i;
    double v;
    if (exp_first(detail::exp_ziggurat(), next_u64(), i, v)) return mean * v;
    return exponential_rest(mean, i, v);
  }
  /// Fills @p out[0..n) with what @p n successive exponential(@p mean) calls would return, with
  /// the stream's state in registers throughout (a loop of exponential() calls keeps it in memory
  /// whenever the loop also stores 64-bit integers, which might alias it).
  void exponentials(double mean, double* out, std::size_t n);

 private:
  /// The rest of exponential() after a first draw (layer @p i, abscissa @p v) that fell outside
  /// its layer's rectangle.
  double exponential_rest(double mean, int i, double v);
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  /// One xoshiro256** step of the state (@p s0, @p s1, @p s2, @p s3): returns the next 64 bits.
  /// On local copies of the state, inlined, the state stays in registers.
  static std::uint64_t step(std::uint64_t& s0, std::uint64_t& s1, std::uint64_t& s2, std::uint64_t& s3) {
    const std::uint64_t result = rotl(s1 * 5, 7) * 9;
    const std::uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
    return result;
  }
  /// The first draw of the exponential ziggurat @p z from the bits @p r: its layer @p i and
  /// abscissa @p v (for mean 1); true when @p v lies inside the layer's rectangle, so that it is
  /// the variate.
  static bool exp_first(const detail::ExpZiggurat& z, std::uint64_t r, int& i, double& v) {
    i = static_cast<int>(r & 255);
    v = static_cast<double>(r >> 11) * 0x1.0p-53 * z.x[i];
    return v < z.x[i + 1];
  }
  std::uint64_t s_[4];
};

/// Walker/Vose alias table: O(1) sampling from a finite discrete distribution.
class AliasTable {
 public:
  AliasTable() = default;
  /// Builds the table from non-negative weights (at least one positive).
  explicit AliasTable(const std::vector<double>& weights);
  /// Draws an index in [0, size()).
  std::uint32_t sample(Rng& rng) const;
  std::size_t size() const { return cols_.size(); }
  /// Probability of index @p i (normalised weight).
  double probability(std::size_t i) const { return p_[i]; }

 private:
  struct Column {
    double prob;          // probability of keeping the column's own index
    std::uint32_t alias;  // the index used otherwise
  };
  std::vector<Column> cols_;
  std::vector<double> p_;
};

/// A distribution of non-negative durations or quantities, as written in scenario files.
struct Distribution {
  enum class Kind { Constant, Exponential, Uniform, Normal, Lognormal, Pareto, Empirical };
  Kind kind = Kind::Constant;
  double value = 0;     ///< constant value; exponential mean; normal mean; lognormal median; Pareto scale
  double low = 0;       ///< uniform low bound
  double high = 0;      ///< uniform high bound
  double sigma = 0;     ///< normal standard deviation; lognormal sigma (of the log)
  double alpha = 0;     ///< Pareto shape
  std::vector<double> values;  ///< empirical values, drawn with equal probability

  /// One draw. Normal draws are truncated at zero (a duration cannot be negative).
  double sample(Rng& rng) const;
  /// The distribution's mean (infinite for Pareto with alpha <= 1).
  double mean() const;
  /// The second moment E[X^2] (infinite where it does not exist).
  double second_moment() const;

  static Distribution constant(double v) {
    Distribution d;
    d.value = v;
    return d;
  }
  static Distribution exponential(double mean) {
    Distribution d;
    d.kind = Kind::Exponential;
    d.value = mean;
    return d;
  }
};

/// Zipf-distributed ranks 0..n-1 with P(k) proportional to 1/(k+1)^s, via an alias table.
class ZipfSampler {
 public:
  ZipfSampler(std::uint64_t n, double exponent);
  std::uint64_t sample(Rng& rng) const { return table_.sample(rng); }
  double probability(std::uint64_t rank) const { return table_.probability(rank); }

 private:
  AliasTable table_;
};

}  // namespace cgsim::sim
