#include "live/progress.hpp"

#include <algorithm>
#include <cinttypes>

#include <sys/syscall.h>
#include <unistd.h>

namespace cgsim::live {

std::string format_progress(const ProgressSnapshot& s) {
  char buf[256];
  std::string out = "cgsim: " + s.phase;
  if (s.expected_s > 0) {
    std::snprintf(buf, sizeof buf, " %.1f / %.1f s", s.elapsed_s, s.expected_s);
  } else {
    std::snprintf(buf, sizeof buf, " %.1f s", s.elapsed_s);
  }
  out += buf;
  std::snprintf(buf, sizeof buf, ", %" PRIu64 " records produced, %" PRIu64 " consumed", s.produced, s.consumed);
  return out + buf;
}

void ProgressBoard::phase(const std::string& name, double expected_s) {
  std::lock_guard lk(mu_);
  phase_ = prefix_ + name;
  expected_s_ = expected_s;
  since_ = std::chrono::steady_clock::now();
}

void ProgressBoard::begin_repetition(std::size_t k, std::size_t n) {
  std::lock_guard lk(mu_);
  prefix_ = n > 1 ? "repetition " + std::to_string(k + 1) + "/" + std::to_string(n) + ": " : "";
  consumer_tids_.clear();
  epoch_.fetch_add(1);
  produced_ = 0;
  consumed_ = 0;
}

void ProgressBoard::add_consumed(bool consumer_thread) {
  consumed_.fetch_add(1, std::memory_order_relaxed);
  if (!consumer_thread) return;
  // Each thread notes itself once per board and repetition.
  thread_local const ProgressBoard* seen_board = nullptr;
  thread_local std::uint64_t seen_epoch = 0;
  const std::uint64_t e = epoch_.load(std::memory_order_relaxed);
  if (seen_board == this && seen_epoch == e) return;
  seen_board = this;
  seen_epoch = e;
  std::lock_guard lk(mu_);
  consumer_tids_.push_back({0, static_cast<long>(syscall(SYS_gettid))});
}

void ProgressBoard::note_thread(long pid, long tid) {
  if (pid <= 0 || tid <= 0) return;
  std::lock_guard lk(mu_);
  if (std::find(consumer_tids_.begin(), consumer_tids_.end(), ConsumerThread{pid, tid}) == consumer_tids_.end())
    consumer_tids_.push_back({pid, tid});
}

std::vector<ConsumerThread> ProgressBoard::consumer_threads() const {
  std::lock_guard lk(mu_);
  return consumer_tids_;
}

ProgressSnapshot ProgressBoard::snapshot() const {
  ProgressSnapshot s;
  {
    std::lock_guard lk(mu_);
    s.phase = phase_;
    s.expected_s = expected_s_;
    s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count();
  }
  s.produced = produced_.load(std::memory_order_relaxed);
  s.consumed = consumed_.load(std::memory_order_relaxed);
  return s;
}

ProgressPrinter::ProgressPrinter(const ProgressBoard& board, std::FILE* out, bool tty, std::chrono::milliseconds period)
    : board_(board), out_(out), tty_(tty), period_(period) {
  thread_ = std::thread([this] { loop(); });
}

ProgressPrinter::~ProgressPrinter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lk(mu_);
  clear_locked();
  std::fflush(out_);
}

void ProgressPrinter::message(const std::string& line) {
  std::lock_guard lk(mu_);
  clear_locked();
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void ProgressPrinter::clear_locked() {
  if (tty_ && drawn_) std::fputs("\r\033[K", out_);
  drawn_ = false;
}

void ProgressPrinter::loop() {
  std::unique_lock lk(mu_);
  while (!cv_.wait_for(lk, period_, [this] { return stop_; })) {
    const ProgressSnapshot s = board_.snapshot();
    if (s.phase.empty()) continue;
    const std::string line = format_progress(s);
    if (tty_) {
      std::fprintf(out_, "\r%s\033[K", line.c_str());
      drawn_ = true;
    } else {
      std::fprintf(out_, "%s\n", line.c_str());
    }
    std::fflush(out_);
  }
}

}  // namespace cgsim::live
