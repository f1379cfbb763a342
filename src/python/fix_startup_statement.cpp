#include "python/fix_startup_statement.h"

#include "python/library_clients.h"

namespace qg::python {

std::optional<StartupStatement> plan_startup_statement(const Tree& tree, const ImportEditor& editor,
                                                       uint32_t bom_length, std::string_view eol, const FixSite& site,
                                                       const StartupCall& call, std::string* why) {
  StartupStatement s;
  std::string_view indent;
  const std::string_view code = tree.code();
  if (site.anchor) {
    if (site.anchor->start_byte < bom_length || site.anchor->start_byte - bom_length > code.size()) {
      *why = "the file changed since it was scanned";
      return std::nullopt;
    }
    const uint32_t start = site.anchor->start_byte - bom_length;
    const auto nl = start == 0 ? std::string_view::npos : code.rfind('\n', start - 1);
    const uint32_t line_start = nl == std::string_view::npos ? 0 : static_cast<uint32_t>(nl + 1);
    indent = code.substr(line_start, start - line_start);
    if (indent.find_first_not_of(" \t") != std::string_view::npos) {
      *why = "the statement it goes before does not start its line";
      return std::nullopt;
    }
    s.at = line_start + bom_length;
  } else {
    const ImportRequest after_imports = editor.module_level_insert();
    s.at = after_imports.at;
    s.break_before = after_imports.break_before;
    // The last import shares its line with code (`import x; y`): the only place left is before
    // that import, among the imports, where the statement would run before names it may need.
    std::string_view rest = code.substr(std::min<std::size_t>(code.size(), s.at - bom_length));
    rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t")));
    if (rest.starts_with("import ") || rest.starts_with("from ")) {
      *why = "the last import shares its line with other code (`import x; y`); quotaguard does not split the line";
      return std::nullopt;
    }
  }
  // Names as seen from where the statement goes: an import the file already has is reused.
  StartupNames names(editor, s.at, s.imports);
  const std::string statement = call(names);
  // Once is enough: a file that has the line already (where a syntax error hides it from the
  // scan) gets no second one, so `fix` stays a fixpoint -- under whatever name the module had
  // then (`quotaguard.install()` where this run would write `_quotaguard.install()`).
  const std::size_t dot = statement.find('.');
  const bool qualified = dot != std::string::npos && dot > 0 &&
                         statement.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == dot;
  const std::string_view tail = qualified ? std::string_view(statement).substr(dot) : std::string_view(statement);
  for (std::size_t at = code.find(tail); at != std::string_view::npos; at = code.find(tail, at + 1)) {
    const std::size_t line = code.rfind('\n', at) == std::string_view::npos ? 0 : code.rfind('\n', at) + 1;
    const std::size_t end = at + tail.size();
    std::string_view head = code.substr(line, at - line);
    head.remove_prefix(std::min(head.size(), head.find_first_not_of(" \t")));
    const bool named = qualified ? !head.empty() && head.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string_view::npos
                                 : head.empty();
    if (named && (end == code.size() || code[end] == '\n' || code[end] == '\r')) {
      *why = "the file has `" + std::string(head) + std::string(tail) +
             "` already, where the scan does not see it (a syntax error around it)";
      return std::nullopt;
    }
  }
  // After the imports it is the first code, set apart from them by a blank line.
  const std::string gap = site.anchor ? "" : std::string(eol);
  s.text = s.break_before ? gap + std::string(eol) + std::string(indent) + statement
                          : gap + std::string(indent) + statement + std::string(eol);
  return s;
}

StartupCall default_client_call(const ClientLibrary& library, const FactoryFunction& factory) {
  return [&library, factory](StartupNames& names) {
    const std::string setter = names.from_import({library.fix_setter_module, library.fix_setter});
    std::string call = setter + "(" + names.from_import(factory) + "()";
    if (!library.fix_keywords.empty()) call += ", " + library.fix_keywords;
    return call + ")";
  };
}

StartupCall install_call() {
  return [](StartupNames& names) { return names.qualified(tracking_installer()) + "()"; };
}

void add_statement(std::vector<Edit>& edits, const StartupStatement& statement) {
  for (Edit& e : edits)
    if (e.start_byte == statement.at && e.end_byte == statement.at) {
      e.replacement += statement.text;
      return;
    }
  edits.push_back({statement.at, statement.at, statement.text});
}

}  // namespace qg::python
