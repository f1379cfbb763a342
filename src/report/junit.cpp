// JUnit XML for CI test dashboards (GitLab, Jenkins, Azure): one testcase per scanned file, one
// <failure> per finding in it; a file without findings is a passing testcase.
#include <map>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/catalogue.h"
#include "report/escape.h"
#include "report/report.h"

namespace qg::report {

void write_junit(const ScanResult& r, const Options& o, std::ostream& out) {
  std::map<std::string, std::vector<const Finding*>> by_file;
  for (const auto& p : r.files.paths) by_file[p];
  for (const auto& f : r.findings) by_file[f.path].push_back(&f);
  std::size_t failing = 0;
  for (const auto& [path, findings] : by_file) failing += !findings.empty();
  const std::string time = fmt::format("{:.3f}", r.elapsed_seconds);

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  fmt::print(out, "<testsuites name=\"quotaguard\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">\n",
             by_file.size(), failing, time);
  fmt::print(out, "  <testsuite name=\"quotaguard\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{}\">\n",
             by_file.size(), failing, time);
  const auto& c = r.coverage.calls;
  fmt::print(out,
             "    <properties>\n"
             "      <property name=\"call_site_coverage\" value=\"{}\"/>\n"
             "      <property name=\"tracked\" value=\"{}\"/>\n"
             "      <property name=\"untracked\" value=\"{}\"/>\n"
             "      <property name=\"unresolved\" value=\"{}\"/>\n"
             "    </properties>\n",
             c.percent() ? fmt::format("{:.1f}", *c.percent()) : "n/a", c.tracked, c.untracked, c.unresolved);
  for (const auto& [path, findings] : by_file) {
    const std::string shown = xml_escape(display_path(r, path, o.cwd));
    fmt::print(out, "    <testcase classname=\"quotaguard\" name=\"{}\" file=\"{}\" time=\"0\"", shown, shown);
    if (findings.empty()) {
      out << "/>\n";
      continue;
    }
    out << ">\n";
    for (const Finding* f : findings) {
      const auto* rule = Catalogue::get().rule(f->rule);
      const std::string message = display_message(r, *f, o.cwd);
      const std::string where = fmt::format("{}:{}:{}", display_path(r, f->path, o.cwd), f->range.line, f->range.column);
      fmt::print(out, "      <failure type=\"{}\" message=\"{}\">{}: {} {}{}", xml_escape(f->rule),
                 xml_escape(fmt::format("{}: {} {}", where, f->rule, message)), xml_escape(where),
                 xml_escape(f->rule), xml_escape(message),
                 rule ? xml_escape(fmt::format("\n({}; `quotaguard explain {}`)", rule->name, rule->id)) : "");
      out << "</failure>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace qg::report
