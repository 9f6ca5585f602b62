// The validate diff, scenario scaling, client properties and the live recorder, without a broker.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "live/recorder.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"
#include "live_small_scenario.hpp"

namespace {

using namespace cgsim;

models::Scenario scenario() { return live_testing::small_scenario(); }

analysis::RunSummary base_run() {
  analysis::RunSummary s;
  s.produced = 6000;
  s.consumed = 6010;
  s.duplicates = 10;
  s.simulated_seconds = 60;
  s.latency_ms.p50 = 2;
  s.latency_ms.p90 = 5;
  s.latency_ms.p99 = 40;
  s.latency_steady_ms = s.latency_ms;
  analysis::GenerationRecord g1{"g", 1, 0.1, {{"g/0", {"a-0", "a-1"}}, {"g/1", {"a-2", "a-3"}}}};
  analysis::GenerationRecord g2{"g", 2, 30.2, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}};
  s.generations = {g1, g2};
  analysis::RebalanceRecord r1;
  r1.group = "g";
  r1.start_s = 0;
  r1.end_s = 0.1;
  r1.generation = 1;
  r1.trigger = "initial";
  analysis::RebalanceRecord r2 = r1;
  r2.start_s = 30;
  r2.end_s = 30.2;
  r2.generation = 2;
  r2.trigger = "session_timeout";
  s.rebalances = {r1, r2};
  analysis::GroupSummary gs;
  gs.id = "g";
  gs.consumed = 6010;
  gs.duplicates = 10;
  gs.produced = 6000;
  gs.final_lag = 0;
  analysis::ConsumerSummary c0, c1;
  c0.name = "g/0";
  c0.consumed = 4010;
  c1.name = "g/1";
  c1.consumed = 2000;
  gs.consumers = {c0, c1};
  s.groups = {gs};
  return s;
}

const live::Check* find(const live::ValidationReport& r, const std::string& kind, const std::string& subject = "") {
  for (const auto& c : r.checks)
    if (c.kind == kind && (subject.empty() || c.subject == subject)) return &c;
  return nullptr;
}

TEST(LiveCompare, IdenticalRunsAreWithinTolerance) {
  auto sc = scenario();
  auto r = live::compare_runs(sc, base_run(), base_run(), {});
  EXPECT_TRUE(r.ok()) << r.table();
  ASSERT_NE(find(r, "rebalances"), nullptr);
  EXPECT_EQ(find(r, "rebalances")->simulator, "2");
  EXPECT_NE(r.table().find("OK:"), std::string::npos);
  EXPECT_EQ(r.to_json()["ok"], true);
}

TEST(LiveCompare, DifferentAssignmentIsAMismatch) {
  auto sc = scenario();
  auto live = base_run();
  live.generations[0].assignment = {{"g/0", {"a-2", "a-3"}}, {"g/1", {"a-0", "a-1"}}};
  auto r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_FALSE(r.ok());
  ASSERT_NE(find(r, "assignment", "g #0"), nullptr);
  EXPECT_FALSE(find(r, "assignment", "g #0")->ok);
  EXPECT_TRUE(find(r, "assignment", "g #1")->ok);
  EXPECT_NE(r.table().find("MISMATCH"), std::string::npos);

  // The mock cluster's member ids do not follow client.id: the same shares to other members pass.
  live::CompareOptions mock;
  mock.mock = true;
  auto rm = live::compare_runs(sc, base_run(), live, mock);
  EXPECT_TRUE(find(rm, "assignment", "g #0")->ok);
}

TEST(LiveCompare, StartupGenerationsAreFolded) {
  auto sc = scenario();
  auto live = base_run();
  // With group.initial.rebalance.delay.ms = 0 the first member may get a generation of its own.
  analysis::GenerationRecord g0{"g", 1, 0.05, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}};
  for (auto& g : live.generations) ++g.generation;
  for (auto& r : live.rebalances) ++r.generation;
  live.generations.insert(live.generations.begin(), g0);
  analysis::RebalanceRecord r0 = live.rebalances[0];
  r0.generation = 1;
  r0.end_s = 0.05;
  live.rebalances.insert(live.rebalances.begin(), r0);
  auto settled = live::settled_generations(live, sc.groups[0]);
  ASSERT_EQ(settled.size(), 2u);
  EXPECT_EQ(settled[0].generation, 2);
  auto r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_TRUE(r.ok()) << r.table();
  EXPECT_EQ(find(r, "rebalances")->live, "2");
}

