#include "models/kafka/assignors/tools/churn.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "models/kafka/assignors/tools/optimum.hpp"
#include "models/kafka/assignors/tools/random_cases.hpp"
#include "models/common/error.hpp"

namespace cgsim::models::assignors {

namespace {

using cgsim::sim::Rng;

/// One assignor's view of the group: what each member owns and in which generation.
struct History {
  const AssignorInfo* info = nullptr;
  ClientFlavor flavor = ClientFlavor::Java;
  std::map<std::string, std::vector<TopicPartition>> owned;
  std::map<std::string, std::int32_t> generation;
  std::int32_t group_generation = 0;
};

std::vector<std::string> available_assignors(ClientFlavor flavor) {
  std::vector<std::string> names;
  for (const auto& n : assignor_names())
    if (find_assignor_info(n, flavor)) names.push_back(n);
  return names;
}

std::vector<MemberSubscription> with_history(const std::vector<MemberSubscription>& members, const History& h) {
  std::vector<MemberSubscription> out = members;
  for (auto& m : out) {
    auto it = h.owned.find(m.member_id);
    m.owned = it == h.owned.end() ? std::vector<TopicPartition>{} : it->second;
    auto g = h.generation.find(m.member_id);
    m.generation = g == h.generation.end() ? -1 : g->second;
  }
  return out;
}

ChurnMeasure rebalance(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members, History& h) {
  ChurnMeasure r;
  const std::vector<MemberSubscription> before = with_history(members, h);
  std::map<TopicPartition, std::string> owners;
  for (const auto& m : before)
    for (const auto& tp : m.owned) owners.emplace(tp, m.member_id);
  const Optimum best = optimal_assignment(cluster, before);
  r.optimum_moves = best.moves;
  r.optimum_balance = best.spread;

  std::vector<MemberSubscription> input = before;
  Assignment final_assignment;
  try {
    for (int round = 1; round <= 10; ++round) {
      ++h.group_generation;
      AssignResult res = h.info->assign_detailed(cluster, input);
      ++r.rounds;
      r.withheld += static_cast<std::int64_t>(res.withheld.size());
      final_assignment = res.assignment;
      if (!h.info->cooperative || res.withheld.empty()) break;
      // Follow-up rebalance: every member now owns what it was given in this round.
      for (auto& m : input) {
        m.owned = res.assignment[m.member_id];
        m.generation = h.group_generation;
      }
    }
  } catch (const AssignorFailure& e) {
    r.error = e.what();
    if (dynamic_cast<const AssignorNonTermination*>(&e)) r.unterminated = AssignCase{h.info->name, h.flavor, cluster, input};
    r.balance = balance_of(cluster, before, h.owned);
    return r;
  }
  r.moves = count_moves(owners, final_assignment);
  r.balance = balance_of(cluster, members, final_assignment);
  h.owned.clear();
  h.generation.clear();
  for (const auto& m : members) {
    h.owned[m.member_id] = final_assignment[m.member_id];
    h.generation[m.member_id] = h.group_generation;
  }
  return r;
}

std::vector<std::string> random_topics(Rng& rng, const std::vector<std::string>& all) {
  std::vector<std::string> out;
  for (const auto& t : all)
    if (rng.uniform() < 0.5) out.push_back(t);
  if (out.empty() && !all.empty()) out.push_back(all[rng.below(all.size())]);
  return out;
}

}  // namespace

ChurnReport run_churn(const AssignCase& initial, const ChurnOptions& options) {
  if (options.steps < 0) throw cgsim::InputError("--churn: the number of steps must not be negative");
  ChurnReport report;
  report.assignors = options.assignors.empty() ? available_assignors(initial.flavor) : options.assignors;
  std::vector<History> histories;
  for (const auto& name : report.assignors) {
    const AssignorInfo* info = find_assignor_info(name, initial.flavor);
    if (!info) throw cgsim::InputError("--churn: unknown assignor \"" + name + "\" for this client");
    History h;
    h.info = info;
    h.flavor = initial.flavor;
    for (const auto& m : initial.members) {
      h.owned[m.member_id] = m.owned;
      h.generation[m.member_id] = m.generation;
    }
    histories.push_back(std::move(h));
  }

  std::vector<std::string> topic_names;
  std::set<std::string> racks;
  for (const auto& t : initial.cluster.topics) {
    topic_names.push_back(t.name);
    for (const auto& rs : t.partition_racks) racks.insert(rs.begin(), rs.end());
  }
  const std::vector<std::string> rack_list(racks.begin(), racks.end());
  std::vector<MemberSubscription> members = initial.members;
  for (auto& m : members) {
    m.owned.clear();
    m.generation = -1;
  }
  Rng rng(options.seed, "assign-churn");
  int joined = 0;

  auto measure_all = [&](ChurnStep& step, bool rebalance_needed) {
    step.members = members.size();
    for (auto& h : histories) {
      if (rebalance_needed) {
        step.results.push_back(rebalance(initial.cluster, members, h));
      } else {
        ChurnMeasure none;
        none.balance = balance_of(initial.cluster, members, h.owned);
        const auto before = with_history(members, h);
        const Optimum best = optimal_assignment(initial.cluster, before);
        none.optimum_moves = best.moves;
        none.optimum_balance = best.spread;
        step.results.push_back(none);
      }
    }
  };

  {
    ChurnStep step;
    step.change = "initial";
    measure_all(step, true);
    report.steps.push_back(std::move(step));
  }

  for (int s = 1; s <= options.steps; ++s) {
    ChurnStep step;
    step.step = s;
    const double u = rng.uniform();
    const bool can_remove = members.size() > 1;
    const bool can_add = members.size() < 200;
    bool rebalance_needed = true;
    if ((u < 0.30 || !can_remove) && can_add) {
      MemberSubscription m;
      m.member_id = random_member_id(rng, 1000 + joined++);
      if (rng.uniform() < 0.3) m.group_instance_id = "instance-new-" + std::to_string(joined);
      if (!rack_list.empty() && rng.uniform() < 0.8) m.rack = rack_list[rng.below(rack_list.size())];
      m.topics = (!members.empty() && rng.uniform() < 0.7) ? members[rng.below(members.size())].topics
                                                           : random_topics(rng, topic_names);
      step.change = "join";
      step.member = m.member_id;
      members.push_back(std::move(m));
    } else if (u < 0.55 && can_remove) {
      const std::size_t i = rng.below(members.size());
      step.change = "leave";
      step.member = members[i].member_id;
      members.erase(members.begin() + static_cast<long>(i));
    } else if (u < 0.75 && can_remove) {
      const std::size_t i = rng.below(members.size());
      step.member = members[i].member_id;
      if (members[i].group_instance_id) {
        step.change = "restart";
        rebalance_needed = false;
      } else {
        step.change = "crash";
        members.erase(members.begin() + static_cast<long>(i));
      }
    } else {
      const std::size_t i = rng.below(members.size());
      step.change = "subscription";
      step.member = members[i].member_id;
      members[i].topics = random_topics(rng, topic_names);
    }
    measure_all(step, rebalance_needed);
    report.steps.push_back(std::move(step));
  }

  report.totals.assign(report.assignors.size(), {});
  for (std::size_t a = 0; a < report.assignors.size(); ++a) {
    auto& t = report.totals[a];
    for (const auto& step : report.steps) {
      const auto& r = step.results[a];
      t.moves += r.moves;
      t.optimum_moves += r.optimum_moves;
      t.rounds += r.rounds;
      t.withheld += r.withheld;
      t.max_balance = std::max(t.max_balance, r.balance);
      t.mean_balance += static_cast<double>(r.balance);
      t.failures += r.error ? 1 : 0;
    }
    if (!report.steps.empty()) t.mean_balance /= static_cast<double>(report.steps.size());
  }
  return report;
}

}  // namespace cgsim::models::assignors
