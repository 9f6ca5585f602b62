#include "live/java/java_consumer.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "live/progress.hpp"
#include "live/recorder.hpp"
#include "models/common/error.hpp"

#ifndef CGSIM_JAVA_WORKER_DIR
#define CGSIM_JAVA_WORKER_DIR ""
#endif
#ifndef CGSIM_JAVA_SOURCE_DIR
#define CGSIM_JAVA_SOURCE_DIR ""
#endif

namespace cgsim::live::java {

namespace {

using kafka::Command;
using kafka::FailKind;

/// Processing times are sent in batches of this many, whenever fewer than kLow are unused.
constexpr std::size_t kBatch = 2048;
constexpr std::size_t kLow = 1024;
/// How long a worker may take to exit after close or finish before it is killed.
constexpr auto kCloseGrace = std::chrono::seconds(30);

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ms(sim::Time t) { return std::to_string(std::max<sim::Time>(1, t / sim::kMillisecond)); }

}  // namespace

WorkerRuntime find_worker_runtime() {
  namespace fs = std::filesystem;
  WorkerRuntime rt;
  const char* home = std::getenv("JAVA_HOME");
  rt.java = home && *home ? std::string(home) + "/bin/java" : "java";
  const char* env_dir = std::getenv("CGSIM_JAVA_WORKER_DIR");
  const std::string dir = env_dir && *env_dir ? env_dir : CGSIM_JAVA_WORKER_DIR;
  const std::string hint =
      "; client java runs Kafka's Java client (kafka-clients) and needs a JDK 17 and Maven (docs/validation.md, "
      "\"Java client backend\"); to replay with librdkafka instead use --client librdkafka";
  if (dir.empty()) throw InputError("the Java consumer worker's directory is unknown: set CGSIM_JAVA_WORKER_DIR" + hint);
  const fs::path cp_file = fs::path(dir) / "worker.classpath";
  if (!fs::exists(cp_file)) {
    const std::string script = std::string(CGSIM_JAVA_SOURCE_DIR) + "/build-worker.sh";
    if (!fs::exists(script)) throw InputError("the Java consumer worker is not built (no " + cp_file.string() + ")" + hint);
    const std::string cmd = "bash '" + script + "' '" + dir + "' >&2";
    if (std::system(cmd.c_str()) != 0 || !fs::exists(cp_file)) {
      throw InputError("could not build the Java consumer worker with " + script + hint);
    }
  }
  std::ifstream in(cp_file);
  std::getline(in, rt.classpath);
  if (rt.classpath.empty()) throw InputError(cp_file.string() + " is empty" + hint);
  return rt;
}

std::string java_assignor_class(const std::string& assignor) {
  const std::string pkg = "org.apache.kafka.clients.consumer.";
  if (assignor == "range") return pkg + "RangeAssignor";
  if (assignor == "roundrobin") return pkg + "RoundRobinAssignor";
  if (assignor == "sticky") return pkg + "StickyAssignor";
  if (assignor == "cooperative-sticky") return pkg + "CooperativeStickyAssignor";
  throw InputError("assignor \"" + assignor +
                   "\" is not a Java client assignor; the Java client has range, roundrobin, sticky and "
                   "cooperative-sticky (protocol: consumer takes the broker's uniform or server-range)");
}

std::vector<std::string> worker_arguments(const models::Scenario& sc, std::int32_t group, std::int32_t index,
                                          const std::string& group_id, const kafka::Layout& layout,
                                          const std::string& bootstrap, const ClientProperties& user) {
  const models::GroupSpec& g = sc.groups[static_cast<std::size_t>(group)];
  const std::string client_id = g.id + "-" + std::to_string(index);
  std::vector<std::string> a;
  for (const auto& t : g.topics) a.push_back("topic=" + layout.topic(t).kafka);
  switch (g.commit.kind) {
    case models::CommitSpec::Kind::Auto: a.emplace_back("commit=auto"); break;
    case models::CommitSpec::Kind::AfterBatch: a.emplace_back("commit=after_batch"); break;
    case models::CommitSpec::Kind::None: a.emplace_back("commit=none"); break;
  }
  auto prop = [&a](const std::string& k, const std::string& v) { a.push_back("prop." + k + "=" + v); };
  prop("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : user) prop(k, v);
  prop("group.id", group_id);
  prop("client.id", client_id);
  if (g.protocol == "consumer") {
    // KIP-848: the broker assigns; the client's assignor, session timeout and heartbeat interval
    // are the broker's group.consumer.* settings.
    prop("group.protocol", "consumer");
    prop("group.remote.assignor", g.assignor == "server-range" ? "range" : g.assignor);
  } else {
    prop("group.protocol", "classic");
    prop("partition.assignment.strategy", java_assignor_class(g.assignor));
    prop("session.timeout.ms", ms(g.session_timeout));
    prop("heartbeat.interval.ms", ms(g.heartbeat_interval));
  }
  prop("max.poll.interval.ms", ms(g.max_poll_interval));
  prop("max.poll.records", std::to_string(std::max(1, g.max_poll_records)));
  prop("enable.auto.commit", g.commit.kind == models::CommitSpec::Kind::Auto ? "true" : "false");
  prop("auto.commit.interval.ms", ms(g.commit.interval));
  prop("auto.offset.reset", g.auto_offset_reset);
  prop("metadata.max.age.ms", ms(g.metadata_max_age));
  if (g.consumers.static_membership) prop("group.instance.id", client_id);
  if (g.consumers.rack) prop("client.rack", *g.consumers.rack);
  return a;
}

// ---------------------------------------------------------------------------------------------

JavaConsumer::JavaConsumer(kafka::Shared& sh, const kafka::Layout& layout, const models::Scenario& sc,
                           std::int32_t group, std::int32_t index, const WorkerRuntime& runtime)
    : sh_(sh), spec_(sc.groups[static_cast<std::size_t>(group)]), group_(group), index_(index),
      name_(spec_.id + "/" + std::to_string(index)), seed_(sc.seed) {
  for (const auto& t : spec_.topics) topics_.push_back(&layout.topic(t));
  std::vector<std::string> argv{runtime.java, "-XX:+UseSerialGC", "-Xms32m", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                                "-Djava.awt.headless=true", "-cp", runtime.classpath, "CgsimConsumer"};
  for (auto& a : worker_arguments(sc, group, index, layout.group_ids[static_cast<std::size_t>(group)], layout,
                                  sh.bootstrap, sh.options ? sh.options->properties : ClientProperties{})) {
    argv.push_back(std::move(a));
  }
  child_ = std::make_unique<ChildProcess>(argv);
  reader_ = std::thread([this] { read_loop(); });
}

JavaConsumer::~JavaConsumer() {
  child_->kill();
  if (reader_.joinable()) reader_.join();
}

void JavaConsumer::wait_ready(double seconds) {
  std::unique_lock lk(mu_);
  const bool ok = cv_.wait_for(lk, std::chrono::duration<double>(seconds), [this] { return ready_ || exited_; });
  if (ready_) return;
  lk.unlock();
  const std::string why = ok ? "it exited (" + exit_status_ + ")" : "it was not ready within " + std::to_string(static_cast<int>(seconds)) + " s";
  throw Error("the Java consumer " + name_ + " could not be started: " + why + last_words());
}

void JavaConsumer::set_incarnation(std::uint32_t incarnation) {
  std::lock_guard lk(send_mu_);
  rng_ = sim::Rng(seed_, "live.consumer." + spec_.id + "." + std::to_string(index_) + "." + std::to_string(incarnation));
}

std::string JavaConsumer::last_words() const {
  std::lock_guard lk(mu_);
  std::string s;
  for (const auto& l : stderr_tail_) s += "\n  " + l;
  return s.empty() ? s : "; its last words:" + s;
}

void JavaConsumer::send(const std::string& text) {
  // A worker that is gone reads nothing; what it would have done is moot.
  child_->write(text);
}

void JavaConsumer::top_up(std::size_t ahead) {
  std::lock_guard lk(send_mu_);
  while (sent_ - used_ < ahead) {
    std::vector<std::int64_t> ns(kBatch);
    for (auto& v : ns) v = std::max<std::int64_t>(0, std::llround(spec_.consumers.processing_time.sample(rng_) * 1e9));
    send(processing_command(ns));
    sent_ += kBatch;
  }
}

void JavaConsumer::start() {
  top_up(kBatch + kLow);
  {
    std::lock_guard lk(mu_);
    started_ = true;
  }
  send("go\n");
}

void JavaConsumer::command(Command c) {
  switch (c) {
    case Command::Run: return;
    case Command::Close: send("close\n"); return;
    case Command::Finish: send("finish\n"); return;
    case Command::Crash:
    case Command::Abort: {
      const std::int64_t t = sh_.now_ns();
      {
        std::lock_guard lk(mu_);
        if (killed_ || exited_) return;
        killed_ = true;
      }
      // SIGKILL: no commit, no LeaveGroup, no close. What the worker wrote before it died is
      // still read, so every processing it reported counts.
      child_->kill();
      if (reader_.joinable()) reader_.join();
      bool report = false;
      {
        std::lock_guard lk(mu_);
        report = started_ && !stopped_reported_;
        stopped_reported_ = true;
      }
      if (report) sh_.recorder->consumer_stopped(group_, name_, t);
      return;
    }
  }
}

void JavaConsumer::slow(double factor, std::int64_t until_ns) {
  const std::int64_t t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(sh_.t0.time_since_epoch()).count();
  send("slow " + std::to_string(factor) + " " + std::to_string(until_ns + t0 - clock_offset_) + "\n");
}

void JavaConsumer::join() {
  {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, kCloseGrace, [this] { return exited_; })) {
      lk.unlock();
      sh_.log("consumer " + name_ + ": the Java worker did not exit " + std::to_string(kCloseGrace.count()) +
              " s after being told to stop; killed it");
      child_->kill();
    }
  }
  if (reader_.joinable()) reader_.join();
}

