#include "live/kafka/run_state.hpp"

#include <cstdio>

#include "live/kafka/rdkafka_handles.hpp"
#include "live/progress.hpp"

namespace cgsim::live::kafka {

namespace {

void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* sh = static_cast<Shared*>(rd_kafka_opaque(rk));
  if (sh && sh->options && sh->options->client_logs) {
    // Prefixed with the run's clock (seconds since the run started), the time base of every
    // recorded event, so that client log lines can be lined up with the recorded rebalances.
    // librdkafka's levels are syslog's: 0-3 errors, 4 warnings, 5 notices, 6 information, 7 debug.
    const char* severity = level <= 3 ? "error" : level == 4 ? "warning" : level <= 6 ? "info" : "debug";
    char t[32];
    std::snprintf(t, sizeof t, "%.3f ", static_cast<double>(sh->now_ns()) / 1e9);
    sh->log(std::string(t) + "librdkafka " + rd_kafka_name(rk) + " " + severity + " " + fac + ": " + buf);
  }
}

}  // namespace

void Shared::fail(FailKind kind, const std::string& message) {
  {
    std::lock_guard lk(mu);
    if (fail_kind == FailKind::None) {
      fail_kind = kind;
      fail_message = message;
    }
  }
  abort = true;
}

void Shared::log(const std::string& m) {
  if (!options || !options->log) return;
  std::lock_guard lk(log_mu);
  options->log(m);
}

void Shared::count_produced() {
  if (options && options->progress) options->progress->add_produced();
}

void Shared::count_consumed() {
  if (options && options->progress) options->progress->add_consumed();
}

void Shared::count_relayed() {
  if (options && options->progress) options->progress->add_consumed(false);
}

void Shared::note_consumer_thread(long pid, long tid) {
  if (options && options->progress) options->progress->note_thread(pid, tid);
}

rd_kafka_conf_t* make_conf(Shared& sh, const ClientProperties& ours, const ClientProperties& defaults) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  conf_set(c, "bootstrap.servers", sh.bootstrap);
  for (const auto& [k, v] : defaults) conf_set(c, k, v);
  for (const auto& [k, v] : sh.options->properties) conf_set(c, k, v);
  for (const auto& [k, v] : ours) conf_set(c, k, v);
  rd_kafka_conf_set_log_cb(c, log_cb);
  rd_kafka_conf_set_opaque(c, &sh);
  return c;
}

}  // namespace cgsim::live::kafka
