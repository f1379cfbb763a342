// Markdown for a pull-request comment or a GitHub job summary: the coverage headline, coverage per
// API family and per folder (worst first), and the findings, capped so that a comment stays
// readable (and under GitHub's 65,536-character limit).
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/catalogue.h"
#include "report/escape.h"
#include "report/report.h"

namespace qg::report {

namespace {

constexpr std::size_t kMaxFindings = 50;
constexpr std::size_t kMaxRows = 25;

std::string bar(double percent) {
  const int full = static_cast<int>(percent / 10.0 + 0.5);
  std::string s;
  for (int i = 0; i < 10; ++i) s += i < full ? "\u2588" : "\u2591";
  return s;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void coverage_table(std::ostream& out, std::string_view title, std::string_view column,
                    const std::vector<CoverageRow>& rows, bool clients) {
  const auto sorted = rows_worst_first(rows);
  if (sorted.empty()) return;
  fmt::print(out, "\n### {}\n\n| {} | Coverage | | Tracked | Untracked | Unresolved |{}\n", title, column,
             clients ? " Clients (factory / direct) |" : "");
  fmt::print(out, "|---|---:|---|---:|---:|---:|{}\n", clients ? "---:|" : "");
  for (std::size_t i = 0; i < sorted.size() && i < kMaxRows; ++i) {
    const auto& r = *sorted[i];
    const auto p = r.calls.percent();
    fmt::print(out, "| {} | {} | {} | {} | {} | {} |", markdown_code(r.key), percent_text(p),
               p ? fmt::format("`{}`", bar(*p)) : "", r.calls.tracked, r.calls.untracked, r.calls.unresolved);
    if (clients) fmt::print(out, " {} / {} |", r.clients.factory, r.clients.direct);
    out << '\n';
  }
  if (sorted.size() > kMaxRows) fmt::print(out, "\n... and {} more\n", sorted.size() - kMaxRows);
}

}  // namespace

void write_markdown(const ScanResult& r, const Options& o, std::ostream& out) {
  const auto& cov = r.coverage;
  const bool clean = r.findings.empty();
  fmt::print(out, "## {} quotaguard: {} \u00b7 call-site coverage {}\n\n", clean ? "\u2705" : "\u274c",
             clean ? std::string("no findings") : plural(r.findings.size(), "finding", "findings"),
             percent_text(cov.calls.percent()));
  fmt::print(out, "**Call sites:** {} tracked \u2014 {} tracked \u00b7 {} untracked \u00b7 {} unresolved{}  \n",
             percent_text(cov.calls.percent()), cov.calls.tracked, cov.calls.untracked, cov.calls.unresolved,
             cov.calls.unresolved ? fmt::format(" (origin unknown, counted apart; {} counting them as untracked)",
                                                percent_text(cov.calls.percent(Unresolved::Untracked)))
                                  : std::string());
  fmt::print(out, "**Clients:** {} from the factory \u2014 {} factory \u00b7 {} direct  \n",
             percent_text(cov.clients.percent()), cov.clients.factory, cov.clients.direct);
  std::size_t fixable = 0;
  for (const auto& f : r.findings) fixable += f.fixable;
  fmt::print(out, "**Files:** {} scanned \u00b7 {} parsed{}{}\n", r.files.scanned, r.files.parsed,
             r.files.parse_errors.empty() ? "" : fmt::format(" \u00b7 {} with syntax errors", r.files.parse_errors.size()),
             fixable ? fmt::format(" \u00b7 {} fixable with `quotaguard fix`", plural(fixable, "finding", "findings")) : "");

  coverage_table(out, "Coverage by API family", "API family", cov.by_family, false);
  coverage_table(out, "Coverage by folder", "Folder", cov.by_folder, true);

  if (!r.findings.empty()) {
    fmt::print(out, "\n### Findings ({})\n\n| Rule | Location | Message |\n|---|---|---|\n", r.findings.size());
    for (std::size_t i = 0; i < r.findings.size() && i < kMaxFindings; ++i) {
      const auto& f = r.findings[i];
      const auto* rule = Catalogue::get().rule(f.rule);
      fmt::print(out, "| {}{} | {} | {}{} |\n", f.rule, rule ? fmt::format(" <sub>{}</sub>", rule->name) : "",
                 markdown_code(display_location(r, f, o.cwd)),
                 markdown_cell(display_message(r, f, o.cwd)), f.fixable ? " **[fixable]**" : "");
    }
    if (r.findings.size() > kMaxFindings)
      fmt::print(out, "\n... and {} more (`quotaguard scan` lists every finding)\n", r.findings.size() - kMaxFindings);
  }
  if (!r.vendored_findings.empty())
    fmt::print(out, "\n{} in vendored code (--include-vendored), not listed here.\n",
               plural(r.vendored_findings.size(), "finding", "findings"));
}

}  // namespace qg::report
