#include "live/kafka/producers.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "live/recorder.hpp"
#include "models/common/error.hpp"

namespace cgsim::live::kafka {

std::int64_t Arrivals::next(std::int64_t t) {
  while (t < p_.stop) {
    double rate = p_.rate.rate_at(t);
    std::int64_t boundary = next_boundary(t);
    if (rate <= 0) {
      if (boundary == sim::kNever) return sim::kNever;
      t = boundary;
      continue;
    }
    bool poisson = p_.rate.kind == models::RateSpec::Kind::Poisson ||
                   (p_.rate.kind == models::RateSpec::Kind::Steps && p_.rate.poisson_steps);
    double gap = poisson ? rng_.exponential(1e9 / rate) : 1e9 / rate;
    auto cand = t + static_cast<std::int64_t>(std::llround(gap));
    if (boundary != sim::kNever && cand >= boundary) {
      // The rate changes before the next arrival: draw again from the boundary.
      t = boundary;
      continue;
    }
    return cand < p_.stop ? cand : sim::kNever;
  }
  return sim::kNever;
}

std::int64_t Arrivals::next_boundary(std::int64_t t) const {
  if (p_.rate.kind != models::RateSpec::Kind::Steps) return sim::kNever;
  for (const auto& [from, r] : p_.rate.steps)
    if (from > t) return from;
  return sim::kNever;
}

Keys::Keys(const models::KeySpec& k, sim::Rng rng) : k_(k), rng_(rng) {
  if (k_.kind == models::KeySpec::Kind::Zipf) zipf_ = std::make_unique<sim::ZipfSampler>(k_.cardinality, k_.exponent);
}

std::optional<std::string> Keys::next() {
  std::uint64_t i = 0;
  switch (k_.kind) {
    case models::KeySpec::Kind::None: return std::nullopt;
    case models::KeySpec::Kind::Uniform: i = rng_.below(k_.cardinality); break;
    case models::KeySpec::Kind::Zipf: i = zipf_->sample(rng_); break;
    case models::KeySpec::Kind::Sequential:
      i = seq_++;
      if (k_.cardinality > 0) i %= k_.cardinality;
      break;
  }
  return k_.prefix + std::to_string(i);
}

std::optional<std::string> librdkafka_partitioner(models::partitioners::Partitioner::Kind kind) {
  using K = models::partitioners::Partitioner::Kind;
  switch (kind) {
    case K::Default:
    case K::ConsistentRandom: return "consistent_random";
    case K::Consistent: return "consistent";
    case K::Murmur2: return "murmur2";
    case K::Murmur2Random: return "murmur2_random";
    case K::Fnv1a: return "fnv1a";
    case K::Fnv1aRandom: return "fnv1a_random";
    case K::Random: return "random";
    case K::RoundRobin:
    case K::UniformSticky: return std::nullopt;
  }
  return std::nullopt;
}

ProducerWorker::ProducerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::size_t spec,
                               std::int32_t instance)
    : sh_(sh), spec_(sc.producers[spec]), topic_(layout.topic(spec_.topic)),
      arrivals_(spec_, sim::Rng(sc.seed, "live.producer." + std::to_string(spec) + "." + std::to_string(instance) + ".arrivals")),
      keys_(spec_.keys, sim::Rng(sc.seed, "live.producer." + std::to_string(spec) + "." + std::to_string(instance) + ".keys")),
      value_(static_cast<std::size_t>(spec_.record_bytes), 'x'),
      flavor_(sc.client == models::ClientFlavor::Java ? models::ClientFlavor::Java : models::ClientFlavor::Librdkafka),
      seed_(sc.seed), stream_("live.producer." + std::to_string(spec) + "." + std::to_string(instance)),
      partitions_(topic_.partitions) {
  auto kind = models::partitioners::Partitioner::parse(spec_.partitioner);
  if (!kind) throw InputError("unknown partitioner " + spec_.partitioner);
  kind_ = *kind;
  auto ms = [](sim::Time t) { return std::to_string(std::max<sim::Time>(1, t / sim::kMillisecond)); };
  // The producer refreshes its metadata as often as the model's does (metadata.max.age.ms for the
  // Java producer, topic.metadata.refresh.interval.ms here).
  ClientProperties ours{{"client.id", "cgsim-producer-" + std::to_string(spec) + "-" + std::to_string(instance)},
                        {"topic.metadata.refresh.interval.ms", ms(spec_.metadata_max_age)}};
  // With client java the records go where a Java producer would put them (the scenario's
  // partitioner as the Java client implements it, e.g. murmur2 of the key for `default`): cgsim's
  // model of it picks the partition, as it does for the Java-only strategies under librdkafka. So
  // it does for a topic that grows during the run, whose producers take the new partitions at
  // the instant the model's producers refresh their metadata, not at librdkafka's own refresh
  // (which runs from the client's creation, before the run's start).
  const bool java = sc.client == models::ClientFlavor::Java;
  const bool grows = topic_.reserved > topic_.partitions;
  if (auto p = librdkafka_partitioner(*kind); p && !java && !grows) {
    ours.emplace_back("partitioner", *p);
  } else {
    model_.emplace(*kind, flavor_, topic_.partitions, sim::Rng(sc.seed, stream_ + ".partitioner"));
  }
  // The model appends a record at the instant it is produced: no producer batching delay. The
  // producers here are the run's arrival process, not what validate checks, so by default they
  // send at once (librdkafka's own default lingers 5 ms, which would add to every live latency);
  // a linger.ms of the user's (-X, --config) still wins.
  rd_kafka_conf_t* conf = make_conf(sh_, ours, {{"linger.ms", "0"}});
  rd_kafka_conf_set_dr_msg_cb(conf, &ProducerWorker::on_delivery);
  rk_ = new_client(RD_KAFKA_PRODUCER, conf);
}

