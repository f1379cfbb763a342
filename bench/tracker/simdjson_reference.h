// simdjson On-Demand version of the JSON-body extraction, for the benchmark comparison only.
#pragma once
#include <string_view>

#include "extract.h"

namespace qg::tracker::bench {
ResponseUsage simdjson_extract_json(std::string_view body);
}
