#include "live/pulsar/compare.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "analysis/metrics/format.hpp"
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

}  // namespace

ValidationReport compare_pulsar_runs(const pl::ScenarioFile& sc, const PulsarRun& simr, const PulsarRun& liver, const HostFigures& host,
                                     const PulsarTolerances& tol) {
  ValidationReport rep;
  rep.evidence = "a Pulsar 4.2 broker through Pulsar's Java client";
  const analysis::RunSummary& sim = simr.family.summary;
  const analysis::RunSummary& live = liver.family.summary;
  auto relative = [](double rel, double abs, double base) { return std::max(rel * base, abs); };

  {
    const double s = static_cast<double>(sim.produced), l = static_cast<double>(live.produced);
    const double allowed = 0.005 * s + 10;
    rep.checks.push_back({"published", "all producers", std::to_string(sim.produced), std::to_string(live.produced), "±" + fmt(allowed, 0),
                          std::abs(s - l) <= allowed, false, "same schedule on both sides", ""});
  }
  for (std::size_t si = 0; si < sc.pulsar.subscriptions.size(); ++si) {
    const auto s = static_cast<std::int32_t>(si);
    const auto& spec = sc.pulsar.subscriptions[si];
    const auto* sg = find_group(sim, spec.name);
    const auto* lg = find_group(live, spec.name);
    if (!sg || !lg) {
      rep.checks.push_back({"subscription", spec.name, sg ? "present" : "missing", lg ? "present" : "missing", "exact", false, false, "", ""});
      continue;
    }
    // Per-consumer share of the group's processings.
    for (auto& c : share_checks(*sg, *lg, tol.share_abs)) rep.checks.push_back(std::move(c));
    rep.checks.push_back({"processed", spec.name, std::to_string(sg->consumed), std::to_string(lg->consumed), "info",
                          sg->consumed == lg->consumed, true, "", ""});
    rep.checks.push_back({"duplicates", spec.name, std::to_string(sg->duplicates), std::to_string(lg->duplicates), "info",
                          sg->duplicates == lg->duplicates, true, "", ""});
    rep.checks.push_back({"latency_p50_ms", spec.name, fmt(sg->latency_ms.p50), fmt(lg->latency_ms.p50), "info",
                          true, true, "live: from the producer's send; simulated: from the broker's append", ""});
    // Key_Shared: each settled period, each consumer's keys.
    if (spec.type == pl::SubscriptionType::KeyShared) {
      for (const auto& [from, to] : periods(sc, s, tol.settle_s)) {
        const auto a = owners(simr, s, from, to), b = owners(liver, s, from, to);
        std::map<std::int32_t, std::set<std::uint64_t>> ka, kb;
        std::size_t common = 0, differ = 0, only = 0;
        for (const auto& [key, cs] : a) {
          auto it = b.find(key);
          if (it == b.end()) {
            ++only;
            continue;
          }
          ++common;
          for (auto c : cs) ka[c].insert(key);
          for (auto c : it->second) kb[c].insert(key);
          if (cs != it->second) ++differ;
        }
        only += b.size() - common;
        std::string subject = spec.name + " published " + fmt(static_cast<double>(from) / 1e9, 1) + "-" + fmt(static_cast<double>(to) / 1e9, 1) + " s";
        std::string note = std::to_string(common) + " keys on both sides";
        if (only) note += ", " + std::to_string(only) + " on one side only (not compared)";
        std::size_t consumers_differ = 0;
        std::set<std::int32_t> all;
        for (const auto& [c, k] : ka) all.insert(c);
        for (const auto& [c, k] : kb) all.insert(c);
        for (auto c : all)
          if (ka[c] != kb[c]) ++consumers_differ;
        rep.checks.push_back({"key_mapping", subject, std::to_string(common - differ) + "/" + std::to_string(common) + " keys",
                              std::to_string(all.size() - consumers_differ) + "/" + std::to_string(all.size()) + " consumers' key sets equal",
                              "exact", differ == 0, false, note + (differ ? "; " + std::to_string(differ) + " keys on other consumers" : ""), ""});
      }
    }
    if (spec.type == pl::SubscriptionType::Failover || spec.type == pl::SubscriptionType::Exclusive) {
      for (const auto& fa : simr.faults) {
        if (fa.subscription != s || fa.spec.kind != models::FaultSpec::Kind::Crash) continue;
        const FaultAt* fb = nullptr;
        for (const auto& f : liver.faults)
          if (f.subscription == s && f.spec.kind == fa.spec.kind && f.spec.member == fa.spec.member) fb = &f;
        if (!fb) continue;
        const double a = switch_time_s(simr, fa), b = switch_time_s(liver, *fb);
        const double allowed = tol.switch_rel * a;
        rep.checks.push_back({"failover_switch_s", "crash " + spec.name + "/" + std::to_string(fa.spec.member), fmt(a), fmt(b),
                              "±" + fmt(allowed), a >= 0 && b >= 0 && std::abs(a - b) <= allowed, false,
                              "fault to the first message another consumer processed, mean over the partitions it served", ""});
      }
    }
  }
  // Per fault: the duplicates the summary charged to it.
  for (const auto& fa : simr.faults) {
    const FaultAt* fb = nullptr;
    for (const auto& f : liver.faults)
      if (f.subscription == fa.subscription && f.spec.kind == fa.spec.kind && f.spec.member == fa.spec.member && f.spec.at == fa.spec.at) fb = &f;
    const std::string subject = std::string(models::to_string(fa.spec.kind)) + " " + fa.spec.group +
                                (fa.spec.member >= 0 ? "/" + std::to_string(fa.spec.member) : "") + " at " + fmt(static_cast<double>(fa.at_ns) / 1e9, 1) + " s";
    if (!fb) {
      rep.checks.push_back({"fault_unmatched", subject, "present", "(none)", "paired", false, false, "", ""});
      continue;
    }
    const double sd = static_cast<double>(fault_duplicates(sim, fa)), ld = static_cast<double>(fault_duplicates(live, *fb));
    const double allowed = relative(tol.per_fault_rel, tol.per_fault_abs, sd);
    rep.checks.push_back({"fault_duplicates", subject, fmt(sd, 0), fmt(ld, 0), "±" + fmt(allowed, 1), std::abs(sd - ld) <= allowed, false,
                          "live at " + fmt(static_cast<double>(fb->at_ns) / 1e9, 2) + " s", ""});
  }
  {
    const double a = static_cast<double>(simr.family.ordering_violations), b = static_cast<double>(liver.family.ordering_violations);
    const double allowed = relative(tol.ordering_rel, tol.per_fault_abs, a);
    rep.checks.push_back({"ordering_violations", "all subscriptions", fmt(a, 0), fmt(b, 0), "±" + fmt(allowed, 1), std::abs(a - b) <= allowed,
                          false, "", ""});
  }
  // The host.
  {
    const double sched = std::max<double>(1, static_cast<double>(host.scheduled));
    const double short_frac = (static_cast<double>(host.scheduled) - static_cast<double>(host.sent) + static_cast<double>(host.late)) / sched;
    Check c{"host_producers", "late or unsent", "0", fmt(short_frac, 4), "<=" + fmt(tol.host_late, 2), short_frac <= tol.host_late, false,
            std::to_string(host.sent) + " of " + std::to_string(host.scheduled) + " sent, " + std::to_string(host.late) + " over 100 ms late", ""};
    c.host = true;
    rep.checks.push_back(c);
    const bool measured = host.cpu_wait_max >= 0;
    Check w{"host_cpu_wait", "processing threads (worst)", "0", measured ? fmt(host.cpu_wait_max, 4) : "not measured",
            "<=" + fmt(tol.host_cpu_wait, 2), !measured || host.cpu_wait_max <= tol.host_cpu_wait, false,
            measured ? "share of its lifetime runnable but without a CPU; all threads: " + fmt(host.cpu_wait_mean, 4)
                     : "no schedstat for the consumers' processing threads",
            ""};
    w.host = true;
    rep.checks.push_back(w);
  }
  rep.notes.push_back("key mapping: per settled period (from " + fmt(tol.settle_s, 1) +
                      " s after a fault to the next), the consumers of every sticky key (the key of a batch's first message) "
                      "published and processed in it on both sides");
  return rep;
}

}  // namespace cgsim::live::pulsar
