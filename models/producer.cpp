#include "models/producer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cgsim::models {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kMaxAggregatedKeys = 4'000'000;
}  // namespace

Production::Production(sim::Engine& engine, Broker& broker, const Scenario& scenario)
    : engine_(engine), broker_(broker), scenario_(scenario) {
  specs_.reserve(scenario.producers.size());
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& p = scenario.producers[i];
    Spec s{&p, broker.topic_index(p.topic), nullptr, {}};
    if (p.keys.kind == KeySpec::Kind::Zipf) {
      s.zipf = std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent);
    }
    specs_.push_back(std::move(s));
  }
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const ProducerSpec& p = *specs_[i].spec;
    auto kind = partitioners::Partitioner::parse(p.partitioner).value_or(partitioners::Partitioner::Kind::Default);
    const std::int32_t parts = broker.topic(specs_[i].topic).partitions;
    for (std::int32_t k = 0; k < p.count; ++k) {
      std::string base = "producer/" + std::to_string(i) + "/" + std::to_string(k);
      Instance in{i, 0.0, sim::Rng(scenario.seed, base + "/arrivals"), sim::Rng(scenario.seed, base + "/keys"),
                  partitioners::Partitioner(kind, scenario.client, parts, sim::Rng(scenario.seed, base + "/partitioner")),
                  0};
      in.next_ns = kInf;
      instances_.push_back(std::move(in));
    }
    if (p.keys.kind != KeySpec::Kind::None && p.keys.kind != KeySpec::Kind::Sequential &&
        p.keys.cardinality <= kMaxAggregatedKeys && instances_.back().partitioner.keyed_is_pure()) {
      // Aggregate key probabilities per partition.
      Spec& sp = specs_[i];
      auto& part = instances_.back().partitioner;
      std::vector<double> weights(static_cast<std::size_t>(parts), 0.0);
      partitioners::RecordInfo rec;
      rec.value_bytes = p.record_bytes;
      for (std::uint64_t k = 0; k < p.keys.cardinality; ++k) {
        key_buf_.assign(p.keys.prefix);
        key_buf_ += std::to_string(k);
        rec.key = std::string_view(key_buf_);
        std::int32_t pt = part.partition(rec);
        double w = sp.zipf ? sp.zipf->probability(k) : 1.0;
        weights[static_cast<std::size_t>(pt)] += w;
      }
      sp.partition_table = std::make_unique<sim::AliasTable>(weights);
      sp.zipf.reset();
    }
  }
  first_new_.assign(static_cast<std::size_t>(broker.partition_count()), -1);
}

double Production::rate_at(const ProducerSpec& p, double t_ns) const {
  if (t_ns < static_cast<double>(p.start) || t_ns >= static_cast<double>(p.stop)) return 0;
  return p.rate.rate_at(static_cast<sim::Time>(t_ns));
}

double Production::next_arrival(Instance& in, const ProducerSpec& p, double after_ns) {
  if (p.rate.kind != RateSpec::Kind::Steps && after_ns >= static_cast<double>(p.start) && p.rate.per_second > 0) {
    // One rate throughout: the next arrival is one gap away, unless the producer stops first.
    double gap = p.rate.kind == RateSpec::Kind::Poisson ? in.arrivals.exponential(1e9 / p.rate.per_second)
                                                        : 1e9 / p.rate.per_second;
    double t = after_ns + gap;
    return t < static_cast<double>(p.stop) ? t : kInf;
  }
  // Walk through rate segments (producer start/stop and rate steps) until an arrival falls
  // inside the segment it was drawn in; Poisson draws restart at boundaries (memorylessness
  // keeps this exact), constant-rate arrivals restart their spacing at each boundary.
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
      double gap = poisson ? in.arrivals.exponential(1e9 / rate) : 1e9 / rate;
      if (t + gap < boundary) return t + gap;
    }
    if (!std::isfinite(boundary)) return kInf;
    t = boundary;
  }
}

std::int32_t Production::choose_partition(Instance& in, Spec& s, sim::Time t) {
  const ProducerSpec& p = *s.spec;
  partitioners::RecordInfo rec;
  rec.value_bytes = p.record_bytes;
  rec.now = t;
  if (s.partition_table) return static_cast<std::int32_t>(s.partition_table->sample(in.keys));
  std::uint64_t key = 0;
  switch (p.keys.kind) {
    case KeySpec::Kind::None:
      return in.partitioner.partition(rec);
    case KeySpec::Kind::Uniform:
      key = in.keys.below(p.keys.cardinality);
      break;
    case KeySpec::Kind::Zipf:
      key = s.zipf->sample(in.keys);
      break;
    case KeySpec::Kind::Sequential:
      key = in.sequence++;
      if (p.keys.cardinality > 0) key %= p.keys.cardinality;
      break;
  }
  key_buf_.assign(p.keys.prefix);
  key_buf_ += std::to_string(key);
  rec.key = std::string_view(key_buf_);
  return in.partitioner.partition(rec);
}

void Production::start() {
  for (auto& in : instances_) in.next_ns = next_arrival(in, *specs_[in.spec].spec, -1.0);
  window_start_ = 0;
  engine_.schedule_at(0, sim::Priority::Producer, [this] { window(); });
}

void Production::window() {
  const sim::Time start = window_start_;
  const sim::Time end = start + scenario_.broker.produce_tick;
  const double end_ns = static_cast<double>(end);
  pending_.clear();
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    Spec& s = specs_[in.spec];
    const std::int32_t first_gid = broker_.topic(s.topic).first_gid;
    while (in.next_ns < end_ns) {
      sim::Time t = static_cast<sim::Time>(std::ceil(in.next_ns));
      if (t < start) t = start;
      pending_.push_back(Pending{t, i, first_gid + choose_partition(in, s, t)});
      in.next_ns = next_arrival(in, *s.spec, in.next_ns);
    }
  }
  if (instances_.size() > 1) std::sort(pending_.begin(), pending_.end());
  for (const Pending& r : pending_) {
    broker_.log(r.gid).append(r.time);
    auto& f = first_new_[static_cast<std::size_t>(r.gid)];
    if (f < 0) {
      f = r.time;
      touched_.push_back(r.gid);
    }
  }
  created_ += pending_.size();
  for (std::int32_t gid : touched_) {
    auto& f = first_new_[static_cast<std::size_t>(gid)];
    for (AppendListener* l : broker_.log(gid).listeners()) l->on_append(gid, f);
    f = -1;
  }
  touched_.clear();
  window_done.emit(start, end, pending_.size());
  window_start_ = end;
  if (end < scenario_.duration) {
    engine_.schedule_at(end, sim::Priority::Producer, [this] { window(); });
  }
}

}  // namespace cgsim::models
