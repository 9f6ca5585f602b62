#pragma once
/// @file validate_rabbitmq.hpp
/// `cgsim validate` of a RabbitMQ scenario: replays it on a RabbitMQ broker
/// (live/rabbitmq/backend.hpp), simulates the same scaled scenario and compares the two.
#include <string>

namespace cgsim::cli {

struct RabbitValidateArgs {
  std::string file;
  std::string url;  ///< amqp://...; empty: $CGSIM_RABBITMQ_URL, else amqp://guest:guest@127.0.0.1:5672/
  std::string out;
  std::string run_id;
  double time_scale = 0;  ///< 0: 1
  bool json = false;
  bool quiet = false;
};

/// Exit 0 when every check is within tolerance, 1 when one is not.
int validate_rabbitmq(const RabbitValidateArgs& args);

}  // namespace cgsim::cli
