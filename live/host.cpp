#include "live/host.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <sys/resource.h>
#include <unistd.h>

#include "live/progress.hpp"

namespace cgsim::live {

namespace {

double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::string task_dir(long pid) { return pid > 0 ? "/proc/" + std::to_string(pid) + "/task/" : "/proc/self/task/"; }

/// The first two fields of /proc/PID/task/TID/schedstat: nanoseconds on a CPU, and runnable but
/// not running.
bool read_schedstat(const std::string& path, std::int64_t& run, std::int64_t& wait) {
  std::ifstream in(path);
  return static_cast<bool>(in >> run >> wait);
}

}  // namespace

HostMonitor::HostMonitor(const ProgressBoard& board, std::chrono::milliseconds period)
    : board_(board), period_(period), start_(std::chrono::steady_clock::now()), cpu0_(process_cpu_s()) {
  std::int64_t w = 0;
  schedstat_ = std::ifstream("/proc/self/schedstat") >> w ? true : false;
  thread_ = std::thread([this] { loop(); });
}

HostMonitor::~HostMonitor() { stop(); }

void HostMonitor::sample() {
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::set<long> pids;
  for (const ConsumerThread& th : board_.consumer_threads()) {
    std::int64_t run = 0, wait = 0;
    if (th.pid > 0) pids.insert(th.pid);
    if (!read_schedstat(task_dir(th.pid) + std::to_string(th.tid) + "/schedstat", run, wait)) continue;
    auto [it, fresh] = threads_.try_emplace({th.pid, th.tid});
    if (fresh) {
      it->second.wait0 = wait;
      it->second.t0 = now;
    }
    it->second.wait = wait;
    it->second.t = now;
  }
  std::error_code ec;
  for (long pid : pids) {
    for (const auto& entry : std::filesystem::directory_iterator(task_dir(pid), ec)) {
      const long tid = std::strtol(entry.path().filename().c_str(), nullptr, 10);
      std::int64_t run = 0, wait = 0;
      if (tid <= 0 || !read_schedstat(entry.path().string() + "/schedstat", run, wait)) continue;
      auto [it, fresh] = workers_.try_emplace({pid, tid});
      if (fresh) {
        it->second.run0 = run;
        it->second.wait0 = wait;
      }
      it->second.run = run;
      it->second.wait = wait;
    }
  }
}

void HostMonitor::loop() {
  std::unique_lock lk(mu_);
  while (!cv_.wait_for(lk, period_, [this] { return stop_; })) {
    if (schedstat_) sample();
  }
}

HostLoad HostMonitor::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopped_) return result_;
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lk(mu_);
  stopped_ = true;
  if (schedstat_) sample();
  result_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const long cpus = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  if (result_.wall_s > 0) result_.process_cpu = (process_cpu_s() - cpu0_) / (result_.wall_s * static_cast<double>(cpus));
  if (schedstat_) {
    double wait = 0, life = 0, worst = 0;
    for (const auto& [tid, t] : threads_) {
      const double w = static_cast<double>(t.wait - t.wait0) / 1e9, l = t.t - t.t0;
      if (l <= 0) continue;
      wait += w;
      life += l;
      worst = std::max(worst, w / l);
      ++result_.consumer_threads;
    }
    if (life > 0) {
      result_.consumer_cpu_wait = wait / life;
      result_.consumer_cpu_wait_max = worst;
    }
    std::int64_t run_sum = 0, wait_sum = 0;
    std::set<long> pids;
    for (const auto& [key, d] : workers_) {
      run_sum += d.run - d.run0;
      wait_sum += d.wait - d.wait0;
      pids.insert(key.first);
    }
    result_.worker_processes = pids.size();
    if (run_sum + wait_sum > 0) result_.worker_cpu_delay = static_cast<double>(wait_sum) / static_cast<double>(run_sum + wait_sum);
  }
  return result_;
}

double measure_client_rtt_ms(const LiveOptions& options, int samples, std::string* error) {
  char err[512];
  rd_kafka_t* mock_owner = nullptr;
  rd_kafka_mock_cluster_t* mock = nullptr;
  std::string bootstrap = options.bootstrap;
  auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return -1.0;
  };
  if (bootstrap.empty()) {
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
    mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    if (!mock_owner) return fail(err);
    mock = rd_kafka_mock_cluster_new(mock_owner, 1);
    if (!mock) {
      rd_kafka_destroy(mock_owner);
      return fail("cannot start a mock cluster");
    }
    bootstrap = rd_kafka_mock_cluster_bootstraps(mock);
  }
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  if (!options.bootstrap.empty()) {
    for (const auto& [k, v] : options.properties) rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof err);
  }
  rd_kafka_conf_set(c, "log_level", "0", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  double result = -1;
  if (!rk) {
    result = fail(err);
  } else {
    std::vector<double> ms;
    bool ok = true;
    for (int i = 0; i <= samples && ok; ++i) {
      const rd_kafka_metadata_t* md = nullptr;
      const auto t0 = std::chrono::steady_clock::now();
      const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, nullptr, &md, 5000);
      const auto t1 = std::chrono::steady_clock::now();
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ok = false;
        result = fail(std::string("Metadata request failed: ") + rd_kafka_err2str(e));
        break;
      }
      rd_kafka_metadata_destroy(md);
      if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    if (ok && !ms.empty()) {
      std::sort(ms.begin(), ms.end());
      result = ms[ms.size() / 2];
    }
    rd_kafka_destroy(rk);
  }
  if (mock) rd_kafka_mock_cluster_destroy(mock);
  if (mock_owner) rd_kafka_destroy(mock_owner);
  return result;
}

}  // namespace cgsim::live
