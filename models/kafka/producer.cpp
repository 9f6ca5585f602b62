#include "models/kafka/producer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "models/common/priorities.hpp"
#include "models/common/error.hpp"
#include "models/common/workload.hpp"

namespace cgsim::models {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kMaxAggregatedKeys = 4'000'000;

// static_cast<sim::Time>(std::ceil(x)) for a finite x in sim::Time's range, without a libm call:
// the conversion truncates towards zero, which is the ceiling unless x is positive and not whole.
sim::Time ceil_ns(double x) {
  const auto t = static_cast<sim::Time>(x);
  return static_cast<double>(t) < x ? t + 1 : t;
}
}  // namespace

Production::Production(sim::Engine& engine, Broker& broker, const Scenario& scenario)
    : engine_(engine), broker_(broker), scenario_(scenario) {
  specs_.reserve(scenario.producers.size());
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& p = scenario.producers[i];
    Spec s{&p, broker.topic_index(p.topic), nullptr, {}};
    s.steady = p.rate.kind != RateSpec::Kind::Steps && p.rate.per_second > 0;
    s.poisson = p.rate.kind == RateSpec::Kind::Poisson;
    s.gap_ns = s.steady ? 1e9 / p.rate.per_second : 0;
    s.start_ns = static_cast<double>(p.start);
    s.stop_ns = static_cast<double>(p.stop);
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
      sp.partition_table = key_partition_table(p, sp.zipf.get(), instances_.back().partitioner, parts);
      sp.zipf.reset();
    }
  }
  staged_.resize(static_cast<std::size_t>(broker.partition_count()));
}

std::int32_t Production::choose_partition(Instance& in, Spec& s, sim::Time t) {
  const ProducerSpec& p = *s.spec;
  partitioners::RecordInfo rec;
  rec.value_bytes = p.record_bytes;
  rec.now = t;
  if (s.partition_table) return static_cast<std::int32_t>(s.partition_table->sample(in.keys));
  if (p.keys.kind == KeySpec::Kind::None) return in.partitioner.partition(rec);
  key_text(p.keys, draw_key(p.keys, s.zipf.get(), in.sequence, in.keys), key_buf_);
  rec.key = std::string_view(key_buf_);
  return in.partitioner.partition(rec);
}

void Production::on_topic_grown(std::int32_t topic) {
  const sim::Time now = engine_.now();
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].topic != topic) continue;
    const ProducerSpec& p = *specs_[i].spec;
    const sim::Time at =
        now < p.start ? now : p.start + ((now - p.start) / p.metadata_max_age + 1) * p.metadata_max_age;
    engine_.schedule_at(at, models::priority::kProducer, [this, i] { refresh_partitions(i); });
  }
}

void Production::refresh_partitions(std::size_t i) {
  Spec& sp = specs_[i];
  const ProducerSpec& p = *sp.spec;
  const std::int32_t parts = broker_.topic(sp.topic).partitions;
  auto kind = partitioners::Partitioner::parse(p.partitioner).value_or(partitioners::Partitioner::Kind::Default);
  const std::string version = std::to_string(broker_.metadata_version());
  std::int32_t k = 0;
  partitioners::Partitioner* last = nullptr;
  for (Instance& in : instances_) {
    if (in.spec != i) continue;
    const std::string base = "producer/" + std::to_string(i) + "/" + std::to_string(k++);
    in.partitioner = partitioners::Partitioner(kind, scenario_.client, parts,
                                               sim::Rng(scenario_.seed, base + "/partitioner/metadata/" + version));
    last = &in.partitioner;
  }
  if (!sp.partition_table || !last) return;
  // The keys' partitions change with the count: aggregate their probabilities again.
  std::unique_ptr<sim::ZipfSampler> zipf;
  if (p.keys.kind == KeySpec::Kind::Zipf) zipf = std::make_unique<sim::ZipfSampler>(p.keys.cardinality, p.keys.exponent);
  sp.partition_table = key_partition_table(p, zipf.get(), *last, parts);
}

std::unique_ptr<sim::AliasTable> Production::key_partition_table(const ProducerSpec& p, const sim::ZipfSampler* zipf,
                                                                 partitioners::Partitioner& part, std::int32_t parts) {
  std::vector<double> weights(static_cast<std::size_t>(parts), 0.0);
  partitioners::RecordInfo rec;
  rec.value_bytes = p.record_bytes;
  for (std::uint64_t key = 0; key < p.keys.cardinality; ++key) {
    key_text(p.keys, key, key_buf_);
    rec.key = std::string_view(key_buf_);
    weights[static_cast<std::size_t>(part.partition(rec))] += zipf ? zipf->probability(key) : 1.0;
  }
  return std::make_unique<sim::AliasTable>(weights);
}

void Production::start() {
  for (auto& in : instances_) in.next_ns = next_arrival(in, specs_[in.spec], -1.0);
  window_start_ = 0;
  engine_.schedule_at(0, models::priority::kProducer, [this] { window(); });
}

void Production::replay(std::vector<Arrival> trace) {
  for (std::size_t k = 0; k < trace.size(); ++k) {
    if (trace[k].gid < 0 || trace[k].gid >= broker_.partition_count())
      throw InputError("replayed arrival " + std::to_string(k) + ": no partition " + std::to_string(trace[k].gid));
    if (trace[k].time < 0 || (k > 0 && trace[k].time < trace[k - 1].time))
      throw InputError("replayed arrival " + std::to_string(k) + ": times must be non-negative and sorted");
  }
  trace_ = std::move(trace);
  trace_next_ = 0;
  replaying_ = true;
}

