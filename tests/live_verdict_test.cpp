// validate's statistics and verdicts with synthetic summaries, and a deliberately wrong model
// caught by the comparison (simulations standing in for the live runs).
#include <sched.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "analysis/experiments/simulate.hpp"
#include "live/compare.hpp"
#include "live/host.hpp"
#include "live/progress.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "live_small_scenario.hpp"

namespace {

using namespace cgsim;

models::Scenario scenario() { return live_testing::small_scenario(); }

analysis::RunSummary run(double rebalance_s = 0.2, std::uint64_t g0 = 3000, std::uint64_t g1 = 3000) {
  analysis::RunSummary s;
  s.produced = 6000;
  s.consumed = g0 + g1;
  s.simulated_seconds = 60;
  s.latency_steady_ms.p50 = 3;
  s.latency_steady_ms.p90 = 5;
  s.latency_steady_ms.p99 = 9;
  s.generations = {{"g", 1, 0.1, {{"g/0", {"a-0", "a-1"}}, {"g/1", {"a-2", "a-3"}}}},
                   {"g", 2, 30.2, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}}};
  analysis::RebalanceRecord r1;
  r1.group = "g";
  r1.start_s = 0;
  r1.end_s = 0.1;
  r1.generation = 1;
  r1.trigger = "initial";
  analysis::RebalanceRecord r2 = r1;
  r2.start_s = 30;
  r2.end_s = 30 + rebalance_s;
  r2.generation = 2;
  r2.trigger = "session_timeout";
  s.rebalances = {r1, r2};
  analysis::GroupSummary gs;
  gs.id = "g";
  gs.consumed = g0 + g1;
  gs.produced = 6000;
  analysis::ConsumerSummary c0, c1;
  c0.name = "g/0";
  c0.consumed = g0;
  c1.name = "g/1";
  c1.consumed = g1;
  gs.consumers = {c0, c1};
  s.groups = {gs};
  return s;
}

const live::Check* find(const live::ValidationReport& r, const std::string& kind, const std::string& subject = "") {
  for (const auto& c : r.checks)
    if (c.kind == kind && (subject.empty() || c.subject == subject)) return &c;
  return nullptr;
}

TEST(LiveStats, DistributionsHaveMinMedianMaxAndSpread) {
  auto d = live::distribution({2025, 1260, 2004});
  EXPECT_EQ(d.n(), 3u);
  EXPECT_EQ(d.min(), 1260);
  EXPECT_EQ(d.median(), 2004);
  EXPECT_EQ(d.max(), 2025);
  EXPECT_NEAR(d.relative_spread(), (2025.0 - 1260) / 2004, 1e-12);
  EXPECT_EQ(d.format(0), "2004 [1260..2025, n=3]");
  EXPECT_EQ(live::distribution({4, 1, 3, 2}).median(), 2.5);
  EXPECT_EQ(live::distribution({7}).format(1), "7.0");
  EXPECT_EQ(live::distribution({7}).relative_spread(), 0);
  EXPECT_EQ(live::distribution({}).format(), "(none)");
  live::Tolerances tol;
  EXPECT_EQ(live::duplicates_tolerance(live::distribution({100}), live::distribution({100}), tol), 0.10);
  EXPECT_NEAR(live::duplicates_tolerance(live::distribution({90, 100, 105}), live::distribution({100}), tol), 0.15, 1e-12);
  EXPECT_EQ(live::duplicates_tolerance(live::distribution({100}), live::distribution({10, 100, 300}), tol), 0.25);
}

TEST(LiveStats, ExpectedProductionIntegratesRatesOverEachProducersTime) {
  auto sc = scenario();
  EXPECT_DOUBLE_EQ(live::expected_produced(sc), 6000);
  sc.producers[0].count = 2;
  sc.producers[0].start = 10 * sim::kSecond;
  sc.producers[0].stop = 40 * sim::kSecond;
  EXPECT_DOUBLE_EQ(live::expected_produced(sc), 2 * 100 * 30);
  sc.producers[0].count = 1;
  sc.producers[0].start = 0;
  sc.producers[0].stop = sim::kNever;
  sc.producers[0].rate.kind = models::RateSpec::Kind::Steps;
  sc.producers[0].rate.steps = {{0, 100}, {30 * sim::kSecond, 300}};
  EXPECT_DOUBLE_EQ(live::expected_produced(sc), 100 * 30 + 300 * 30);
}

