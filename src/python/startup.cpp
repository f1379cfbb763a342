#include "python/startup.h"

#include <algorithm>
#include <tuple>

#include "core/line_index.h"
#include "core/text_search.h"
#include "python/library_model.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

enum class Kind : uint8_t { App, Main };  // in order of preference

struct Found {
  Kind kind;
  std::optional<std::pair<uint32_t, uint32_t>> anchor;  // code offsets of the statement
};

std::string_view last_segment(std::string_view dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

// `__name__ == "__main__"` either way round, either quote.
bool is_main_guard(std::string_view condition) {
  std::string compact;
  for (char c : condition)
    if (c != ' ' && c != '\t' && c != '(' && c != ')') compact += c == '\'' ? '"' : c;
  return compact == "__name__==\"__main__\"" || compact == "\"__main__\"==__name__";
}

bool builds_app(TSNode statement, std::string_view code, const std::vector<std::string>& constructors) {
  const Syntax& S = Syntax::get();
  bool found = false;
  walk(statement, [&](TSNode n) {
    if (found) return false;
    if (sym(n) != S.call) return true;
    const std::string_view callee = last_segment(text(field(n, S.f_function), code));
    found = std::find(constructors.begin(), constructors.end(), callee) != constructors.end();
    return !found;
  });
  return found;
}

std::optional<Found> inspect(std::string_view path, std::string_view code, const LibraryModel& model) {
  const bool main_file = path == "__main__.py" || path.ends_with("/__main__.py");
  const bool has_main = contains(code, "__main__");
  const bool may_build = std::any_of(model.app_constructors().begin(), model.app_constructors().end(),
                                     [&](const std::string& c) { return contains_word(code, c); });
  if (!main_file && !has_main && !may_build) return std::nullopt;
  const Syntax& S = Syntax::get();
  const Tree tree(code);
  if (!tree.ok()) return std::nullopt;
  std::optional<Found> main;
  if (main_file) main = Found{Kind::Main, std::nullopt};
  for (TSNode stmt : NamedChildren(tree.root())) {
    if (may_build && sym(stmt) != S.comment && builds_app(stmt, code, model.app_constructors()))
      return Found{Kind::App, std::pair{start_byte(stmt), end_byte(stmt)}};
    if (main || !has_main || sym(stmt) != S.if_statement || !is_main_guard(text(field(stmt, S.f_condition), code)))
      continue;
    // Before the block's first statement; before the `if` itself when the block shares its line.
    TSNode body = field(stmt, S.f_consequence);
    TSNode first = is_null(body) || ts_node_named_child_count(body) == 0 ? TSNode{} : ts_node_named_child(body, 0);
    const bool own_line = !is_null(first) && ts_node_start_point(first).row > ts_node_start_point(stmt).row;
    main = own_line ? Found{Kind::Main, std::pair{start_byte(first), end_byte(first)}}
                    : Found{Kind::Main, std::pair{start_byte(stmt), end_byte(stmt)}};
  }
  return main;
}

std::size_t depth(std::string_view path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')); }

}  // namespace

StartupSite find_startup(const std::vector<StartupCandidate>& candidates, const std::string& fallback) {
  const LibraryModel& model = LibraryModel::get();
  const StartupCandidate* best = nullptr;
  Kind best_kind = Kind::Main;
  std::pair<uint32_t, uint32_t> best_anchor{0, 0};
  bool best_has_anchor = false;
  for (const StartupCandidate& c : candidates) {
    if (!c.source->ok() || model.is_test_path(*c.path)) continue;
    const auto found = inspect(*c.path, c.source->code(), model);
    if (!found) continue;
    if (best && std::tuple(found->kind, depth(*c.path), *c.path) >= std::tuple(best_kind, depth(*best->path), *best->path))
      continue;
    best = &c;
    best_kind = found->kind;
    best_has_anchor = found->anchor.has_value();
    best_anchor = found->anchor.value_or(std::pair<uint32_t, uint32_t>{0, 0});
  }
  if (!best) return {fallback, std::nullopt};
  StartupSite site{*best->path, std::nullopt};
  if (best_has_anchor) {
    const LineIndex lines(best->source->bytes);
    const uint32_t bom = best->source->bom_length;
    site.anchor = lines.range(best_anchor.first + bom, best_anchor.second + bom);
  }
  return site;
}

}  // namespace qg::python
