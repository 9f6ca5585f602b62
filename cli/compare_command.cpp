/// @file compare_command.cpp
/// `cgsim compare FILE... [--seeds M] [--jobs N] [--json] [--out DIR]`: runs scenarios of any
/// broker family and prints one row per scenario with the same figures (latency, what the crash
/// cost, per-key order, backlog and recovery, consumer shares); docs/comparing-brokers.md.
#include <atomic>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "analysis/experiments/compare.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/compare_table.hpp"
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

struct CompareOptions {
  std::vector<std::string> files;
  int seeds = 1;
  unsigned jobs = 1;
  bool json = false;
  std::string out;
  BudgetFlags budget;
};

int run_compare_command(const CompareOptions& o) {
  // Every file is loaded (and checked) before anything runs, so bad input fails at once.
  std::vector<analysis::CompareSubject> subjects;
  for (const auto& f : o.files) subjects.push_back(analysis::load_compare_subject(f, o.budget.budget));
  const std::size_t seeds = static_cast<std::size_t>(o.seeds);
  std::vector<analysis::CompareRow> rows(subjects.size());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const auto& s = subjects[i];
    rows[i] = {s.file, s.family, s.scenario, s.assignment, s.has_crash, s.crash_at_s, {}};
    rows[i].runs.resize(seeds);
  }
  // Runs are independent; each result goes to its own slot, so the output is the same for any
  // number of threads.
  const std::size_t tasks = subjects.size() * seeds;
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (std::size_t t = next++; t < tasks; t = next++) {
      const std::size_t i = t / seeds, k = t % seeds;
      try {
        rows[i].runs[k] = analysis::run_compare(subjects[i], subjects[i].seed + k);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = tasks;
      }
    }
  };
  const std::size_t threads = std::min<std::size_t>(std::max(1u, o.jobs), tasks);
  std::vector<std::thread> pool;
  for (std::size_t n = 1; n < threads; ++n) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);

  const std::string json = analysis::compare_to_json(rows).dump(2) + "\n";
  const std::string text = analysis::format_compare_text(rows);
  if (!o.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) throw WriteError("--out " + o.out + ": cannot create the directory (" + ec.message() + ")");
    analysis::write_file_atomically(std::filesystem::path(o.out) / "compare.json", json);
    analysis::write_file_atomically(std::filesystem::path(o.out) / "compare.txt", text);
  }
  std::cout << (o.json ? json : text);
  return kExitOk;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  auto* cmd = app.add_subcommand(
      "compare", "Run scenarios of any broker (Kafka, RabbitMQ, Pulsar) and print their figures side by side");
  cmd->add_option("scenarios", o->files, "Scenario files (YAML or JSON), one row each")->required();
  cmd->add_option("--seeds", o->seeds,
                  "Run each scenario with its own seed and the next M-1, and print each figure's median [min..max]")
      ->check(integer_in(1, 100000));
  cmd->add_option("--jobs,-j", o->jobs, "Runs at once (default 1); the output is the same for any value")
      ->check(integer_in(1, 1024));
  cmd->add_flag("--json", o->json, "Print compare.json instead of the table");
  cmd->add_option("--out", o->out, "Also write compare.txt and compare.json into this directory");
  add_budget_flags(cmd, o->budget, false);
  return {cmd, [o] { return run_compare_command(*o); }};
}

}  // namespace cgsim::cli
