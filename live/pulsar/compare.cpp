#include "live/pulsar/compare.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "models/common/error.hpp"
#include "models/pulsar/signals.hpp"

namespace cgsim::live::pulsar {

namespace pl = models::pulsar;

namespace {

using analysis::fmt;

std::uint64_t fault_duplicates(const analysis::RunSummary& run, const FaultAt& f) {
  const analysis::FaultRecord* best = nullptr;
  const std::string subject = f.spec.member >= 0 ? f.spec.group + "/" + std::to_string(f.spec.member) : f.spec.group;
  const double at = static_cast<double>(f.at_ns) / 1e9;
  for (const auto& r : run.faults) {
    if (r.group != f.spec.group || r.kind != models::to_string(f.spec.kind) || r.subject != subject) continue;
    if (!best || std::abs(r.at_s - at) < std::abs(best->at_s - at)) best = &r;
  }
  return best ? best->duplicates : 0;
}

/// The settled periods of subscription @p s: [start + settle, next change) between its faults.
std::vector<std::pair<std::int64_t, std::int64_t>> periods(const models::pulsar::ScenarioFile& sc, std::int32_t s, double settle_s) {
  std::vector<std::int64_t> cuts{0};
  for (const auto& f : sc.faults)
    if (sc.subscription_index(f.group) == s) cuts.push_back(f.at);
  std::sort(cuts.begin(), cuts.end());
  cuts.push_back(sc.duration);
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  const auto settle = static_cast<std::int64_t>(settle_s * 1e9);
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    if (cuts[i] + settle < cuts[i + 1]) out.emplace_back(cuts[i] + settle, cuts[i + 1]);
  return out;
}

/// Per sticky key: the consumers that processed a batch led by it, published in [from, to) and
/// processed before @p to (what the next fault sends elsewhere is that fault's, checked by
/// fault_duplicates). Only batch leaders count: the other messages of a batch follow its first
/// message's key, and which messages share a batch depends on timing.
std::map<std::uint64_t, std::set<std::int32_t>> owners(const PulsarRun& r, std::int32_t s, std::int64_t from, std::int64_t to) {
  std::map<std::uint64_t, std::set<std::int32_t>> out;
  for (const auto& p : r.processed)
    if (p.subscription == s && p.batch_leader && p.key != pl::kNoKey && p.published_ns >= from && p.published_ns < to && p.done_ns < to)
      out[p.key].insert(p.consumer);
  return out;
}

/// Mean over the partitions the crashed consumer served in the 5 s before @p f of the time from
/// the fault to the first processing by another consumer on that partition; -1 when none.
double switch_time_s(const PulsarRun& r, const FaultAt& f) {
  std::set<std::int32_t> served;
  for (const auto& p : r.processed)
    if (p.subscription == f.subscription && p.consumer == f.spec.member && p.done_ns <= f.at_ns && p.done_ns > f.at_ns - 5'000'000'000)
      served.insert(p.partition);
  double sum = 0;
  int n = 0;
  for (std::int32_t part : served) {
    for (const auto& p : r.processed) {
      if (p.subscription != f.subscription || p.partition != part || p.done_ns <= f.at_ns || p.consumer == f.spec.member) continue;
      sum += static_cast<double>(p.done_ns - f.at_ns) / 1e9;
      ++n;
      break;  // processed is in done order: the first one
    }
  }
  return n ? sum / n : -1;
}

using Runs = std::vector<const PulsarRun*>;

/// The fault of @p r that is @p f (same subscription, kind, member and scheduled time), or null.
const FaultAt* matching_fault(const PulsarRun& r, const FaultAt& f) {
  for (const auto& x : r.faults)
    if (x.subscription == f.subscription && x.spec.kind == f.spec.kind && x.spec.member == f.spec.member && x.spec.at == f.spec.at)
      return &x;
  return nullptr;
}

/// Which keys of a settled period sit on the same consumers in @p a and @p b.
struct MappingDiff {
  std::size_t common = 0;         ///< keys seen on both sides
  std::size_t differ = 0;         ///< of those, keys on other consumers
  std::size_t one_side = 0;       ///< keys seen on one side only (not compared)
  std::size_t consumers = 0;      ///< consumers holding a compared key on either side
  std::size_t consumers_differ = 0;
};

MappingDiff mapping_diff(const PulsarRun& a, const PulsarRun& b, std::int32_t s, std::int64_t from, std::int64_t to) {
  const auto oa = owners(a, s, from, to), ob = owners(b, s, from, to);
  MappingDiff d;
  std::map<std::int32_t, std::set<std::uint64_t>> ka, kb;
  for (const auto& [key, cs] : oa) {
    auto it = ob.find(key);
    if (it == ob.end()) {
      ++d.one_side;
      continue;
    }
    ++d.common;
    for (auto c : cs) ka[c].insert(key);
    for (auto c : it->second) kb[c].insert(key);
    if (cs != it->second) ++d.differ;
  }
  d.one_side += ob.size() - d.common;
  std::set<std::int32_t> all;
  for (const auto& [c, k] : ka) all.insert(c);
  for (const auto& [c, k] : kb) all.insert(c);
  d.consumers = all.size();
  for (auto c : all)
    if (ka[c] != kb[c]) ++d.consumers_differ;
  return d;
}

std::vector<Check> host_checks(const HostFigures& host, const std::string& label, const PulsarTolerances& tol) {
  std::vector<Check> out;
  const double sched = std::max<double>(1, static_cast<double>(host.scheduled));
  const double short_frac = (static_cast<double>(host.scheduled) - static_cast<double>(host.sent) + static_cast<double>(host.late)) / sched;
  Check c = make_check("host_producers", "late or unsent" + label, "0", fmt(short_frac, 4), "<=" + fmt(tol.host_late, 2),
                       short_frac <= tol.host_late, false,
                       std::to_string(host.sent) + " of " + std::to_string(host.scheduled) + " sent, " + std::to_string(host.late) +
                           " over 100 ms late");
  c.host = true;
  out.push_back(c);
  const bool measured = host.cpu_wait_max >= 0;
  Check w = make_check("host_cpu_wait", "processing threads (worst)" + label, "0", measured ? fmt(host.cpu_wait_max, 4) : "not measured",
                       "<=" + fmt(tol.host_cpu_wait, 2), !measured || host.cpu_wait_max <= tol.host_cpu_wait, false,
                       measured ? "share of its lifetime runnable but without a CPU; all threads: " + fmt(host.cpu_wait_mean, 4)
                                : "no schedstat for the consumers' processing threads");
  w.host = true;
  out.push_back(w);
  return out;
}

ValidationReport compare(const pl::ScenarioFile& sc, const Runs& sims, const Runs& lives, const std::vector<HostFigures>& host,
                         const PulsarTolerances& tol) {
  if (sims.empty() || lives.empty()) throw Error("validate: nothing to compare (no simulated or no live run)");
  if (host.size() != lives.size()) throw Error("validate: host figures for " + std::to_string(host.size()) + " of " +
                                               std::to_string(lives.size()) + " live repetitions");
  ValidationReport rep;
  rep.evidence = "a Pulsar 4.2 broker through Pulsar's Java client";
  const std::size_t nl = lives.size();
  rep.notes.push_back(std::to_string(sims.size()) + " simulated seed(s) against " + std::to_string(nl) +
                      " live repetition(s); figures are median [min..max, n] over them");

  // The host first: a repetition that could not keep up makes the whole run inconclusive.
  for (std::size_t k = 0; k < nl; ++k)
    for (auto& c : host_checks(host[k], nl == 1 ? std::string() : ", repetition " + std::to_string(k + 1), tol)) rep.checks.push_back(c);

  // The live producers replay the schedule of the scenario's seed (the first simulation), so the
  // live median is held to that simulation's count; the other seeds' counts are shown.
  {
    const auto a = over(sims, [](const PulsarRun& r) { return static_cast<double>(r.family.summary.produced); });
    const auto b = over(lives, [](const PulsarRun& r) { return static_cast<double>(r.family.summary.produced); });
    const double own = static_cast<double>(sims.front()->family.summary.produced);
    const double allowed = 0.005 * own + 10;
    rep.checks.push_back(make_check("published", "all producers", a.format(0), b.format(0), "±" + fmt(allowed, 0),
                                    std::abs(own - b.median()) <= allowed, false,
                                    "the live producers replay the scenario's seed, simulated " + fmt(own, 0)));
  }
  for (std::size_t si = 0; si < sc.pulsar.subscriptions.size(); ++si) {
    const auto s = static_cast<std::int32_t>(si);
    const auto& spec = sc.pulsar.subscriptions[si];
    bool missing = false;
    for (const Runs* runs : {&sims, &lives})
      for (const PulsarRun* r : *runs) missing = missing || !find_group(r->family.summary, spec.name);
    if (missing) {
      rep.checks.push_back(make_check("subscription", spec.name, find_group(sims.front()->family.summary, spec.name) ? "present" : "missing",
                                      "missing in some run", "exact", false, false, ""));
      continue;
    }
    auto group = [&spec](const PulsarRun& r) -> const analysis::GroupSummary& { return *find_group(r.family.summary, spec.name); };
    // Per-consumer share of the subscription's processings, on the medians.
    add_share_checks(rep.checks, sims, lives, group, tol.share_abs, "±" + fmt(tol.share_abs * 100, 1) + " pp");
    rep.checks.push_back(make_check("processed", spec.name, over(sims, [&](const PulsarRun& r) { return static_cast<double>(group(r).consumed); }).format(0),
                                    over(lives, [&](const PulsarRun& r) { return static_cast<double>(group(r).consumed); }).format(0), "info",
                                    true, true, ""));
    rep.checks.push_back(make_check("duplicates", spec.name, over(sims, [&](const PulsarRun& r) { return static_cast<double>(group(r).duplicates); }).format(0),
                                    over(lives, [&](const PulsarRun& r) { return static_cast<double>(group(r).duplicates); }).format(0), "info",
                                    true, true, ""));
    rep.checks.push_back(make_check("latency_p50_ms", spec.name, over(sims, [&](const PulsarRun& r) { return group(r).latency_ms.p50; }).format(),
                                    over(lives, [&](const PulsarRun& r) { return group(r).latency_ms.p50; }).format(), "info", true, true,
                                    "live: from the producer's send; simulated: from the broker's append"));
    // Key_Shared: each settled period, each consumer's keys, in every live repetition against the
    // simulation of the scenario's seed (the one whose keys the live producers replay); and the
    // other seeds against it, since the mapping follows the consumers' names, not the draws.
    if (spec.type == pl::SubscriptionType::KeyShared) {
      for (const auto& [from, to] : periods(sc, s, tol.settle_s)) {
        const std::string period = spec.name + " published " + fmt(static_cast<double>(from) / 1e9, 1) + "-" + fmt(static_cast<double>(to) / 1e9, 1) + " s";
        for (std::size_t k = 0; k < nl; ++k) {
          const MappingDiff d = mapping_diff(*sims.front(), *lives[k], s, from, to);
          std::string note = std::to_string(d.common) + " keys on both sides";
          if (d.one_side) note += ", " + std::to_string(d.one_side) + " on one side only (not compared)";
          if (d.differ) note += "; " + std::to_string(d.differ) + " keys on other consumers";
          rep.checks.push_back(make_check("key_mapping", period + runs_label(k, nl),
                                          std::to_string(d.common - d.differ) + "/" + std::to_string(d.common) + " keys",
                                          std::to_string(d.consumers - d.consumers_differ) + "/" + std::to_string(d.consumers) +
                                              " consumers' key sets equal",
                                          "exact", d.differ == 0 && d.common > 0, false, note));
        }
        if (sims.size() > 1) {
          std::size_t common = 0, differ = 0, seeds_differ = 0;
          for (std::size_t j = 1; j < sims.size(); ++j) {
            const MappingDiff d = mapping_diff(*sims.front(), *sims[j], s, from, to);
            common += d.common;
            differ += d.differ;
            seeds_differ += d.differ > 0;
          }
          rep.checks.push_back(make_check("key_mapping_seeds", period,
                                          std::to_string(sims.size() - 1 - seeds_differ) + "/" + std::to_string(sims.size() - 1) +
                                              " seeds as the first",
                                          "-", "exact", differ == 0, false,
                                          std::to_string(common - differ) + "/" + std::to_string(common) +
                                              " keys, summed over the other seeds, on the first seed's consumers"));
        }
      }
    }
    if (spec.type == pl::SubscriptionType::Failover || spec.type == pl::SubscriptionType::Exclusive) {
      for (const auto& fa : sims.front()->faults) {
        if (fa.subscription != s || fa.spec.kind != models::FaultSpec::Kind::Crash) continue;
        // Each run's switch time; a run without the fault or without a switch counts as missing.
        bool all = true;
        auto switch_of = [&](const Runs& runs) {
          std::vector<double> v;
          for (const PulsarRun* r : runs) {
            const FaultAt* f = matching_fault(*r, fa);
            const double t = f ? switch_time_s(*r, *f) : -1;
            if (t < 0) all = false;
            else v.push_back(t);
          }
          return distribution(std::move(v));
        };
        const auto a = switch_of(sims), b = switch_of(lives);
        const double allowed = tol.switch_rel * (a.n() ? a.median() : 0);
        rep.checks.push_back(make_check("failover_switch_s", "crash " + spec.name + "/" + std::to_string(fa.spec.member),
                                        a.n() ? a.format() : "none", b.n() ? b.format() : "none", "±" + fmt(allowed),
                                        all && std::abs(a.median() - b.median()) <= allowed, false,
                                        "fault to the first message another consumer processed, mean over the partitions it served"));
      }
    }
  }
  // Per fault: the duplicates the summary charged to it, as Kafka's validate compares them.
  live::Tolerances dup_tol;
  dup_tol.duplicates_rel = tol.per_fault_rel;
  dup_tol.duplicates_rel_max = tol.per_fault_rel_max;
  for (const auto& fa : sims.front()->faults) {
    const std::string subject = std::string(models::to_string(fa.spec.kind)) + " " + fa.spec.group +
                                (fa.spec.member >= 0 ? "/" + std::to_string(fa.spec.member) : "") + " at " +
                                fmt(static_cast<double>(fa.at_ns) / 1e9, 1) + " s";
    bool present = true;
    std::vector<double> live_at;
    auto dups = [&](const Runs& runs, bool is_live) {
      std::vector<double> v;
      for (const PulsarRun* r : runs) {
        const FaultAt* f = matching_fault(*r, fa);
        if (!f) {
          present = false;
          continue;
        }
        if (is_live) live_at.push_back(static_cast<double>(f->at_ns) / 1e9);
        v.push_back(static_cast<double>(fault_duplicates(r->family.summary, *f)));
      }
      return distribution(std::move(v));
    };
    const auto a = dups(sims, false), b = dups(lives, true);
    if (!present || !b.n()) {
      rep.checks.push_back(make_check("fault_unmatched", subject, "present", "missing in some run", "paired", false, false, ""));
      continue;
    }
    const double rel = duplicates_tolerance(a, b, dup_tol);
    const double allowed = rel * a.median();
    rep.checks.push_back(make_check("fault_duplicates", subject, a.format(0), b.format(0),
                                    "±" + fmt(rel * 100, 1) + " % = ±" + fmt(allowed, 1),
                                    std::abs(a.median() - b.median()) <= allowed + 1e-9, false,
                                    "live at " + distribution(live_at).format(2) + " s"));
  }
  {
    const auto a = over(sims, [](const PulsarRun& r) { return static_cast<double>(r.family.ordering_violations); });
    const auto b = over(lives, [](const PulsarRun& r) { return static_cast<double>(r.family.ordering_violations); });
    const double allowed = std::max(tol.ordering_rel * a.median(), tol.ordering_abs);
    rep.checks.push_back(make_check("ordering_violations", "all subscriptions", a.format(0), b.format(0), "±" + fmt(allowed, 1),
                                    std::abs(a.median() - b.median()) <= allowed, false, ""));
  }
  rep.notes.push_back("key mapping: per settled period (from " + fmt(tol.settle_s, 1) +
                      " s after a fault to the next), the consumers of every sticky key (the key of a batch's first message) "
                      "published and processed in it on both sides; each live repetition against the scenario's seed, and "
                      "the other seeds against it");
  rep.notes.push_back("duplicates per fault: medians within " + fmt(tol.per_fault_rel * 100, 0) +
                      " %, or the larger relative spread (max - min) / median of the two sides, at most " +
                      fmt(tol.per_fault_rel_max * 100, 0) + " %; no absolute floor");
  return rep;
}

}  // namespace

ValidationReport compare_pulsar_runs(const pl::ScenarioFile& sc, const std::vector<PulsarRun>& sims, const std::vector<PulsarRun>& lives,
                                     const std::vector<HostFigures>& host, const PulsarTolerances& tol) {
  Runs a, b;
  for (const auto& r : sims) a.push_back(&r);
  for (const auto& r : lives) b.push_back(&r);
  return compare(sc, a, b, host, tol);
}

ValidationReport compare_pulsar_runs(const pl::ScenarioFile& sc, const PulsarRun& sim, const PulsarRun& live, const HostFigures& host,
                                     const PulsarTolerances& tol) {
  return compare(sc, {&sim}, {&live}, {host}, tol);
}

}  // namespace cgsim::live::pulsar