TEST(LiveStats, EveryLiveRebalanceCountMustBeOneTheSimulatorGives) {
  auto sc = scenario();
  auto two = run();
  auto three = run();
  analysis::RebalanceRecord extra = three.rebalances[1];
  extra.start_s = 45;
  extra.end_s = 45.1;
  extra.trigger = "unknown";
  three.rebalances.push_back(extra);
  three.generations.push_back({"g", 3, 45.1, {{"g/0", {"a-0", "a-1", "a-2", "a-3"}}}});
  auto r = live::compare_distributions(sc, {two, two, two}, {two, two, three}, {});
  const auto* c = find(r, "rebalances");
  EXPECT_EQ(c->simulator, "2 [2..2, n=3]");
  EXPECT_EQ(c->live, "2 [2..3, n=3]");
  EXPECT_FALSE(c->ok);
  // The unmatched live rebalance is named with its repetition.
  const auto* u = find(r, "rebalance_unmatched");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->subject, "g (unknown) at 45.00 s, repetition 3");
  EXPECT_FALSE(u->ok);
  EXPECT_EQ(r.verdict(), live::Verdict::Mismatch);
  EXPECT_EQ(live::exit_code_of(r.verdict()), kExitMismatch);
  // When one simulated seed has it too, the count is one the model gives (its rebalance still
  // pairs with none in the first seed and is shown as the model's spread).
  r = live::compare_distributions(sc, {two, three, two}, {two, two, three}, {});
  EXPECT_TRUE(find(r, "rebalances")->ok);
}

TEST(LiveStats, EachRepetitionsAssignmentMustBeOneTheSimulatorGives) {
  auto sc = scenario();
  auto odd = run();
  odd.generations[0].assignment = {{"g/0", {"a-0", "a-2"}}, {"g/1", {"a-1", "a-3"}}};
  auto r = live::compare_distributions(sc, {run()}, {run(), odd, run()}, {});
  const auto* c = find(r, "assignment", "g #0");
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->note, "differs in repetition 2");
  EXPECT_NE(c->live.find("(2 of 3 repetitions alike)"), std::string::npos) << c->live;
  EXPECT_TRUE(find(r, "assignment", "g #1")->ok);
}

TEST(LiveStats, MediansAreComparedForDurationsAndShares) {
  auto sc = scenario();
  // Simulated durations 0.9 / 1.0 / 1.1 s, live 0.85 / 1.15 / 1.19 s: medians 1.0 and 1.15.
  auto r = live::compare_distributions(sc, {run(0.9), run(1.0), run(1.1)}, {run(0.85), run(1.15), run(1.19)}, {});
  const auto* d = find(r, "rebalance_duration_s", "g #1 (session_timeout)");
  ASSERT_NE(d, nullptr) << r.table();
  EXPECT_EQ(d->simulator, "1.000 [0.900..1.100, n=3]");
  EXPECT_EQ(d->tolerance, "±0.200");
  EXPECT_TRUE(d->ok);
  r = live::compare_distributions(sc, {run(0.9), run(1.0), run(1.1)}, {run(0.85), run(1.21), run(1.3)}, {});
  EXPECT_FALSE(find(r, "rebalance_duration_s", "g #1 (session_timeout)")->ok);
  // Shares: 50 % simulated; live 51.9 % passes, 52.1 % does not.
  r = live::compare_distributions(sc, {run()}, {run(0.2, 3114, 2886), run(0.2, 3000, 3000)}, {});
  EXPECT_TRUE(find(r, "share", "g/0")->ok);
  r = live::compare_distributions(sc, {run()}, {run(0.2, 3126, 2874), run(0.2, 3130, 2870)}, {});
  EXPECT_FALSE(find(r, "share", "g/0")->ok);
  EXPECT_EQ(find(r, "share", "g/0")->tolerance, "±2.0 pp");
}

