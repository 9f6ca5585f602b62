/// @file validate_command.cpp
/// `cgsim validate`: runs a scenario on a live Kafka cluster (or librdkafka's mock cluster) and on
/// the simulator, N live repetitions against M simulator seeds, and compares the distributions (see
/// docs/validation.md). Exit 0 when every check is within tolerance, 1 when one is not, 7 when the
/// host could not keep up (inconclusive); broker problems exit 3.

#include <filesystem>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <unistd.h>

#include "analysis/output/atomic_file.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "live/host.hpp"
#include "live/progress.hpp"
#include "scenarios/rabbitmq_loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#ifdef CGSIM_HAVE_LIVE_RABBITMQ
#include "cli/validate_rabbitmq.hpp"
#endif
#ifdef CGSIM_HAVE_LIVE_PULSAR
#include "cli/validate_pulsar.hpp"
#endif

namespace cgsim::cli {

namespace {

struct ValidateOptions {
  std::string file;
  std::string bootstrap;
  std::vector<std::string> props;
  std::vector<std::string> config_files;
  std::string out;
  double time_scale = 0;
  bool json = false;
  bool quiet = false;
  bool client_logs = false;
  bool progress = false;
  double broker_loss_timeout = 5;
  std::string run_id;
  std::string url;
  std::string admin_url;
  std::string client;
  std::size_t repeat = 1;
  std::size_t seeds = 1;
};

/// True when the file is a RabbitMQ scenario (`broker: {kind: rabbitmq}`).
bool is_rabbitmq_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in && scenarios::is_rabbitmq_scenario_text(text.str());
}

/// True when the file is a Pulsar scenario (`broker: {kind: pulsar}`).
bool is_pulsar_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in && scenarios::is_pulsar_scenario_text(text.str());
}

/// True when some producer of @p sc draws random (Poisson) arrivals.
bool random_arrivals(const models::Scenario& sc) {
  for (const auto& p : sc.producers) {
    if (p.rate.kind == models::RateSpec::Kind::Poisson) return true;
    if (p.rate.kind == models::RateSpec::Kind::Steps && p.rate.poisson_steps) return true;
  }
  return false;
}

