#include "live/kafka/consumer_worker.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "live/kafka/rdkafka_handles.hpp"
#include "live/recorder.hpp"
#include "models/common/error.hpp"

namespace cgsim::live::kafka {

ClientProperties consumer_properties(const models::GroupSpec& spec, const std::string& group_id, std::int32_t index) {
  const std::string client_id = spec.id + "-" + std::to_string(index);
  auto ms = [](sim::Time t) { return std::to_string(std::max<sim::Time>(1, t / sim::kMillisecond)); };
  ClientProperties ours{
      {"group.id", group_id},
      {"client.id", client_id},
      {"partition.assignment.strategy", librdkafka_strategy(spec.assignor)},
      {"session.timeout.ms", ms(spec.session_timeout)},
      {"heartbeat.interval.ms", ms(spec.heartbeat_interval)},
      {"max.poll.interval.ms", ms(spec.max_poll_interval)},
      {"enable.auto.commit", spec.commit.kind == models::CommitSpec::Kind::Auto ? "true" : "false"},
      {"auto.commit.interval.ms", ms(spec.commit.interval)},
      {"auto.offset.reset", spec.auto_offset_reset},
      {"topic.metadata.refresh.interval.ms", ms(spec.metadata_max_age)},
      {"enable.partition.eof", "false"},
  };
  if (spec.consumers.static_membership) ours.emplace_back("group.instance.id", client_id);
  if (spec.consumers.rack) ours.emplace_back("client.rack", *spec.consumers.rack);
  return ours;
}

ClientProperties consumer_defaults(bool mock) {
  ClientProperties defaults;
  if (mock) {
    // The mock broker holds an empty fetch for the whole fetch.wait.max.ms, even when records
    // arrive meanwhile; a short wait keeps that from adding up to 500 ms of latency.
    defaults.emplace_back("fetch.wait.max.ms", "5");
  }
  return defaults;
}

ConsumerWorker::ConsumerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::int32_t group,
                               std::int32_t index, std::uint32_t incarnation)
    : sh_(sh), layout_(layout), spec_(sc.groups[static_cast<std::size_t>(group)]), group_(group), index_(index),
      name_(spec_.id + "/" + std::to_string(index)),
      rng_(sc.seed, "live.consumer." + spec_.id + "." + std::to_string(index) + "." + std::to_string(incarnation)) {
  conf_ = make_conf(sh_, consumer_properties(spec_, layout.group_ids[static_cast<std::size_t>(group)], index),
                    consumer_defaults(sh_.mock));
  rd_kafka_conf_set_rebalance_cb(conf_, &ConsumerWorker::on_rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf_, &ConsumerWorker::on_commit);
  rd_kafka_conf_set_error_cb(conf_, &ConsumerWorker::on_error);
}

ConsumerWorker::~ConsumerWorker() {
  join();
  if (conf_) rd_kafka_conf_destroy(conf_);
}

void ConsumerWorker::command(Command c) {
  {
    std::lock_guard lk(mu_);
    // A stronger command replaces a weaker one (crash and abort stop at once).
    if (static_cast<int>(c) > static_cast<int>(cmd_.load()) || c == Command::Crash || c == Command::Abort) cmd_ = c;
  }
  cv_.notify_all();
}

void ConsumerWorker::slow(double factor, std::int64_t until_ns) {
  std::lock_guard lk(mu_);
  slow_factor_ = factor;
  slow_until_ = until_ns;
}

std::mutex& ConsumerWorker::registry_mu() {
  static std::mutex m;
  return m;
}

std::map<const rd_kafka_t*, ConsumerWorker*>& ConsumerWorker::registry() {
  static std::map<const rd_kafka_t*, ConsumerWorker*> r;
  return r;
}

ConsumerWorker* ConsumerWorker::of(const rd_kafka_t* rk) {
  std::lock_guard lk(registry_mu());
  auto it = registry().find(rk);
  return it == registry().end() ? nullptr : it->second;
}

std::int32_t ConsumerWorker::global(const char* topic, std::int32_t partition) const {
  const TopicLayout* t = layout_.kafka_topic(topic);
  return t ? t->first + partition : -1;
}

