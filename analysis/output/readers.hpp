#pragma once
/// @file readers.hpp
/// Readers of the files cgsim writes: CSV with a known header and its numbers, and JSON files.
/// Errors name the file (and line) and what was expected.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cgsim::analysis {

/// The fields of one CSV line (RFC 4180 quoting).
std::vector<std::string> split_csv_line(const std::string& line);
/// Rows of a CSV file with the expected header; empty when the file does not exist. Throws
/// InputError for another header or a row with another number of fields.
std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p, const std::vector<std::string>& header);
/// A CSV field as a number; throws InputError naming @p p otherwise.
double to_d(const std::string& s, const std::filesystem::path& p);
/// A CSV field as an integer within +-2^53 (converting a double beyond an integer's range would
/// be undefined); throws InputError naming @p p otherwise.
std::int64_t to_int(const std::string& s, const std::filesystem::path& p);
/// The parsed JSON file @p p; throws InputError when it is malformed.
nlohmann::json read_json(const std::filesystem::path& p);
// Values inside JSON files are read with the checked readers of analysis/metrics/json_read.hpp.

}  // namespace cgsim::analysis