TEST(LiveCompare, RebalanceCountAndDurationsAreChecked) {
  auto sc = scenario();
  auto live = base_run();
  live.rebalances.pop_back();
  live.generations.pop_back();
  auto r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_FALSE(find(r, "rebalances")->ok);
  EXPECT_FALSE(r.ok());

  live = base_run();
  live.rebalances[1].end_s = 30 + 0.2 + 0.11;  // beyond max(20 % of 0.2 s, 100 ms)
  r = live::compare_runs(sc, base_run(), live, {});
  const auto* d = find(r, "rebalance_duration_s", "g #1 (session_timeout)");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->tolerance, "±0.100");
  EXPECT_FALSE(d->ok);
  live.rebalances[1].end_s = 30 + 0.2 + 0.09;  // within
  r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_TRUE(find(r, "rebalance_duration_s", "g #1 (session_timeout)")->ok);
  // A long rebalance: 20 % of its simulated duration.
  auto sim = base_run();
  sim.rebalances[1].end_s = 32;  // 2 s
  live = sim;
  live.rebalances[1].end_s = 32.39;
  r = live::compare_runs(sc, sim, live, {});
  EXPECT_EQ(find(r, "rebalance_duration_s", "g #1 (session_timeout)")->tolerance, "±0.400");
  EXPECT_TRUE(find(r, "rebalance_duration_s", "g #1 (session_timeout)")->ok);
  live.rebalances[1].end_s = 32.41;
  EXPECT_FALSE(find(live::compare_runs(sc, sim, live, {}), "rebalance_duration_s", "g #1 (session_timeout)")->ok);
}

TEST(LiveCompare, RebalancesArePairedByTriggerAndTimeNeverByIndex) {
  // Live has a LeaveGroup at 15.6 s that the simulation does not: the simulated session-timeout
  // rebalance at 30 s pairs with the live one at 30.1 s, not with the leave (its index), and the
  // leave is reported as unmatched.
  auto sc = scenario();
  auto live = base_run();
  analysis::RebalanceRecord leave = live.rebalances[1];
  leave.start_s = 15.6;
  leave.end_s = 15.7;
  leave.trigger = "leave";
  live.rebalances[1].start_s = 30.1;
  live.rebalances[1].end_s = 30.3;
  live.rebalances.insert(live.rebalances.begin() + 1, leave);
  auto r = live::compare_runs(sc, base_run(), live, {});
  const auto* d = find(r, "rebalance_duration_s", "g #1 (session_timeout)");
  ASSERT_NE(d, nullptr) << r.table();
  EXPECT_EQ(d->live, "0.200");
  EXPECT_TRUE(d->ok);
  const auto* u = find(r, "rebalance_unmatched");
  ASSERT_NE(u, nullptr) << r.table();
  EXPECT_EQ(u->subject, "g (leave) at 15.60 s");
  EXPECT_EQ(u->simulator, "(none)");
  EXPECT_EQ(u->live, "start 15.60 s");
  EXPECT_FALSE(u->ok);
  EXPECT_FALSE(r.ok());
  std::size_t durations = 0, unmatched = 0;
  for (const auto& c : r.checks) {
    durations += c.kind == "rebalance_duration_s";
    unmatched += c.kind == "rebalance_unmatched";
  }
  EXPECT_EQ(durations, 2u);  // the start-up and the session timeout
  EXPECT_EQ(unmatched, 1u);

  // The same trigger too far apart in time is no pair: unmatched on both sides.
  live = base_run();
  live.rebalances[1].start_s = 50;
  live.rebalances[1].end_s = 50.2;
  r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_EQ(find(r, "rebalance_duration_s", "g #1 (session_timeout)"), nullptr);
  unmatched = 0;
  for (const auto& c : r.checks) {
    if (c.kind != "rebalance_unmatched") continue;
    ++unmatched;
    EXPECT_FALSE(c.ok);
  }
  EXPECT_EQ(unmatched, 2u);
  EXPECT_FALSE(r.ok());
}

