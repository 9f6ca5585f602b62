#include "models/common/workload.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cgsim::models {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

double rate_at(const ProducerSpec& p, double t_ns) {
  if (t_ns < static_cast<double>(p.start) || t_ns >= static_cast<double>(p.stop)) return 0;
  return p.rate.rate_at(static_cast<sim::Time>(t_ns));
}

double next_arrival(sim::Rng& arrivals, const ProducerSpec& p, double after_ns) {
  if (p.rate.kind != RateSpec::Kind::Steps && after_ns >= static_cast<double>(p.start) && p.rate.per_second > 0) {
    // One rate throughout: the next arrival is one gap away, unless the producer stops first.
    double gap = p.rate.kind == RateSpec::Kind::Poisson ? arrivals.exponential(1e9 / p.rate.per_second)
                                                        : 1e9 / p.rate.per_second;
    double t = after_ns + gap;
    return t < static_cast<double>(p.stop) ? t : kInf;
  }
  // Walk through rate segments (producer start/stop and rate steps) until an arrival falls
  // inside the segment it was drawn in.
  double t = std::max(after_ns, static_cast<double>(p.start));
  for (;;) {
    if (t >= static_cast<double>(p.stop)) return kInf;
    double boundary = static_cast<double>(p.stop);
    if (p.rate.kind == RateSpec::Kind::Steps) {
      for (const auto& [from, r] : p.rate.steps) {
        (void)r;
        if (static_cast<double>(from) > t) {
          boundary = std::min(boundary, static_cast<double>(from));
          break;
        }
      }
    }
    double rate = rate_at(p, t);
    if (rate > 0) {
      bool poisson = p.rate.kind == RateSpec::Kind::Poisson ||
                     (p.rate.kind == RateSpec::Kind::Steps && p.rate.poisson_steps);
      double gap = poisson ? arrivals.exponential(1e9 / rate) : 1e9 / rate;
      if (t + gap < boundary) return t + gap;
    }
    if (!std::isfinite(boundary)) return kInf;
    t = boundary;
  }
}

std::uint64_t draw_key(const KeySpec& keys, const sim::ZipfSampler* zipf, std::uint64_t& sequence, sim::Rng& rng) {
  switch (keys.kind) {
    case KeySpec::Kind::Uniform:
      return rng.below(keys.cardinality);
    case KeySpec::Kind::Zipf:
      return zipf->sample(rng);
    case KeySpec::Kind::Sequential: {
      std::uint64_t key = sequence++;
      if (keys.cardinality > 0) key %= keys.cardinality;
      return key;
    }
    case KeySpec::Kind::None:
      break;
  }
  return 0;
}

}  // namespace cgsim::models
