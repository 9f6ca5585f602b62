#pragma once
/// @file harness.hpp
/// The fuzz targets' bodies, shared by the libFuzzer executables (CGSIM_FUZZ) and by the
/// regression test that replays tests/fuzz/regressions/ and the seed corpora in the normal build.
///
/// Each function feeds one input to a reader of user-supplied text. Rejecting the input with a
/// cgsim::InputError is the expected outcome for bad input and returns normally; any other
/// exception escapes (a crash to the fuzzer, a failure to the test), as do sanitizer reports.
#include <string_view>
#include <vector>

namespace cgsim::fuzz {

/// Scenario text (YAML or JSON) given to scenarios::load_scenario_text.
void scenario_loader(std::string_view data);

/// `--set` overrides applied to a shipped scenario: the first line is the index of the scenario
/// among scenarios/*.yaml in name order (modulo their number; anything else means 0); every
/// following non-empty line is one "path=value" as given to --set.
void set_overrides(std::string_view data);

/// The JSON group description of `cgsim assign` (a case or an array of cases), parsed by
/// assignors::parse_case; a case small enough to run quickly (see harness.cpp) is also assigned,
/// measured, and its JSON form must parse back to the same case.
void assign_input(std::string_view data);

/// An output directory read back by `cgsim report` (analysis::write_report: summary.json, the run's
/// CSVs, sweep.json, plan.json), also written as a Chrome trace. The input holds the files, each
/// introduced by a line "==> NAME <==" (the format of `head` given several files); an input
/// without such a line is summary.json alone.
void report_reader(std::string_view data);

struct Target {
  const char* name;  ///< also the folder of its corpus and regressions
  void (*run)(std::string_view);
};
/// Every target.
const std::vector<Target>& targets();

}  // namespace cgsim::fuzz
