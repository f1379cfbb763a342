// The JSON contract (version 1): other tools and CI scripts parse this; change it only by
// adding keys, and bump "version" for anything else.
#include <nlohmann/json.hpp>

#include "report/report.h"

namespace qg::report {

namespace {

using nlohmann::ordered_json;

ordered_json finding_json(const Finding& f) {
  ordered_json j;
  j["rule"] = f.rule;
  j["path"] = f.path;
  j["line"] = f.range.line;
  j["column"] = f.range.column;
  j["end_line"] = f.range.end_line;
  j["end_column"] = f.range.end_column;
  j["message"] = f.message;
  j["fixable"] = f.fixable;
  j["api"] = f.api.empty() ? ordered_json(nullptr) : ordered_json(f.api);
  j["provenance"] = to_string(f.provenance);
  j["language"] = std::string(to_string(f.language));
  j["fingerprint"] = f.fingerprint;
  return j;
}

ordered_json counts_json(const CoverageCounts& c) {
  ordered_json j;
  j["tracked"] = c.tracked;
  j["untracked"] = c.untracked;
  j["unresolved"] = c.unresolved;
  j["percent"] = c.percent();
  return j;
}

ordered_json clients_json(const ClientCounts& c) {
  ordered_json j;
  j["factory"] = c.factory;
  j["direct"] = c.direct;
  j["percent"] = c.percent();
  return j;
}

ordered_json rows_json(const std::vector<CoverageRow>& rows, const char* key, bool with_clients) {
  ordered_json arr = ordered_json::array();
  for (const auto& r : rows) {
    ordered_json j;
    j[key] = r.key;
    j["call_sites"] = counts_json(r.calls);
    if (with_clients) j["clients"] = clients_json(r.clients);
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace

void write_json(const ScanResult& r, const Options&, std::ostream& out) {
  ordered_json j;
  j["version"] = 1;
  j["findings"] = ordered_json::array();
  for (const auto& f : r.findings) j["findings"].push_back(finding_json(f));
  j["vendored_findings"] = ordered_json::array();
  for (const auto& f : r.vendored_findings) j["vendored_findings"].push_back(finding_json(f));
  ordered_json cov;
  cov["call_sites"] = counts_json(r.coverage.calls);
  cov["clients"] = clients_json(r.coverage.clients);
  cov["by_file"] = rows_json(r.coverage.by_file, "path", true);
  cov["by_folder"] = rows_json(r.coverage.by_folder, "folder", true);
  cov["by_api"] = rows_json(r.coverage.by_api, "api", false);
  cov["by_family"] = rows_json(r.coverage.by_family, "family", false);
  j["coverage"] = std::move(cov);
  ordered_json files;
  files["discovered"] = r.files.discovered;
  files["scanned"] = r.files.scanned;
  files["parsed"] = r.files.parsed;
  files["skipped"] = ordered_json::array();
  for (const auto& s : r.files.skipped) files["skipped"].push_back({{"path", s.path}, {"reason", s.reason}});
  files["parse_errors"] = r.files.parse_errors;
  j["files"] = std::move(files);
  j["suppressed"] = r.suppressed;
  j["elapsed_seconds"] = r.elapsed_seconds;
  out << j.dump(2) << '\n';
}

}  // namespace qg::report
