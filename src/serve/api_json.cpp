#include "api_json.h"

namespace qg::serve {

bool is_trouble(const std::string& status) { return status != "normal" && status != "warning"; }

nlohmann::json to_json(const WorkspaceStatus& s) {
  return {{"workspace", s.workspace}, {"status", s.status}, {"since_ms", s.since_ms}, {"updated_ms", s.updated_ms},
          {"reason", s.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.reason)},
          {"error_code", s.error_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.error_code)}};
}

nlohmann::json to_json(const UsageTotals& t) {
  return {{"calls", t.calls}, {"requests", t.requests}, {"errors", t.errors}, {"input_tokens", t.input_tokens},
          {"cached_tokens", t.cached_tokens}, {"output_tokens", t.output_tokens},
          {"reasoning_tokens", t.reasoning_tokens}, {"images", t.images}, {"audio_seconds", t.audio_seconds},
          {"characters", t.characters}, {"cost_usd", t.cost_usd}};
}

nlohmann::json to_json(const AlertRecord& a) {
  return {{"id", a.id}, {"ts_ms", a.ts_ms}, {"kind", a.kind}, {"workspace", a.workspace}, {"status", a.status},
          {"previous", a.previous}, {"code", a.code}, {"message", a.message}, {"source", a.source},
          {"fleet_id", a.fleet_id ? nlohmann::json(a.fleet_id) : nlohmann::json(nullptr)}};
}

nlohmann::json status_body(const std::vector<WorkspaceStatus>& statuses, int64_t now_ms) {
  nlohmann::json global = nullptr, workspaces = nlohmann::json::array(), accounts = nlohmann::json::array();
  bool ok = true;
  for (const WorkspaceStatus& s : statuses) {
    ok &= !is_trouble(s.status);
    if (s.workspace == "*")
      global = to_json(s);
    else if (s.workspace.rfind("account:", 0) == 0)
      accounts.push_back(to_json(s));
    else
      workspaces.push_back(to_json(s));
  }
  return {{"as_of_ms", now_ms}, {"ok", ok}, {"global", global}, {"workspaces", workspaces}, {"accounts", accounts}};
}

nlohmann::json usage_body(const char* by, int64_t since_ms, int64_t until_ms, const UsageAnswer& answer) {
  nlohmann::json out = {{"by", by},          {"since_ms", since_ms},          {"until_ms", until_ms},
                        {"source", answer.source}, {"degraded", answer.degraded}, {"rows", nlohmann::json::array()}};
  if (!answer.note.empty()) out["note"] = answer.note;
  UsageTotals total;
  for (const UsageRow& r : answer.rows) {
    nlohmann::json row = to_json(r.totals);
    row["key"] = r.key;
    out["rows"].push_back(row);
    total.add(r.totals);
  }
  out["total"] = to_json(total);
  return out;
}

nlohmann::json error_body(const std::string& code, const std::string& message, const std::string& parameter) {
  nlohmann::json e = {{"code", code}, {"message", message}};
  if (!parameter.empty()) e["parameter"] = parameter;
  return {{"error", e}};
}

}  // namespace qg::serve
