#include "gate/coverage_gate.h"

#include <string>

#include <fmt/format.h>

namespace qg::gate {

double gated_percent(const CoverageCounts& calls, Unresolved unresolved) {
  return unresolved == Unresolved::Count ? calls.strict_percent() : calls.percent();
}

std::string format_percent_below(double percent, double threshold) {
  std::string s;
  for (int decimals = 1; decimals <= 6; ++decimals) {
    s = fmt::format("{:.{}f}", percent, decimals);
    if (std::stod(s) < threshold) break;
  }
  return s;
}

std::optional<std::string> check_min_coverage(const CoverageCounts& calls, double min_percent, Unresolved unresolved) {
  const double pct = gated_percent(calls, unresolved);
  if (pct + 1e-9 >= min_percent) return std::nullopt;
  const bool count = unresolved == Unresolved::Count;
  const std::size_t denom = calls.tracked + calls.untracked + (count ? calls.unresolved : 0);
  std::string detail = fmt::format("{} of {} call sites tracked", calls.tracked, denom);
  if (calls.unresolved)
    detail += count ? fmt::format(", {} unresolved counted as untracked; --unresolved ignore leaves them out",
                                  calls.unresolved)
                    : fmt::format(", {} unresolved left out (--unresolved ignore)", calls.unresolved);
  return fmt::format("call-site coverage {}% is below --min-coverage {}% ({})", format_percent_below(pct, min_percent),
                     fmt::format("{:g}", min_percent), detail);
}

}  // namespace qg::gate
