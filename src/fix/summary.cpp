// The closing summary of `quotaguard fix`: what was fixed, what is left and why.
#include <fmt/format.h>

#include "fix/fix.h"

namespace qg::fix {

namespace {

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

std::string by_rule(const std::map<std::string, std::size_t>& counts) {
  std::string s;
  for (const auto& [rule, n] : counts) s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", rule, n);
  return s;
}

}  // namespace

std::string format_summary(const FixReport& report, Mode mode) {
  std::string out;
  for (const auto& [path, reason] : report.skipped_files) out += fmt::format("{}: skipped: {}\n", path, reason);
  for (const LeftFinding& l : report.left) {
    if (l.reason == LeftReason::FileSkipped) continue;  // said once per file above
    const Finding& f = l.finding;
    out += fmt::format("{}:{}:{}: {} not fixed ({}): {}\n", f.path, f.range.line, f.range.column, f.rule,
                       to_string(l.reason), l.detail);
  }

  const std::size_t fixed = report.fixed_total();
  const char* verb = mode == Mode::Write ? "Fixed" : "Would fix";
  if (fixed == 0) out += mode == Mode::Write ? "Nothing fixed." : "Nothing to fix.";
  else out += fmt::format("{} {} ({}) in {}.", verb, plural(fixed, "finding"), by_rule(report.fixed),
                          plural(report.changes.size(), "file"));

  std::map<LeftReason, std::size_t> reasons;
  for (const LeftFinding& l : report.left) ++reasons[l.reason];
  std::map<std::string, std::size_t> unfixable;
  for (const Finding& f : report.remaining)
    if (!f.fix) ++unfixable[f.rule];
  std::vector<std::string> parts;
  auto add = [&](LeftReason r, const char* what) {
    if (auto it = reasons.find(r); it != reasons.end()) parts.push_back(fmt::format("{} {}", it->second, what));
  };
  add(LeftReason::Unsafe, "unsafe (use --unsafe-fixes)");
  add(LeftReason::NoFactory, "without a configured factory");
  add(LeftReason::Overlap, "overlapping another fix");
  add(LeftReason::FileSkipped, "in skipped files");
  add(LeftReason::Unsettled, "whose fixes did not take");
  add(LeftReason::SyntaxError, "in syntax errors");
  std::size_t not_fixable = 0;
  for (const auto& [rule, n] : unfixable) not_fixable += n;
  if (not_fixable) parts.push_back(fmt::format("{} not fixable ({})", not_fixable, by_rule(unfixable)));
  std::size_t left = report.left.size() + not_fixable;
  if (left == 0) return out + " No findings left.\n";
  out += fmt::format(" {} left: ", plural(left, "finding"));
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ".\n";
}

}  // namespace qg::fix
