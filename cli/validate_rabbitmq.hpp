#pragma once
/// @file validate_rabbitmq.hpp
/// `cgsim validate` of a RabbitMQ scenario: replays it on a RabbitMQ broker
/// (live/rabbitmq/backend.hpp) `repeat` times, simulates the same scaled scenario over `seeds`
/// seeds (the scenario's seed, seed + 1, ...) and compares the distributions.
#include <cstddef>
#include <string>

namespace cgsim::cli {

struct RabbitValidateArgs {
  std::string file;
  std::string url;  ///< amqp://...; empty: $CGSIM_RABBITMQ_URL, else amqp://guest:guest@127.0.0.1:5672/
  std::string out;
  std::string run_id;
  double time_scale = 0;  ///< 0: 1
  std::size_t repeat = 1; ///< live repetitions, each with its own run id, queues and exchanges
  std::size_t seeds = 1;  ///< simulator seeds
  bool json = false;
  bool quiet = false;
};

/// Exit 0 when every check is within tolerance, 1 when one is not, 7 when the host could not keep
/// up with a repetition (the repetitions stop at the first such one).
int validate_rabbitmq(const RabbitValidateArgs& args);

}  // namespace cgsim::cli
