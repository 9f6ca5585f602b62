#include "live/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace cgsim::live {

namespace {

double secs(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

std::int32_t index_of(const std::string& consumer) {
  auto slash = consumer.rfind('/');
  if (slash == std::string::npos) return 0;
  return static_cast<std::int32_t>(std::strtol(consumer.c_str() + slash + 1, nullptr, 10));
}

std::vector<std::string> ids_of(const std::vector<Recorder::GroupInfo>& groups) {
  std::vector<std::string> ids;
  for (const auto& g : groups) ids.push_back(g.id);
  return ids;
}

}  // namespace

Recorder::Recorder(std::vector<std::string> partition_names, std::vector<GroupInfo> groups)
    : names_(std::move(partition_names)), partitions_(names_.size()), builder_(ids_of(groups)) {
  for (auto& gi : groups) {
    Group g;
    g.info = std::move(gi);
    g.log.group = g.info.id;
    g.log.cooperative = g.info.cooperative;
    g.log.static_membership = g.info.static_membership;
    g.log.consumer_protocol = g.info.consumer_protocol;
    g.log.partitions = g.info.partitions;
    for (auto p : g.info.partitions) g.parts[p];
    groups_.push_back(std::move(g));
  }
}

Recorder::ConsumerState& Recorder::consumer(Group& g, const std::string& name) {
  auto [it, fresh] = g.consumers.try_emplace(name);
  if (fresh) it->second.index = index_of(name);
  return it->second;
}

void Recorder::set_end(std::int64_t end_ns) {
  std::lock_guard lk(mu_);
  end_ = end_ns;
}

void Recorder::produced(std::int32_t partition, std::int64_t offset, std::int64_t produced_ns) {
  std::lock_guard lk(mu_);
  if (frozen_ || produced_ns > end_ || partition < 0 || static_cast<std::size_t>(partition) >= partitions_.size() || offset < 0) return;
  auto& p = partitions_[static_cast<std::size_t>(partition)];
  if (static_cast<std::size_t>(offset) >= p.produced_ns.size()) p.produced_ns.resize(static_cast<std::size_t>(offset) + 1, -1);
  p.produced_ns[static_cast<std::size_t>(offset)] = produced_ns;
  p.log_end = std::max(p.log_end, offset + 1);
  ++events_;
}

void Recorder::processed(std::int32_t group, const std::string& name, const std::vector<ProcessedRecord>& batch) {
  std::lock_guard lk(mu_);
  if (frozen_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  ConsumerState& c = consumer(g, name);
  for (const auto& r : batch) {
    auto it = g.parts.find(r.partition);
    if (it == g.parts.end() || r.offset < 0 || r.done_ns > end_) continue;
    GroupPartition& gp = it->second;
    auto off = static_cast<std::size_t>(r.offset);
    if (off >= gp.done.size()) gp.done.resize(off + 1, 0);
    ++events_;
    const bool first = !gp.done[off];
    if (!first) {
      // Duplicates go to the builder as they happen, so that they are charged to the fault in
      // force then; first processings once their stalls are known (finish()).
      const analysis::Processing dup{r.partition, r.offset, 0, true, false};
      builder_.processed(static_cast<std::size_t>(group), c.index, &dup, 1);
    } else {
      gp.done[off] = 1;
    }
    g.processings[name].push_back({r.partition, r.offset, r.produced_ns, r.done_ns, first, r.after_idle});
    gp.frontier = std::max(gp.frontier, r.offset + 1);
    if (gp.first < 0 || r.offset < gp.first) gp.first = r.offset;
  }
}

void Recorder::committed(std::int32_t group, std::int32_t partition, std::int64_t offset) {
  std::lock_guard lk(mu_);
  if (frozen_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  auto it = g.parts.find(partition);
  if (it != g.parts.end() && offset >= 0) it->second.committed = offset;
  ++events_;
}

void Recorder::assigned(std::int32_t group, const std::string& name, const std::string& member_id,
                        std::int32_t generation, std::int64_t t_ns, std::vector<std::int32_t> current) {
  std::lock_guard lk(mu_);
  if (frozen_ || t_ns > end_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  std::sort(current.begin(), current.end());
  ConsumerState& c = consumer(g, name);
  c.member_id = member_id;
  c.current = current;
  c.assigned_once = true;
  g.log.assigns.push_back({name, generation, t_ns, std::move(current)});
  ++events_;
}

void Recorder::revoked(std::int32_t group, const std::string& name, std::int64_t t_ns,
                       const std::vector<std::int32_t>& revoked, std::vector<std::int32_t> current) {
  std::lock_guard lk(mu_);
  if (frozen_ || t_ns > end_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  std::sort(current.begin(), current.end());
  consumer(g, name).current = std::move(current);
  g.log.revokes.push_back({name, t_ns, revoked});
  ++events_;
}

void Recorder::consumer_started(std::int32_t group, const std::string& name, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  ConsumerState& c = consumer(g, name);
  c.alive = true;
  c.current.clear();
  g.log.starts.push_back(t_ns);
}

void Recorder::consumer_stopped(std::int32_t group, const std::string& name, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_ || t_ns > end_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  ConsumerState& c = consumer(g, name);
  c.alive = false;
  g.log.stops.push_back({name, t_ns, c.current});
  c.current.clear();
}

void Recorder::fault(std::int32_t group, const models::FaultSpec& f, std::int32_t member, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_) return;
  Group& g = groups_.at(static_cast<std::size_t>(group));
  g.log.faults.push_back({f.kind, member, t_ns});
  const std::string subject = member >= 0 ? g.info.id + "/" + std::to_string(member) : g.info.id;
  builder_.fault(static_cast<std::size_t>(group),
                    analysis::FaultRecord{g.info.id, models::to_string(f.kind), subject, secs(t_ns), 0});
}

void Recorder::partitions_created(const std::vector<std::int32_t>& partitions, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_) return;
  for (auto& g : groups_)
    for (auto p : partitions)
      if (g.parts.count(p)) g.log.created[p] = t_ns;
}

void Recorder::group_state(std::int32_t group, const std::string& state, std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_ || t_ns > end_) return;
  auto& states = groups_.at(static_cast<std::size_t>(group)).log.states;
  if (states.empty() || states.back().second != state) states.emplace_back(t_ns, state);
}

void Recorder::sample(std::int64_t t_ns) {
  std::lock_guard lk(mu_);
  if (frozen_ || t_ns > end_) return;
  for (Group& g : groups_) {
    std::uint64_t total = 0;
    std::int64_t oldest = t_ns;
    for (auto& [p, gp] : g.parts) {
      const PartitionState& ps = partitions_[static_cast<std::size_t>(p)];
      std::int64_t from = std::max<std::int64_t>(gp.committed, 0);
      std::int64_t lag = std::max<std::int64_t>(0, ps.log_end - from);
      total += static_cast<std::uint64_t>(lag);
      if (lag > 0 && static_cast<std::size_t>(from) < ps.produced_ns.size() && ps.produced_ns[static_cast<std::size_t>(from)] >= 0) {
        oldest = std::min(oldest, ps.produced_ns[static_cast<std::size_t>(from)]);
      }
    }
    builder_.lag_sample(static_cast<std::size_t>(&g - groups_.data()), total, secs(t_ns - oldest), secs(t_ns));
  }
}

void Recorder::feed_first_processings(std::size_t group, const Group& g) {
  const auto handed_out = analysis::partition_hand_outs(g.log);
  for (const auto& [name, seq] : g.processings) {
    // Caught in a stall: the partition's last hand-out before the record's processing came
    // after the record was produced (a backlog the stall left), or its consumer has been working
    // off such a backlog without running dry since (the record queued behind it).
    bool run = false;
    std::vector<analysis::Processing> firsts;
    for (const Processing& f : seq) {
      if (f.after_idle) run = false;
      if (!f.first) continue;
      bool direct = false;
      auto h = handed_out.find(f.partition);
      if (h != handed_out.end()) {
        auto it = std::upper_bound(h->second.begin(), h->second.end(), f.done_ns);
        direct = it != h->second.begin() && *std::prev(it) > f.produced_ns;
      }
      run = run || direct;
      firsts.push_back({f.partition, f.offset, f.done_ns - f.produced_ns, false, run});
    }
    builder_.processed(group, index_of(name), firsts.data(), firsts.size());
  }
}

analysis::RunSummary Recorder::finish(std::int64_t end_ns, const models::Scenario& sc, const std::string& backend) {
  std::lock_guard lk(mu_);
  frozen_ = true;
  analysis::RunSummary h;
  h.scenario = sc.name;
  h.backend = backend;
  h.seed = sc.seed;
  h.simulated_seconds = secs(end_ns);
  h.events = events_;
  for (const auto& p : partitions_) h.produced += static_cast<std::uint64_t>(p.log_end);

  std::vector<analysis::GroupEnd> ends;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const Group& g = groups_[gi];
    analysis::GroupEnd ge;
    for (const auto& [p, gp] : g.parts) {
      const PartitionState& ps = partitions_[static_cast<std::size_t>(p)];
      ge.produced += static_cast<std::uint64_t>(ps.log_end);
      ge.final_lag += static_cast<std::uint64_t>(std::max<std::int64_t>(0, ps.log_end - gp.frontier));
      ge.final_committed_lag += static_cast<std::uint64_t>(std::max<std::int64_t>(0, ps.log_end - std::max<std::int64_t>(gp.committed, 0)));
      if (sc.group(g.info.id) && sc.group(g.info.id)->auto_offset_reset == "latest" && gp.first > 0) {
        ge.skipped += static_cast<std::uint64_t>(gp.first);
      }
    }
    // Lost: offsets below the group's frontier that nobody processed (committed by librdkafka's
    // offset store when handed out, then the consumer died before processing them).
    for (const auto& [p, gp] : g.parts) {
      const std::int64_t from = std::max<std::int64_t>(gp.first, 0);
      for (std::int64_t o = from; o < gp.frontier && static_cast<std::size_t>(o) < gp.done.size(); ++o) {
        if (!gp.done[static_cast<std::size_t>(o)]) ++ge.lost;
      }
    }
    feed_first_processings(gi, g);

    analysis::Reconstruction rb = analysis::reconstruct_rebalances(g.log, names_, end_ns);
    for (const auto& r : rb.rebalances) {
      if (r.end_s >= 0) ge.generation = std::max(ge.generation, r.generation);
      builder_.rebalance(r);
    }
    for (auto& gr : rb.generations) builder_.generation(std::move(gr));

    std::vector<std::pair<std::int32_t, std::string>> order;
    for (const auto& [name, c] : g.consumers) order.emplace_back(c.index, name);
    std::sort(order.begin(), order.end());
    for (const auto& [idx, name] : order) {
      const ConsumerState& c = g.consumers.at(name);
      analysis::ConsumerSummary cs;
      cs.name = name;
      cs.member_id = c.member_id;
      if (c.alive) {
        for (auto p : c.current) cs.partitions.push_back(names_[static_cast<std::size_t>(p)]);
        std::sort(cs.partitions.begin(), cs.partitions.end());
        cs.state = c.assigned_once ? "Stable" : "Unjoined";
      } else {
        cs.state = "Stopped";
      }
      ge.consumers.push_back(std::move(cs));
      ge.consumer_index.push_back(idx);
    }
    ends.push_back(std::move(ge));
  }
  return builder_.finish(h, std::move(ends));
}

std::map<std::string, std::uint64_t> Recorder::produced_per_partition() const {
  std::lock_guard lk(mu_);
  std::map<std::string, std::uint64_t> out;
  for (std::size_t i = 0; i < partitions_.size(); ++i) out[names_[i]] = static_cast<std::uint64_t>(partitions_[i].log_end);
  return out;
}

}  // namespace cgsim::live
