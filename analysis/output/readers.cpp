#include "analysis/output/readers.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p, const std::vector<std::string>& header) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(p);
  if (!in) return rows;
  std::string line;
  if (!std::getline(in, line)) return rows;
  if (split_csv_line(line) != header) {
    std::string want;
    for (const auto& h : header) want += (want.empty() ? "" : ",") + h;
    throw InputError(p.string() + ":1: unexpected header (expected \"" + want + "\")");
  }
  std::size_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto f = split_csv_line(line);
    if (f.size() != header.size()) {
      throw InputError(p.string() + ":" + std::to_string(n) + ": expected " + std::to_string(header.size()) + " fields");
    }
    rows.push_back(std::move(f));
  }
  return rows;
}

double to_d(const std::string& s, const fs::path& p) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') throw InputError(p.string() + ": expected a number, got \"" + s + "\"");
  return v;
}

std::int64_t to_int(const std::string& s, const fs::path& p) {
  const double v = to_d(s, p);
  if (!(std::fabs(v) <= 9007199254740992.0))
    throw InputError(p.string() + ": expected an integer within +-2^53, got \"" + s + "\"");
  return static_cast<std::int64_t>(v);
}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

}  // namespace

json read_json(const fs::path& p) {
  try {
    return json::parse(read_text(p));
  } catch (const json::exception& e) {
    throw InputError(p.string() + ": malformed JSON: " + e.what());
  }
}

}  // namespace cgsim::analysis
