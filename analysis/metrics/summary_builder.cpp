#include "analysis/metrics/summary_builder.hpp"

namespace cgsim::analysis {

LatencySummary summarize_latency(const Histogram& h) {
  LatencySummary l;
  l.count = h.count();
  l.p50 = static_cast<double>(h.quantile(0.50)) / 1e6;
  l.p90 = static_cast<double>(h.quantile(0.90)) / 1e6;
  l.p99 = static_cast<double>(h.quantile(0.99)) / 1e6;
  l.p999 = static_cast<double>(h.quantile(0.999)) / 1e6;
  l.max = static_cast<double>(h.max()) / 1e6;
  l.mean = h.mean() / 1e6;
  return l;
}

StallSummary summarize_stall(const Histogram& h) {
  StallSummary s;
  s.records = h.count();
  s.p50_ms = static_cast<double>(h.quantile(0.50)) / 1e6;
  s.mean_ms = h.mean() / 1e6;
  s.max_ms = static_cast<double>(h.max()) / 1e6;
  return s;
}

SummaryBuilder::SummaryBuilder(std::vector<std::string> group_ids)
    : ids_(std::move(group_ids)), groups_(ids_.size()) {}

void SummaryBuilder::processed(std::size_t group, std::int32_t consumer, const Processing* records, std::size_t n) {
  GroupTally& t = groups_[group];
  std::uint64_t dups = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const Processing& r = records[k];
    if (r.duplicate) {
      ++dups;
      ledger_.duplicate(group, r.partition, r.offset, DuplicateReason::Uncommitted);
    } else {
      (r.stalled ? t.stalled : t.steady).add(r.latency_ns);
    }
  }
  t.count(consumer, n, dups);
}

Histogram SummaryBuilder::latency(std::size_t group) const {
  // Every first processing is in exactly one of the two, and merging is exact.
  Histogram h = groups_[group].steady;
  h.merge(groups_[group].stalled);
  return h;
}

RunSummary SummaryBuilder::finish(RunSummary s, std::vector<GroupEnd> ends) const {
  Histogram all, all_steady, all_stalled;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const GroupTally& t = groups_[g];
    GroupEnd& end = ends.at(g);
    GroupSummary gs;
    gs.id = ids_[g];
    gs.produced = end.produced;
    gs.consumed = t.consumed;
    gs.duplicates = t.duplicates;
    gs.skipped = end.skipped;
    gs.lost = end.lost;
    gs.final_lag = end.final_lag;
    gs.final_committed_lag = end.final_committed_lag;
    gs.max_lag = t.max_lag;
    gs.max_lag_seconds = t.max_lag_s;
    const Histogram lat = latency(g);
    gs.latency_ms = summarize_latency(lat);
    gs.latency_steady_ms = summarize_latency(t.steady);
    gs.stalled = summarize_stall(t.stalled);
    all.merge(lat);
    all_steady.merge(t.steady);
    all_stalled.merge(t.stalled);
    gs.generation = end.generation;
    gs.ordering = ledger_.ordering(g);
    for (std::size_t i = 0; i < end.consumers.size(); ++i) {
      ConsumerSummary& cs = end.consumers[i];
      const auto idx = static_cast<std::size_t>(end.consumer_index.empty() ? static_cast<std::int32_t>(i)
                                                                           : end.consumer_index[i]);
      cs.consumed = idx < t.per_consumer.size() ? t.per_consumer[idx].first : 0;
      cs.duplicates = idx < t.per_consumer.size() ? t.per_consumer[idx].second : 0;
      gs.consumers.push_back(std::move(cs));
    }
    s.consumed += gs.consumed;
    s.duplicates += gs.duplicates;
    s.skipped += gs.skipped;
    s.lost += gs.lost;
    s.final_lag += gs.final_lag;
    s.max_lag = std::max(s.max_lag, gs.max_lag);
    s.ordering.scope = g == 0 || s.ordering.scope == gs.ordering.scope ? gs.ordering.scope : "mixed";
    s.ordering.out_of_order += gs.ordering.out_of_order;
    s.ordering.overlapping += gs.ordering.overlapping;
    s.ordering.keys_affected += gs.ordering.keys_affected;
    s.ordering.partitions_affected += gs.ordering.partitions_affected;
    s.groups.push_back(std::move(gs));
  }
  s.latency_ms = summarize_latency(all);
  s.latency_steady_ms = summarize_latency(all_steady);
  s.stalled = summarize_stall(all_stalled);
  s.rebalances = rebalances_;
  s.generations = generations_;
  s.faults = ledger_.records(rebalances_, ids_);
  for (GroupSummary& gs : s.groups)
    for (ConsumerSummary& cs : gs.consumers)
      for (const FaultRecord& f : s.faults)
        if (f.group == gs.id && f.subject == cs.name) cs.lost_work += f.duplicates;
  return s;
}

}  // namespace cgsim::analysis
