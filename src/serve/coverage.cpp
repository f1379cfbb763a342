#include "coverage.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "state_source.h"

namespace qg::serve {

namespace {

constexpr std::size_t kMaxFindings = 200;  // listed; the count says how many there are

nlohmann::json read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Unavailable("the scan report " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json report = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) throw Unavailable("the scan report " + path + " is not JSON (quotaguard scan --format json -o FILE)");
  const bool shaped = report.is_object() && report.contains("coverage") && report["coverage"].is_object() &&
                      report["coverage"].contains("call_sites") && report["coverage"].contains("clients") &&
                      report.contains("findings") && report["findings"].is_array();
  if (!shaped) throw Unavailable("the scan report " + path + " has no coverage and findings: is it `scan --format json` output?");
  return report;
}

}  // namespace

nlohmann::json coverage_body(const std::string& report_path) {
  const nlohmann::json report = read_report(report_path);
  const nlohmann::json& c = report["coverage"];
  std::error_code ec;
  const auto modified = std::filesystem::last_write_time(report_path, ec);
  nlohmann::json modified_ms = nullptr;
  if (!ec)
    modified_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::file_clock::to_sys(modified).time_since_epoch()).count();
  std::map<std::string, int> by_rule;
  nlohmann::json findings = nlohmann::json::array();
  for (const nlohmann::json& f : report["findings"]) {
    if (!f.is_object()) continue;
    by_rule[f.value("rule", std::string("?"))]++;
    if (findings.size() < kMaxFindings)
      findings.push_back({{"rule", f.value("rule", "")}, {"path", f.value("path", "")}, {"line", f.value("line", 0)},
                          {"message", f.value("message", "")}, {"api", f.contains("api") ? f["api"] : nullptr}});
  }
  nlohmann::json families = nlohmann::json::array();
  for (const nlohmann::json& fam : c.value("by_family", nlohmann::json::array()))
    if (fam.is_object() && fam.contains("call_sites")) families.push_back(fam);
  return {{"report", report_path},
          {"modified_ms", modified_ms},
          {"call_sites", c["call_sites"]},
          {"clients", c["clients"]},
          {"by_family", families},
          {"by_rule", by_rule},
          {"findings_total", report["findings"].size()},
          {"findings", findings}};
}

}  // namespace qg::serve
