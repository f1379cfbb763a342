#include "gate/baseline.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <map>
#include <tuple>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "gate/fingerprint.h"

namespace qg::gate {

namespace {

using nlohmann::ordered_json;
constexpr int kVersion = 1;
constexpr const char* kScheme = "fnv1a64(rule, path, normalised code, occurrence)";

bool entry_order(const BaselineEntry& a, const BaselineEntry& b) {
  return std::tie(a.path, a.rule, a.code, a.occurrence, a.fingerprint) <
         std::tie(b.path, b.rule, b.code, b.occurrence, b.fingerprint);
}

void sort_unique(std::vector<BaselineEntry>& entries) {
  std::sort(entries.begin(), entries.end(), entry_order);
  std::unordered_set<std::string> seen;
  std::erase_if(entries, [&](const BaselineEntry& e) { return !seen.insert(e.fingerprint).second; });
}

bool is_fingerprint(const std::string& s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Baseline Baseline::from_findings(const std::vector<Finding>& findings) {
  Baseline b;
  const auto inputs = fingerprint_inputs(findings);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    b.entries.push_back({f.fingerprint, f.rule, f.path, inputs[i].code, inputs[i].occurrence});
  }
  sort_unique(b.entries);
  return b;
}

std::string Baseline::to_json() const {
  ordered_json j;
  j["version"] = kVersion;
  j["fingerprint"] = kScheme;
  j["findings"] = ordered_json::array();
  for (const auto& e : entries)
    j["findings"].push_back(ordered_json{{"fingerprint", e.fingerprint},
                                         {"rule", e.rule},
                                         {"path", e.path},
                                         {"code", e.code},
                                         {"occurrence", e.occurrence}});
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Baseline parse_baseline(std::string_view text, const std::string& name) {
  auto fail = [&](const std::string& why) { return BaselineError(name + ": " + why); };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw fail(std::string("not a quotaguard baseline (invalid JSON: ") + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("version") || !j.contains("findings"))
    throw fail("not a quotaguard baseline (expected an object with \"version\" and \"findings\")");
  if (!j["version"].is_number_integer() || j["version"].get<int>() != kVersion)
    throw fail("unsupported baseline version " + j["version"].dump() + " (this quotaguard reads version " +
               std::to_string(kVersion) + ")");
  if (!j["findings"].is_array()) throw fail("\"findings\" must be an array");
  Baseline b;
  std::size_t index = 0;
  for (const auto& item : j["findings"]) {
    const std::string where = "findings[" + std::to_string(index++) + "]";
    if (!item.is_object()) throw fail(where + " must be an object");
    auto str = [&](const char* key, bool required) -> std::string {
      if (!item.contains(key)) {
        if (required) throw fail(where + " has no \"" + key + "\"");
        return {};
      }
      if (!item[key].is_string()) throw fail(where + "." + key + " must be a string");
      return item[key].get<std::string>();
    };
    BaselineEntry e;
    e.fingerprint = str("fingerprint", true);
    if (!is_fingerprint(e.fingerprint))
      throw fail(where + ".fingerprint must be 16 lowercase hex digits, not \"" + e.fingerprint + "\"");
    e.rule = str("rule", false);
    e.path = str("path", false);
    e.code = str("code", false);
    if (item.contains("occurrence")) {
      if (!item["occurrence"].is_number_unsigned()) throw fail(where + ".occurrence must be a non-negative integer");
      e.occurrence = item["occurrence"].get<std::size_t>();
    }
    b.entries.push_back(std::move(e));
  }
  sort_unique(b.entries);
  return b;
}

Baseline load_baseline(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(file, ec))
    throw BaselineError(file.string() + ": cannot read the baseline file (create it with `quotaguard baseline -o " +
                        file.string() + "`)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_baseline(ss.str(), file.string());
}

BaselineComparison compare(const Baseline& baseline, const ScanResult& result) {
  BaselineComparison out;
  std::unordered_set<std::string_view> known, found;
  for (const auto& e : baseline.entries) known.insert(e.fingerprint);
  for (const auto& f : result.findings) {
    found.insert(f.fingerprint);
    if (known.contains(f.fingerprint)) ++out.matched;
    else out.new_findings.push_back(f);
  }
  auto in_scope = [&](const BaselineEntry& e) {
    if (std::find(result.rules.begin(), result.rules.end(), e.rule) == result.rules.end()) return false;
    if (std::binary_search(result.files.paths.begin(), result.files.paths.end(), e.path)) return true;
    std::error_code ec;
    return !std::filesystem::exists(result.root / e.path, ec) && !ec;
  };
  for (const auto& e : baseline.entries) {
    if (found.contains(e.fingerprint) || !in_scope(e)) out.kept.push_back(e);
    else out.gone.push_back(e);
  }
  return out;
}

}  // namespace qg::gate