TEST(LiveCompare, PairingPrefersTheSameTriggerAndTheNearestStart) {
  auto rb = [](const char* trigger, double start) {
    analysis::RebalanceRecord r;
    r.group = "g";
    r.trigger = trigger;
    r.start_s = start;
    r.end_s = start + 0.1;
    return r;
  };
  // Two simulated joins and three live ones: each pairs with the nearest, the odd one is left.
  std::vector<analysis::RebalanceRecord> sim{rb("initial", 0), rb("join", 10), rb("join", 20)};
  std::vector<analysis::RebalanceRecord> live{rb("initial", 0.2), rb("join", 19.8), rb("join", 10.3), rb("join", 14)};
  auto pairs = live::pair_rebalances(sim, live, 3);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0].sim, 0);
  EXPECT_EQ(pairs[0].live, 0);
  EXPECT_EQ(pairs[1].sim, 1);
  EXPECT_EQ(pairs[1].live, 2);
  EXPECT_EQ(pairs[2].sim, -1);  // the live join at 14 s, in time order
  EXPECT_EQ(pairs[2].live, 3);
  EXPECT_EQ(pairs[3].sim, 2);
  EXPECT_EQ(pairs[3].live, 1);
  // A different trigger never pairs, however close; a live "unknown" (no fault in its window)
  // pairs with the nearest simulated one, and a live "restart" with a leave or a join.
  pairs = live::pair_rebalances({rb("leave", 5)}, {rb("session_timeout", 5)}, 3);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].live, -1);
  EXPECT_EQ(pairs[1].sim, -1);
  pairs = live::pair_rebalances({rb("join", 5), rb("leave", 6)}, {rb("restart", 5.9), rb("unknown", 5.2)}, 3);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].live, 1);
  EXPECT_EQ(pairs[1].live, 0);
  EXPECT_TRUE(live::triggers_pair("max_poll_interval", "max_poll_interval"));
  EXPECT_FALSE(live::triggers_pair("max_poll_interval", "leave"));
}

TEST(LiveCompare, SharesDuplicatesAndLatencyHaveTolerances) {
  auto sc = scenario();
  auto live = base_run();
  live.groups[0].consumers[0].consumed = 2500;  // share 0.5 instead of 0.667
  live.groups[0].consumers[1].consumed = 2500;
  live.groups[0].consumed = 5000;
  live.groups[0].produced = 4990;
  auto r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_FALSE(find(r, "share", "g/0")->ok);

  live = base_run();
  live.latency_steady_ms.p50 = 2 + 1.9;  // within the 2 ms floor
  live.latency_steady_ms.p99 = 40 + 51;  // beyond max(100%, 50 ms)
  r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_TRUE(find(r, "latency_steady_p50_ms")->ok);
  EXPECT_FALSE(find(r, "latency_steady_p99_ms")->ok);
  EXPECT_FALSE(r.ok());
  live.latency_steady_ms = base_run().latency_steady_ms;
  live.latency_steady_ms.p50 = 2 + 2.1;
  EXPECT_FALSE(find(live::compare_runs(sc, base_run(), live, {}), "latency_steady_p50_ms")->ok);
  // The percentiles over every record, stalled ones included, are shown but do not count.
  live = base_run();
  live.latency_ms.p99 = 40 + 51;
  r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_FALSE(find(r, "latency_p99_ms")->ok);
  EXPECT_TRUE(find(r, "latency_p99_ms")->informational);
  EXPECT_TRUE(r.ok());
}

TEST(LiveCompare, SteadyP50IsComparedNetOfEachSidesRoundTrip) {
  // The simulator's round trip is twice its request latency (0.5 ms): 1 ms; the host's is measured.
  auto sc = scenario();
  auto sim = base_run();
  sim.latency_steady_ms.p50 = 10;  // 9 ms net
  auto live = base_run();
  live.latency_steady_ms.p50 = 10 + 4 + 1.7;  // 3 ms measured round trip: 12.7 ms net, 3.7 ms more
  live::CompareOptions o;
  o.client_rtt_ms = 3;
  auto r = live::compare_runs(sc, sim, live, o);
  const auto* c = find(r, "latency_steady_p50_ms");
  EXPECT_EQ(c->simulator, "9.000");
  EXPECT_EQ(c->live, "12.700");
  EXPECT_EQ(c->tolerance, "±2.0 ms");
  EXPECT_FALSE(c->ok);
  live.latency_steady_ms.p50 = 10 + 2 + 1.9;
  EXPECT_TRUE(find(live::compare_runs(sc, sim, live, o), "latency_steady_p50_ms")->ok);
  // 20 % of a larger latency.
  sim.latency_steady_ms.p50 = 51;  // 50 ms net
  live.latency_steady_ms.p50 = 50 + 3 + 9.9;
  EXPECT_TRUE(find(live::compare_runs(sc, sim, live, o), "latency_steady_p50_ms")->ok);
  live.latency_steady_ms.p50 = 50 + 3 + 10.1;
  EXPECT_FALSE(find(live::compare_runs(sc, sim, live, o), "latency_steady_p50_ms")->ok);
}

