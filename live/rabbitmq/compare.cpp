#include "live/rabbitmq/compare.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/metrics/format.hpp"

namespace cgsim::live::rabbitmq {

namespace {

using analysis::fmt;

/// Pairs each simulated fault with the live fault of the same group, kind and subject nearest in
/// time (never by index). Returns (sim index, live index), -1 where a side has none.
std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>> pair_faults(const std::vector<FaultRedeliveries>& sim,
                                                                   const std::vector<FaultRedeliveries>& live) {
  std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>> out;
  std::vector<bool> used(live.size(), false);
  for (std::size_t i = 0; i < sim.size(); ++i) {
    std::ptrdiff_t best = -1;
    for (std::size_t j = 0; j < live.size(); ++j) {
      if (used[j] || live[j].group != sim[i].group || live[j].kind != sim[i].kind || live[j].subject != sim[i].subject) continue;
      if (best < 0 || std::abs(live[j].at_s - sim[i].at_s) < std::abs(live[static_cast<std::size_t>(best)].at_s - sim[i].at_s))
        best = static_cast<std::ptrdiff_t>(j);
    }
    if (best >= 0) used[static_cast<std::size_t>(best)] = true;
    out.emplace_back(static_cast<std::ptrdiff_t>(i), best);
  }
  for (std::size_t j = 0; j < live.size(); ++j)
    if (!used[j]) out.emplace_back(-1, static_cast<std::ptrdiff_t>(j));
  return out;
}

/// The duplicates the shared summary charged to the fault of @p group at @p at_s (its FaultRecord).
std::uint64_t fault_duplicates(const analysis::RunSummary& run, const FaultRedeliveries& f) {
  const analysis::FaultRecord* best = nullptr;
  for (const auto& r : run.faults) {
    if (r.group != f.group || r.kind != f.kind || r.subject != f.subject) continue;
    if (!best || std::abs(r.at_s - f.at_s) < std::abs(best->at_s - f.at_s)) best = &r;
  }
  return best ? best->duplicates : 0;
}

}  // namespace

ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const RabbitRun& simr, const RabbitRun& liver,
                                       double round_trip_ms, const RabbitTolerances& tol, const Tolerances& shared) {
  ValidationReport rep;
  const analysis::RunSummary& sim = simr.family.summary;
  const analysis::RunSummary& live = liver.family.summary;
  auto relative = [](double rel, double abs, double base) { return std::max(rel * base, abs); };

  // Messages published: the same arrival sequence on both sides.
  {
    const double s = static_cast<double>(sim.produced), l = static_cast<double>(live.produced);
    const double allowed = shared.produced_rel * s + 3 * std::sqrt(std::max(s, 1.0)) + 10;
    rep.checks.push_back({"published", "all producers", std::to_string(sim.produced), std::to_string(live.produced),
                          "±" + fmt(allowed, 0), std::abs(s - l) <= allowed, false, ""});
  }

  for (std::size_t g = 0; g < sc.consumers.size(); ++g) {
    const auto& spec = sc.consumers[g];
    const auto* sg = find_group(sim, spec.name);
    const auto* lg = find_group(live, spec.name);
    if (!sg || !lg) {
      rep.checks.push_back({"group", spec.name, sg ? "present" : "missing", lg ? "present" : "missing", "exact", false, false, ""});
      continue;
    }
    // Per-consumer share of the group's processings.
    for (auto& c : share_checks(*sg, *lg, tol.share_abs)) rep.checks.push_back(std::move(c));
    // Processings and duplicates of the group, shown.
    rep.checks.push_back({"processed", spec.name, std::to_string(sg->consumed), std::to_string(lg->consumed), "info",
                          sg->consumed == lg->consumed, true, ""});
    rep.checks.push_back({"duplicates", spec.name, std::to_string(sg->duplicates), std::to_string(lg->duplicates), "info",
                          sg->duplicates == lg->duplicates, true, "includes reprocessing after nacks"});
    // Final queue depth (ready + unacknowledged).
    {
      const double a = g < simr.final_depth.size() ? static_cast<double>(simr.final_depth[g]) : 0;
      const double b = g < liver.final_depth.size() ? static_cast<double>(liver.final_depth[g]) : 0;
      const double allowed = tol.depth_rel * a + static_cast<double>(lg->consumers.size());
      rep.checks.push_back({"final_depth", "queue " + spec.queue, fmt(a, 0), fmt(b, 0), "±" + fmt(allowed, 0),
                            std::abs(a - b) <= allowed, false, ""});
    }
    // Steady latency p50 of the group, less the round trip on each side.
    {
      const double net_ms = 2 * sim::to_seconds(sc.broker.network_latency) * 1000;
      const double a = sg->latency_ms.p50 - net_ms, b = lg->latency_ms.p50 - round_trip_ms;
      const double allowed = relative(shared.latency_rel, shared.latency_abs_ms, a);
      rep.checks.push_back({"latency_p50_ms", spec.name, fmt(a), fmt(b), "±" + fmt(allowed, 1) + " ms", std::abs(a - b) <= allowed,
                            false, "less the round trip (simulated " + fmt(net_ms) + " ms, live " + fmt(round_trip_ms) + " ms)"});
      rep.checks.push_back({"latency_p99_ms", spec.name, fmt(sg->latency_ms.p99), fmt(lg->latency_ms.p99), "info",
                            std::abs(sg->latency_ms.p99 - lg->latency_ms.p99) <= relative(shared.tail_rel, shared.tail_abs_ms, sg->latency_ms.p99),
                            true, ""});
    }
  }

  // Per fault, paired by group, kind, subject and time: duplicates charged to it and the
  // redeliveries it caused.
  for (const auto& [i, j] : pair_faults(simr.fault_redeliveries, liver.fault_redeliveries)) {
    const FaultRedeliveries* a = i >= 0 ? &simr.fault_redeliveries[static_cast<std::size_t>(i)] : nullptr;
    const FaultRedeliveries* b = j >= 0 ? &liver.fault_redeliveries[static_cast<std::size_t>(j)] : nullptr;
    const FaultRedeliveries* f = a ? a : b;
    const std::string subject = f->kind + " " + f->subject + " at " + fmt(f->at_s, 1) + " s";
    if (!a || !b) {
      rep.checks.push_back({"fault_unmatched", subject, a ? "present" : "(none)", b ? "present" : "(none)", "paired", false, false, ""});
      continue;
    }
    const double sd = static_cast<double>(fault_duplicates(sim, *a)), ld = static_cast<double>(fault_duplicates(live, *b));
    const double dup_allowed = relative(tol.per_fault_rel, tol.per_fault_abs, sd);
    rep.checks.push_back({"fault_duplicates", subject, fmt(sd, 0), fmt(ld, 0), "±" + fmt(dup_allowed, 1),
                          std::abs(sd - ld) <= dup_allowed, false, "live at " + fmt(b->at_s, 2) + " s"});
    const double sr = static_cast<double>(a->redelivered), lr = static_cast<double>(b->redelivered);
    const double red_allowed = relative(tol.per_fault_rel, tol.per_fault_abs, sr);
    rep.checks.push_back({"fault_redeliveries", subject, fmt(sr, 0), fmt(lr, 0), "±" + fmt(red_allowed, 1),
                          std::abs(sr - lr) <= red_allowed, false, ""});
  }

  // Ordering violations over the run.
  {
    const double a = static_cast<double>(simr.family.ordering_violations), b = static_cast<double>(liver.family.ordering_violations);
    const double allowed = relative(tol.ordering_rel, tol.per_fault_abs, a);
    rep.checks.push_back({"ordering_violations", "all queues", fmt(a, 0), fmt(b, 0), "±" + fmt(allowed, 1),
                          std::abs(a - b) <= allowed, false, ""});
  }
  rep.checks.push_back({"redelivered_after_nack", "all groups", std::to_string(simr.redelivered_after_nack),
                        std::to_string(liver.redelivered_after_nack), "info",
                        simr.redelivered_after_nack == liver.redelivered_after_nack, true, ""});
  for (const auto& [k, v] : liver.family.counts)
    if (k.rfind("deliveries after cancel-ok", 0) == 0) rep.notes.push_back("live: " + std::to_string(v) + " " + k);
  rep.notes.push_back("live processings ended " + fmt(liver.mean_overshoot_us, 1) +
                      " us after their planned end on average (client timer and scheduling delay; a busy client"
                      " plans from the previous planned end, so this lateness does not add up)");
  if (liver.ack_to_delivery_samples > 0)
    rep.notes.push_back("live: an idle client's next delivery came a median " + fmt(liver.median_ack_to_delivery_us, 1) +
                        " us after its ack, " + fmt(liver.median_done_to_delivery_us, 1) + " us after its processing ended (" +
                        std::to_string(liver.ack_to_delivery_samples) + " acks)");
  rep.notes.push_back("live latencies less the measured broker round trip (" + fmt(round_trip_ms) +
                      " ms), simulated ones less twice the scenario's network latency");
  return rep;
}

}  // namespace cgsim::live::rabbitmq