TEST(LiveVerdict, AHostThatCannotKeepUpIsInconclusiveNeverAMismatchOrAPass) {
  auto sc = scenario();
  live::HostFigures fine;
  fine.expected_produced = 6000;
  fine.produced = 5990;
  fine.consumer_cpu_wait = 0.004;
  fine.consumer_cpu_wait_max = 0.01;
  fine.consumer_threads = 2;
  fine.process_cpu = 0.3;
  live::CompareOptions o;
  o.host = {fine, fine};
  auto r = live::compare_distributions(sc, {run()}, {run(), run()}, o);
  EXPECT_EQ(r.verdict(), live::Verdict::Pass) << r.table();
  EXPECT_EQ(find(r, "host_produce_rate", "repetition 1")->tolerance, "short by <= 2.00 %");

  // Producers 3 % short in one repetition: inconclusive, with the figure that shows it.
  auto short_host = fine;
  short_host.produced = 5820;
  o.host = {fine, short_host};
  r = live::compare_distributions(sc, {run()}, {run(), run()}, o);
  EXPECT_EQ(r.verdict(), live::Verdict::Inconclusive);
  EXPECT_EQ(live::exit_code_of(r.verdict()), kExitInconclusive);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(find(r, "host_produce_rate", "repetition 2")->live, "5820 (short by 3.00 %)");
  EXPECT_NE(r.table().find("INCONCLUSIVE: the host could not keep up"), std::string::npos) << r.table();
  EXPECT_NE(r.table().find("host_produce_rate repetition 2: 5820 (short by 3.00 %)"), std::string::npos);
  // ... even when the model checks fail too: the run says nothing about the model.
  auto lagging = run(3.0);
  r = live::compare_distributions(sc, {run()}, {lagging, lagging}, o);
  EXPECT_FALSE(find(r, "rebalance_duration_s", "g #1 (session_timeout)")->ok);
  EXPECT_EQ(r.verdict(), live::Verdict::Inconclusive);

  // Consumer threads waiting for a CPU 5 % of their lifetime: inconclusive.
  auto starved = fine;
  starved.consumer_cpu_wait = 0.05;
  starved.consumer_cpu_wait_max = 0.09;
  o.host = {starved};
  r = live::compare_distributions(sc, {run()}, {run()}, o);
  EXPECT_EQ(r.verdict(), live::Verdict::Inconclusive);
  EXPECT_EQ(find(r, "host_consumer_cpu_wait", "live run")->live, "5.00 % (worst thread 9.00 %, 2 threads)");
  // Not measured: shown, not counted.
  auto unknown = fine;
  unknown.consumer_cpu_wait = -1;
  o.host = {unknown};
  r = live::compare_distributions(sc, {run()}, {run()}, o);
  EXPECT_EQ(r.verdict(), live::Verdict::Pass);
  EXPECT_TRUE(find(r, "host_consumer_cpu_wait")->informational);

  // Poisson arrivals: 3 standard deviations of the count when that is more than 2 %.
  auto poisson = fine;
  poisson.random_arrivals = true;
  poisson.expected_produced = 600;  // 3 / sqrt(600) = 12.2 %
  poisson.produced = 540;
  o.host = {poisson};
  r = live::compare_distributions(sc, {run()}, {run()}, o);
  EXPECT_TRUE(find(r, "host_produce_rate")->ok) << find(r, "host_produce_rate")->tolerance;
  EXPECT_EQ(r.verdict(), live::Verdict::Pass);
}

TEST(LiveVerdict, TheMockClusterIsLabelledAsWeakerEvidence) {
  auto sc = scenario();
  live::CompareOptions o;
  o.mock = true;
  auto r = live::compare_distributions(sc, {run()}, {run()}, o);
  EXPECT_NE(r.evidence.find("weaker evidence"), std::string::npos);
  EXPECT_NE(r.table().find("evidence: librdkafka's mock cluster: weaker evidence"), std::string::npos);
  EXPECT_EQ(r.to_json()["evidence"], r.evidence);
  EXPECT_EQ(live::compare_distributions(sc, {run()}, {run()}, {}).evidence, "a real Kafka broker");
}

TEST(LiveVerdict, EveryToleranceIsPrintedWithItsReason) {
  auto r = live::compare_distributions(scenario(), {run()}, {run()}, {});
  const std::string t = r.table();
  for (const char* line : {"  share: medians within 2 percentage points (", "  rebalance_duration_s: medians within 20 % or 100 ms",
                           "  duplicates: medians within 10 %, or the larger side's spread",
                           "  latency_steady_p50_ms: medians net of the client round trip within 20 % or 2 ms",
                           "  rebalances: exact", "  assignment: exact"}) {
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n" << t;
  }
  EXPECT_FALSE(r.to_json()["checks"][0]["reason"].get<std::string>().empty());
}

// A deliberately wrong model must fail the comparison: runs of the right model (other seeds)
// stand in for the live repetitions, the wrong model is what is "simulated".
std::vector<analysis::RunSummary> simulate_seeds(models::Scenario sc, int n, std::uint64_t first) {
  std::vector<analysis::RunSummary> out;
  for (int i = 0; i < n; ++i) {
    sc.seed = first + static_cast<std::uint64_t>(i);
    out.push_back(analysis::simulate(sc));
  }
  return out;
}