TEST(LiveCompare, DuplicatesWithinTenPercentOrTheSpreadAtMostTwentyFive) {
  auto sc = scenario();
  auto with_dups = [](std::uint64_t d) {
    auto r = base_run();
    r.groups[0].duplicates = d;
    r.groups[0].consumed = 6000 + d;
    return r;
  };
  auto check = [&](std::vector<std::uint64_t> sim, std::vector<std::uint64_t> live) {
    std::vector<analysis::RunSummary> s, l;
    for (auto d : sim) s.push_back(with_dups(d));
    for (auto d : live) l.push_back(with_dups(d));
    return *find(live::compare_distributions(sc, s, l, {}), "duplicates");
  };
  EXPECT_TRUE(check({1000}, {1090}).ok);
  EXPECT_FALSE(check({1000}, {1110}).ok);
  EXPECT_EQ(check({1000}, {1110}).tolerance, "±10.0 % = ±100");
  // The simulated seeds spread by 20 %: that is the tolerance.
  EXPECT_TRUE(check({900, 1000, 1100}, {1190}).ok);
  EXPECT_FALSE(check({900, 1000, 1100}, {1210}).ok);
  // Live repetitions 1260 / 2004 / 2025 spread by 38 %: capped at 25 %.
  const auto c = check({2046}, {1260, 2004, 2025});
  EXPECT_EQ(c.tolerance, "±25.0 % = ±512");
  EXPECT_EQ(c.live, "2004 [1260..2025, n=3]");
  EXPECT_TRUE(c.ok);
  EXPECT_FALSE(check({2046}, {637, 653}).ok);  // the consumer protocol's crash, measured in issue 17
  // None on both sides passes; any live against none simulated does not.
  EXPECT_TRUE(check({0}, {0}).ok);
  EXPECT_FALSE(check({0}, {1}).ok);
}

TEST(LiveCompare, DuplicatesOfEachFaultAreComparedInOrder) {
  auto sc = scenario();
  auto sim = base_run();
  sim.faults = {{"g", "crash", "g/1", 20, 100}};
  auto live = base_run();
  // 10 % of 100.
  live.faults = {{"g", "crash", "g/1", 20.001, 100 + 10}};
  auto r = live::compare_runs(sc, sim, live, {});
  const auto* c = find(r, "fault_duplicates", "crash g/1 at 20.0 s");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->tolerance, "±10.0 % = ±10");
  EXPECT_EQ(c->simulator, "100");
  EXPECT_EQ(c->live, "110");
  EXPECT_TRUE(c->ok);
  live.faults[0].duplicates = 100 + 11;
  EXPECT_FALSE(find(live::compare_runs(sc, sim, live, {}), "fault_duplicates")->ok);
  // A fault the live run did not record is a mismatch.
  live.faults.clear();
  r = live::compare_runs(sc, sim, live, {});
  EXPECT_FALSE(find(r, "fault_duplicates")->ok);
  EXPECT_EQ(find(r, "fault_duplicates")->live, "(none)");
}

TEST(LiveCompare, StalledRecordsAreComparedWithTheRebalanceBound) {
  auto sc = scenario();
  auto sim = base_run();
  sim.groups[0].stalled = {300, 900, 1000, 3000};
  auto live = sim;
  // 6000 records in 60 s: 100/s; two rebalances of 0.1 s and 0.2 s, each may differ by
  // max(20 %, 100 ms) = 100 ms: 20 % of 300 + 100 x 0.2 = 80 records; the mean by max(20 %, 100 ms).
  live.groups[0].stalled = {300 + 79, 900, 1000 + 199, 3000};
  auto r = live::compare_runs(sc, sim, live, {});
  const auto* n = find(r, "stalled_records", "g");
  const auto* m = find(r, "stalled_mean_ms", "g");
  ASSERT_NE(n, nullptr);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(n->tolerance, "±80");
  EXPECT_EQ(m->tolerance, "±200.0 ms");
  EXPECT_TRUE(n->ok);
  EXPECT_TRUE(m->ok);
  live.groups[0].stalled = {300 + 81, 900, 1000 + 201, 3000};
  r = live::compare_runs(sc, sim, live, {});
  EXPECT_FALSE(find(r, "stalled_records")->ok);
  EXPECT_FALSE(find(r, "stalled_mean_ms")->ok);
  EXPECT_FALSE(r.ok());
  // On the mock cluster (its join phase waits session.timeout.ms - 1 s) they are shown only.
  live::CompareOptions mock;
  mock.mock = true;
  r = live::compare_runs(sc, sim, live, mock);
  EXPECT_TRUE(find(r, "stalled_records")->informational);
}