void ConsumerWorker::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void*) {
  ConsumerWorker* self = of(rk);
  const bool coop = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (coop) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
    if (!self) return;
    if (!coop) self->current_.clear();
    for (int i = 0; i < parts->cnt; ++i) {
      std::int32_t g = self->global(parts->elems[i].topic, parts->elems[i].partition);
      if (g >= 0 && std::find(self->current_.begin(), self->current_.end(), g) == self->current_.end()) {
        self->current_.push_back(g);
      }
    }
    char* member = rd_kafka_memberid(rk);
    std::string member_id = member ? member : "";
    if (member) rd_kafka_mem_free(rk, member);
    self->assigned_once_ = true;
    self->sh_.recorder->assigned(self->group_, self->name_, member_id, generation_of(rk), self->sh_.now_ns(),
                                 self->current_);
  } else {
    std::vector<std::int32_t> revoked;
    for (int i = 0; i < parts->cnt; ++i) revoked.push_back(self ? self->global(parts->elems[i].topic, parts->elems[i].partition) : -1);
    if (coop) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    if (!self) return;
    if (coop) {
      for (auto g : revoked) self->current_.erase(std::remove(self->current_.begin(), self->current_.end(), g), self->current_.end());
    } else {
      self->current_.clear();
    }
    self->sh_.recorder->revoked(self->group_, self->name_, self->sh_.now_ns(), revoked, self->current_);
  }
}

void ConsumerWorker::on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void*) {
  ConsumerWorker* self = of(rk);
  if (!self || err || !offsets) return;
  if (self->sh_.now_ns() > self->sh_.end_ns) return;
  for (int i = 0; i < offsets->cnt; ++i) {
    const auto& e = offsets->elems[i];
    if (e.err || e.offset < 0) continue;
    std::int32_t g = self->global(e.topic, e.partition);
    if (g >= 0) self->sh_.recorder->committed(self->group_, g, e.offset);
  }
}

void ConsumerWorker::on_error(rd_kafka_t* rk, int err, const char* reason, void*) {
  ConsumerWorker* self = of(rk);
  if (!self) return;
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT) {
    self->sh_.fail(FailKind::Input, "the broker rejected session.timeout.ms of group " + self->spec_.id + " (" + reason +
                                        "); it is outside group.min/max.session.timeout.ms: change time_scale");
  } else if (code == RD_KAFKA_RESP_ERR__FATAL || code == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
             code == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED) {
    self->sh_.fail(FailKind::Broker, std::string("consumer ") + self->name_ + ": " + reason);
  }
}

bool ConsumerWorker::wait_until(std::int64_t deadline_ns) {
  std::unique_lock lk(mu_);
  return !cv_.wait_until(lk, sh_.at(deadline_ns), [this] {
    Command c = cmd_.load();
    return c == Command::Crash || c == Command::Abort || c == Command::Finish;
  });
}

void ConsumerWorker::body() {
  try {
    run();
  } catch (const std::exception& e) {
    sh_.fail(FailKind::Internal, "consumer " + name_ + ": " + e.what());
    if (rk_) {
      rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
      forget();
    }
  }
  finished_ = true;
}

void ConsumerWorker::forget() {
  std::lock_guard lk(registry_mu());
  registry().erase(rk_);
  rk_ = nullptr;
}

void ConsumerWorker::create() {
  char err[512];
  rd_kafka_conf_t* c = conf_;
  conf_ = nullptr;
  // Register before any callback can fire: rd_kafka_new does not serve callbacks itself, but
  // the registry must know the handle before the first poll.
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(c);
    throw InputError(std::string("cannot create consumer ") + name_ + ": " + err);
  }
  {
    std::lock_guard lk(registry_mu());
    registry()[rk_] = this;
  }
  rd_kafka_poll_set_consumer(rk_);
  PartListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(spec_.topics.size())));
  for (const auto& t : spec_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), layout_.topic(t).kafka.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, topics.get());
  if (e) throw Error(std::string("subscribe failed: ") + rd_kafka_err2str(e));
  sh_.recorder->consumer_started(group_, name_, sh_.now_ns());
}

