// GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff
// (`::error file=app/a.py,line=3,col=10,endLine=3,endColumn=18,title=QG001::message`), then a
// notice with the coverage headline.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/catalogue.h"
#include "report/escape.h"
#include "report/report.h"

namespace qg::report {

namespace {

const char* command_of(std::string_view severity) {
  if (severity == "error") return "error";
  if (severity == "warning") return "warning";
  return "notice";
}

void annotation(const ScanResult& r, const Finding& f, const Options& o, std::ostream& out) {
  const auto* rule = Catalogue::get().rule(f.rule);
  const std::string path = display_path(r, f.path, o.cwd);
  std::string props = fmt::format("file={},line={},col={}", github_property_escape(path), f.range.line, f.range.column);
  // GitHub takes columns only for a one-line range.
  if (f.range.end_line == f.range.line) props += fmt::format(",endLine={},endColumn={}", f.range.end_line, f.range.end_column);
  else if (f.range.end_line) props += fmt::format(",endLine={}", f.range.end_line);
  props += ",title=" + github_property_escape(f.rule);
  std::string message = display_message(r, f, o.cwd);
  if (rule) message += fmt::format(" [{}{}]", rule->name, f.fixable ? "; fixable with `quotaguard fix`" : "");
  fmt::print(out, "::{} {}::{}\n", command_of(rule ? rule->severity : "error"), props, github_data_escape(message));
}

}  // namespace

void write_github(const ScanResult& r, const Options& o, std::ostream& out) {
  for (const auto& f : r.findings) annotation(r, f, o, out);
  for (const auto& f : r.vendored_findings) annotation(r, f, o, out);
  const auto& c = r.coverage.calls;
  const std::string summary =
      fmt::format("{} finding{}; call-site coverage {} ({} tracked, {} untracked, {} unresolved); clients "
                  "{} from the factory",
                  r.findings.size(), r.findings.size() == 1 ? "" : "s", percent_text(c.percent()), c.tracked,
                  c.untracked, c.unresolved, percent_text(r.coverage.clients.percent()));
  fmt::print(out, "::notice title=quotaguard::{}\n", github_data_escape(summary));
}

}  // namespace qg::report