TEST(LiveCompare, StickyAssignmentsAfterAStaggeredStartUpAreInformational) {
  auto sc = scenario();
  auto sim = base_run();
  auto live = base_run();
  // Live, g/0 joined first and got everything; g/1's arrival took the incremental protocol's two
  // rounds (the first withholds a-2 and a-3), so the settled generation is the third.
  live.generations = {{"g", 1, 0.05, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}},
                      {"g", 2, 0.08, {{"g/0", {"a-0", "a-1"}}, {"g/1", {}}}},
                      {"g", 3, 0.1, {{"g/0", {"a-0", "a-1"}}, {"g/1", {"a-2", "a-3"}}}},
                      {"g", 4, 30.2, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}}};
  const auto settled = live::settled_generations(live, sc.groups[0]);
  ASSERT_EQ(settled.size(), 2u);
  EXPECT_EQ(settled.front().generation, 3);
  // range: the assignor has no memory, the start-up does not matter.
  auto r = live::compare_runs(sc, sim, live, {});
  EXPECT_FALSE(find(r, "assignment", "g #0")->informational);
  EXPECT_TRUE(find(r, "assignment", "g #0")->ok);
  // cooperative-sticky: what the start-up handed out carries over; shown only, with a note.
  sc.groups[0].assignor = "cooperative-sticky";
  sc.groups[0].protocol = "cooperative";
  live.generations[2].assignment = {{"g/0", {"a-2", "a-3"}}, {"g/1", {"a-0", "a-1"}}};
  r = live::compare_runs(sc, sim, live, {});
  EXPECT_TRUE(find(r, "assignment", "g #0")->informational);
  EXPECT_FALSE(find(r, "assignment", "g #0")->ok);
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes.back().find("start-up took 3 generation(s) live"), std::string::npos) << r.notes.back();
  // Without a staggered start-up they count.
  live = base_run();
  r = live::compare_runs(sc, sim, live, {});
  EXPECT_FALSE(find(r, "assignment", "g #0")->informational);
}

TEST(LiveCompare, LostRecordsBreakConservation) {
  auto sc = scenario();
  auto live = base_run();
  live.groups[0].consumed -= 7;  // seven records neither processed nor counted as lag
  auto r = live::compare_runs(sc, base_run(), live, {});
  EXPECT_FALSE(find(r, "live_conservation")->ok);
}

TEST(LiveScale, ScalesTimesAndRates) {
  auto sc = scenario();
  auto s = live::scale_scenario(sc, 0.1);
  EXPECT_EQ(s.time_scale, 1.0);
  EXPECT_EQ(s.duration, 6 * sim::kSecond);
  EXPECT_EQ(s.groups[0].session_timeout, sim::kSecond);
  EXPECT_EQ(s.groups[0].heartbeat_interval, 100 * sim::kMillisecond);
  EXPECT_EQ(s.groups[0].commit.interval, 500 * sim::kMillisecond);
  // Per-record quantities are kept: the same load on a shorter timeline.
  EXPECT_DOUBLE_EQ(s.groups[0].consumers.processing_time.value, 0.002);
  EXPECT_DOUBLE_EQ(s.producers[0].rate.per_second, 100);
  EXPECT_EQ(s.faults[0].at, 2 * sim::kSecond);
  EXPECT_EQ(s.producers[0].stop, sim::kNever);
  EXPECT_THROW(live::scale_scenario(sc, 0), InputError);
  EXPECT_THROW(live::scale_scenario(sc, 1.5), InputError);
}