void Production::window() {
  const sim::Time start = window_start_;
  const sim::Time end = start + scenario_.broker.produce_tick;
  const std::uint64_t count = replaying_ ? append_replayed(end) : generate(start, end);
  created_ += count;
  // Listeners hear of the window's partitions in the order of their first record.
  std::sort(touched_.begin(), touched_.end());
  for (const Touched& tp : touched_) {
    for (AppendListener* l : broker_.log(tp.gid).listeners()) l->on_append(tp.gid, tp.first);
  }
  touched_.clear();
  window_done.emit(start, end, count);
  window_start_ = end;
  if (end < scenario_.duration) {
    engine_.schedule_at(end, models::priority::kProducer, [this] { window(); });
  }
}

std::uint64_t Production::append_replayed(sim::Time end) {
  std::uint64_t index = 0;
  for (; trace_next_ < trace_.size() && trace_[trace_next_].time <= end; ++trace_next_, ++index) {
    const Arrival& a = trace_[trace_next_];
    Staged& st = staged_[static_cast<std::size_t>(a.gid)];
    if (st.first < 0) {
      st.first = a.time;
      touched_.push_back(Touched{a.time, index, a.gid});
    }
    broker_.log(a.gid).append(a.time);
  }
  for (const Touched& tp : touched_) staged_[static_cast<std::size_t>(tp.gid)].first = -1;
  return index;
}

std::uint64_t Production::generate(sim::Time start, sim::Time end) {
  const double end_ns = static_cast<double>(end);
  // The logs and the listeners see the window's records in (time, instance) order. Records are
  // staged per partition instead of sorted as a whole: a partition's log only holds times, so
  // sorting its own staged times gives the same log, and the partitions are notified in order
  // of their first record in that sequence.
  std::uint64_t index = 0;
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    Spec& s = specs_[in.spec];
    // The instance's arrivals, then their partitions: the two draw from separate streams.
    times_.clear();
    if (s.steady && s.poisson && in.next_ns >= s.start_ns) {
      // next_arrival's steady Poisson case, with the arrival clock in a local.
      double next = in.next_ns;
      while (next < end_ns) {
        sim::Time t = ceil_ns(next);
        if (t < start) t = start;
        times_.push_back(t);
        if (in.gap_next == Instance::kGapBatch) {
          in.arrivals.exponentials(s.gap_ns, in.gaps.data(), Instance::kGapBatch);
          in.gap_next = 0;
        }
        const double a = next + in.gaps[in.gap_next++];
        next = a < s.stop_ns ? a : kInf;
      }
      in.next_ns = next;
    } else {
      while (in.next_ns < end_ns) {
        sim::Time t = ceil_ns(in.next_ns);
        if (t < start) t = start;
        times_.push_back(t);
        in.next_ns = next_arrival(in, s, in.next_ns);
      }
    }
    const std::size_t n = times_.size();
    if (n == 0) continue;
    // Grown, never shrunk: a vector resized down and up again zero-fills what it grows by.
    if (parts_.size() < n) parts_.resize(n);
    if (s.spec->keys.kind == KeySpec::Kind::None) {
      in.partitioner.partition_unkeyed(times_.data(), n, s.spec->record_bytes, parts_.data());
    } else {
      for (std::size_t k = 0; k < n; ++k) parts_[k] = choose_partition(in, s, times_[k]);
    }
    const std::int32_t first_gid = broker_.topic(s.topic).first_gid;
    // The instance's records in runs to one partition (the sticky partitioners make runs of a
    // batch's worth): a run's times are in order, so only its first record can be earlier than
    // what the window already appended to the partition, and the run is appended in one go.
    for (std::size_t k = 0; k < n;) {
      const std::int32_t part = parts_[k];
      std::size_t run_end = k + 1;
      while (run_end < n && parts_[run_end] == part) ++run_end;
      const std::int32_t gid = first_gid + part;
      const sim::Time t = times_[k];
      Staged& st = staged_[static_cast<std::size_t>(gid)];
      PartitionLog& log = broker_.log(gid);
      if (st.first < 0) {
        st.first = t;
        st.first_index = index;
        st.from = log.end_offset();
        touched_.push_back(Touched{0, 0, gid});
      } else if (t < st.last) {
        // An earlier instance appended a later time. On equal times the earlier instance's record
        // comes first, so only a strictly smaller time moves the partition's first record.
        st.sorted = false;
        if (t < st.first) {
          st.first = t;
          st.first_index = index;
        }
      }
      st.last = times_[run_end - 1];
      log.append(times_.data() + k, times_.data() + run_end);
      index += run_end - k;
      k = run_end;
    }
  }
  for (Touched& tp : touched_) {
    Staged& st = staged_[static_cast<std::size_t>(tp.gid)];
    tp.first = st.first;
    tp.first_index = st.first_index;
    if (!st.sorted) {
      broker_.log(tp.gid).sort_from(st.from);
      st.sorted = true;
    }
    st.first = -1;
  }
  return index;
}

}  // namespace cgsim::models