TEST(LiveVerdict, TheRightModelAgainstItselfPassesAndAWrongOneIsAMismatch) {
  auto truth = scenario();
  truth.producers[0].rate.kind = models::RateSpec::Kind::Poisson;
  const auto live_runs = simulate_seeds(truth, 3, 100);
  auto same = live::compare_distributions(truth, simulate_seeds(truth, 3, 1), live_runs, {});
  EXPECT_EQ(same.verdict(), live::Verdict::Pass) << same.table();

  // Session timeout off by 50 %: the crash's stall lasts 5 s longer.
  auto wrong = truth;
  wrong.groups[0].session_timeout = 15 * sim::kSecond;
  auto r = live::compare_distributions(wrong, simulate_seeds(wrong, 3, 1), live_runs, {});
  EXPECT_EQ(r.verdict(), live::Verdict::Mismatch) << r.table();
  EXPECT_EQ(live::exit_code_of(r.verdict()), kExitMismatch);
  EXPECT_FALSE(find(r, "rebalance_start_s", "g #1 (session_timeout)")->ok) << r.table();
  EXPECT_FALSE(find(r, "stalled_mean_ms")->ok) << r.table();

  // Auto-commit off (nothing committed): the crash's duplicates are everything the member read.
  wrong = truth;
  wrong.groups[0].commit.kind = models::CommitSpec::Kind::None;
  r = live::compare_distributions(wrong, simulate_seeds(wrong, 3, 1), live_runs, {});
  EXPECT_EQ(r.verdict(), live::Verdict::Mismatch) << r.table();
  EXPECT_FALSE(find(r, "fault_duplicates")->ok) << r.table();
}

TEST(LiveHost, ConsumerThreadsAreNotedAndTheirCpuWaitMeasured) {
  live::ProgressBoard board;
  board.begin_repetition(0, 2);
  board.phase("running");
  EXPECT_EQ(board.snapshot().phase, "repetition 1/2: running");
  live::HostMonitor monitor(board, std::chrono::milliseconds(20));
  std::thread t([&board] {
    for (int i = 0; i < 3; ++i) board.add_consumed();
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(120);
    volatile double x = 0;
    while (std::chrono::steady_clock::now() < until) x = x + 1;
  });
  t.join();
  EXPECT_EQ(board.consumer_threads().size(), 1u);
  EXPECT_EQ(board.snapshot().consumed, 3u);
  const auto load = monitor.stop();
  EXPECT_GT(load.process_cpu, 0);
  if (load.consumer_cpu_wait >= 0) {
    EXPECT_EQ(load.consumer_threads, 1u);
    EXPECT_LE(load.consumer_cpu_wait, 1.0);
  }
  board.begin_repetition(1, 2);
  EXPECT_TRUE(board.consumer_threads().empty());
  EXPECT_EQ(board.snapshot().consumed, 0u);
}

namespace {

/// A child process that spins on CPU 0 for @p ms milliseconds: two of them starve each other.
pid_t spin_on_cpu0(int ms) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  sched_setaffinity(0, sizeof set, &set);
  timespec t0{}, t{};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  do {
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
  _exit(0);
}

}  // namespace

TEST(LiveHost, AWorkerProcessStarvedOfCpuIsSeen) {
  // The Java client's consumer threads live in worker processes: they are noted by pid and tid,
  // and the monitor measures them and every other thread of their processes. Two workers spinning
  // on one CPU each wait about half of their lifetime.
  live::ProgressBoard board;
  board.begin_repetition(0, 1);
  board.add_consumed(false);  // a relaying thread is not a consumer thread
  EXPECT_TRUE(board.consumer_threads().empty());
  const pid_t a = spin_on_cpu0(600), b = spin_on_cpu0(600);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  board.note_thread(a, a);
  board.note_thread(b, b);
  board.note_thread(b, b);
  EXPECT_EQ(board.consumer_threads().size(), 2u);
  live::HostMonitor monitor(board, std::chrono::milliseconds(20));
  int status = 0;
  waitpid(a, &status, 0);
  waitpid(b, &status, 0);
  const auto load = monitor.stop();
  if (load.consumer_cpu_wait < 0) GTEST_SKIP() << "no schedstat on this kernel";
  EXPECT_EQ(load.consumer_threads, 2u);
  EXPECT_GT(load.consumer_cpu_wait, 0.2);
  EXPECT_EQ(load.worker_processes, 2u);
  EXPECT_GT(load.worker_cpu_delay, 0.2);
  live::HostFigures h;
  h.consumer_cpu_wait = load.consumer_cpu_wait;
  h.consumer_cpu_wait_max = load.consumer_cpu_wait_max;
  h.worker_cpu_delay = load.worker_cpu_delay;
  h.worker_processes = load.worker_processes;
  bool starved = false;
  for (const auto& c : live::host_checks(h, "repetition 1", {}))
    if (c.kind == "host_consumer_cpu_wait") starved = c.host && !c.ok;
  EXPECT_TRUE(starved);
}

TEST(LiveHost, TheClientRoundTripIsMeasuredOnTheMockCluster) {
  live::LiveOptions o;
  std::string error;
  const double ms = live::measure_client_rtt_ms(o, 5, &error);
  EXPECT_GT(ms, 0) << error;
  EXPECT_LT(ms, 1000);
}

}  // namespace
