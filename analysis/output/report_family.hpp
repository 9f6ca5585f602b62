#pragma once
/// @file report_family.hpp
/// The run section of `cgsim report` for a RabbitMQ or Pulsar run: read back from the summary.json
/// and backlog.csv that `run --out` wrote (analysis/output/family_output.hpp), then the summary,
/// per group its consumers' shares and per-fault duplicates and ordering, the family's own counts,
/// and plots of the backlog over time and of the latency percentiles.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "analysis/output/report_doc.hpp"

namespace cgsim::analysis::report_parts {

/// The outputs of a RabbitMQ or Pulsar run, as read back from its directory.
struct FamilyRunOutputs {
  FamilyRun run;  ///< summary, broker, sources, counts, ordering violations and backlog
};

/// The run in @p dir when its summary.json is a RabbitMQ or Pulsar one (it names a "broker" other
/// than Kafka), else nullopt. Throws InputError, naming the file, when a file is malformed.
std::optional<FamilyRunOutputs> load_family_run_outputs(const std::filesystem::path& dir);

/// The run section of such a run.
void family_run_section(Doc& doc, const FamilyRunOutputs& r);

}  // namespace cgsim::analysis::report_parts