bool JavaConsumer::running() const {
  std::lock_guard lk(mu_);
  return !exited_ && !killed_;
}

std::int64_t JavaConsumer::run_ns(std::int64_t worker_ns) const {
  const std::int64_t t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(sh_.t0.time_since_epoch()).count();
  return worker_ns + clock_offset_ - t0;
}

std::int32_t JavaConsumer::global(const WorkerPartition& p) const {
  if (p.topic < 0 || static_cast<std::size_t>(p.topic) >= topics_.size()) return -1;
  return topics_[static_cast<std::size_t>(p.topic)]->first + p.partition;
}

std::vector<std::int32_t> JavaConsumer::global(const std::vector<WorkerPartition>& parts) const {
  std::vector<std::int32_t> out;
  for (const auto& p : parts)
    if (auto g = global(p); g >= 0) out.push_back(g);
  return out;
}

void JavaConsumer::read_loop() {
  std::string out_buf, err_buf;
  bool out_open = true, err_open = true;
  char chunk[65536];
  auto lines = [](std::string& buf, auto&& fn) {
    std::size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      fn(buf.substr(start, nl - start));
      start = nl + 1;
    }
    buf.erase(0, start);
  };
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? child_->stdout_fd() : -1, POLLIN, 0}, {err_open ? child_->stderr_fd() : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      std::string& buf = i == 0 ? out_buf : err_buf;
      buf.append(chunk, static_cast<std::size_t>(n));
      if (i == 0) {
        lines(buf, [this](const std::string& l) { handle(l); });
      } else {
        lines(buf, [this](const std::string& l) {
          if (sh_.options && sh_.options->client_logs) sh_.log("consumer " + name_ + " (java): " + l);
          std::lock_guard lk(mu_);
          stderr_tail_.push_back(l);
          if (stderr_tail_.size() > 12) stderr_tail_.pop_front();
        });
      }
    }
  }
  const int status = child_->wait();
  const std::int64_t t = sh_.now_ns();
  bool unexpected = false;
  {
    std::lock_guard lk(mu_);
    exit_status_ = describe_wait_status(status);
    exited_ = true;
    unexpected = started_ && !killed_ && !stopped_reported_;
    if (unexpected) stopped_reported_ = true;
  }
  cv_.notify_all();
  if (unexpected) {
    sh_.recorder->consumer_stopped(group_, name_, t);
    sh_.fail(FailKind::Internal, "the Java consumer " + name_ + " exited unexpectedly (" + exit_status_ + ")" + last_words());
  }
}

