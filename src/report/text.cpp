// ruff-like text: one line a finding, then a summary a person reads in five seconds.
#include <map>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/catalogue.h"
#include "report/report.h"

namespace qg::report {

namespace {

struct Style {
  bool on;
  std::string operator()(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  }
};

// A rule id is red when its findings fail a scan (severity error or warning), yellow otherwise.
const char* rule_color(const std::string& rule) { return Catalogue::get().fails_scan(rule) ? "1;31" : "1;33"; }

void finding_line(const ScanResult& r, const Finding& f, const Options& o, const Style& st, std::ostream& out) {
  fmt::print(out, "{}:{}:{}: {} {}{}\n", st("1", display_path(r, f.path, o.cwd)), f.range.line, f.range.column,
             st(rule_color(f.rule), f.rule), f.fixable ? st("36", "[*] ") : "", f.message);
}

std::string counts(const CoverageCounts& c) {
  return fmt::format("{:.1f}% tracked ({} tracked, {} untracked, {} unresolved)", c.percent(), c.tracked,
                     c.untracked, c.unresolved);
}

}  // namespace

void write_text(const ScanResult& r, const Options& o, std::ostream& out) {
  const Style st{o.color};
  for (const auto& f : r.findings) finding_line(r, f, o, st, out);
  if (!r.vendored_findings.empty()) {
    fmt::print(out, "\n{} in vendored code (--include-vendored):\n", r.vendored_findings.size());
    for (const auto& f : r.vendored_findings) finding_line(r, f, o, st, out);
  }
  if (!o.show_summary) return;

  std::map<std::string, std::size_t> per_rule;
  std::size_t fixable = 0;
  for (const auto& f : r.findings) {
    ++per_rule[f.rule];
    fixable += f.fixable;
  }
  if (!r.findings.empty()) out << '\n';
  if (r.findings.empty()) fmt::print(out, "{}", st("1;32", "No findings."));
  else fmt::print(out, "Found {} finding{}", r.findings.size(), r.findings.size() == 1 ? "" : "s");
  std::vector<std::string> notes;
  if (fixable) notes.push_back(fmt::format("{} fixable with `quotaguard fix`", fixable));
  if (r.suppressed) notes.push_back(fmt::format("{} suppressed", r.suppressed));
  if (!notes.empty()) fmt::print(out, " ({})", fmt::join(notes, "; "));
  out << (r.findings.empty() ? "\n" : ".\n");
  for (const auto& [rule, n] : per_rule) {
    const auto* info = Catalogue::get().rule(rule);
    fmt::print(out, "  {:<6} {:>4}  {}\n", rule, n, info ? info->name : "");
  }
  const auto& cov = r.coverage;
  fmt::print(out, "Coverage: call sites {}\n", counts(cov.calls));
  fmt::print(out, "          clients {:.1f}% from the factory ({} factory, {} direct)\n", cov.clients.percent(),
             cov.clients.factory, cov.clients.direct);
  if (cov.calls.unresolved)
    fmt::print(out, "          {} call site{} of unresolved origin ({}), counted apart\n", cov.calls.unresolved,
               cov.calls.unresolved == 1 ? "" : "s", to_string(RuleId::QG007));
  fmt::print(out, "Files: {} scanned, {} parsed, {} skipped, {} with syntax errors\n", r.files.scanned,
             r.files.parsed, r.files.skipped.size(), r.files.parse_errors.size());
  for (const auto& s : r.files.skipped) fmt::print(out, "  skipped {}: {}\n", display_path(r, s.path, o.cwd), s.reason);
  for (const auto& p : r.files.parse_errors)
    fmt::print(out, "  syntax error in {} (scanned with error recovery)\n", display_path(r, p, o.cwd));
  fmt::print(out, "Elapsed: {:.3f} s\n", r.elapsed_seconds);
}

}  // namespace qg::report
