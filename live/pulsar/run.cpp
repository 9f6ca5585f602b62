#include "live/pulsar/run.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "analysis/metrics/summary_builder.hpp"
#include "models/pulsar/signals.hpp"
#include "models/pulsar/world.hpp"

namespace cgsim::live::pulsar {

namespace pl = models::pulsar;

std::vector<std::string> consumer_names(const pl::SubscriptionSpec& s, std::int32_t count) {
  std::vector<std::string> out;
  for (std::int32_t i = 0; i < count; ++i) {
    const auto k = static_cast<std::size_t>(i);
    out.push_back(k < s.consumers.names.size() ? s.consumers.names[k] : s.name + "-" + std::to_string(i));
  }
  return out;
}

namespace {

analysis::FaultRecord fault_record(const models::FaultSpec& f, std::int64_t at_ns) {
  analysis::FaultRecord r;
  r.group = f.group;
  r.kind = models::to_string(f.kind);
  r.subject = f.member >= 0 ? f.group + "/" + std::to_string(f.member) : f.group;
  r.at_s = static_cast<double>(at_ns) / 1e9;
  return r;
}

}  // namespace

PulsarRun summarise(const pl::ScenarioFile& sc, std::vector<Processed> processed, std::vector<FaultAt> faults,
                    std::uint64_t published, const std::vector<std::vector<std::string>>& names) {
  std::stable_sort(processed.begin(), processed.end(), [](const Processed& a, const Processed& b) { return a.done_ns < b.done_ns; });
  std::stable_sort(faults.begin(), faults.end(), [](const FaultAt& a, const FaultAt& b) { return a.at_ns < b.at_ns; });
  std::vector<std::string> ids;
  std::size_t max_partitions = 1;
  for (const auto& t : sc.pulsar.topics) max_partitions = std::max<std::size_t>(max_partitions, static_cast<std::size_t>(std::max(1, t.partitions)));
  for (const auto& s : sc.pulsar.subscriptions) ids.push_back(s.name);
  analysis::SummaryBuilder builder(ids);
  for (std::size_t g = 0; g < ids.size(); ++g) builder.ordering_scope(g, "key");
  std::vector<std::vector<std::int64_t>> frontier(ids.size(), std::vector<std::int64_t>(max_partitions, 0));
  std::set<std::tuple<std::int32_t, std::int32_t, std::int64_t>> seen;
  std::map<std::tuple<std::int32_t, std::int32_t, std::uint64_t>, std::int64_t> key_max;
  PulsarRun out;
  out.family.broker = "pulsar";
  std::size_t f = 0;
  auto apply_faults_until = [&](std::int64_t t) {
    for (; f < faults.size() && faults[f].at_ns <= t; ++f) {
      const auto g = static_cast<std::size_t>(faults[f].subscription);
      builder.fault(g, fault_record(faults[f].spec, faults[f].at_ns), frontier[g]);
    }
  };
  for (auto& p : processed) {
    apply_faults_until(p.done_ns);
    const auto g = static_cast<std::size_t>(p.subscription);
    p.duplicate = !seen.emplace(p.subscription, p.partition, p.position).second;
    p.out_of_order = false;
    // Every processing counts, re-processings included (docs/model.md, "Ordering").
    if (p.key != pl::kNoKey) {
      auto [it, fresh] = key_max.emplace(std::make_tuple(p.subscription, p.partition, p.key), p.position);
      if (!fresh) {
        if (p.position < it->second) p.out_of_order = true;
        it->second = std::max(it->second, p.position);
      }
    }
    const analysis::Processing rec{p.partition, p.position, p.done_ns - p.published_ns, p.duplicate, false};
    builder.processed(g, p.consumer, &rec, 1);
    auto& fr = frontier[g][static_cast<std::size_t>(p.partition)];
    fr = std::max(fr, p.position + 1);
    if (p.out_of_order) {
      ++out.family.ordering_violations;
      builder.out_of_order(g, p.partition, p.key == pl::kNoKey ? -1 : static_cast<std::int64_t>(p.key));
    }
  }
  apply_faults_until(sc.duration);
  std::vector<analysis::GroupEnd> ends;
  for (std::size_t s = 0; s < sc.pulsar.subscriptions.size(); ++s) {
    const auto& spec = sc.pulsar.subscriptions[s];
    analysis::GroupEnd e;
    e.produced = published;
    for (std::size_t c = 0; c < names[s].size(); ++c) {
      analysis::ConsumerSummary cs;
      cs.name = spec.name + "/" + std::to_string(c);
      cs.member_id = names[s][c];
      e.consumers.push_back(std::move(cs));
    }
    ends.push_back(std::move(e));
    out.family.sources.push_back(std::string(pl::to_string(spec.type)) + " subscription on " + spec.topic);
  }
  analysis::RunSummary head;
  head.scenario = sc.name;
  head.seed = sc.seed;
  head.simulated_seconds = sim::to_seconds(sc.duration);
  head.produced = published;
  out.family.summary = builder.finish(std::move(head), std::move(ends));
  out.family.counts = {{"published", published}};
  out.processed = std::move(processed);
  out.faults = std::move(faults);
  return out;
}

PulsarRun simulate_for_validation(const pl::ScenarioFile& sc) {
  std::vector<Processed> processed;
  std::vector<FaultAt> faults;
  std::vector<std::vector<std::string>> names(sc.pulsar.subscriptions.size());
  std::uint64_t published = 0;
  pl::World* world = nullptr;
  analysis::FamilyRun fr = analysis::simulate_pulsar(sc, [&](pl::World& w) {
    world = &w;
    w.signals().processed.connect([&](const pl::ProcessedMessage& m) {
      if (m.failed) return;
      const auto& sub = sc.pulsar.subscriptions[static_cast<std::size_t>(m.subscription)];
      const pl::Entry& e = w.topic(sc.topic_index(sub.topic)).entry(m.partition, m.entry);
      processed.push_back({m.subscription, m.consumer, m.partition, m.entry, m.key, m.published, m.done,
                           e.sequence == e.batch_sequence, m.duplicate, m.out_of_order});
    });
    w.signals().fault.connect([&](const models::FaultSpec& f, sim::Time t) {
      faults.push_back({sc.subscription_index(f.group), f, t});
    });
  });
  (void)world;
  published = fr.summary.produced;
  for (std::size_t s = 0; s < sc.pulsar.subscriptions.size(); ++s) {
    std::int32_t count = sc.pulsar.subscriptions[s].consumers.count;
    for (const auto& f : sc.faults)
      if (f.kind == models::FaultSpec::Kind::Join && f.group == sc.pulsar.subscriptions[s].name) count += f.count;
    names[s] = consumer_names(sc.pulsar.subscriptions[s], count);
  }
  // The same roll-up as the live side, so that both are summarised alike; the model's own flags
  // are kept where they are exact (duplicates and ordering by entry position agree with them).
  PulsarRun out = summarise(sc, std::move(processed), std::move(faults), published, names);
  out.family.counts = fr.counts;
  return out;
}

}  // namespace cgsim::live::pulsar
