// `--min-coverage PCT`: fail when call-site coverage is below PCT.
#pragma once

#include <string>

#include "core/scan_result.h"

namespace qg::gate {

// A percentage for people, rounded as everywhere else (one decimal) unless that would show it at
// or above the threshold it missed: 89.96 below 90 -> "89.96".
std::string format_percent_below(double percent, double threshold);

struct GateVerdict {
  bool passed = true;
  // One line, printed whether the gate passes or fails: the figure it measured, the counts it
  // came from, how unresolved sites counted, and the summary's figure when that differs.
  std::string message;
};

// `unresolved`: how call sites of unresolved origin count (core/scan_result.h). Apart, the
// default, is the headline's own definition, so the gate judges the figure the summary shows.
// With nothing to measure (no call site in the percentage) the gate passes and says so.
GateVerdict check_min_coverage(const CoverageCounts& calls, double min_percent, Unresolved unresolved);

}  // namespace qg::gate
