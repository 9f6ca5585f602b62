#include "live/rabbitmq/recorder.hpp"

#include <algorithm>
#include <set>

#include "analysis/metrics/summary_builder.hpp"
#include "models/rabbitmq/message.hpp"

namespace cgsim::live::rabbitmq {

namespace {
double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }
}  // namespace

Recorder::Recorder(const models::rabbitmq::Scenario& sc) : sc_(sc), states_(sc.consumers.size()) {}

void Recorder::published(std::int64_t) {
  std::lock_guard lk(mu_);
  ++published_;
}

void Recorder::processed(const LiveProcessing& p) {
  std::lock_guard lk(mu_);
  processings_.push_back(p);
}

void Recorder::nacked(std::int32_t group, std::int32_t queue, std::uint64_t id, bool requeue, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  nacks_.push_back({t_ns, Nack{group, queue, id, requeue}});
}

void Recorder::fault(std::int32_t group, const models::FaultSpec& f, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  faults_.push_back({t_ns, Fault{group, f}});
}

void Recorder::depth(std::int32_t queue, std::uint64_t messages, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  depths_.push_back({t_ns, Depth{queue, messages}});
}

void Recorder::ack_to_delivery(std::int64_t gap_ns, std::int64_t from_done_ns) {
  std::lock_guard lk(mu_);
  ack_gaps_.push_back(gap_ns);
  done_gaps_.push_back(from_done_ns);
}

void Recorder::count(const std::string& name) {
  std::lock_guard lk(mu_);
  ++extra_[name];
}

void Recorder::consumer_state(std::int32_t group, std::int32_t consumer, const std::string& state) {
  std::lock_guard lk(mu_);
  auto& v = states_[static_cast<std::size_t>(group)];
  if (v.size() <= static_cast<std::size_t>(consumer)) v.resize(static_cast<std::size_t>(consumer) + 1, "Unstarted");
  v[static_cast<std::size_t>(consumer)] = state;
}

