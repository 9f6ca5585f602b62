// The live RabbitMQ backend's pieces that need no broker: URL parsing, time scaling, the
// redelivery attribution and ordering check shared by both sides, and the comparison of one run
// and of repetitions against seeds as distributions.
#include <gtest/gtest.h>

#include <algorithm>

#include "live/rabbitmq/amqp_connection.hpp"
#include "live/rabbitmq/attribution.hpp"
#include "live/rabbitmq/backend.hpp"
#include "live/rabbitmq/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace {

using namespace cgsim;
namespace lr = cgsim::live::rabbitmq;

TEST(LiveRabbitmqPieces, ParsesAmqpUrls) {
  const auto a = lr::parse_amqp_url("amqp://u:p%40ss@broker:5673/jobs");
  EXPECT_EQ(a.user, "u");
  EXPECT_EQ(a.password, "p@ss");
  EXPECT_EQ(a.host, "broker");
  EXPECT_EQ(a.port, 5673);
  EXPECT_EQ(a.vhost, "jobs");
  const auto d = lr::parse_amqp_url("amqp://127.0.0.1:41234/");
  EXPECT_EQ(d.user, "guest");
  EXPECT_EQ(d.vhost, "/");
  EXPECT_EQ(d.port, 41234);
  EXPECT_THROW(lr::parse_amqp_url("http://x"), InputError);
  EXPECT_THROW(lr::parse_amqp_url("amqp://x:99999/"), InputError);
}

TEST(LiveRabbitmqPieces, ScalesTheTimelineOnly) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/mail_jobs_rabbitmq.yaml");
  const auto s = lr::scale_rabbitmq_scenario(sc, 0.1);
  EXPECT_EQ(s.duration, sc.duration / 10);
  EXPECT_EQ(s.faults[0].at, sc.faults[0].at / 10);
  EXPECT_EQ(s.faults[2].duration, sc.faults[2].duration / 10);
  EXPECT_EQ(s.faults[2].gap, sc.faults[2].gap / 10);
  EXPECT_EQ(s.producers[0].rate.steps[1].first, sc.producers[0].rate.steps[1].first / 10);
  EXPECT_EQ(s.producers[0].rate.steps[1].second, sc.producers[0].rate.steps[1].second);
  EXPECT_EQ(s.broker.network_latency, sc.broker.network_latency);
  EXPECT_EQ(s.broker.consumer_timeout, sc.broker.consumer_timeout);
  EXPECT_THROW(lr::scale_rabbitmq_scenario(sc, 0), InputError);
  EXPECT_THROW(lr::scale_rabbitmq_scenario(sc, 1.5), InputError);
}

TEST(LiveRabbitmqPieces, ChargesRedeliveriesToTheLatestFaultUnlessANackReturnedThem) {
  lr::RedeliveryAttribution a(2);
  a.processed(0, 0, 1, true);  // before any fault
  a.fault(0, "g", "crash", "g/0", 1.0);
  a.processed(0, 0, 2, true);
  a.nacked(0, 0, 3);
  a.processed(0, 0, 3, true);  // returned by the nack
  a.processed(0, 0, 4, false);
  a.fault(1, "h", "leave", "h/1", 2.0);
  a.processed(1, 0, 2, true);  // group h's fault
  a.fault(0, "g", "restart", "g/1", 3.0);
  a.processed(0, 0, 5, true);
  a.processed(0, 0, 6, true);
  ASSERT_EQ(a.faults().size(), 3u);
  EXPECT_EQ(a.faults()[0].redelivered, 1u);
  EXPECT_EQ(a.faults()[1].redelivered, 1u);
  EXPECT_EQ(a.faults()[2].redelivered, 2u);
  EXPECT_EQ(a.after_nack(), 1u);
  EXPECT_EQ(a.unattributed(), 1u);
}

TEST(LiveRabbitmqPieces, OrderingIsPerQueueAndKey) {
  lr::OrderingCheck o;
  EXPECT_FALSE(o.processed(0, 7, 10));
  EXPECT_FALSE(o.processed(0, 7, 12));
  EXPECT_TRUE(o.processed(0, 7, 11));
  EXPECT_FALSE(o.processed(1, 7, 11));  // another queue
  EXPECT_FALSE(o.processed(0, 8, 1));   // another key
  EXPECT_FALSE(o.processed(0, 7, 13));
}

