#pragma once
/// @file validate_pulsar.hpp
/// `cgsim validate` of a Pulsar scenario: replays it on a Pulsar broker through Pulsar's Java
/// client (live/pulsar/backend.hpp) `repeat` times, simulates the same scaled scenario over
/// `seeds` seeds (the scenario's seed, seed + 1, ...) and compares the distributions.
#include <cstddef>
#include <string>

namespace cgsim::cli {

struct PulsarValidateArgs {
  std::string file;
  std::string url;        ///< pulsar://...; empty: $CGSIM_PULSAR_URL, else pulsar://127.0.0.1:6650
  std::string admin_url;  ///< http://...; empty: $CGSIM_PULSAR_ADMIN_URL, else http://127.0.0.1:8080
  std::string out;
  std::string run_id;
  double time_scale = 0;  ///< 0: 1
  std::size_t repeat = 1; ///< live repetitions, each with its own run id and topics
  std::size_t seeds = 1;  ///< simulator seeds
  bool json = false;
  bool quiet = false;
};

/// Exit 0 when every check is within tolerance, 1 when one is not, 7 when the host could not
/// keep up.
int validate_pulsar(const PulsarValidateArgs& args);

}  // namespace cgsim::cli