void ConsumerWorker::run() {
  create();
  // librdkafka hands out one message per poll and, with its default enable.auto.offset.store,
  // stores the message's offset as it hands it out; auto-commit commits that store from a
  // background timer. A "batch" (for after_batch commits) is max_poll_records messages or
  // whatever arrived before the queue ran dry.
  std::int64_t busy_until = 0;
  std::int32_t in_batch = 0;
  bool ran_dry = true;  // the last poll returned nothing: the next message follows an idle wait
  const std::int32_t max_batch = std::max(1, spec_.max_poll_records);
  auto commit_batch = [&] {
    if (spec_.commit.kind == models::CommitSpec::Kind::AfterBatch && in_batch > 0) rd_kafka_commit(rk_, nullptr, 0);
    in_batch = 0;
  };
  while (cmd_.load() == Command::Run) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, in_batch > 0 ? 0 : 20);
    if (!m) {
      ran_dry = true;
      commit_batch();
      continue;
    }
    if (m->err) {
      handle_error(m);
      rd_kafka_message_destroy(m);
      continue;
    }
    const std::int64_t received = sh_.now_ns();
    const std::int64_t produced_ns = produced_time(m);
    double factor = 1;
    {
      std::lock_guard lk(mu_);
      if (received < slow_until_) factor = slow_factor_;
    }
    const double seconds = spec_.consumers.processing_time.sample(rng_) * factor;
    // Processing starts when the previous record's ended or, after an idle wait for records,
    // when this one arrived. A wake-up a little late (a sleep overshoots by tens of
    // microseconds) does not count as idle: the next record starts at the ideal end of the
    // previous one, so the overshoot is absorbed instead of adding up.
    constexpr std::int64_t kWakeSlack = 500'000;
    const std::int64_t start = received - busy_until <= kWakeSlack ? busy_until : received;
    busy_until = start + static_cast<std::int64_t>(std::llround(seconds * 1e9));
    const bool finished = wait_until(busy_until);
    const std::int64_t now = sh_.now_ns();
    if (finished && now <= sh_.end_ns) {
      const std::int32_t g = global(rd_kafka_topic_name(m->rkt), m->partition);
      sh_.recorder->processed(group_, name_, {{g, m->offset, produced_ns, now, ran_dry}});
      sh_.count_consumed();
      ran_dry = false;
      ++in_batch;
    }
    rd_kafka_message_destroy(m);
    if (!finished) break;
    if (in_batch >= max_batch) commit_batch();
  }
  const Command c = cmd_.load();
  if (c == Command::Close || c == Command::Finish) commit_batch();
  stop(c);
}

void ConsumerWorker::handle_error(const rd_kafka_message_t* m) {
  switch (m->err) {
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
      return;  // the client recovers by itself; broker loss is the monitor's call
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      sh_.fail(FailKind::Broker, "consumer " + name_ + ": a topic of this run disappeared from the cluster");
      return;
    default:
      sh_.log("consumer " + name_ + ": " + rd_kafka_message_errstr(m));
  }
}

void ConsumerWorker::stop(Command c) {
  const bool static_member = spec_.consumers.static_membership;
  if (!assigned_once_ && librdkafka_strategy(spec_.assignor) == "cooperative-sticky") {
    // librdkafka before 2.3 aborts when a cooperative-sticky consumer is destroyed before its
    // first assignment (its assignor state is still null). Such a client is unsubscribed and
    // left undestroyed; it holds no partitions and ends with the process.
    if (c == Command::Finish || c == Command::Close) rd_kafka_unsubscribe(rk_);
    sh_.recorder->consumer_stopped(group_, name_, sh_.now_ns());
    std::lock_guard lk(registry_mu());
    registry().erase(rk_);
    rk_ = nullptr;
    return;
  }
  if (c == Command::Crash || c == Command::Abort) {
    // A crash: no commit, no LeaveGroup; the coordinator notices at session timeout.
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  } else if (c == Command::Close && static_member) {
    // A clean shutdown of a static member: commit, but no LeaveGroup (as the Java client),
    // so the member keeps its place until its session times out.
    if (spec_.commit.kind != models::CommitSpec::Kind::None) rd_kafka_commit(rk_, nullptr, 0);
    rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  } else {
    if (spec_.commit.kind != models::CommitSpec::Kind::None) rd_kafka_commit(rk_, nullptr, 0);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  sh_.recorder->consumer_stopped(group_, name_, sh_.now_ns());
  std::lock_guard lk(registry_mu());
  registry().erase(rk_);
  rk_ = nullptr;
}

}  // namespace cgsim::live::kafka
