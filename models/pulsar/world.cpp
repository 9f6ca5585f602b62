#include "models/pulsar/world.hpp"

#include "models/common/priorities.hpp"
#include "models/common/workload.hpp"
#include "models/pulsar/dispatchers.hpp"

namespace cgsim::models::pulsar {

namespace {
std::vector<std::unique_ptr<Topic>> make_topics(const ScenarioFile& sc) {
  std::vector<std::unique_ptr<Topic>> out;
  for (const PulsarTopicSpec& t : sc.pulsar.topics) out.push_back(std::make_unique<Topic>(t));
  return out;
}
}  // namespace

World::World(sim::Engine& engine, const ScenarioFile& scenario)
    : engine_(engine), scenario_(scenario), topics_(make_topics(scenario)), producers_(engine, scenario, topics_) {
  const auto& subs = scenario.pulsar.subscriptions;
  subscriptions_.resize(subs.size());
  consumers_.resize(subs.size());
  lives_.resize(subs.size());
  for (std::size_t s = 0; s < subs.size(); ++s) {
    Topic& t = topic(scenario.topic_index(subs[s].topic));
    for (std::int32_t p = 0; p < t.ledgers(); ++p)
      subscriptions_[s].push_back(make_dispatcher(*this, static_cast<std::int32_t>(s), t, p));
    std::vector<Dispatcher*> ds = dispatchers(static_cast<std::int32_t>(s));
    t.listen([ds](std::int32_t p) { ds[static_cast<std::size_t>(p)]->on_append(); });
    for (std::int32_t i = 0; i < subs[s].consumers.count; ++i) add_consumer(static_cast<std::int32_t>(s));
  }
}

const ApplicationSpec& World::application(std::int32_t s) const {
  const auto i = static_cast<std::size_t>(s);
  return i < scenario_.applications.size() ? scenario_.applications[i] : default_application_;
}

std::vector<Dispatcher*> World::dispatchers(std::int32_t s) const {
  std::vector<Dispatcher*> out;
  for (const auto& d : subscriptions_[static_cast<std::size_t>(s)]) out.push_back(d.get());
  return out;
}

Consumer& World::add_consumer(std::int32_t s) {
  auto& members = consumers_[static_cast<std::size_t>(s)];
  const auto member = static_cast<std::int32_t>(members.size());
  lives_[static_cast<std::size_t>(s)].push_back(0);
  members.push_back(std::make_unique<Consumer>(*this, s, member, 0, next_id_++));
  return *members.back();
}

void World::restart_member(std::int32_t s, std::int32_t member) {
  auto& slot = consumers_[static_cast<std::size_t>(s)][static_cast<std::size_t>(member)];
  const std::uint32_t life = ++lives_[static_cast<std::size_t>(s)][static_cast<std::size_t>(member)];
  retired_.push_back(std::move(slot));
  slot = std::make_unique<Consumer>(*this, s, member, life, next_id_++);
  slot->start();
}

std::string World::sticky_key(const Entry& e) const {
  if (e.batch_key != kNoKey) {
    std::string out;
    models::key_text(scenario_.pulsar.producers[producers_.spec_of(e.producer)].keys, e.batch_key, out);
    return out;
  }
  return producers_.name(e.producer) + "-" + std::to_string(e.batch_sequence);
}

void World::start() {
  producers_.start();
  for (auto& members : consumers_)
    for (auto& c : members) c->start();
  models::schedule_faults(engine_, scenario_.faults, faults_, signals_.fault);
  if (scenario_.output.sample_interval > 0) engine_.schedule_at(0, models::priority::kSample, [this] { sample(); });
}

void World::sample() {
  for (std::size_t s = 0; s < subscriptions_.size(); ++s) {
    std::uint64_t backlog = 0, unacked = 0;
    for (const auto& d : subscriptions_[s]) {
      backlog += d->backlog();
      unacked += d->unacked();
    }
    signals_.backlog.emit(static_cast<std::int32_t>(s), backlog, unacked, engine_.now());
  }
  const sim::Time next = engine_.now() + scenario_.output.sample_interval;
  if (next <= scenario_.duration) engine_.schedule_at(next, models::priority::kSample, [this] { sample(); });
}

void World::apply(const models::FaultSpec& f) { models::apply_fault(engine_, f, faults_); }

SubscriptionTotals World::totals(std::int32_t s) const {
  SubscriptionTotals t;
  for (const auto& d : subscriptions_[static_cast<std::size_t>(s)]) {
    const CursorCounters& c = d->counters();
    t.published += d->topic().ledger(d->partition()).size();
    t.acked += c.acked;
    t.dead_lettered += c.dead_lettered;
    t.backlog += d->backlog();
    t.unacked += d->unacked();
    t.unprocessed += d->unsettled().first;
    t.settled_unprocessed += c.settled_unprocessed;
    t.processed += c.processed;
    t.duplicates += c.duplicates;
    t.out_of_order += c.out_of_order;
    t.redeliveries += c.redeliveries;
  }
  return t;
}

void World::run() { engine_.run_until(scenario_.duration); }

}  // namespace cgsim::models::pulsar
