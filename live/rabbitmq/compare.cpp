#include "live/rabbitmq/compare.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"

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

std::string fault_subject(const FaultRedeliveries& f) { return f.kind + " " + f.subject + " at " + fmt(f.at_s, 1) + " s"; }

using Runs = std::vector<const RabbitRun*>;

}  // namespace

HostFigures host_figures(std::uint64_t scheduled, std::uint64_t published, std::uint64_t late, const HostLoad& load) {
  HostFigures h;
  h.expected_produced = static_cast<double>(scheduled);
  h.random_arrivals = false;  // the producers replay one fixed schedule: every shortfall is the host's
  h.produced = published;
  h.late = static_cast<std::int64_t>(late);
  h.consumer_cpu_wait = load.consumer_cpu_wait;
  h.consumer_cpu_wait_max = load.consumer_cpu_wait_max;
  h.consumer_threads = load.consumer_threads;
  h.process_cpu = load.process_cpu;
  return h;
}

bool host_inconclusive(const HostFigures& h, const Tolerances& tol) {
  for (const auto& c : host_checks(h, "", tol))
    if (c.host && !c.ok) return true;
  return false;
}

ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const std::vector<RabbitRun>& simv,
                                       const std::vector<LiveRepetition>& livev, const RabbitTolerances& tol,
                                       const Tolerances& shared) {
  if (simv.empty() || livev.empty()) throw Error("validate: nothing to compare (no simulated or no live run)");
  Runs sims, lives;
  for (const auto& r : simv) sims.push_back(&r);
  for (const auto& r : livev) {
    if (r.seed_index >= sims.size())
      throw Error("validate: a live repetition replayed seed " + std::to_string(r.seed_index + 1) + " of " +
                  std::to_string(sims.size()) + " simulated");
    lives.push_back(r.run);
  }
  const std::size_t nl = lives.size();
  ValidationReport rep;
  rep.evidence = "a RabbitMQ broker through rabbitmq-c";
  rep.notes.push_back(std::to_string(sims.size()) + " simulated seed(s) against " + std::to_string(nl) +
                      " live repetition(s); figures are median [min..max, n] over them");
  auto relative = [](double rel, double abs, double base) { return std::max(rel * base, abs); };

  // The host first: a repetition that could not keep up makes the whole run inconclusive.
  for (std::size_t k = 0; k < nl; ++k)
    if (livev[k].host_measured)
      for (auto& c : host_checks(livev[k].host, nl == 1 ? "live run" : "repetition " + std::to_string(k + 1), shared))
        rep.checks.push_back(std::move(c));

  // Messages published: each repetition's producers replay one seed's arrival sequence, so the
  // live median is held to the median of the replayed seeds' counts; every seed's is shown.
  {
    const auto a = over(sims, [](const RabbitRun& r) { return static_cast<double>(r.family.summary.produced); });
    const auto b = over(lives, [](const RabbitRun& r) { return static_cast<double>(r.family.summary.produced); });
    std::vector<double> replayed;
    for (const auto& l : livev) replayed.push_back(static_cast<double>(sims[l.seed_index]->family.summary.produced));
    const double own = distribution(std::move(replayed)).median();
    const double allowed = shared.produced_rel * own + 3 * std::sqrt(std::max(own, 1.0)) + 10;
    rep.checks.push_back(make_check("published", "all producers", a.format(0), b.format(0), "±" + fmt(allowed, 0),
                                    std::abs(own - b.median()) <= allowed, false,
                                    sims.size() > 1 ? "the live producers replay simulated seeds, whose median is " + fmt(own, 0) : ""));
  }

  // Every other figure depends on the draws too (which consumer a message meets, how long each
  // takes), and repetition k replayed seed k mod M: each side's median is taken over the same
  // draws, the replayed seeds' simulations against the repetitions. A median of 3 replayed
  // seeds against one of 10 would compare two samples of a figure whose spread over seeds can
  // be several times the tolerance (a pool's p50 latency of 190-740 ms over ten seeds).
  Runs replayed;
  for (const auto& l : livev) replayed.push_back(sims[l.seed_index]);
  if (replayed != sims) {
    rep.notes.push_back("the checks below \"published\" take the simulations of the seeds the repetitions replayed (" +
                        std::to_string(nl) + " of " + std::to_string(sims.size()) +
                        "), one per repetition; validation.json has every seed's summary");
    sims = std::move(replayed);
  }

  for (std::size_t g = 0; g < sc.consumers.size(); ++g) {
    const auto& spec = sc.consumers[g];
    bool missing = false;
    for (const Runs* runs : {&sims, &lives})
      for (const RabbitRun* r : *runs) missing = missing || !find_group(r->family.summary, spec.name);
    if (missing) {
      rep.checks.push_back(make_check("group", spec.name, find_group(sims.front()->family.summary, spec.name) ? "present" : "missing",
                                      "missing in some run", "exact", false, false, ""));
      continue;
    }
    auto group = [&spec](const RabbitRun& r) -> const analysis::GroupSummary& { return *find_group(r.family.summary, spec.name); };
    // Per-consumer share of the group's processings, on the medians.
    add_share_checks(rep.checks, sims, lives, group, tol.share_abs, "±" + fmt(tol.share_abs, 3));
    // Processings and duplicates of the group, shown.
    {
      const auto a = over(sims, [&](const RabbitRun& r) { return static_cast<double>(group(r).consumed); });
      const auto b = over(lives, [&](const RabbitRun& r) { return static_cast<double>(group(r).consumed); });
      rep.checks.push_back(make_check("processed", spec.name, a.format(0), b.format(0), "info", a.values == b.values, true, ""));
      const auto c = over(sims, [&](const RabbitRun& r) { return static_cast<double>(group(r).duplicates); });
      const auto d = over(lives, [&](const RabbitRun& r) { return static_cast<double>(group(r).duplicates); });
      rep.checks.push_back(make_check("duplicates", spec.name, c.format(0), d.format(0), "info", c.values == d.values, true,
                                      "includes reprocessing after nacks"));
    }
    // Final queue depth (ready + unacknowledged), on the medians.
    {
      auto depth = [g](const RabbitRun& r) { return g < r.final_depth.size() ? static_cast<double>(r.final_depth[g]) : 0.0; };
      const auto a = over(sims, depth), b = over(lives, depth);
      const double allowed = tol.depth_rel * a.median() + static_cast<double>(group(*lives.front()).consumers.size());
      rep.checks.push_back(make_check("final_depth", "queue " + spec.queue, a.format(0), b.format(0), "±" + fmt(allowed, 0),
                                      std::abs(a.median() - b.median()) <= allowed, false, ""));
    }
    // Latency p50 of the group on the medians, each run less its round trip.
    {
      const double net_ms = 2 * sim::to_seconds(sc.broker.network_latency) * 1000;
      const auto a = over(sims, [&](const RabbitRun& r) { return group(r).latency_ms.p50 - net_ms; });
      std::vector<double> lv;
      for (const auto& l : livev) lv.push_back(group(*l.run).latency_ms.p50 - l.round_trip_ms);
      const auto b = distribution(std::move(lv));
      const double allowed = relative(shared.latency_p50_rel, shared.latency_p50_abs_ms, a.median());
      rep.checks.push_back(make_check("latency_p50_ms", spec.name, a.format(), b.format(), "±" + fmt(allowed, 1) + " ms",
                                      std::abs(a.median() - b.median()) <= allowed, false,
                                      "less the round trip (simulated " + fmt(net_ms) + " ms, live as measured before each run)"));
      const auto c = over(sims, [&](const RabbitRun& r) { return group(r).latency_ms.p99; });
      const auto d = over(lives, [&](const RabbitRun& r) { return group(r).latency_ms.p99; });
      rep.checks.push_back(make_check("latency_p99_ms", spec.name, c.format(), d.format(), "info",
                                      std::abs(c.median() - d.median()) <= relative(shared.tail_rel, shared.tail_abs_ms, c.median()),
                                      true, ""));
    }
  }

  // Per fault of the scenario's seed, paired in every run by group, kind, subject and time: the
  // duplicates charged to it and the redeliveries it caused, on the medians within the
  // duplicates rule (10 %, or the larger spread of the two sides, at most 25 %) or one message.
  Tolerances dup_tol = shared;
  dup_tol.duplicates_rel = tol.per_fault_rel;
  dup_tol.duplicates_rel_max = tol.per_fault_rel_max;
  const auto& ref = sims.front()->fault_redeliveries;
  std::vector<std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>>> sim_pairs, live_pairs;
  for (const RabbitRun* r : sims) sim_pairs.push_back(pair_faults(ref, r->fault_redeliveries));
  for (const RabbitRun* r : lives) live_pairs.push_back(pair_faults(ref, r->fault_redeliveries));
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const std::string subject = fault_subject(ref[i]);
    // Each run's partner of fault i (pairs come in reference order first).
    auto partners = [i](const Runs& runs, const std::vector<std::vector<std::pair<std::ptrdiff_t, std::ptrdiff_t>>>& pairs) {
      std::vector<const FaultRedeliveries*> out;
      for (std::size_t k = 0; k < runs.size(); ++k) {
        const std::ptrdiff_t j = pairs[k][i].second;
        out.push_back(j >= 0 ? &runs[k]->fault_redeliveries[static_cast<std::size_t>(j)] : nullptr);
      }
      return out;
    };
    const auto sp = partners(sims, sim_pairs), lp = partners(lives, live_pairs);
    bool unmatched = false;
    for (std::size_t k = 0; k < nl; ++k)
      if (!lp[k]) {
        rep.checks.push_back(make_check("fault_unmatched", subject + runs_label(k, nl), "present", "(none)", "paired", false, false, ""));
        unmatched = true;
      }
    if (unmatched) continue;
    std::vector<double> sd, ld, sr, lr, live_at;
    for (std::size_t k = 0; k < sims.size(); ++k) {
      if (!sp[k]) continue;  // a seed without the fault: the model's own spread, not compared
      sd.push_back(static_cast<double>(fault_duplicates(sims[k]->family.summary, *sp[k])));
      sr.push_back(static_cast<double>(sp[k]->redelivered));
    }
    for (std::size_t k = 0; k < nl; ++k) {
      ld.push_back(static_cast<double>(fault_duplicates(lives[k]->family.summary, *lp[k])));
      lr.push_back(static_cast<double>(lp[k]->redelivered));
      live_at.push_back(lp[k]->at_s);
    }
    for (const auto& [kind, a, b] : {std::tuple{"fault_duplicates", distribution(sd), distribution(ld)},
                                     std::tuple{"fault_redeliveries", distribution(sr), distribution(lr)}}) {
      const double rel = duplicates_tolerance(a, b, dup_tol);
      const double allowed = relative(rel, tol.per_fault_abs, a.median());
      rep.checks.push_back(make_check(kind, subject, a.format(0), b.format(0),
                                      "±" + fmt(allowed, 1) + " (" + fmt(rel * 100, 1) + " % or " + fmt(tol.per_fault_abs, 0) + ")",
                                      std::abs(a.median() - b.median()) <= allowed + 1e-9, false,
                                      "live at " + distribution(live_at).format(2) + " s"));
    }
  }
  for (std::size_t k = 0; k < nl; ++k)
    for (const auto& [i, j] : live_pairs[k])
      if (i < 0)
        rep.checks.push_back(make_check("fault_unmatched", fault_subject(lives[k]->fault_redeliveries[static_cast<std::size_t>(j)]) +
                                                               runs_label(k, nl),
                                        "(none)", "present", "paired", false, false, ""));

  // Ordering violations over the run, on the medians.
  {
    const auto a = over(sims, [](const RabbitRun& r) { return static_cast<double>(r.family.ordering_violations); });
    const auto b = over(lives, [](const RabbitRun& r) { return static_cast<double>(r.family.ordering_violations); });
    const double allowed = relative(tol.ordering_rel, tol.per_fault_abs, a.median());
    rep.checks.push_back(make_check("ordering_violations", "all queues", a.format(0), b.format(0), "±" + fmt(allowed, 1),
                                    std::abs(a.median() - b.median()) <= allowed, false, ""));
  }
  {
    const auto a = over(sims, [](const RabbitRun& r) { return static_cast<double>(r.redelivered_after_nack); });
    const auto b = over(lives, [](const RabbitRun& r) { return static_cast<double>(r.redelivered_after_nack); });
    rep.checks.push_back(make_check("redelivered_after_nack", "all groups", a.format(0), b.format(0), "info", a.values == b.values, true, ""));
  }
  for (std::size_t k = 0; k < nl; ++k) {
    const RabbitRun& liver = *lives[k];
    const std::string who = nl == 1 ? "live" : "live repetition " + std::to_string(k + 1);
    for (const auto& [name, v] : liver.family.counts)
      if (name.rfind("deliveries after cancel-ok", 0) == 0) rep.notes.push_back(who + ": " + std::to_string(v) + " " + name);
    std::string note = who + ": processings ended " + fmt(liver.mean_overshoot_us, 1) + " us after their planned end on average";
    if (liver.ack_to_delivery_samples > 0)
      note += "; an idle client's next delivery came a median " + fmt(liver.median_ack_to_delivery_us, 1) + " us after its ack, " +
              fmt(liver.median_done_to_delivery_us, 1) + " us after its processing ended (" +
              std::to_string(liver.ack_to_delivery_samples) + " acks)";
    rep.notes.push_back(note + "; round trip " + fmt(livev[k].round_trip_ms) + " ms");
  }
  rep.notes.push_back("processing lateness: client timer and scheduling delay; a busy client plans from the previous planned end, "
                      "so it does not add up");
  rep.notes.push_back("live latencies less the broker round trip measured before each run, simulated ones less twice the "
                      "scenario's network latency");
  rep.notes.push_back("duplicates and redeliveries per fault: medians within " + fmt(tol.per_fault_rel * 100, 0) +
                      " %, or the larger relative spread (max - min) / median of the two sides, at most " +
                      fmt(tol.per_fault_rel_max * 100, 0) + " %, or " + fmt(tol.per_fault_abs, 0) + " message");
  return rep;
}

ValidationReport compare_rabbitmq_runs(const models::rabbitmq::Scenario& sc, const RabbitRun& sim, const RabbitRun& live,
                                       double round_trip_ms, const RabbitTolerances& tol, const Tolerances& shared) {
  LiveRepetition l;
  l.run = &live;
  l.round_trip_ms = round_trip_ms;
  return compare_rabbitmq_runs(sc, std::vector<RabbitRun>{sim}, {l}, tol, shared);
}

}  // namespace cgsim::live::rabbitmq
