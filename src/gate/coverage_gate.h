// `--min-coverage PCT`: fail when call-site coverage is below PCT.
#pragma once

#include <optional>
#include <string>

#include "core/scan_result.h"

namespace qg::gate {

// `--unresolved count` (default): a call site of unresolved origin counts as untracked, the
// strict view a gate wants. `ignore`: left out of the percentage (still reported).
enum class Unresolved { Count, Ignore };

double gated_percent(const CoverageCounts& calls, Unresolved unresolved);

// A percentage for people, rounded as everywhere else (one decimal) unless that would show it at
// or above the threshold it missed: 89.96 below 90 -> "89.96".
std::string format_percent_below(double percent, double threshold);

// The one-line reason the gate failed, or nothing when it passed.
std::optional<std::string> check_min_coverage(const CoverageCounts& calls, double min_percent, Unresolved unresolved);

}  // namespace qg::gate
