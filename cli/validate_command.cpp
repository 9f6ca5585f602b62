/// @file validate_command.cpp
/// `cgsim validate`: runs a scenario on a live Kafka cluster (or librdkafka's mock cluster) and on
/// the simulator, and compares the two (see docs/validation.md). Exit 0 when every check is within
/// tolerance, 1 when one is not; broker problems exit 3.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "analysis/output/atomic_file.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "live/progress.hpp"
#include "scenarios/rabbitmq_loader.hpp"
#ifdef CGSIM_HAVE_LIVE_RABBITMQ
#include "cli/validate_rabbitmq.hpp"
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
  std::string client;
};

/// True when the file is a RabbitMQ scenario (`broker: {kind: rabbitmq}`).
bool is_rabbitmq_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return in && scenarios::is_rabbitmq_scenario_text(text.str());
}

int run_validate(const ValidateOptions& o) {
  if (is_rabbitmq_file(o.file)) {
    if (!o.bootstrap.empty() || !o.props.empty() || !o.config_files.empty() || o.client_logs ||
        !o.client.empty()) {
      throw InputError(o.file + ": --bootstrap, --client, -X, --config and --client-logs apply to Kafka scenarios; "
                       "a RabbitMQ scenario takes --url");
    }
#ifdef CGSIM_HAVE_LIVE_RABBITMQ
    RabbitValidateArgs a{o.file, o.url, o.out, o.run_id, o.time_scale, o.json, o.quiet};
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
  lo.run_id = o.run_id;
  lo.broker_loss_timeout_s = o.broker_loss_timeout;
  lo.client_logs = o.client_logs;
  if (!o.client.empty()) lo.client = o.client == "java" ? models::ClientFlavor::Java : models::ClientFlavor::Librdkafka;
  // A progress line on stderr, at most once a second: on a terminal unless -q, or when asked.
  live::ProgressBoard board;
  std::optional<live::ProgressPrinter> printer;
  const bool tty = isatty(STDERR_FILENO) == 1;
  if (o.progress || (tty && !o.quiet)) {
    printer.emplace(board, stderr, tty);
    lo.progress = &board;
  }
  auto say = [&printer](const std::string& m) {
    if (printer) {
      printer->message("cgsim: " + m);
    } else {
      std::cerr << "cgsim: " << m << "\n";
    }
  };
  if (!o.quiet) lo.log = say;

  live::KafkaBackend kafka(lo);
  analysis::RunSummary live_summary;
  try {
    live_summary = kafka.run(sc);
  } catch (...) {
    // What the run created and could not delete is named even with -q.
    printer.reset();
    if (o.quiet) {
      for (const auto& l : kafka.details().leftovers) std::cerr << "cgsim: left on the cluster; remove with: " << l << "\n";
    }
    throw;
  }
  const live::LiveDetails& d = kafka.details();
  if (!o.quiet) say("live run done; simulating the same scenario");
  board.phase("simulating");
  analysis::RunSummary sim_summary = live::make_simulator_backend()->run(d.effective);
  printer.reset();

  live::CompareOptions co;
  co.mock = d.mock;
  live::ValidationReport rep = live::compare_runs(d.effective, sim_summary, live_summary, co);

  nlohmann::json j;
  j["scenario"] = sc.name;
  j["scenario_file"] = o.file;
  j["time_scale"] = d.time_scale;
  j["broker"] = d.mock ? "librdkafka mock cluster" : d.bootstrap;
  j["client"] = d.effective.client == models::ClientFlavor::Java ? "java" : "librdkafka";
  j["run_id"] = d.run_id;
  j["ok"] = rep.ok();
  auto rj = rep.to_json();
  j["checks"] = rj["checks"];
  j["notes"] = rj["notes"];
  j["warnings"] = d.warnings;
  j["live"] = analysis::to_json(live_summary);
  j["simulator"] = analysis::to_json(sim_summary);
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
              << (d.mock ? "librdkafka's mock cluster" : d.bootstrap) << ", run " << d.run_id << "\n\n";
    std::cout << rep.table();
    for (const auto& w : d.warnings) std::cout << "warning: " << w << "\n";
    if (!o.out.empty()) std::cout << "validation.json written to " << o.out << "/\n";
  }
  return rep.ok() ? kExitOk : kExitMismatch;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto o = std::make_shared<ValidateOptions>();
  auto* v = app.add_subcommand(
      "validate",
      "Run a scenario on a live Kafka cluster or RabbitMQ broker and on the simulator, and compare them "
      "(Kafka without --bootstrap: librdkafka's in-process mock cluster)");
  v->add_option("scenario", o->file, "Scenario file (YAML or JSON)")->required();
  v->add_option("--bootstrap", o->bootstrap, "Kafka bootstrap servers, host:port[,host:port]");
  v->add_option("--url", o->url,
                "RabbitMQ scenarios: the broker's AMQP URL (default: $CGSIM_RABBITMQ_URL, else "
                "amqp://guest:guest@127.0.0.1:5672/)");
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