TEST(LiveRabbitmqPieces, ComparesARunWithItselfAsOkAndPairsFaultsByTime) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_rabbitmq_hash.yaml");
  const auto scaled = lr::scale_rabbitmq_scenario(sc, 0.05);
  const lr::RabbitRun sim = lr::simulate_for_validation(scaled);
  const double rtt_ms = 2 * sim::to_seconds(scaled.broker.network_latency) * 1000;
  const auto same = lr::compare_rabbitmq_runs(scaled, sim, sim, rtt_ms);
  EXPECT_TRUE(same.ok()) << same.table();
  // The live faults listed in another order still pair with their simulated ones.
  lr::RabbitRun live = sim;
  std::reverse(live.fault_redeliveries.begin(), live.fault_redeliveries.end());
  const auto rep = lr::compare_rabbitmq_runs(scaled, sim, live, rtt_ms);
  for (const auto& c : rep.checks) EXPECT_NE(c.kind, "fault_unmatched") << c.subject;
  EXPECT_TRUE(rep.ok()) << rep.table();
  // A live run whose crash redelivered 10 more messages fails that check only.
  live.fault_redeliveries.front().redelivered += 10;
  const auto off = lr::compare_rabbitmq_runs(scaled, sim, live, rtt_ms);
  std::size_t failed = 0;
  for (const auto& c : off.checks)
    if (!c.ok && !c.informational) {
      ++failed;
      EXPECT_EQ(c.kind, "fault_redeliveries");
    }
  EXPECT_EQ(failed, 1u);
}

/// The chat scenario at 1/20 of its time, simulated over seeds 0..n-1 past its own.
struct Seeds {
  models::rabbitmq::Scenario scaled;
  std::vector<lr::RabbitRun> runs;
};
Seeds simulate_seeds(std::size_t n) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_rabbitmq_hash.yaml");
  Seeds out{lr::scale_rabbitmq_scenario(sc, 0.05), {}};
  for (std::size_t s = 0; s < n; ++s) {
    auto eff = out.scaled;
    eff.seed += s;
    out.runs.push_back(lr::simulate_for_validation(eff));
  }
  return out;
}

/// @p runs as live repetitions; with @p own_seeds repetition k replayed seed k, else all the first.
std::vector<lr::LiveRepetition> as_live(const std::vector<lr::RabbitRun>& runs, double rtt_ms, bool own_seeds = false) {
  std::vector<lr::LiveRepetition> out;
  for (std::size_t k = 0; k < runs.size(); ++k) out.push_back({&runs[k], rtt_ms, false, {}, own_seeds ? k : 0});
  return out;
}

const live::Check* check_of(const live::ValidationReport& rep, const std::string& kind, const std::string& prefix) {
  for (const auto& c : rep.checks)
    if (c.kind == kind && c.subject.rfind(prefix, 0) == 0) return &c;
  return nullptr;
}

TEST(LiveRabbitmqPieces, ComparesRepetitionsWithSeedsAsDistributions) {
  const Seeds s = simulate_seeds(3);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  const auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, as_live(s.runs, rtt_ms, true));
  EXPECT_EQ(rep.verdict(), live::Verdict::Pass) << rep.table();
  const auto* share = check_of(rep, "share", "shard1/");
  ASSERT_NE(share, nullptr);
  EXPECT_NE(share->live.find("n=3"), std::string::npos) << share->live;
  // The published count is held to the seeds the live producers replayed: three repetitions of
  // the first seed publishing 40 % more fail against it, whatever the other seeds publish.
  std::vector<lr::RabbitRun> lives{s.runs.front(), s.runs.front(), s.runs.front()};
  for (auto& r : lives) r.family.summary.produced = r.family.summary.produced * 14 / 10;
  const auto own = lr::compare_rabbitmq_runs(s.scaled, s.runs, as_live(lives, rtt_ms));
  ASSERT_NE(check_of(own, "published", ""), nullptr);
  EXPECT_FALSE(check_of(own, "published", "")->ok);
  auto bad = as_live(lives, rtt_ms);
  bad[2].seed_index = 3;  // a seed not simulated
  EXPECT_THROW(lr::compare_rabbitmq_runs(s.scaled, s.runs, bad), Error);
}

