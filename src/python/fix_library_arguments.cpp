#include "python/fix_library_arguments.h"

namespace qg::python {

namespace {

constexpr std::size_t kLineLength = 99;  // longer lines get the arguments on lines of their own

uint32_t line_start(std::string_view code, uint32_t offset) {
  const auto nl = offset == 0 ? std::string_view::npos : code.rfind('\n', offset - 1);
  return nl == std::string_view::npos ? 0 : static_cast<uint32_t>(nl + 1);
}

// Only blanks between the line's start and `offset`.
bool starts_line(std::string_view code, uint32_t offset) {
  const uint32_t ls = line_start(code, offset);
  return code.substr(ls, offset - ls).find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

std::optional<LibraryArgumentsFix> plan_library_arguments(const Tree& tree, const ImportEditor& editor,
                                                          uint32_t bom_length, std::string_view eol,
                                                          const FixSite& site, const ClientBuildingLibrary& library,
                                                          std::string* why) {
  const Syntax& S = Syntax::get();
  const std::string_view code = tree.code();
  TSNode args = tree.node_at(site.arguments.start_byte - bom_length, site.arguments.end_byte - bom_length, S.argument_list);
  if (is_null(args)) {
    *why = "the argument list was not found";
    return std::nullopt;
  }
  LibraryArgumentsFix fix;
  std::vector<std::string> added;
  for (const FixArgument& argument : library.fix_arguments) {
    std::string text;
    for (const FixArgumentPiece& piece : argument) {
      text += piece.text;
      if (!piece.name) continue;
      FactoryRef ref = editor.qualified_reference(*piece.name, site.arguments.start_byte);
      if (ref.import) fix.imports.push_back(std::move(*ref.import));
      text += ref.expr;
    }
    added.push_back(std::move(text));
    fix.added += (fix.added.empty() ? "" : ", ") + added.back();
  }

  TSNode last{};
  for (TSNode a : CodeChildren(args))
    if (sym(a) != S.comment) last = a;
  const uint32_t close = end_byte(args) - 1;  // the `)`
  TSNode after_last = is_null(last) ? TSNode{} : ts_node_next_sibling(last);
  const bool trailing_comma = !is_null(after_last) && tree.text(after_last) == ",";
  // One argument per line, `)` on a line of its own: the new ones go on lines of their own too.
  if (!is_null(last) && starts_line(code, close) && ts_node_start_point(last).row > ts_node_start_point(args).row) {
    const uint32_t ls = line_start(code, start_byte(last));
    const std::string indent(code.substr(ls, start_byte(last) - ls));
    if (!trailing_comma) fix.edits.push_back({end_byte(last) + bom_length, end_byte(last) + bom_length, ","});
    std::string lines;
    for (std::size_t i = 0; i < added.size(); ++i)
      lines += indent + added[i] + (i + 1 < added.size() || trailing_comma ? "," : "") + std::string(eol);
    const uint32_t at = line_start(code, close) + bom_length;
    fix.edits.push_back({at, at, std::move(lines)});
    return fix;
  }
  // On the call's line while it stays short; else each on a line of its own, aligned with the
  // argument after the `(`.
  const uint32_t at = is_null(last) ? close : end_byte(last);
  const uint32_t ls = line_start(code, at);
  const auto nl = code.find('\n', at);
  const std::size_t rest = (nl == std::string_view::npos ? code.size() : nl) - at;
  std::string text;
  if ((at - ls) + rest + fix.added.size() + 2 <= kLineLength) {
    text = (is_null(last) ? "" : ", ") + fix.added;
  } else {
    const std::string indent(start_byte(args) + 1 - line_start(code, start_byte(args)), ' ');
    for (std::size_t i = 0; i < added.size(); ++i)
      text += (i == 0 && is_null(last) ? "" : "," + std::string(eol) + indent) + added[i];
  }
  fix.edits.push_back({at + bom_length, at + bom_length, std::move(text)});
  return fix;
}

}  // namespace qg::python
