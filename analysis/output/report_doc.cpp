#include "analysis/output/report_doc.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

#include "analysis/output/output.hpp"

namespace cgsim::analysis::report_parts {

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string compress_partitions(const std::vector<std::string>& parts) {
  std::map<std::string, std::vector<std::int64_t>> by_topic;
  for (const auto& p : parts) {
    // A name without a partition number (files read back may hold anything) is its own entry.
    if (const auto tp = split_partition_name(p)) {
      by_topic[tp->first].push_back(tp->second);
    } else {
      by_topic[p];
    }
  }
  std::string out;
  for (auto& [t, v] : by_topic) {
    std::sort(v.begin(), v.end());
    std::string r;
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i;
      while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
      r += (r.empty() ? "" : ",") + std::to_string(v[i]) + (j > i ? "-" + std::to_string(v[j]) : "");
      i = j + 1;
    }
    out += (out.empty() ? "" : "; ") + t + " " + r;
  }
  return out;
}

std::string plot_id(const std::string& base, const std::string& group, std::size_t ngroups) {
  if (ngroups <= 1) return base;
  std::string g;
  for (char c : group) g += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return base + "-" + g;
}

}  // namespace cgsim::analysis::report_parts