int run_validate(const ValidateOptions& o) {
  if (is_pulsar_file(o.file)) {
    if (!o.bootstrap.empty() || !o.props.empty() || !o.config_files.empty() || o.client_logs || !o.client.empty()) {
      throw InputError(o.file + ": --bootstrap, --client, -X, --config and --client-logs apply to Kafka scenarios; "
                       "a Pulsar scenario takes --url, --admin-url, --repeat and --seeds");
    }
#ifdef CGSIM_HAVE_LIVE_PULSAR
    PulsarValidateArgs a{o.file, o.url, o.admin_url, o.out, o.run_id, o.time_scale, o.repeat, o.seeds, o.json, o.quiet};
    return validate_pulsar(a);
#else
    throw InputError(o.file + ": this cgsim was built without the live Pulsar backend; cannot validate Pulsar scenarios");
#endif
  }
  if (!o.admin_url.empty()) throw InputError("--admin-url: applies to Pulsar scenarios");
  if (is_rabbitmq_file(o.file)) {
    if (!o.bootstrap.empty() || !o.props.empty() || !o.config_files.empty() || o.client_logs || !o.client.empty()) {
      throw InputError(o.file + ": --bootstrap, --client, -X, --config and --client-logs apply to Kafka scenarios; "
                       "a RabbitMQ scenario takes --url, --repeat and --seeds");
    }
#ifdef CGSIM_HAVE_LIVE_RABBITMQ
    RabbitValidateArgs a{o.file, o.url, o.out, o.run_id, o.time_scale, o.repeat, o.seeds, o.json, o.quiet};
    return validate_rabbitmq(a);
#else
    throw InputError(o.file + ": this cgsim was built without rabbitmq-c (librabbitmq-dev); cannot validate RabbitMQ scenarios");
#endif
  }
  if (!o.url.empty()) throw InputError("--url: applies to RabbitMQ scenarios; Kafka scenarios take --bootstrap");
  models::Scenario sc = scenarios::load_scenario_file(o.file);
  live::LiveOptions lo;
  lo.bootstrap = o.bootstrap;
  for (const auto& f : o.config_files) {
    auto ps = live::read_properties_file(f);
    lo.properties.insert(lo.properties.end(), ps.begin(), ps.end());
  }
  for (const auto& p : o.props) lo.properties.push_back(live::parse_property(p));
  if (o.time_scale > 0) lo.time_scale = o.time_scale;
  lo.broker_loss_timeout_s = o.broker_loss_timeout;
  lo.client_logs = o.client_logs;
  if (!o.client.empty()) lo.client = o.client == "java" ? models::ClientFlavor::Java : models::ClientFlavor::Librdkafka;
  // The board always counts (the host checks need its consumer threads); the progress line on
  // stderr, at most once a second, is shown on a terminal unless -q, or when asked.
  live::ProgressBoard board;
  lo.progress = &board;
  std::optional<live::ProgressPrinter> printer;
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (o.progress || (tty && !o.quiet)) printer.emplace(board, stderr, tty);
  auto say = [&printer](const std::string& m) {
    if (printer) {
      printer->message("cgsim: " + m);
    } else {
      std::cerr << "cgsim: " << m << "\n";
    }
  };
  if (!o.quiet) lo.log = say;

  // The client round trip, measured before the runs (the latency check subtracts it).
  board.phase("measuring the client round trip");
  std::string rtt_error;
  const double rtt_ms = live::measure_client_rtt_ms(lo, 21, &rtt_error);
  if (rtt_ms < 0 && !o.quiet) say("could not measure the client round trip (" + rtt_error + "); latency is compared gross");

  std::vector<analysis::RunSummary> lives;
  std::vector<live::HostFigures> host;
  std::vector<live::LiveDetails> details;
  for (std::size_t k = 0; k < o.repeat; ++k) {
    board.begin_repetition(k, o.repeat);
    lo.run_id = o.run_id.empty() || o.repeat == 1 ? o.run_id : o.run_id + "-" + std::to_string(k + 1);
    live::HostMonitor monitor(board);
    live::KafkaBackend kafka(lo);
    try {
      lives.push_back(kafka.run(sc));
    } catch (...) {
      // What the run created and could not delete is named even with -q.
      printer.reset();
      if (o.quiet) {
        for (const auto& l : kafka.details().leftovers) std::cerr << "cgsim: left on the cluster; remove with: " << l << "\n";
      }
      throw;
    }
    const live::HostLoad load = monitor.stop();
    details.push_back(kafka.details());
    const auto& eff = details.back().effective;
    live::HostFigures h;
    h.expected_produced = live::expected_produced(eff);
    h.random_arrivals = random_arrivals(eff);
    h.produced = lives.back().produced;
    h.consumer_cpu_wait = load.consumer_cpu_wait;
    h.consumer_cpu_wait_max = load.consumer_cpu_wait_max;
    h.consumer_threads = load.consumer_threads;
    h.worker_cpu_delay = load.worker_cpu_delay;
    h.worker_processes = load.worker_processes;
    h.process_cpu = load.process_cpu;
    host.push_back(h);
    if (!o.quiet && o.repeat > 1) say("repetition " + std::to_string(k + 1) + " of " + std::to_string(o.repeat) + " done");
  }
  const live::LiveDetails& d = details.front();
  if (!o.quiet) say("live run done; simulating the same scenario");
  std::vector<analysis::RunSummary> sims;
  for (std::size_t s = 0; s < o.seeds; ++s) {
    board.phase("simulating seed " + std::to_string(s + 1) + " of " + std::to_string(o.seeds));
    models::Scenario eff = d.effective;
    eff.seed += s;
    sims.push_back(live::make_simulator_backend()->run(eff));
  }
  printer.reset();

  live::CompareOptions co;
  co.mock = d.mock;
  co.client_rtt_ms = rtt_ms;
  co.host = host;
  live::ValidationReport rep = live::compare_distributions(d.effective, sims, lives, co);
  const live::Verdict verdict = rep.verdict();

  std::vector<std::vector<std::string>> warnings_of;
  for (const auto& x : details) warnings_of.push_back(x.warnings);
  nlohmann::json j = live::validation_json_head(
      {sc.name, o.file, d.time_scale, d.mock ? "librdkafka mock cluster" : d.bootstrap, d.run_id, o.repeat, o.seeds}, rep,
      warnings_of);
  j["client"] = d.effective.client == models::ClientFlavor::Java ? "java" : "librdkafka";
  j["client_rtt_ms"] = rtt_ms;
  const nlohmann::json warnings = j["warnings"];
  j["live"] = analysis::to_json(lives.front());
  j["simulator"] = analysis::to_json(sims.front());
  j["live_repetitions"] = nlohmann::json::array();
  for (std::size_t k = 0; k < lives.size(); ++k) {
    j["live_repetitions"].push_back({{"run_id", details[k].run_id},
                                     {"summary", analysis::to_json(lives[k])},
                                     {"details", live::to_json(details[k])}});
  }
  j["simulator_seeds"] = nlohmann::json::array();
  for (const auto& s : sims) j["simulator_seeds"].push_back(analysis::to_json(s));
  j["live_details"] = live::to_json(d);

  if (!o.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    analysis::write_file_atomically(std::filesystem::path(o.out) / "validation.json", j.dump(2) + "\n");
  }
  if (o.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << "validation of " << sc.name << " (time scale " << d.time_scale << ", "
              << (d.effective.client == models::ClientFlavor::Java ? "Java client" : "librdkafka") << " consumers) on "
              << (d.mock ? "librdkafka's mock cluster" : d.bootstrap) << ", run " << d.run_id;
    if (o.repeat > 1) std::cout << " (and " << o.repeat - 1 << " more repetition(s))";
    std::cout << ", " << o.seeds << " simulated seed(s), client round trip "
              << (rtt_ms >= 0 ? (std::ostringstream() << std::fixed << std::setprecision(3) << rtt_ms << " ms").str()
                              : std::string("not measured"))
              << "\n\n";
    std::cout << rep.table();
    for (const auto& w : warnings) std::cout << "warning: " << w.get<std::string>() << "\n";
    if (!o.out.empty()) std::cout << "validation.json written to " << o.out << "/\n";
  }
  return live::exit_code_of(verdict);
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto o = std::make_shared<ValidateOptions>();
  auto* v = app.add_subcommand(
      "validate",
      "Run a scenario on a live Kafka cluster, RabbitMQ broker or Pulsar broker and on the simulator, and compare them "
      "(Kafka without --bootstrap: librdkafka's in-process mock cluster)");
  v->add_option("scenario", o->file, "Scenario file (YAML or JSON)")->required();
  v->add_option("--bootstrap", o->bootstrap, "Kafka bootstrap servers, host:port[,host:port]");
  v->add_option("--url", o->url,
                "RabbitMQ scenarios: the broker's AMQP URL (default: $CGSIM_RABBITMQ_URL, else "
                "amqp://guest:guest@127.0.0.1:5672/); Pulsar scenarios: the broker's service URL (default: "
                "$CGSIM_PULSAR_URL, else pulsar://127.0.0.1:6650)");
  v->add_option("--admin-url", o->admin_url,
                "Pulsar scenarios: the broker's admin (web service) URL (default: $CGSIM_PULSAR_ADMIN_URL, else "
                "http://127.0.0.1:8080)");
  v->add_option("-X", o->props, "librdkafka client property key=value (repeatable), as kcat's -X");
  v->add_option("--config", o->config_files, "Read client properties from a .properties file (repeatable)");
  v->add_option("--out", o->out, "Write validation.json into this directory");
  v->add_option("--time-scale", o->time_scale, "Multiply the scenario's durations by this (0 < x <= 1); "
                                               "overrides the scenario's time_scale")
      ->check(number_in(1e-6, 1.0, "from 0.000001 to 1"));
  v->add_option("--run-id", o->run_id, "Run id used in topic and group names (default: time and random suffix)");
  v->add_option("--broker-loss-timeout", o->broker_loss_timeout,
                "Seconds without an answer from the broker before the run fails (exit 3)")
      ->check(number_in(1e-9, 1e9, "from 0.000000001 to 1000000000"));
  v->add_option("--repeat", o->repeat,
                 "Live repetitions, each with a fresh run id; figures are compared as distributions")
      ->check(integer_in(1, 1000));
  v->add_option("--seeds", o->seeds, "Simulator seeds (scenario seed, seed + 1, ...)")
      ->check(integer_in(1, 10000));
  v->add_flag("--json", o->json, "Print validation.json instead of the table");
  v->add_option("--client", o->client,
                "Consumer client of the live run, instead of the scenario's client: java (Kafka's Java client, "
                "one JVM per consumer; needs --bootstrap) or librdkafka")
      ->check(CLI::IsMember({"java", "librdkafka"}));
  v->add_flag("--client-logs", o->client_logs, "Show the clients' own warnings and errors");
  v->add_flag("-q,--quiet", o->quiet, "No progress messages");
  v->add_flag("--progress", o->progress,
              "Show the progress line (phase, elapsed / expected seconds, records so far) even when "
              "stderr is not a terminal");
  return {v, [o] { return run_validate(*o); }};
}

}  // namespace cgsim::cli
