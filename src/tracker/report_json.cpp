#include "report_json.h"

#include <nlohmann/json.hpp>

namespace qg::tracker {

namespace {
nlohmann::json breakdown(const Breakdown& b) {
  const Totals& t = b.totals;
  return {{"calls", t.v[kCalls]}, {"requests", t.v[kRequests]}, {"errors", t.v[kErrors]},
          {"rate_limited", t.v[kRateLimited]}, {"quota_errors", t.v[kQuotaErrors]},
          {"blocked", t.v[kBlocked]}, {"estimated", t.v[kEstimated]}, {"anomalies", t.v[kAnomalies]},
          {"input_tokens", t.v[kInput]}, {"cached_tokens", t.v[kCached]},
          {"output_tokens", t.v[kOutput]}, {"reasoning_tokens", t.v[kReasoning]},
          {"images", t.v[kImages]}, {"audio_seconds", static_cast<double>(t.v[kAudioMs]) / 1000.0},
          {"characters", t.v[kCharacters]}, {"cost_usd", b.cost_usd}};
}
}  // namespace

std::string usage_json(const UsageReport& r) {
  nlohmann::json j;
  j["total"] = breakdown(r.total);
  using Part = std::pair<const char*, const std::map<std::string, Breakdown>*>;
  for (const Part& part : {Part{"by_endpoint", &r.by_endpoint}, Part{"by_model", &r.by_model},
                           Part{"by_workspace", &r.by_workspace}}) {
    nlohmann::json o = nlohmann::json::object();
    for (auto& [k, b] : *part.second) o[k] = breakdown(b);
    j[part.first] = o;
  }
  j["unpriced_models"] = r.unpriced_models;
  return j.dump();
}

}  // namespace qg::tracker
