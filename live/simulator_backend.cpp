// The simulator as a Backend, so that the scenario driver treats both the same way.
#include "live/backend.hpp"
#include "models/common/error.hpp"

#if __has_include("analysis/experiments/simulate.hpp")
#include "analysis/experiments/simulate.hpp"
#define CGSIM_LIVE_HAVE_SIMULATOR 1
#endif

namespace cgsim::live {

namespace {

class SimulatorBackend : public Backend {
 public:
  std::string name() const override { return "simulator"; }
  analysis::RunSummary run(const models::Scenario& scenario) override {
#ifdef CGSIM_LIVE_HAVE_SIMULATOR
    return analysis::simulate(scenario);
#else
    (void)scenario;
    throw Error("this build has no simulator (analysis/experiments/simulate.hpp is missing)");
#endif
  }
};

}  // namespace

std::unique_ptr<Backend> make_simulator_backend() { return std::make_unique<SimulatorBackend>(); }

}  // namespace cgsim::live
