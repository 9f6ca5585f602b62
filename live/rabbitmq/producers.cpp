#include "live/rabbitmq/producers.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

#include "live/rabbitmq/recorder.hpp"
#include "models/common/error.hpp"
#include "models/common/workload.hpp"
#include "models/rabbitmq/message.hpp"

namespace cgsim::live::rabbitmq {

ArrivalStream::ArrivalStream(const models::rabbitmq::Scenario& sc, std::size_t spec, std::int32_t instance)
    : p_(sc.producers[spec]),
      workload_(models::workload_spec(p_)),
      arrivals_(sc.seed, "rabbitmq/producer/" + std::to_string(spec) + "/" + std::to_string(instance) + "/arrivals"),
      keys_(sc.seed, "rabbitmq/producer/" + std::to_string(spec) + "/" + std::to_string(instance) + "/keys") {
  if (p_.keys.kind == models::KeySpec::Kind::Zipf) zipf_ = std::make_unique<sim::ZipfSampler>(p_.keys.cardinality, p_.keys.exponent);
}

double ArrivalStream::next() { return t_ = models::next_arrival(arrivals_, workload_, t_); }

std::uint64_t ArrivalStream::key() {
  if (p_.keys.kind == models::KeySpec::Kind::None) return models::rabbitmq::kNoKey;
  return models::draw_key(p_.keys, zipf_.get(), sequence_, keys_);
}

Producers::Producers(RunContext& ctx) : ctx_(ctx) {}

Producers::~Producers() {
  ctx_.abort = true;
  join();
}

void Producers::start() {
  const auto& sc = *ctx_.scenario;
  for (std::size_t i = 0; i < sc.producers.size(); ++i)
    for (std::int32_t k = 0; k < sc.producers[i].count; ++k) threads_.emplace_back([this, i, k] { run(i, k); });
}

void Producers::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void Producers::run(std::size_t spec, std::int32_t instance) {
  const auto& sc = *ctx_.scenario;
  const auto& p = sc.producers[spec];
  try {
    AmqpConnection conn(ctx_.address, ctx_.connect_timeout_s, "producer " + std::to_string(spec) + "/" + std::to_string(instance));
    const std::string exchange = p.exchange.empty() ? "" : ctx_.exchange_names[static_cast<std::size_t>(sc.exchange_index(p.exchange))];
    std::vector<char> body(std::max<std::size_t>(sizeof(MessageHead), static_cast<std::size_t>(std::max(0, p.message_bytes))), 'x');
    ArrivalStream arrivals(sc, spec, instance);
    std::string key_buf;
    for (;;) {
      const double t = arrivals.next();
      if (!(t < static_cast<double>(sc.duration))) break;
      const std::uint64_t key = arrivals.key();
      scheduled_.fetch_add(1);
      // After an abort the rest of the schedule is only counted (the host checks' "asked").
      if (ctx_.abort) continue;
      std::this_thread::sleep_until(ctx_.at(static_cast<std::int64_t>(t)));
      if (ctx_.abort) continue;
      // The default exchange routes by queue name: the run's name of the scenario's queue.
      if (key == models::rabbitmq::kNoKey) {
        key_buf = p.routing_key;
      } else {
        key_buf = p.keys.prefix + std::to_string(key);
      }
      if (p.exchange.empty()) {
        const std::int32_t q = sc.queue_index(key_buf);
        if (q >= 0) key_buf = ctx_.queue_names[static_cast<std::size_t>(q)];
      }
      MessageHead head{next_id_.fetch_add(1), ctx_.now_ns(), key};
      std::memcpy(body.data(), &head, sizeof head);
      conn.publish(exchange, key_buf, body.data(), body.size());
      ctx_.recorder->published(head.published_ns);
      if (head.published_ns - static_cast<std::int64_t>(t) > 100'000'000) late_.fetch_add(1);
      if (ctx_.board) ctx_.board->add_produced();
    }
    conn.close();
  } catch (const Error& e) {
    ctx_.fail(e.what());
  }
}

}  // namespace cgsim::live::rabbitmq
