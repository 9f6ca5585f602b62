// libFuzzer entry point of one target of harness.hpp, chosen at build time (CGSIM_FUZZ_TARGET).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cgsim::fuzz::CGSIM_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