void ProducerWorker::refresh_partitions(std::int32_t total) {
  // librdkafka refuses a record for a partition its metadata does not list yet: read the topic's
  // metadata first.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic_.kafka.c_str(), nullptr);
  for (int attempt = 0; attempt < 50 && !stop_; ++attempt) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk_.get(), 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR && md) {
      const bool known = md->topic_cnt == 1 && md->topics[0].partition_cnt >= total;
      rd_kafka_metadata_destroy(md);
      if (known) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (rkt) rd_kafka_topic_destroy(rkt);
  model_.emplace(kind_, flavor_, total, sim::Rng(seed_, stream_ + ".partitioner." + std::to_string(total)));
  partitions_ = total;
}

void ProducerWorker::on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void*) {
  auto* sh = static_cast<Shared*>(rd_kafka_opaque(rk));
  auto* self = static_cast<ProducerWorker*>(m->_private);
  if (!sh || !self) return;
  if (m->err) {
    if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
    sh->fail(FailKind::Broker, std::string("producing to ") + self->topic_.kafka + " failed: " + rd_kafka_err2str(m->err));
    return;
  }
  const std::int64_t produced_ns = produced_time(m);
  sh->recorder->produced(self->topic_.first + m->partition, m->offset, produced_ns);
  sh->count_produced();
  if (sh->options->record_placements && m->key) {
    self->placements_[std::string(static_cast<const char*>(m->key), m->key_len)].insert(m->partition);
  }
}

void ProducerWorker::body() {
  try {
    run();
  } catch (const std::exception& e) {
    sh_.fail(FailKind::Internal, std::string("producer: ") + e.what());
  }
  if (aborted_) {
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  } else if (rd_kafka_flush(rk_.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    sh_.log("warning: " + std::to_string(rd_kafka_outq_len(rk_.get())) + " records to " + topic_.kafka +
            " were not delivered within 10 s of the end");
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
  }
  rk_.reset();
}

void ProducerWorker::run() {
  std::int64_t t = arrivals_.next(std::max<std::int64_t>(spec_.start, 0));
  while (!stop_ && t < sh_.end_ns) {
    // Sleep until the arrival, waking now and then to serve delivery reports and to stop.
    while (!stop_) {
      std::int64_t now = sh_.now_ns();
      if (now >= t) break;
      rd_kafka_poll(rk_.get(), static_cast<int>(std::min<std::int64_t>((t - now) / 1000000, 20)));
      now = sh_.now_ns();
      if (t - now > 0 && t - now < 1000000) std::this_thread::sleep_until(sh_.at(t));
    }
    if (stop_) break;
    produce_one();
    t = arrivals_.next(t);
  }
}

void ProducerWorker::produce_one() {
  std::optional<std::string> key = keys_.next();
  std::int64_t produced_ns = sh_.now_ns();
  std::int32_t partition = RD_KAFKA_PARTITION_UA;
  if (const std::int32_t n = grown_to_.load(); n > partitions_) refresh_partitions(n);
  if (model_) {
    models::partitioners::RecordInfo ri;
    if (key) ri.key = std::string_view(*key);
    ri.value_bytes = spec_.record_bytes;
    ri.now = produced_ns;
    partition = model_->partition(ri);
  }
  const void* key_data = key ? static_cast<const void*>(key->data()) : nullptr;
  const size_t key_len = key ? key->size() : 0;
  while (!stop_) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_.kafka.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY(key_data, key_len),
        RD_KAFKA_V_VALUE(value_.data(), value_.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADER(kTimeHeader, &produced_ns, sizeof produced_ns), RD_KAFKA_V_OPAQUE(this),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      sh_.fail(FailKind::Internal, std::string("produce failed: ") + rd_kafka_err2str(err));
      return;
    }
    rd_kafka_poll(rk_.get(), 10);
  }
  rd_kafka_poll(rk_.get(), 0);
}

}  // namespace cgsim::live::kafka
