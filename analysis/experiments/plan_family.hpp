#pragma once
/// @file plan_family.hpp
/// Capacity planning for RabbitMQ and Pulsar scenarios: the fewest consumers on the planned queue's
/// consumer group (RabbitMQ) or subscription (Pulsar; and, for a partitioned topic, each candidate
/// partition count) whose simulated runs meet every SLO, without failures and with consumer
/// crashes at the start of peak load. The result is a PlanResult, so plan.json, the printed plan
/// and the report's plan section are the Kafka plan's.
///
/// The search: the queueing bound (the peak rate times the mean processing time, plus the
/// crashed consumers) gives the first count tried; counts then rise one at a time until one meets
/// every SLO, and the count below it is simulated to name the binding SLOs. Each candidate is run
/// for every seed without faults and, with failures, with the first `failures` consumers crashed at
/// the peak (the scenario's own faults are left out of both).
#include <optional>
#include <string>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/experiments/plan.hpp"

namespace cgsim::analysis {

/// parse_slo() for a RabbitMQ or Pulsar plan: also `duplicates=N` (the messages the crashes caused
/// to be processed twice, per failure run; a record count); max_lag is the backlog (queue depth or subscription backlog).
/// max_lag_seconds and recovery are refused (the families record no age of the oldest message).
Slo parse_family_slo(const std::string& text);

/// Plans a RabbitMQ or Pulsar scenario (options.scenario_file). Throws InputError for options
/// that do not apply (e.g. --partitions on RabbitMQ) or bad scenario input.
///
/// The searches advance in rounds: each search not yet answered asks for its next candidate, and
/// the round simulates those candidates together. With @p rounds, round by round as PlanRounds
/// describes (units "p<point>.s<search>.c<consumers>.r<seed>"; their figures "steady" and
/// "failure", null without failures): the rounds whose units are known are replayed, and the
/// shard's slice of the first round that is not is run.
PlanResult run_family_plan(const PlanOptions& options, PlanRounds* rounds = nullptr);

/// The recommended configuration of the plan's first point (with seed 0's failure, if any), run
/// again for the plan's run outputs and report. Nothing when no candidate was simulated.
std::optional<FamilyRun> rerun_family_recommended(const PlanOptions& options, const PlanResult& plan);

}  // namespace cgsim::analysis
