// A self-contained coverage report in one HTML file: inline CSS, inline SVG charts and a few lines
// of vanilla JavaScript for sorting; no external resource of any kind. Every piece of text from
// the scanned code or the configuration goes through xml_escape.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/catalogue.h"
#include "report/escape.h"
#include "report/report.h"
#include "report/rules_doc.h"
#include "report/source_context.h"

#ifndef QG_VERSION
#define QG_VERSION "0"
#endif

namespace qg::report {

namespace {

constexpr std::size_t kChartRows = 30;
constexpr std::size_t kMaxFindings = 500;

const char* kStyle = R"CSS(
:root{--fg:#1f2328;--muted:#59636e;--bg:#f6f8fa;--card:#fff;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e;--warn:#bf8700;--accent:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#24292f;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:20px;font-weight:600}
header .sub{color:#c9d1d9;font-size:13px;margin-top:4px;word-break:break-all}
main{max-width:1200px;margin:0 auto;padding:24px 32px 48px}
h2{font-size:17px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:34px;font-weight:600;line-height:1.2;margin:4px 0}
.card .detail{color:var(--muted);font-size:13px}
.good{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}
.meter{height:8px;border-radius:4px;background:#eaeef2;overflow:hidden;display:flex;margin-top:8px}
.meter span{display:block;height:100%}
.charts{display:grid;align-items:start;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.chart h3{margin:0 0 8px;font-size:14px}
.chart svg{width:100%;height:auto;display:block}
.chart svg text{font:12px -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;fill:var(--fg)}
.chart svg text.pct{font-weight:600}
.legend{display:flex;gap:16px;color:var(--muted);font-size:12px;margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{padding:7px 10px;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
td.path{white-space:normal;word-break:break-all;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
th{background:#f6f8fa;font-weight:600;font-size:12.5px;cursor:pointer;user-select:none;position:sticky;top:0}
th:hover{background:#eaeef2}
th[aria-sort=ascending]::after{content:" \25B2";font-size:10px}
th[aria-sort=descending]::after{content:" \25BC";font-size:10px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr:hover td{background:#f6f8fa}
.cov{display:inline-block;width:60px;height:6px;border-radius:3px;background:#eaeef2;vertical-align:middle;margin-left:8px;overflow:hidden}
.cov span{display:block;height:100%;background:var(--ok)}
.finding{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:6px;margin:12px 0;padding:12px 16px}
.finding.warning{border-left-color:var(--warn)}.finding.info{border-left-color:var(--accent)}
.finding .head{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
.badge{font:600 12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:1px 7px;border-radius:10px;background:#ffebe9;color:var(--bad)}
.warning .badge{background:#fff8c5;color:#7d4e00}.info .badge{background:#ddf4ff;color:#0550ae}
.fixable{font-size:11.5px;padding:1px 7px;border-radius:10px;background:#dafbe1;color:var(--ok);font-weight:600}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;color:var(--muted)}
.msg{margin:6px 0}
pre.code{margin:8px 0;padding:8px 0;background:#f6f8fa;border:1px solid #eaeef2;border-radius:6px;overflow-x:auto;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.code span.l{display:block;padding:0 12px;white-space:pre}
pre.code span.l.hit{background:#fff1e5}
pre.code span.n{display:inline-block;min-width:3.5em;color:#8c959f;user-select:none}
.hint{color:var(--muted);font-size:13px}
.hint code,.msg code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:12px}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;text-align:center;padding:24px}
)CSS";

// Sorts a table by the clicked header: numbers by data-v, text by content.
const char* kScript = R"JS(
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var desc = th.getAttribute('aria-sort') === 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var num = th.classList.contains('num');
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var c = num ? parseFloat(x.dataset.v) - parseFloat(y.dataset.v) : x.textContent.localeCompare(y.textContent);
        return desc ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
)JS";

std::string pct(double p) { return fmt::format("{:.1f}%", p); }

const char* tone(double p) { return p >= 90.0 ? "good" : p >= 60.0 ? "warn" : "bad"; }

// Backticked spans of a catalogue text or message as <code>; everything escaped.
std::string inline_code(std::string_view s) {
  std::string out;
  bool in_code = false;
  for (std::size_t tick; (tick = s.find('`')) != std::string_view::npos; s.remove_prefix(tick + 1)) {
    out += xml_escape(s.substr(0, tick));
    out += in_code ? "</code>" : "<code>";
    in_code = !in_code;
  }
  out += xml_escape(s);
  if (in_code) out += "</code>";  // an unbalanced backtick
  return out;
}

// Horizontal stacked bars: tracked / untracked / unresolved per row, worst coverage first.
void bar_chart(std::ostream& out, std::string_view title, const std::vector<CoverageRow>& rows) {
  std::vector<const CoverageRow*> sorted;
  for (const auto& r : rows)
    if (r.calls.total()) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const CoverageRow* a, const CoverageRow* b) {
    return a->calls.percent() != b->calls.percent() ? a->calls.percent() < b->calls.percent() : a->key < b->key;
  });
  const std::size_t shown = std::min(sorted.size(), kChartRows);
  fmt::print(out, "<div class=\"chart\"><h3>{}</h3>\n", xml_escape(title));
  if (shown == 0) {
    out << "<p class=\"empty\">No API call sites.</p></div>\n";
    return;
  }
  constexpr int kWidth = 600, kLabel = 190, kBar = 270, kRow = 26;
  const int height = static_cast<int>(shown) * kRow + 4;
  fmt::print(out, "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n", kWidth, height, xml_escape(title));
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& row = *sorted[i];
    const int y = static_cast<int>(i) * kRow + 4;
    const auto& c = row.calls;
    const double total = static_cast<double>(c.total());
    std::string label = row.key;
    if (label.size() > 30) label = "\u2026" + label.substr(label.size() - 29);
    fmt::print(out, "<g><title>{}: {} tracked, {} untracked, {} unresolved</title>\n", xml_escape(row.key), c.tracked,
               c.untracked, c.unresolved);
    fmt::print(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabel - 8, y + 14, xml_escape(label));
    double x = kLabel;
    const std::pair<std::size_t, const char*> parts[] = {
        {c.tracked, "#2da44e"}, {c.untracked, "#cf222e"}, {c.unresolved, "#d4a72c"}};
    fmt::print(out, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"3\" fill=\"#eaeef2\"/>\n", kLabel, y + 2, kBar);
    for (const auto& [n, color] : parts) {
      if (!n) continue;
      const double w = kBar * static_cast<double>(n) / total;
      fmt::print(out, "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"16\" fill=\"{}\"/>\n", x, y + 2, w, color);
      x += w;
    }
    fmt::print(out, "<text class=\"pct\" x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\" fill=\"#59636e\">{}/{}</text></g>\n",
               kLabel + kBar + 8, y + 14, pct(c.percent()), kLabel + kBar + 62, y + 14, c.tracked, c.tracked + c.untracked);
  }
  out << "</svg>\n";
  if (sorted.size() > shown) fmt::print(out, "<p class=\"empty\">\u2026 and {} more</p>\n", sorted.size() - shown);
  out << "<div class=\"legend\"><span><i style=\"background:#2da44e\"></i>tracked</span><span><i "
         "style=\"background:#cf222e\"></i>untracked</span><span><i style=\"background:#d4a72c\"></i>unresolved "
         "origin</span></div></div>\n";
}

struct FileRow {
  CoverageCounts calls;
  ClientCounts clients;
  std::size_t findings = 0;
  bool has_calls = false;
};

void file_table(std::ostream& out, const ScanResult& r, const Options& o) {
  std::map<std::string, FileRow> rows;
  for (const auto& row : r.coverage.by_file) {
    rows[row.key].calls = row.calls;
    rows[row.key].clients = row.clients;
    rows[row.key].has_calls = row.calls.total() > 0;
  }
  for (const auto& f : r.findings) ++rows[f.path].findings;
  if (rows.empty()) {
    out << "<p class=\"empty\">No file has API calls, clients or findings.</p>\n";
    return;
  }
  out << "<table id=\"files\" class=\"sortable\"><thead><tr><th>File</th><th class=\"num\">Coverage</th><th "
         "class=\"num\">Tracked</th><th class=\"num\">Untracked</th><th class=\"num\">Unresolved</th><th "
         "class=\"num\">Factory clients</th><th class=\"num\">Direct clients</th><th "
         "class=\"num\">Findings</th></tr></thead><tbody>\n";
  for (const auto& [path, row] : rows) {
    const double p = row.calls.percent();
    const std::string cov = row.has_calls ? fmt::format("<span class=\"{}\">{}</span><span class=\"cov\"><span style=\"width:{:.0f}%\"></span></span>",
                                                        tone(p), pct(p), p)
                                          : std::string("<span class=\"empty\">no calls</span>");
    fmt::print(out,
               "<tr><td class=\"path\">{}</td><td class=\"num\" data-v=\"{:.3f}\">{}</td><td class=\"num\" "
               "data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td "
               "class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" "
               "data-v=\"{}\">{}</td></tr>\n",
               xml_escape(display_path(r, path, o.cwd)), row.has_calls ? p : 101.0, cov, row.calls.tracked,
               row.calls.tracked, row.calls.untracked, row.calls.untracked, row.calls.unresolved, row.calls.unresolved,
               row.clients.factory, row.clients.factory, row.clients.direct, row.clients.direct, row.findings,
               row.findings);
  }
  out << "</tbody></table>\n";
}

void finding_card(std::ostream& out, const ScanResult& r, const Finding& f, const Options& o, SourceCache& sources) {
  const auto* rule = Catalogue::get().rule(f.rule);
  const std::string severity = rule ? rule->severity : "error";
  fmt::print(out, "<div class=\"finding {}\"><div class=\"head\"><span class=\"badge\">{}</span>", xml_escape(severity),
             xml_escape(f.rule));
  if (rule) fmt::print(out, "<strong>{}</strong>", xml_escape(rule->name));
  fmt::print(out, "<span class=\"loc\">{}:{}:{}</span>", xml_escape(display_path(r, f.path, o.cwd)), f.range.line,
             f.range.column);
  if (f.fixable) out << "<span class=\"fixable\">fixable</span>";
  fmt::print(out, "</div>\n<div class=\"msg\">{}</div>\n", inline_code(f.message));

  out << "<pre class=\"code\">";
  if (auto snippet = sources.snippet(f, 2)) {
    for (std::size_t i = 0; i < snippet->lines.size(); ++i) {
      const auto line = snippet->first_line + static_cast<std::uint32_t>(i);
      const bool hit = line >= f.range.line && line <= std::max(f.range.line, f.range.end_line);
      fmt::print(out, "<span class=\"l{}\"><span class=\"n\">{}</span>{}</span>", hit ? " hit" : "", line,
                 xml_escape(snippet->lines[i]));
    }
  } else {
    fmt::print(out, "<span class=\"l hit\"><span class=\"n\">{}</span>{}</span>", f.range.line, xml_escape(f.code));
  }
  out << "</pre>\n";

  std::string hint;
  if (f.fixable) {
    const std::string call = f.fix ? factory_call_name(r.factory, f.fix->kind, f.rule == to_string(RuleId::QG002)) : std::string();
    hint = fmt::format("Fix: `quotaguard fix {}`{}.", display_path(r, f.path, o.cwd),
                       call.empty() ? "" : fmt::format(" rewrites this to call `{}`", call));
  } else if (rule) {
    hint = std::string(trimmed(rule->fix));
  }
  if (!hint.empty()) fmt::print(out, "<div class=\"hint\">{}", inline_code(hint));
  if (rule)
    fmt::print(out, " <a href=\"{}\">{} explained</a>", xml_escape(rule_help_uri(rule->id)), xml_escape(rule->id));
  if (!hint.empty() || rule) out << "</div>";
  out << "</div>\n";
}

}  // namespace

void write_html(const ScanResult& r, const Options& o, std::ostream& out) {
  const auto& cov = r.coverage;
  std::size_t fixable = 0;
  for (const auto& f : r.findings) fixable += f.fixable;
  const std::string title = "quotaguard coverage: " + r.root.filename().string();

  fmt::print(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
                  "<style>{}</style>\n</head>\n<body>\n",
             xml_escape(title), kStyle);
  fmt::print(out, "<header><h1>quotaguard coverage report</h1><div class=\"sub\">{}{}</div></header>\n<main>\n",
             xml_escape(r.root.string()),
             r.config_file.empty() ? std::string(" \u00b7 default configuration")
                                   : " \u00b7 " + xml_escape(r.config_file.filename().string()));

  // Headline.
  const auto& c = cov.calls;
  const double total = static_cast<double>(std::max<std::size_t>(c.total(), 1));
  out << "<section id=\"headline\" class=\"cards\">\n";
  fmt::print(out,
             "<div class=\"card\"><div class=\"label\">Call-site coverage</div><div class=\"value {}\" "
             "id=\"call-coverage\">{}</div><div class=\"detail\">{} tracked \u00b7 {} untracked \u00b7 {} unresolved</div>"
             "<div class=\"meter\"><span style=\"width:{:.2f}%;background:#2da44e\"></span><span "
             "style=\"width:{:.2f}%;background:#cf222e\"></span><span style=\"width:{:.2f}%;background:#d4a72c\"></span></div></div>\n",
             tone(c.percent()), pct(c.percent()), c.tracked, c.untracked, c.unresolved, 100.0 * c.tracked / total,
             100.0 * c.untracked / total, 100.0 * c.unresolved / total);
  fmt::print(out,
             "<div class=\"card\"><div class=\"label\">Findings</div><div class=\"value {}\" id=\"finding-count\">{}</div>"
             "<div class=\"detail\">{} fixable with <code>quotaguard fix</code>{}</div></div>\n",
             r.findings.empty() ? "good" : "bad", r.findings.size(), fixable,
             r.suppressed ? fmt::format(" \u00b7 {} suppressed", r.suppressed) : "");
  fmt::print(out,
             "<div class=\"card\"><div class=\"label\">Clients from the factory</div><div class=\"value {}\">{}</div>"
             "<div class=\"detail\">{} factory \u00b7 {} constructed directly</div></div>\n",
             tone(cov.clients.percent()), pct(cov.clients.percent()), cov.clients.factory, cov.clients.direct);
  fmt::print(out,
             "<div class=\"card\"><div class=\"label\">Files</div><div class=\"value\">{}</div>"
             "<div class=\"detail\">scanned \u00b7 {} parsed \u00b7 {} skipped{}</div></div>\n",
             r.files.scanned, r.files.parsed, r.files.skipped.size(),
             r.files.parse_errors.empty() ? "" : fmt::format(" \u00b7 {} with syntax errors", r.files.parse_errors.size()));
  out << "</section>\n";
  if (c.unresolved)
    fmt::print(out,
               "<p class=\"hint\">{} call site{} of unresolved origin ({}) {} counted apart: coverage is tracked / "
               "(tracked + untracked); counting them as untracked it would be {}.</p>\n",
               c.unresolved, c.unresolved == 1 ? "" : "s", to_string(RuleId::QG007), c.unresolved == 1 ? "is" : "are",
               pct(c.strict_percent()));

  out << "<h2>Coverage</h2>\n<section class=\"charts\">\n";
  bar_chart(out, "By API family", cov.by_family);
  bar_chart(out, "By folder", cov.by_folder);
  out << "</section>\n";

  out << "<h2>Files</h2>\n";
  file_table(out, r, o);

  fmt::print(out, "<h2>Findings ({})</h2>\n<section id=\"findings\">\n", r.findings.size());
  if (r.findings.empty()) out << "<p class=\"empty\">No findings: every API call goes through the tracked layer.</p>\n";
  SourceCache sources(r.root);
  for (std::size_t i = 0; i < r.findings.size() && i < kMaxFindings; ++i) finding_card(out, r, r.findings[i], o, sources);
  if (r.findings.size() > kMaxFindings)
    fmt::print(out, "<p class=\"empty\">\u2026 and {} more (see <code>quotaguard scan</code>)</p>\n",
               r.findings.size() - kMaxFindings);
  if (!r.vendored_findings.empty())
    fmt::print(out, "<p class=\"hint\">{} finding{} in vendored code (--include-vendored) not shown.</p>\n",
               r.vendored_findings.size(), r.vendored_findings.size() == 1 ? "" : "s");
  out << "</section>\n</main>\n";
  fmt::print(out, "<footer>quotaguard {} \u00b7 scanned in {:.3f} s</footer>\n<script>{}</script>\n</body>\n</html>\n",
             QG_VERSION, r.elapsed_seconds, kScript);
}

}  // namespace qg::report