TEST(LiveSettings, RejectsWhatLibrdkafkaRejectsAndWarnsAboutBrokerLimits) {
  auto sc = live::scale_scenario(scenario(), 0.1);  // session timeout 1 s
  live::BrokerLimits limits;                        // Kafka's default minimum: 6 s
  auto w = live::check_live_settings(sc, limits, false);
  bool warned = false;
  for (const auto& x : w) warned |= x.find("group.min.session.timeout.ms") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_THROW(live::check_live_settings(sc, limits, true), InputError);  // mock needs >= 5 s
  auto bad = scenario();
  bad.groups[0].max_poll_interval = sim::kSecond;
  // librdkafka rejects max.poll.interval.ms < session.timeout.ms; the Java client does not.
  bad.client = models::ClientFlavor::Librdkafka;
  EXPECT_THROW(live::check_live_settings(bad, limits, false), InputError);
  bad.client = models::ClientFlavor::Java;
  EXPECT_NO_THROW(live::check_live_settings(bad, limits, false));
  // The Java client has sticky; librdkafka does not.
  bad.groups[0].assignor = "sticky";
  EXPECT_NO_THROW(live::check_live_settings(bad, limits, false));
  bad.client = models::ClientFlavor::Librdkafka;
  EXPECT_THROW(live::check_live_settings(bad, limits, false), InputError);
  EXPECT_EQ(live::librdkafka_strategy("cooperative-sticky"), "cooperative-sticky");
  EXPECT_THROW(live::librdkafka_strategy("sticky"), InputError);
}

