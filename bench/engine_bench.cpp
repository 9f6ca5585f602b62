/// @file engine_bench.cpp
/// The discrete-event engine on its own: the hold model and PHOLD.
///
/// Hold model: N events are pending; each benchmark step pops the earliest and schedules it again
/// at t + Exp(mean), so the queue stays at N. This is the classic measure of a pending-event set
/// (Jones 1986, "An empirical comparison of priority-queue and event-set implementations").
///
/// PHOLD: L logical processes with P events each; an event at LP i picks a target LP uniformly
/// (from i's own random stream) and sends it an event at t + lookahead + Exp(mean). Sequential PHOLD
/// adds per-LP state and a second random draw to the hold model.
///
/// Every handler is a lambda capturing one or two pointers, as the Kafka models' handlers do, so it
/// goes through sim::Engine's std::function slots exactly like model events. Counters:
///   events_per_s   executed events per wall second
///   s_per_event    wall time per event (printed with an SI prefix: "40n" is 40 ns)
///   allocs_per_event  heap allocations per executed event inside the timed loop (global operator
///                     new is counted in this binary); the engine's steady state should be 0.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// Counting replacements of the global allocation functions (this benchmark binary only). GCC
// flags free() on memory from operator new, which is right here: these are the replacements.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using cgsim::sim::Engine;
using cgsim::sim::kNever;
using cgsim::sim::Priority;
using cgsim::sim::Rng;
using cgsim::sim::Time;

namespace rank {
constexpr Priority kNetwork = 1, kClient = 3;  // two ranks, as a model would name them
}  // namespace rank

/// Events executed per benchmark iteration: large enough that run_until's entry cost vanishes.
constexpr std::uint64_t kChunk = 1 << 16;
/// Mean of the exponential increment (1 ms; only the shape of the queue matters).
constexpr double kMeanNs = 1e6;

/// Runs @p chunk events and returns; the handler calls stop() when the budget is spent.
struct Budget {
  Engine* engine;
  std::uint64_t left = 0;
  void spend() {
    if (--left == 0) engine->stop();
  }
};

void set_counters(benchmark::State& state, std::uint64_t events, std::uint64_t allocs) {
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["s_per_event"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_event"] = static_cast<double>(allocs) / static_cast<double>(events ? events : 1);
}

// ---------------------------------------------------------------------------------------------
// Hold model

struct Hold {
  Engine engine;
  Rng rng{42, "hold"};
  Budget budget{&engine};

  void schedule_one() {
    Time at = engine.now() + static_cast<Time>(rng.exponential(kMeanNs));
    engine.schedule_at(at, rank::kClient, [this] { fire(); });
  }
  void fire() {
    schedule_one();
    budget.spend();
  }
};

void BM_Hold(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  Hold h;
  for (std::size_t i = 0; i < pending; ++i) h.schedule_one();
  // Warm up: one pass over the queue lets the slot pool and heap reach their steady shape.
  h.budget.left = pending;
  h.engine.run_until(kNever);
  std::uint64_t events = 0;
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    h.budget.left = kChunk;
    const std::uint64_t a0 = g_allocations.load(std::memory_order_relaxed);
    h.engine.run_until(kNever);
    allocs += g_allocations.load(std::memory_order_relaxed) - a0;
    events += kChunk;
  }
  if (h.engine.queue_size() != pending) state.SkipWithError("queue size drifted");
  set_counters(state, events, allocs);
  state.counters["pending"] = static_cast<double>(pending);
}
BENCHMARK(BM_Hold)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------
// PHOLD

struct Phold {
  struct Lp {
    Phold* world;
    std::uint32_t index;
    Rng rng;
    std::uint64_t received = 0;
  };
  Engine engine;
  Budget budget{&engine};
  std::vector<Lp> lps;
  Time lookahead = static_cast<Time>(kMeanNs / 10);

  explicit Phold(std::uint32_t n) {
    lps.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) lps.push_back(Lp{this, i, Rng(7, "phold/" + std::to_string(i)), 0});
  }
  /// LP @p from sends one event to a uniformly chosen LP.
  void send(Lp& from) {
    Lp* to = &lps[from.rng.below(lps.size())];
    Time at = engine.now() + lookahead + static_cast<Time>(from.rng.exponential(kMeanNs));
    engine.schedule_at(at, rank::kNetwork, [to] { to->world->receive(*to); });
  }
  void receive(Lp& lp) {
    ++lp.received;
    send(lp);
    budget.spend();
  }
};

void BM_Phold(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto population = static_cast<std::uint32_t>(state.range(1));
  Phold p(n);
  for (auto& lp : p.lps)
    for (std::uint32_t k = 0; k < population; ++k) p.send(lp);
  p.budget.left = static_cast<std::uint64_t>(n) * population;
  p.engine.run_until(kNever);
  std::uint64_t events = 0;
  std::uint64_t allocs = 0;
  for (auto _ : state) {
    p.budget.left = kChunk;
    const std::uint64_t a0 = g_allocations.load(std::memory_order_relaxed);
    p.engine.run_until(kNever);
    allocs += g_allocations.load(std::memory_order_relaxed) - a0;
    events += kChunk;
  }
  set_counters(state, events, allocs);
  state.counters["lps"] = static_cast<double>(n);
  state.counters["pending"] = static_cast<double>(p.engine.queue_size());
}
BENCHMARK(BM_Phold)->Args({1'000, 1})->Args({1'000, 16})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