// Repetitions that replayed some of the seeds are held to those seeds' simulations, one each: ten
// seeds whose p50 latency spreads far beyond the tolerance do not decide a check that the two
// replayed ones pass exactly.
TEST(LiveRabbitmqPieces, HoldsRepetitionsToTheSeedsTheyReplayed) {
  Seeds s = simulate_seeds(4);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  for (std::size_t k = 2; k < 4; ++k)
    for (auto& g : s.runs[k].family.summary.groups) g.latency_ms.p50 += 100;  // seeds never replayed
  const std::vector<lr::RabbitRun> lives{s.runs[0], s.runs[1]};
  const auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, as_live(lives, rtt_ms, true));
  EXPECT_EQ(rep.verdict(), live::Verdict::Pass) << rep.table();
  const auto* c = check_of(rep, "latency_p50_ms", "shard0");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->simulator.find("n=2"), std::string::npos) << c->simulator;
  bool noted = false;
  for (const auto& n : rep.notes) noted = noted || n.find("2 of 4") != std::string::npos;
  EXPECT_TRUE(noted);
  // Against the seeds they did not replay, the same repetitions fail.
  std::vector<lr::RabbitRun> sims{s.runs[2], s.runs[3]};
  EXPECT_FALSE(check_of(lr::compare_rabbitmq_runs(s.scaled, sims, as_live(lives, rtt_ms, true)), "latency_p50_ms", "shard0")->ok);
}

// Redeliveries per fault: medians within 10 %, or the larger spread of the two sides (at most
// 25 %), or one message; the spread of the repetitions widens it, a tight side does not.
TEST(LiveRabbitmqPieces, AppliesTheSpreadRuleToRedeliveriesPerFault) {
  const Seeds s = simulate_seeds(1);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  std::vector<lr::RabbitRun> sims(3, s.runs.front()), lives(3, s.runs.front());
  ASSERT_FALSE(sims[0].fault_redeliveries.empty());
  for (auto& r : sims) r.fault_redeliveries[0].redelivered = 10;
  const std::uint64_t spread[] = {10, 12, 13};  // median 12, spread 3 / 12 = 25 %: +-2.5 allowed
  for (std::size_t k = 0; k < 3; ++k) lives[k].fault_redeliveries[0].redelivered = spread[k];
  const std::string subject = lives[0].fault_redeliveries[0].kind + " " + lives[0].fault_redeliveries[0].subject;
  auto rep = lr::compare_rabbitmq_runs(s.scaled, sims, as_live(lives, rtt_ms));
  const auto* c = check_of(rep, "fault_redeliveries", subject);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->ok) << c->simulator << " vs " << c->live << " " << c->tolerance;
  for (auto& r : lives) r.fault_redeliveries[0].redelivered = 12;  // no spread: 10 % or 1 message
  rep = lr::compare_rabbitmq_runs(s.scaled, sims, as_live(lives, rtt_ms));
  c = check_of(rep, "fault_redeliveries", subject);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok) << c->tolerance;
  EXPECT_EQ(rep.verdict(), live::Verdict::Mismatch);
  for (auto& r : lives) r.fault_redeliveries[0].redelivered = 11;  // the one-message floor
  rep = lr::compare_rabbitmq_runs(s.scaled, sims, as_live(lives, rtt_ms));
  EXPECT_TRUE(check_of(rep, "fault_redeliveries", subject)->ok);
}

TEST(LiveRabbitmqPieces, NamesTheRepetitionWhoseFaultIsUnmatched) {
  const Seeds s = simulate_seeds(2);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  std::vector<lr::RabbitRun> lives(3, s.runs.front());
  lives[1].fault_redeliveries.erase(lives[1].fault_redeliveries.begin());
  const auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, as_live(lives, rtt_ms));
  const auto* c = check_of(rep, "fault_unmatched", "");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->subject.find(", repetition 2"), std::string::npos) << c->subject;
  EXPECT_FALSE(c->ok);
}

