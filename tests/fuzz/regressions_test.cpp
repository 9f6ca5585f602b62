// Replays every input under tests/fuzz/regressions/<target>/ (inputs that once crashed a fuzz
// target) and tests/fuzz/corpus/<target>/ (the seed corpora) through the fuzz targets' bodies:
// each must be accepted or rejected with an InputError, nothing else. In the sanitizer build this
// also checks them for memory errors and undefined behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "tests/fuzz/harness.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> out;
  for (const char* kind : {"regressions", "corpus"}) {
    const fs::path dir = fs::path(CGSIM_SOURCE_DIR) / "tests" / "fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FuzzReplay : public ::testing::TestWithParam<cgsim::fuzz::Target> {};

TEST_P(FuzzReplay, EveryInputIsAcceptedOrAnInputError) {
  const auto files = inputs_of(GetParam().name);
  EXPECT_FALSE(files.empty()) << "no seed corpus for " << GetParam().name;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    try {
      GetParam().run(read_bytes(f));
    } catch (const std::exception& e) {
      ADD_FAILURE() << f << ": " << typeid(e).name() << ": " << e.what();
    } catch (...) {
      ADD_FAILURE() << f << ": a non-standard exception";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(cgsim::fuzz::targets()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
