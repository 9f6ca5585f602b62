#pragma once
/// @file option_flags.hpp
/// The command-line spelling of the experiments' options: analysis names a bad option by its
/// field (analysis::OptionError), the command line by its flag.
#include <map>
#include <string>

#include "analysis/experiments/option_error.hpp"

namespace cgsim::cli {

/// The flag of an options field ("slos" -> "--slo"); the field itself when it has none.
inline std::string flag_of(const std::string& field) {
  static const std::map<std::string, std::string> flags{
      {"slos", "--slo"},           {"axes", "--vary"},         {"seeds", "--seeds"},
      {"failures", "--failures"},  {"partitions", "--partitions"}, {"consumers", "--consumers"},
      {"group", "--group"},        {"jobs", "--jobs"},             {"trace_file", "--trace"},
      {"shard", "--shard"}};
  auto it = flags.find(field);
  return it == flags.end() ? field : it->second;
}

/// Runs @p f; an OptionError it throws becomes an InputError that names the flags.
template <typename F>
auto with_flag_names(F&& f) {
  try {
    return f();
  } catch (const analysis::OptionError& e) {
    throw InputError(flag_of(e.field()) + (e.subject().empty() ? "" : " " + e.subject()) + ": " + e.detail() +
                     (e.hint().empty() ? "" : " (" + flag_of(e.hint()) + ")"));
  }
}

}  // namespace cgsim::cli
