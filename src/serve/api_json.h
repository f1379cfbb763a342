// The API's JSON bodies (their shapes are the schemas in openapi.json).
#pragma once
#include <nlohmann/json.hpp>

#include "state_source.h"

namespace qg::serve {

nlohmann::json to_json(const WorkspaceStatus& s);
nlohmann::json to_json(const UsageTotals& t);
nlohmann::json to_json(const AlertRecord& a);

// {"as_of_ms", "ok", "global", "workspaces": [...], "accounts": [...]}
nlohmann::json status_body(const std::vector<WorkspaceStatus>& statuses, int64_t now_ms);
// {"by", "since_ms", "until_ms", "rows": [{"key", ...totals}], "total": {...}}
nlohmann::json usage_body(const char* by, int64_t since_ms, int64_t until_ms, const UsageAnswer& answer);
// {"error": {"code", "message", "parameter"?}}
nlohmann::json error_body(const std::string& code, const std::string& message, const std::string& parameter = {});

// A status that needs a person (what `quotaguard status` exits 1 for).
bool is_trouble(const std::string& status);

}  // namespace qg::serve
