// What an alert route is configured with (tracker_config reads it, alert_route.h runs it).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "types.h"

namespace qg::tracker {

using quotaguard::Alert;

enum class Severity : uint8_t { info = 0, warning, critical };
Severity severity_of(const Alert& a);
const char* severity_name(Severity s);
bool parse_severity(std::string_view name, Severity& out);

struct RouteConfig {
  std::string name, url;
  std::string format = "json";      // json: the alert object; slack: {"text": ...}
  std::string secret;               // HMAC-SHA256 key (read from secret_env by the config)
  std::vector<std::string> workspaces, kinds;  // empty: every one
  Severity min_severity = Severity::info;
  int timeout_ms = 2000;
  int retries = 3;                  // attempts after the first
  int backoff_ms = 200;             // before the first retry; doubled each time, at most 10 s
  int dedup_s = 0;                  // the same alert again within this many seconds: sent once
};

}  // namespace qg::tracker