TEST(LiveProperties, ParsesPairsAndFiles) {
  auto p = live::parse_property("security.protocol=SASL_SSL");
  EXPECT_EQ(p.first, "security.protocol");
  EXPECT_EQ(p.second, "SASL_SSL");
  EXPECT_EQ(live::parse_property("sasl.password=a=b").second, "a=b");
  EXPECT_THROW(live::parse_property("novalue"), InputError);
  EXPECT_THROW(live::parse_property("=x"), InputError);
  std::string path = ::testing::TempDir() + "/cgsim_props_test.properties";
  {
    std::ofstream f(path);
    f << "# comment\n! also a comment\n\nsasl.mechanism = PLAIN\nclient.rack: r1\n";
  }
  auto ps = live::read_properties_file(path);
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0], (std::pair<std::string, std::string>{"sasl.mechanism", "PLAIN"}));
  EXPECT_EQ(ps[1], (std::pair<std::string, std::string>{"client.rack", "r1"}));
  {
    std::ofstream f(path);
    f << "ok=1\nbroken line\n";
  }
  try {
    live::read_properties_file(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(LiveRecorder, CountsDuplicatesGenerationsAndLatency) {
  auto sc = scenario();
  live::Recorder::GroupInfo gi;
  gi.id = "g";
  gi.partitions = {0, 1, 2, 3};
  live::Recorder rec({"a-0", "a-1", "a-2", "a-3"}, {gi});
  rec.set_end(10'000'000'000);
  for (int o = 0; o < 10; ++o) rec.produced(0, o, o * 1'000'000);
  rec.consumer_started(0, "g/0", 0);
  rec.consumer_started(0, "g/1", 0);
  rec.assigned(0, "g/0", "g-0-x", 1, 100'000'000, {0, 1});
  rec.assigned(0, "g/1", "g-1-x", 1, 100'000'000, {2, 3});
  std::vector<live::ProcessedRecord> batch;
  for (int o = 0; o < 6; ++o) batch.push_back({0, o, o * 1'000'000, o * 1'000'000 + 5'000'000});
  rec.processed(0, "g/0", batch);
  rec.committed(0, 0, 4);
  models::FaultSpec crash;
  crash.kind = models::FaultSpec::Kind::Crash;
  rec.fault(0, crash, 0, 2'000'000'000);
  rec.consumer_stopped(0, "g/0", 2'000'000'000);
  rec.revoked(0, "g/1", 5'000'000'000, {2, 3}, {});
  rec.assigned(0, "g/1", "g-1-x", 2, 5'100'000'000, {0, 1, 2, 3});
  // The new owner resumes at the committed offset 4: records 4 and 5 are processed again.
  std::vector<live::ProcessedRecord> again;
  for (int o = 4; o < 10; ++o) again.push_back({0, o, o * 1'000'000, 5'200'000'000});
  rec.processed(0, "g/1", again);
  // Reports after the end of the run are ignored.
  rec.processed(0, "g/1", {{0, 9, 0, 11'000'000'000}});
  auto s = rec.finish(10'000'000'000, sc, "kafka");
  EXPECT_EQ(s.produced, 10u);
  EXPECT_EQ(s.consumed, 12u);
  EXPECT_EQ(s.duplicates, 2u);
  EXPECT_EQ(s.final_lag, 0u);
  ASSERT_EQ(s.generations.size(), 2u);
  EXPECT_EQ(s.generations[1].assignment.at("g/1"), (std::vector<std::string>{"a-0", "a-1", "a-2", "a-3"}));
  ASSERT_EQ(s.rebalances.size(), 2u);
  EXPECT_EQ(s.rebalances[0].trigger, "initial");
  EXPECT_DOUBLE_EQ(s.rebalances[1].start_s, 5.0);
  EXPECT_EQ(s.rebalances[1].trigger, "session_timeout");
  EXPECT_EQ(s.rebalances[1].partitions_moved, 2);
  EXPECT_EQ(s.groups[0].consumers[0].state, "Stopped");
  EXPECT_EQ(s.groups[0].consumers[1].duplicates, 2u);
  EXPECT_EQ(s.latency_ms.count, 10u);  // first processings only
  // Offsets 6-9 waited while partition 0 had no consumer (g/0 stopped at 2 s, g/1 got it at
  // 5.1 s): caught in a stall. Offsets 0-5 were processed before any hand-out after them.
  EXPECT_EQ(s.stalled.records, 4u);
  EXPECT_EQ(s.latency_steady_ms.count, 6u);
  EXPECT_EQ(s.groups[0].stalled.records, 4u);
  EXPECT_NEAR(s.stalled.max_ms, 5200 - 6, 1e-6);
  EXPECT_DOUBLE_EQ(s.latency_ms.p50, 5.0);
  // Both duplicates had been processed before the crash: charged to it.
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, "crash");
  EXPECT_EQ(s.faults[0].subject, "g/0");
  EXPECT_DOUBLE_EQ(s.faults[0].at_s, 2.0);
  EXPECT_EQ(s.faults[0].duplicates, 2u);
}

TEST(LiveRecorder, RecordsQueuedBehindAStallsBacklogAreStalledUntilTheConsumerRunsDry) {
  auto sc = scenario();
  live::Recorder::GroupInfo gi;
  gi.id = "g";
  gi.partitions = {0, 1};
  live::Recorder rec({"a-0", "a-1"}, {gi});
  rec.set_end(10'000'000'000);
  rec.consumer_started(0, "g/0", 0);
  // Partitions 0 and 1 are handed out at 1 s; partition 0 has a backlog from before.
  rec.assigned(0, "g/0", "g-0-x", 1, 1'000'000'000, {0, 1});
  const std::int64_t ms = 1'000'000;
  rec.processed(0, "g/0",
                {{0, 0, 500 * ms, 1001 * ms, true},   // backlog: produced before the hand-out
                 {1, 0, 1000 * ms + 1, 1002 * ms},    // produced after, but queued behind it
                 {0, 1, 1001 * ms, 1003 * ms},        // still behind
                 {1, 1, 1010 * ms, 1011 * ms, true},  // the consumer ran dry before this one
                 {0, 2, 1020 * ms, 1021 * ms}});
  auto s = rec.finish(10'000'000'000, sc, "kafka");
  EXPECT_EQ(s.stalled.records, 3u);
  EXPECT_EQ(s.latency_steady_ms.count, 2u);
  EXPECT_DOUBLE_EQ(s.stalled.max_ms, 501);
  EXPECT_DOUBLE_EQ(s.latency_steady_ms.max, 1);
}

TEST(LiveRecorder, PercentilesComeFromTheSimulatorsHistogram) {
  // Live and simulated summaries share one estimator: nearest rank over the log-linear
  // histogram, within 0.1% of the exact order statistic; count, mean and maximum exact.
  cgsim::analysis::Histogram h;
  for (int i = 1; i <= 100; ++i) h.add(i * 1'000'000);
  auto l = cgsim::analysis::summarize_latency(h);
  EXPECT_NEAR(l.p50, 50, 0.05);
  EXPECT_NEAR(l.p90, 90, 0.09);
  EXPECT_NEAR(l.p99, 99, 0.099);
  EXPECT_DOUBLE_EQ(l.max, 100);
  EXPECT_DOUBLE_EQ(l.mean, 50.5);
  EXPECT_EQ(l.count, 100u);
}

}  // namespace
