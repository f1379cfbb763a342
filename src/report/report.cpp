#include "report/report.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/display_path.h"
#include "core/message.h"

namespace qg::report {

namespace {
using Writer = void (*)(const ScanResult&, const Options&, std::ostream&);
struct Format {
  const char* name;
  Writer write;
};
const Format kFormats[] = {
    {"text", write_text},
    {"json", write_json},
    {"sarif", write_sarif},
    {"github", write_github},
    {"junit", write_junit},
    {"markdown", write_markdown},
    {"html", write_html},
};
}  // namespace

const std::vector<std::string>& formats() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& f : kFormats) v.emplace_back(f.name);
    return v;
  }();
  return names;
}

bool render(std::string_view format, const ScanResult& result, const Options& options, std::ostream& out) {
  for (const auto& f : kFormats)
    if (format == f.name) {
      f.write(result, options, out);
      return true;
    }
  return false;
}

std::vector<const CoverageRow*> rows_worst_first(const std::vector<CoverageRow>& rows) {
  std::vector<const CoverageRow*> out;
  for (const auto& r : rows)
    if (r.calls.total()) out.push_back(&r);
  // nullopt sorts after every percentage.
  auto key = [](const CoverageRow* r) { return r->calls.percent().value_or(1000.0); };
  std::stable_sort(out.begin(), out.end(), [&](const CoverageRow* a, const CoverageRow* b) {
    if (key(a) != key(b)) return key(a) < key(b);
    if (a->calls.untracked != b->calls.untracked) return a->calls.untracked > b->calls.untracked;
    return a->key < b->key;
  });
  return out;
}

std::string display_path(const ScanResult& result, const std::string& relative, const std::filesystem::path& cwd) {
  if (cwd.empty()) return relative;
  return path_for_display(result.root / relative, cwd);
}

std::string position(const Finding& f) {
  if (f.cell) return fmt::format(":cell {}:line {}:col {}", f.cell->cell, f.cell->line, f.cell->column);
  return fmt::format(":{}:{}", f.range.line, f.range.column);
}

std::string display_location(const ScanResult& result, const Finding& f, const std::filesystem::path& cwd) {
  return display_path(result, f.path, cwd) + position(f);
}

std::string display_message(const ScanResult& result, const Finding& f, const std::filesystem::path& cwd) {
  if (!f.origin) return f.message;
  const std::string shown = display_path(result, f.origin->path, cwd);
  if (shown == f.origin->path) return f.message;
  Message m{f.message_id, f.message_args};
  for (auto& [name, value] : m.args)
    if (std::string_view(name) == "origin") value = shown + f.origin->position();
  return render(m);
}

}  // namespace qg::report