void JavaConsumer::handle(const std::string& line) {
  static const bool trace = std::getenv("CGSIM_JAVA_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "[%s %.3f] %s\n", name_.c_str(), sh_.now_ns() / 1e9, line.substr(0, 120).c_str());
  WorkerEvent e;
  try {
    e = parse_worker_line(line);
  } catch (const std::exception& ex) {
    sh_.fail(FailKind::Internal, "consumer " + name_ + ": " + ex.what());
    return;
  }
  handle_event(e);
}

void JavaConsumer::handle_event(const WorkerEvent& e) {
  using K = WorkerEvent::Kind;
  Recorder* rec = sh_.recorder;
  switch (e.kind) {
    case K::Hello: {
      // System.nanoTime() and the steady clock are both CLOCK_MONOTONIC on Linux; elsewhere the
      // worker's clock is mapped onto cgsim's at this line (off by the pipe's latency).
      const std::int64_t now = steady_now_ns();
      std::lock_guard lk(mu_);
      clock_offset_ = std::llabs(now - e.t) < 1'000'000'000 ? 0 : now - e.t;
      worker_pid_ = e.pid;
      hello_ = true;
      return;
    }
    case K::Ready: {
      {
        std::lock_guard lk(mu_);
        ready_ = true;
      }
      cv_.notify_all();
      return;
    }
    case K::Started: {
      long pid = 0;
      {
        std::lock_guard lk(mu_);
        pid = static_cast<long>(worker_pid_);
      }
      sh_.note_consumer_thread(pid, static_cast<long>(e.tid));
      rec->consumer_started(group_, name_, run_ns(e.t));
      return;
    }
    case K::Assigned:
      rec->assigned(group_, name_, e.member_id, e.generation, run_ns(e.t), global(e.parts));
      return;
    case K::Revoked:
      rec->revoked(group_, name_, run_ns(e.t), global(e.parts), global(e.current));
      return;
    case K::Record: {
      const std::int64_t done = run_ns(e.t);
      if (done <= sh_.end_ns) {
        rec->processed(group_, name_, {{global(e.record), e.offset, e.produced_ns, done, e.after_idle}});
        sh_.count_relayed();
      }
      {
        std::lock_guard lk(send_mu_);
        ++used_;
      }
      top_up(kLow);
      return;
    }
    case K::Commit: {
      const std::int64_t t = run_ns(e.t);
      if (t > sh_.end_ns) return;
      for (const auto& [p, off] : e.commits)
        if (auto g = global(p); g >= 0 && off >= 0) rec->committed(group_, g, off);
      return;
    }
    case K::Stopped: {
      {
        std::lock_guard lk(mu_);
        if (stopped_reported_) return;
        stopped_reported_ = true;
      }
      rec->consumer_stopped(group_, name_, run_ns(e.t));
      return;
    }
    case K::Warn:
      sh_.log("consumer " + name_ + " (java): " + e.text);
      return;
    case K::Fatal: {
      {
        std::lock_guard lk(mu_);
        stopped_reported_ = true;  // the run fails; no stop to record
      }
      const bool config = e.text.find("ConfigException") != std::string::npos ||
                          e.text.find("InvalidSessionTimeout") != std::string::npos;
      sh_.fail(config ? FailKind::Input : FailKind::Internal, "the Java consumer " + name_ + ": " + e.text);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------

JavaFactory::JavaFactory(kafka::Shared& sh, const kafka::Layout& layout, const models::Scenario& sc, WorkerRuntime runtime)
    : sh_(sh), layout_(layout), sc_(sc), runtime_(std::move(runtime)) {}

JavaFactory::~JavaFactory() = default;

void JavaFactory::prepare(std::int32_t group, std::int32_t index) {
  standby_[{group, index}].push_back(std::make_unique<JavaConsumer>(sh_, layout_, sc_, group, index, runtime_));
}

void JavaFactory::wait_prepared() {
  for (auto& [key, list] : standby_)
    for (auto& c : list) c->wait_ready(120);
}

std::unique_ptr<kafka::ConsumerClient> JavaFactory::make(std::int32_t group, std::int32_t index, std::uint32_t incarnation) {
  std::unique_ptr<JavaConsumer> c;
  auto it = standby_.find({group, index});
  if (it != standby_.end() && !it->second.empty()) {
    c = std::move(it->second.front());
    it->second.pop_front();
  } else {
    c = std::make_unique<JavaConsumer>(sh_, layout_, sc_, group, index, runtime_);
  }
  c->wait_ready(120);
  c->set_incarnation(incarnation);
  return c;
}

}  // namespace cgsim::live::java
