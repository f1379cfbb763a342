#include "gate/coverage_gate.h"

#include <string>

#include <fmt/format.h>

namespace qg::gate {

std::string format_percent_below(double percent, double threshold) {
  std::string s;
  for (int decimals = 1; decimals <= 6; ++decimals) {
    s = fmt::format("{:.{}f}", percent, decimals);
    if (std::stod(s) < threshold) break;
  }
  return s;
}

GateVerdict check_min_coverage(const CoverageCounts& calls, double min_percent, Unresolved unresolved) {
  const bool strict = unresolved == Unresolved::Untracked;
  const std::string threshold = fmt::format("{:g}%", min_percent);
  const std::size_t denom = calls.tracked + calls.untracked + (strict ? calls.unresolved : 0);
  std::string how = fmt::format("{} of {} call site{} tracked", calls.tracked, denom, denom == 1 ? "" : "s");
  if (calls.unresolved) {
    how += strict ? fmt::format(", {} of unresolved origin counted as untracked (--unresolved count); the summary's "
                                "{} counts them apart",
                                calls.unresolved, percent_text(calls.percent()))
                  : fmt::format(", {} of unresolved origin counted apart, as in the summary (--unresolved count "
                                "counts them as untracked: {})",
                                calls.unresolved, percent_text(calls.percent(Unresolved::Untracked)));
  }
  GateVerdict v;
  const std::optional<double> pct = calls.percent(unresolved);
  if (!pct) {
    v.message = fmt::format("coverage gate passed: call-site coverage n/a, nothing to measure against --min-coverage "
                            "{} ({})",
                            threshold, how);
    return v;
  }
  v.passed = *pct + 1e-9 >= min_percent;
  v.message = v.passed ? fmt::format("coverage gate passed: call-site coverage {} is at or above --min-coverage {} ({})",
                                     percent_text(pct), threshold, how)
                       : fmt::format("coverage gate failed: call-site coverage {}% is below --min-coverage {} ({})",
                                     format_percent_below(*pct, min_percent), threshold, how);
  return v;
}

}  // namespace qg::gate
