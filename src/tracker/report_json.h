// Usage report as JSON (the shape of quotaguard.usage() in Python).
#pragma once
#include <string>

#include "tracker.h"

namespace qg::tracker {
std::string usage_json(const UsageReport& r);
}
