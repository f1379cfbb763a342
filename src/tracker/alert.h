// Alerts (quotaguard::Alert, a fixed-size value) as JSON for the sinks.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "types.h"
#include "utf8.h"

namespace qg::tracker {

using quotaguard::Alert;

// {"ts":..., "kind":..., "workspace":..., "status":..., "previous":..., "code":..., "message":...,
//  "text": "<Slack-compatible one-liner>"}
std::string alert_json(const Alert& a);
std::string json_escape(std::string_view s);

}  // namespace qg::tracker
