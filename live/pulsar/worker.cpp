#include "live/pulsar/worker.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "models/common/error.hpp"

namespace cgsim::live::pulsar {

WorkerRuntime find_worker_runtime() {
  namespace fs = std::filesystem;
  WorkerRuntime rt;
  const char* home = std::getenv("JAVA_HOME");
  rt.java = home && *home ? std::string(home) + "/bin/java" : "java";
  const char* env_dir = std::getenv("CGSIM_PULSAR_WORKER_DIR");
  const std::string dir = env_dir && *env_dir ? env_dir : CGSIM_PULSAR_WORKER_DIR;
  const std::string hint = "; validating a Pulsar scenario runs Pulsar's Java client and needs a JDK 17 and Maven (docs/validation-pulsar.md)";
  const fs::path cp_file = fs::path(dir) / "worker.classpath";
  // Built on first use, and again whenever one of the build's inputs (the worker's sources, its
  // logging configuration, the build script) is newer than the build (a stale worker would speak an
  // older line protocol).
  const fs::path src = CGSIM_JAVA_SOURCE_DIR;
  const fs::path script_path = src / "build-pulsar-worker.sh";
  std::error_code ec;
  bool stale = false;
  if (fs::exists(cp_file) && fs::exists(src / "CgsimPulsarWorker.java")) {
    const auto built = fs::last_write_time(cp_file, ec);
    for (const fs::path& input : {src / "CgsimPulsarWorker.java", src / "CgsimThreads.java", src / "pulsar-worker-log4j2.xml", script_path})
      stale = stale || fs::last_write_time(input, ec) > built;
  }
  if (!fs::exists(cp_file) || stale) {
    const std::string script = script_path.string();
    if (!fs::exists(script)) throw InputError("the Pulsar worker is not built (no " + cp_file.string() + ")" + hint);
    const std::string cmd = "bash '" + script + "' '" + dir + "' >&2";
    if (std::system(cmd.c_str()) != 0 || !fs::exists(cp_file)) throw InputError("could not build the Pulsar worker with " + script + hint);
  }
  std::ifstream in(cp_file);
  std::getline(in, rt.classpath);
  if (rt.classpath.empty()) throw InputError(cp_file.string() + " is empty" + hint);
  return rt;
}

Worker::Worker(const WorkerRuntime& rt, const std::vector<std::string>& args, std::string label, LineFn on_line)
    : label_(std::move(label)), on_line_(std::move(on_line)) {
  // A worker JVM's own CPU use, kept small so that the consumers get a CPU when a message comes:
  // one GC thread, the C1 compiler only with one compiler thread, no perf-data file updates.
  std::vector<std::string> argv{rt.java, "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                "-XX:CICompilerCount=1", "-XX:-UsePerfData", "-Xss512k",
                                "-Dlog4j2.configurationFile=classpath:pulsar-worker-log4j2.xml",
                                "-Dotel.java.global-autoconfigure.enabled=false", "-cp", rt.classpath, "CgsimPulsarWorker"};
  argv.insert(argv.end(), args.begin(), args.end());
  child_ = std::make_unique<java::ChildProcess>(argv);
  reader_ = std::thread([this] { read_loop(); });
  err_reader_ = std::thread([this] { err_loop(); });
}

Worker::~Worker() {
  if (child_) child_->kill();
  if (reader_.joinable()) reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

namespace {
template <typename F>
void read_lines(int fd, F&& fn) {
  std::string buf;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      fn(buf.substr(start, nl - start));
      start = nl + 1;
    }
    buf.erase(0, start);
  }
}
}  // namespace

void Worker::read_loop() {
  read_lines(child_->stdout_fd(), [this](const std::string& l) {
    if (l.rfind("hello ", 0) == 0) return;
    {
      std::lock_guard lk(mu_);
      if (l == "ready") {
        ready_ = true;
        cv_.notify_all();
        return;
      }
      if (l.rfind("fatal ", 0) == 0) fatal_ = l.substr(6);
      if (capture_) {
        captured_.push_back(l);
        cv_.notify_all();
        return;
      }
    }
    if (on_line_) on_line_(l);
  });
  child_->wait();
  std::lock_guard lk(mu_);
  exited_ = true;
  cv_.notify_all();
}

void Worker::err_loop() {
  read_lines(child_->stderr_fd(), [this](const std::string& l) {
    std::lock_guard lk(mu_);
    stderr_tail_.push_back(l);
    if (stderr_tail_.size() > 12) stderr_tail_.pop_front();
  });
}

std::string Worker::last_words() const {
  std::lock_guard lk(mu_);
  std::string s;
  if (!fatal_.empty()) s += ": " + fatal_;
  for (const auto& l : stderr_tail_) s += "\n  " + l;
  return s;
}

void Worker::wait_ready(double seconds) {
  std::unique_lock lk(mu_);
  const bool ok = cv_.wait_for(lk, std::chrono::duration<double>(seconds), [this] { return ready_ || exited_; });
  if (ready_) return;
  lk.unlock();
  throw BrokerError("the Pulsar worker " + label_ + (ok ? " exited before it was ready" : " was not ready in time") + last_words());
}

void Worker::send(const std::string& line) { child_->write(line + "\n"); }

std::string Worker::await_line(const std::function<bool(const std::string&)>& accept, double seconds) {
  std::unique_lock lk(mu_);
  capture_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                std::chrono::duration<double>(seconds));
  for (;;) {
    while (!captured_.empty()) {
      std::string l = std::move(captured_.front());
      captured_.pop_front();
      if (accept(l)) return l;
    }
    if (exited_) break;
    if (cv_.wait_until(lk, deadline) == std::cv_status::timeout && captured_.empty()) break;
  }
  const bool gone = exited_;
  lk.unlock();
  throw BrokerError("the Pulsar worker " + label_ + (gone ? " exited" : " did not answer in time") + last_words());
}

void Worker::kill() { child_->kill(); }

bool Worker::exited() const {
  std::lock_guard lk(mu_);
  return exited_;
}

bool Worker::stop(double seconds) {
  send("stop");
  std::unique_lock lk(mu_);
  if (cv_.wait_for(lk, std::chrono::duration<double>(seconds), [this] { return exited_; })) return true;
  lk.unlock();
  child_->kill();
  return false;
}

}  // namespace cgsim::live::pulsar
