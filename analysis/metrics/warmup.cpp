#include "analysis/metrics/warmup.hpp"

#include <algorithm>

namespace cgsim::analysis {

double steady_lag_level(double batch_s) { return 1.0 + std::max(batch_s, 0.0); }

double steady_batch_records(double max_poll_records, double rho) {
  if (!(rho < 1)) return max_poll_records;
  return std::min(max_poll_records, 1.0 / (1.0 - std::max(rho, 0.0)));
}

WarmupTracker::WarmupTracker(std::int64_t fixed_ns, double threshold_s) : threshold_s_(threshold_s) {
  if (fixed_ns >= 0) {
    end_ns_ = fixed_ns;
    reason_ = "set";
    threshold_s_ = 0;
  }
}

void WarmupTracker::assigned(std::int64_t at_ns) {
  if (assigned_ns_ < 0) assigned_ns_ = at_ns;
}

void WarmupTracker::fault(std::int64_t at_ns) {
  if (end_ns_ != kOpen) return;
  end_ns_ = at_ns;
  reason_ = "fault";
}

bool WarmupTracker::sample(std::int64_t at_ns, double unprocessed_age_s) {
  if (end_ns_ == kOpen && assigned_ns_ >= 0 && at_ns >= assigned_ns_ && unprocessed_age_s <= threshold_s_) {
    end_ns_ = at_ns;
    reason_ = "drained";
  }
  return at_ns < end_ns_;
}

void WarmupTracker::finish(std::int64_t run_end_ns) {
  if (end_ns_ != kOpen) return;
  end_ns_ = run_end_ns;
  reason_ = "not_drained";
}

}  // namespace cgsim::analysis