// Each repetition's latency is net of the round trip measured before it.
TEST(LiveRabbitmqPieces, SubtractsEachRepetitionsOwnRoundTrip) {
  const Seeds s = simulate_seeds(1);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  std::vector<lr::RabbitRun> lives(2, s.runs.front());
  for (auto& r : lives)
    for (auto& g : r.family.summary.groups) g.latency_ms.p50 += 40;  // runs 40 ms slower ...
  auto reps = as_live(lives, rtt_ms);
  auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, reps);
  ASSERT_NE(check_of(rep, "latency_p50_ms", "shard0"), nullptr);
  EXPECT_FALSE(check_of(rep, "latency_p50_ms", "shard0")->ok);
  for (auto& r : reps) r.round_trip_ms += 40;  // ... on a broker 40 ms further away
  rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, reps);
  const auto* c = check_of(rep, "latency_p50_ms", "shard0");
  EXPECT_TRUE(c->ok) << c->simulator << " vs " << c->live;
}

// The p50 check is Kafka's steady p50 one: within 20 % or 2 ms net of the round trip.
TEST(LiveRabbitmqPieces, LatencyP50HasKafkasStrictTolerance) {
  const Seeds s = simulate_seeds(1);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  const double sim_p50 = s.runs.front().family.summary.groups.front().latency_ms.p50 - rtt_ms;
  ASSERT_LT(sim_p50, 10.0);  // the 2 ms floor decides
  for (const double extra : {1.5, 3.0}) {
    std::vector<lr::RabbitRun> lives(2, s.runs.front());
    for (auto& r : lives)
      for (auto& g : r.family.summary.groups) g.latency_ms.p50 += extra;
    const auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, as_live(lives, rtt_ms));
    const auto* c = check_of(rep, "latency_p50_ms", "shard0");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->ok, extra < 2.0) << extra << ": " << c->simulator << " vs " << c->live << " " << c->tolerance;
    EXPECT_EQ(c->tolerance, "±2.0 ms");
  }
}

// A repetition that published late (a host that fell behind its fixed schedule) makes the run
// inconclusive, whatever the model checks say.
TEST(LiveRabbitmqPieces, ALateRepetitionIsInconclusive) {
  const Seeds s = simulate_seeds(1);
  const double rtt_ms = 2 * sim::to_seconds(s.scaled.broker.network_latency) * 1000;
  const std::uint64_t n = s.runs.front().family.summary.produced;
  live::HostLoad load;
  load.consumer_cpu_wait = 0.001;
  load.consumer_cpu_wait_max = 0.002;
  load.consumer_threads = 4;
  const live::HostFigures fine = lr::host_figures(n, n, 0, load);
  const live::HostFigures late = lr::host_figures(n, n, n / 10, load);
  EXPECT_FALSE(lr::host_inconclusive(fine));
  EXPECT_TRUE(lr::host_inconclusive(late));
  load.consumer_cpu_wait = 0.05;
  EXPECT_TRUE(lr::host_inconclusive(lr::host_figures(n, n, 0, load)));
  std::vector<lr::RabbitRun> lives(2, s.runs.front());
  auto reps = as_live(lives, rtt_ms);
  reps[0].host_measured = reps[1].host_measured = true;
  reps[0].host = fine;
  reps[1].host = late;
  const auto rep = lr::compare_rabbitmq_runs(s.scaled, s.runs, reps);
  EXPECT_EQ(rep.verdict(), live::Verdict::Inconclusive) << rep.table();
  const auto* c = check_of(rep, "host_produce_rate", "repetition 2");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_NE(c->live.find("over 100 ms late"), std::string::npos) << c->live;
}

// validation.json's head, shared by the three families: the run's fields, the verdict and every
// repetition's warnings once.
TEST(LiveRabbitmqPieces, BuildsTheSharedValidationHead) {
  live::ValidationReport rep;
  rep.checks.push_back(live::make_check("share", "g/0", "0.5", "0.5", "±0.020", true, false, ""));
  const auto j = live::validation_json_head({"s", "s.yaml", 0.1, "rabbitmq 127.0.0.1:5672", "r-1", 3, 10}, rep,
                                            {{"a", "b"}, {"b"}, {"c"}});
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["repeat"], 3);
  EXPECT_EQ(j["seeds"], 10);
  EXPECT_EQ(j["run_id"], "r-1");
  EXPECT_EQ(j["checks"].size(), 1u);
  EXPECT_EQ(j["warnings"], nlohmann::json::array({"a", "b", "c"}));
}

}  // namespace
