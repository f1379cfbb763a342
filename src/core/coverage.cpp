#include <algorithm>
#include <map>

#include "core/scan_result.h"

namespace qg {

namespace {

void count(CoverageCounts& c, CallStatus s) {
  switch (s) {
    case CallStatus::Tracked: ++c.tracked; break;
    case CallStatus::Untracked: ++c.untracked; break;
    case CallStatus::Unresolved: ++c.unresolved; break;
  }
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The API family (scan_result.h): the resource path, the API without its method.
std::string family_of(const std::string& api) {
  auto dot = api.rfind('.');
  return dot == std::string::npos ? api : api.substr(0, dot);
}

std::vector<CoverageRow> rows(std::map<std::string, CoverageRow>& m) {
  std::vector<CoverageRow> out;
  out.reserve(m.size());
  for (auto& [key, row] : m) {
    row.key = key;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

Coverage compute_coverage(const std::vector<CallSite>& calls, const std::vector<ClientSite>& clients) {
  Coverage cov;
  std::map<std::string, CoverageRow> file, folder, api, family;
  for (const auto& c : calls) {
    count(cov.calls, c.status);
    count(file[c.path].calls, c.status);
    count(folder[folder_of(c.path)].calls, c.status);
    count(api[c.api].calls, c.status);
    count(family[family_of(c.api)].calls, c.status);
  }
  for (const auto& c : clients) {
    auto bump = [&](ClientCounts& k) { (c.provenance == Provenance::Factory ? k.factory : k.direct)++; };
    bump(cov.clients);
    bump(file[c.path].clients);
    bump(folder[folder_of(c.path)].clients);
  }
  cov.by_file = rows(file);
  cov.by_folder = rows(folder);
  cov.by_api = rows(api);
  cov.by_family = rows(family);
  return cov;
}

}  // namespace qg