RabbitRun Recorder::finish(std::int64_t end_ns, const std::vector<std::uint64_t>& final_depth) {
  std::lock_guard lk(mu_);
  const std::size_t ng = sc_.consumers.size();
  std::vector<std::string> ids;
  for (const auto& g : sc_.consumers) ids.push_back(g.name);
  analysis::SummaryBuilder builder(ids);
  RedeliveryAttribution attribution(ng);
  OrderingCheck ordering;
  std::vector<std::vector<std::int64_t>> frontier(ng, std::vector<std::int64_t>(sc_.queues.size(), 0));
  std::vector<std::set<std::uint64_t>> seen(ng);  // (queue, id) keys processed by the group
  std::vector<std::int32_t> queue_of(ng);
  for (std::size_t g = 0; g < ng; ++g) queue_of[g] = sc_.queue_index(sc_.consumers[g].queue);

  // Time order; at one instant faults first, then processings, the nacks that follow them and
  // samples.
  std::vector<Event> evs;
  for (std::size_t i = 0; i < faults_.size(); ++i) evs.push_back({faults_[i].first, 0, i});
  for (std::size_t i = 0; i < processings_.size(); ++i) evs.push_back({processings_[i].done_ns, 1, i});
  for (std::size_t i = 0; i < nacks_.size(); ++i) evs.push_back({nacks_[i].first, 2, i});
  for (std::size_t i = 0; i < depths_.size(); ++i) evs.push_back({depths_[i].first, 3, i});
  std::stable_sort(evs.begin(), evs.end(), [](const Event& a, const Event& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });

  RabbitRun out;
  out.family.broker = "rabbitmq";
  std::uint64_t redelivered = 0, nack_requeue = 0, nack_drop = 0;
  double overshoot_sum = 0;
  std::uint64_t overshoot_n = 0;
  for (const Event& e : evs) {
    if (e.t > end_ns) continue;
    switch (e.kind) {
      case 0: {
        const Fault& f = faults_[e.index].second;
        const auto g = static_cast<std::size_t>(f.group);
        const std::string subject = f.spec.member >= 0 ? f.spec.group + "/" + std::to_string(f.spec.member) : f.spec.group;
        builder.fault(g, analysis::FaultRecord{f.spec.group, models::to_string(f.spec.kind), subject, secs(e.t), 0}, frontier[g]);
        attribution.fault(g, f.spec.group, models::to_string(f.spec.kind), subject, secs(e.t));
        break;
      }
      case 2: {
        const Nack& n = nacks_[e.index].second;
        if (n.requeue) {
          ++nack_requeue;
          attribution.nacked(static_cast<std::size_t>(n.group), n.queue, n.id);
        } else {
          ++nack_drop;
        }
        break;
      }
      case 1: {
        const LiveProcessing& p = processings_[e.index];
        const auto g = static_cast<std::size_t>(p.group);
        const std::uint64_t k = (static_cast<std::uint64_t>(p.queue) << 48) ^ p.id;
        const bool duplicate = !seen[g].insert(k).second;
        const analysis::Processing rec{p.queue, static_cast<std::int64_t>(p.id), p.done_ns - p.published_ns, duplicate, false};
        builder.processed(g, p.consumer, &rec, 1);
        auto& fr = frontier[g][static_cast<std::size_t>(p.queue)];
        fr = std::max(fr, static_cast<std::int64_t>(p.id) + 1);
        const bool out_of_order = p.key != models::rabbitmq::kNoKey && ordering.processed(p.queue, p.key, p.id);
        if (out_of_order) ++out.family.ordering_violations;
        if (p.redelivered) ++redelivered;
        overshoot_sum += static_cast<double>(p.overshoot_ns);
        ++overshoot_n;
        attribution.processed(g, p.queue, p.id, p.redelivered);
        break;
      }
      case 3: {
        const Depth& d = depths_[e.index].second;
        for (std::size_t g = 0; g < ng; ++g)
          if (queue_of[g] == d.queue) builder.lag_sample(g, d.messages, 0);
        break;
      }
      default: break;
    }
  }

  std::vector<analysis::GroupEnd> ends;
  for (std::size_t g = 0; g < ng; ++g) {
    analysis::GroupEnd ge;
    const auto q = static_cast<std::size_t>(queue_of[g]);
    const std::uint64_t depth = q < final_depth.size() ? final_depth[q] : 0;
    // Enqueued: what the group processed at least once plus what was still in the queue. A
    // message processed but returned unacknowledged at the end (a crash just before it) is
    // counted twice; one dropped without ever being delivered (max-length, TTL) not at all.
    ge.produced = seen[g].size() + depth;
    ge.final_lag = depth;
    ge.final_committed_lag = depth;
    const auto& st = states_[g];
    for (std::size_t c = 0; c < st.size(); ++c) {
      analysis::ConsumerSummary cs;
      cs.name = sc_.consumers[g].name + "/" + std::to_string(c);
      cs.state = st[c];
      ge.consumers.push_back(std::move(cs));
    }
    ends.push_back(std::move(ge));
    out.family.sources.push_back("queue " + sc_.consumers[g].queue);
    out.final_depth.push_back(depth);
  }
  analysis::RunSummary head;
  head.scenario = sc_.name;
  head.backend = "rabbitmq";
  head.seed = sc_.seed;
  head.simulated_seconds = secs(end_ns);
  head.events = processings_.size() + published_;
  head.produced = published_;
  out.family.summary = builder.finish(std::move(head), std::move(ends));
  std::uint64_t at_end = 0;
  for (auto d : final_depth) at_end += d;
  out.family.counts = {{"published", published_},
                       {"redelivered deliveries processed", redelivered},
                       {"nacked with requeue", nack_requeue},
                       {"nacked without requeue", nack_drop},
                       {"ready and unacknowledged at the end", at_end}};
  for (const auto& [k, v] : extra_) out.family.counts.emplace_back(k, v);
  out.mean_overshoot_us = overshoot_n ? overshoot_sum / static_cast<double>(overshoot_n) / 1e3 : 0;
  if (!ack_gaps_.empty()) {
    auto mid = ack_gaps_.begin() + static_cast<std::ptrdiff_t>(ack_gaps_.size() / 2);
    std::nth_element(ack_gaps_.begin(), mid, ack_gaps_.end());
    out.median_ack_to_delivery_us = static_cast<double>(*mid) / 1e3;
    out.ack_to_delivery_samples = ack_gaps_.size();
    auto dmid = done_gaps_.begin() + static_cast<std::ptrdiff_t>(done_gaps_.size() / 2);
    std::nth_element(done_gaps_.begin(), dmid, done_gaps_.end());
    out.median_done_to_delivery_us = static_cast<double>(*dmid) / 1e3;
  }
  out.fault_redeliveries = attribution.faults();
  out.redelivered_after_nack = attribution.after_nack();
  return out;
}

}  // namespace cgsim::live::rabbitmq
