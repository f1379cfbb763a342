#include "python/fix_import_editor.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>

#include "python/project.h"

namespace qg::python {

namespace {

// `name` as a whole word in `text` ("OpenAI" in "Optional[OpenAI]", not in "AsyncOpenAI").
bool mentions_word(std::string_view text, std::string_view name) {
  for (auto at = text.find(name); at != std::string_view::npos; at = text.find(name, at + 1)) {
    const bool left = at == 0 || !is_identifier_char(text[at - 1]);
    const bool right = at + name.size() == text.size() || !is_identifier_char(text[at + name.size()]);
    if (left && right) return true;
  }
  return false;
}

bool is_docstring(TSNode stmt, const Syntax& S) {
  if (sym(stmt) != S.expression_statement || ts_node_named_child_count(stmt) != 1) return false;
  const TSSymbol s = sym(ts_node_named_child(stmt, 0));
  return s == S.string || s == S.concatenated_string;
}

// Does `statement` (a from-import) name `factory.module`? Relative imports match on their tail.
bool imports_factory_module(const ImportBinding& b, const FactoryFunction& factory) {
  std::string_view module = b.module;
  while (!module.empty() && module.front() == '.') module.remove_prefix(1);
  return !module.empty() && dotted_suffix_match(module, factory.module);
}

}  // namespace

ImportEditor::ImportEditor(const Tree& tree, uint32_t bom_length, std::string_view eol)
    : tree_(tree), bom_(bom_length), eol_(eol), imports_(collect_imports(tree)) {
  const Syntax& S = Syntax::get();
  auto collect_strings = [&](TSNode under) {
    walk(under, [&](TSNode n) {
      if (sym(n) == S.string) annotation_strings_.push_back(tree_.text(n));
      return true;
    });
  };
  walk(tree.root(), [&](TSNode n) {
    const TSSymbol s = sym(n);
    if (s == S.identifier) {
      identifiers_[std::string(tree_.text(n))].push_back(start_byte(n));
    } else if (s == S.type) {
      collect_strings(n);
    } else if (s == S.assignment || s == S.augmented_assignment) {
      if (tree_.text(field(n, S.f_left)) == "__all__" && !is_null(field(n, S.f_right))) collect_strings(field(n, S.f_right));
    } else if (s == S.call) {
      // typing.cast("OpenAI", x): a string annotation in argument position.
      const std::string_view fn = tree_.text(field(n, S.f_function));
      TSNode args = field(n, S.f_arguments);
      if ((fn == "cast" || fn.ends_with(".cast")) && code_child_count(args) > 0)
        collect_strings(first_code_child(args));
    }
    return true;
  });
}

uint32_t ImportEditor::line_start(uint32_t offset) const {
  const std::string_view code = tree_.code();
  const auto nl = code.rfind('\n', offset == 0 ? 0 : offset - 1);
  return offset == 0 || nl == std::string_view::npos ? 0 : static_cast<uint32_t>(nl + 1);
}

bool ImportEditor::visible(const ImportBinding& b, uint32_t site) const {
  // A module-level import binds its name when it runs: code in a function body runs later (it
  // sees imports further down), module-level code only sees the ones above it.
  if (is_null(b.function)) return end_byte(b.statement) <= site || runs_later(site);
  return start_byte(b.function) <= site && site < end_byte(b.function) && end_byte(b.statement) <= site;
}

bool ImportEditor::runs_later(uint32_t site) const {
  const Syntax& k = Syntax::get();
  for (TSNode n = ts_node_descendant_for_byte_range(tree_.root(), site, site); !is_null(n); n = ts_node_parent(n))
    if (sym(n) == k.function_definition || sym(n) == k.lambda) return start_byte(n) < site;
  return false;
}

std::optional<std::string> ImportEditor::imported_reference(const FactoryFunction& factory, uint32_t site) const {
  // An import of the factory the site can already see wins: reuse its name, alias and all.
  for (const ImportBinding& b : imports_) {
    if (!visible(b, site) || b.type_checking) continue;  // a TYPE_CHECKING import is gone at run time
    if (b.from && b.name == factory.function && imports_factory_module(b, factory)) return b.bound;
    if (!b.from && b.module == factory.module) {
      const bool aliased = sym(b.item) == Syntax::get().aliased_import;
      return (aliased ? b.bound : b.module) + "." + factory.function;
    }
  }
  return std::nullopt;
}

FactoryRef ImportEditor::qualified_reference(const FactoryFunction& name, uint32_t site) const {
  FactoryRef ref;
  if (auto imported = imported_reference(name, site - bom_)) {
    ref.expr = std::move(*imported);
    return ref;
  }
  ref.import = module_level_insert();
  ref.import->module = name.module;
  ref.import->whole_module = true;
  // `import a.b` binds `a`; a file using `a` for something else gets `import a.b as _b`.
  const std::string root = name.module.substr(0, name.module.find('.'));
  if (referenced(root, {})) {
    std::string alias = "_" + name.module.substr(name.module.rfind('.') + 1);
    while (identifiers_.contains(alias)) alias += "_";
    ref.import->name = "as " + alias;
    ref.expr = alias + "." + name.function;
  } else {
    ref.expr = name.module + "." + name.function;
  }
  return ref;
}

FactoryRef ImportEditor::reference(const FactoryFunction& factory, uint32_t site, std::string_view used_root) const {
  site -= bom_;
  FactoryRef ref;
  if (auto imported = imported_reference(factory, site)) {
    ref.expr = std::move(*imported);
    return ref;
  }
  // A name the file already uses for something else gets an alias rather than being shadowed.
  ref.expr = factory.function;
  std::string name = factory.function;
  // The name already imported from the factory module elsewhere in the file (another function)
  // means the factory itself: no alias needed.
  const bool same_factory = std::any_of(imports_.begin(), imports_.end(), [&](const ImportBinding& b) {
    return b.from && b.name == factory.function && b.bound == factory.function && imports_factory_module(b, factory);
  });
  if (!same_factory && identifiers_.contains(ref.expr)) {
    ref.expr = "_" + factory.function;
    while (identifiers_.contains(ref.expr)) ref.expr += "_";
    name += " as " + ref.expr;
  }
  // Beside the function-local openai import the site used, if it used one.
  const ImportBinding* local = nullptr;
  for (const ImportBinding& b : imports_)
    if (!is_null(b.function) && b.bound == used_root && in_package(b.module, "openai") && visible(b, site)) local = &b;
  if (local) {
    const uint32_t ls = line_start(start_byte(local->statement));
    const std::string_view indent = tree_.code().substr(ls, start_byte(local->statement) - ls);
    if (indent.find_first_not_of(" \t") == std::string_view::npos) {
      ref.import = insert_after(local->statement, indent, site);
    }
  }
  if (!ref.import) ref.import = module_level_insert();
  ref.import->module = factory.module;
  ref.import->name = std::move(name);
  return ref;
}

// The new line goes at the start of the line after `statement`; at the end of a file that has
// no final newline it gets a line break before it instead of after it. When code that needs the
// import shares that line (`import os; c = OpenAI()`, code offset `limit`), it goes before the line.
ImportRequest ImportEditor::insert_after(TSNode statement, std::string_view indent, uint32_t limit) const {
  const std::string_view code = tree_.code();
  const auto nl = code.find('\n', end_byte(statement));
  ImportRequest r;
  r.indent = indent;
  if (limit < (nl == std::string_view::npos ? code.size() : nl)) {
    r.at = line_start(start_byte(statement)) + bom_;
    return r;
  }
  r.break_before = nl == std::string_view::npos;
  r.at = (r.break_before ? static_cast<uint32_t>(code.size()) : static_cast<uint32_t>(nl + 1)) + bom_;
  return r;
}

// After the module docstring, `from __future__` imports and the leading import block.
ImportRequest ImportEditor::module_level_insert() const {
  const Syntax& S = Syntax::get();
  TSNode last{}, first_code{};
  bool first = true;
  for (TSNode stmt : NamedChildren(tree_.root())) {
    if (sym(stmt) == S.comment) continue;
    const TSSymbol s = sym(stmt);
    const bool header = (first && is_docstring(stmt, S)) || s == S.future_import_statement ||
                        s == S.import_statement || s == S.import_from_statement;
    first = false;
    if (!header) {
      first_code = stmt;
      break;
    }
    last = stmt;
  }
  if (!is_null(last)) return insert_after(last, "", is_null(first_code) ? UINT32_MAX : start_byte(first_code));
  ImportRequest r;
  r.at = (is_null(first_code) ? 0 : line_start(start_byte(first_code))) + bom_;
  return r;
}

std::vector<Edit> ImportEditor::import_edits(const std::vector<ImportRequest>& requests) const {
  // place -> `import m` lines, then module -> names, all ordered: the output does not depend on
  // the findings' order.
  using Place = std::tuple<uint32_t, bool, std::string>;
  std::map<Place, std::pair<std::set<std::string>, std::map<std::string, std::set<std::string>>>> places;
  for (const ImportRequest& r : requests) {
    auto& [whole, from] = places[{r.at, r.break_before, r.indent}];
    if (r.whole_module) whole.insert("import " + r.module + (r.name.empty() ? "" : " " + r.name));
    else from[r.module].insert(r.name);
  }
  std::vector<Edit> edits;
  for (const auto& [place, imports] : places) {
    const auto& [at, break_before, indent] = place;
    Edit e{at, at, ""};
    auto add = [&](const std::string& statement) {
      const std::string line = indent + statement;
      e.replacement += break_before ? eol_ + line : line + eol_;
    };
    for (const std::string& statement : imports.first) add(statement);
    for (const auto& [module, names] : imports.second) {
      std::string statement = "from " + module + " import ";
      bool first_name = true;
      for (const std::string& n : names) statement += (std::exchange(first_name, false) ? "" : ", ") + n;
      add(statement);
    }
    edits.push_back(std::move(e));
  }
  return edits;
}

bool ImportEditor::referenced(const std::string& name, const std::vector<Edit>& rewritten) const {
  auto inside = [](uint32_t at, uint32_t b, uint32_t e) { return b <= at && at < e; };
  if (auto it = identifiers_.find(name); it != identifiers_.end()) {
    for (uint32_t at : it->second) {
      const bool in_import = std::any_of(imports_.begin(), imports_.end(), [&](const ImportBinding& b) {
        return inside(at, start_byte(b.statement), end_byte(b.statement));
      });
      const bool in_rewrite = std::any_of(rewritten.begin(), rewritten.end(), [&](const Edit& e) {
        return inside(at + bom_, e.start_byte, e.end_byte);
      });
      if (!in_import && !in_rewrite) return true;
    }
  }
  return std::any_of(annotation_strings_.begin(), annotation_strings_.end(),
                     [&](std::string_view s) { return mentions_word(s, name); });
}

bool ImportEditor::used_only_in(const std::string& name, const std::vector<Edit>& rewritten) const {
  auto it = identifiers_.find(name);
  if (it == identifiers_.end()) return false;
  const bool inside_a_rewrite = std::any_of(it->second.begin(), it->second.end(), [&](uint32_t at) {
    return std::any_of(rewritten.begin(), rewritten.end(),
                       [&](const Edit& e) { return e.start_byte <= at + bom_ && at + bom_ < e.end_byte; });
  });
  const bool named_by_a_rewrite = std::any_of(rewritten.begin(), rewritten.end(),
                                              [&](const Edit& e) { return mentions_word(e.replacement, name); });
  return inside_a_rewrite && !named_by_a_rewrite && !referenced(name, rewritten);
}

namespace {
// Whether every line break inside `statement` is one Python continues it across: inside
// brackets, or after a backslash.
bool continues_lines_as_python(std::string_view statement) {
  int depth = 0;
  char previous = 0;
  for (char c : statement) {
    if (c == '(' || c == '[') ++depth;
    else if ((c == ')' || c == ']') && depth > 0) --depth;
    else if (c == '\n' && depth == 0 && previous != '\\') return false;
    if (c != '\r') previous = c;
  }
  return true;
}
}  // namespace

std::vector<Edit> ImportEditor::remove_unused(const std::set<std::string>& names,
                                              const std::vector<Edit>& rewritten) const {
  // Statement start -> the items of it to remove (statements kept in source order).
  std::map<uint32_t, std::pair<TSNode, std::vector<TSNode>>> doomed;
  const std::string_view source = tree_.code();
  const bool broken = ts_node_has_error(tree_.root());
  auto remove = [&](const ImportBinding& b) {
    // In a broken file, an import that does not start its line follows code on it (`client(.import
    // os`): what the parser made of that line is a guess, so the line is left as it is.
    const uint32_t ls = line_start(start_byte(b.statement));
    if (broken && source.substr(ls, start_byte(b.statement) - ls).find_first_not_of(" \t") != std::string_view::npos) return;
    // A statement the grammar carried over a line break that Python would not (`from openai
    // import` + newline + `OpenAI`, no parentheses, no backslash): CPython reads two lines there,
    // so where the statement ends is a guess as well.
    if (!continues_lines_as_python(text(b.statement, source))) return;
    auto& entry = doomed[start_byte(b.statement)];
    entry.first = b.statement;
    entry.second.push_back(b.item);
  };
  // Any other import whose every use the fix dropped (`os` of `api_key=os.getenv(...)`); an import
  // that was unused before the fix is not the fix's to remove.
  for (const ImportBinding& b : imports_)
    if (!in_package(b.module, "openai") && used_only_in(b.bound, rewritten)) remove(b);
  for (const std::string& name : names) {
    if (referenced(name, rewritten)) continue;
    for (const ImportBinding& b : imports_) {
      if (b.bound != name || !in_package(b.module, "openai")) continue;
      remove(b);
    }
  }
  std::vector<Edit> edits;
  const std::string_view code = tree_.code();
  auto imports_openai = [&](TSNode statement) {
    return std::any_of(imports_.begin(), imports_.end(),
                       [&](const ImportBinding& b) { return ts_node_eq(b.statement, statement) && in_package(b.module, "openai"); });
  };
  for (const auto& [start, entry] : doomed) {
    (void)start;
    for (Edit& e : remove_items(entry.first, entry.second)) {
      // A file that opened with it no longer opens with the blank line after it (the factory
      // import takes an openai import's place, and keeps its blank line).
      const bool opens_file = e.start_byte == bom_ && e.replacement.empty() && e.end_byte > bom_ &&
                              code[e.end_byte - bom_ - 1] == '\n' && !imports_openai(entry.first);
      if (opens_file) {
        const std::size_t after = e.end_byte - bom_;
        const std::size_t nl = code.find('\n', after);
        if (nl != std::string_view::npos && code.substr(after, nl - after).find_first_not_of(" \t\r") == std::string_view::npos)
          e.end_byte = static_cast<uint32_t>(nl + 1) + bom_;
      }
      edits.push_back(std::move(e));
    }
  }
  return edits;
}

std::vector<Edit> ImportEditor::remove_items(TSNode statement, const std::vector<TSNode>& doomed) const {
  std::vector<TSNode> items;
  for (const ImportBinding& b : imports_)
    if (ts_node_eq(b.statement, statement)) items.push_back(b.item);
  auto removed = [&](std::size_t i) {
    return std::any_of(doomed.begin(), doomed.end(), [&](TSNode d) { return ts_node_eq(d, items[i]); });
  };
  std::size_t kept = 0;
  for (std::size_t i = 0; i < items.size(); ++i) kept += !removed(i);
  if (kept == 0) return {remove_statement(statement)};
  // Each run of removed names goes with the commas that separate it from its neighbours:
  // up to the next kept name, or (at the end) from the previous kept one.
  std::vector<Edit> edits;
  for (std::size_t i = 0; i < items.size();) {
    if (!removed(i)) { ++i; continue; }
    std::size_t j = i;
    while (j + 1 < items.size() && removed(j + 1)) ++j;
    Edit e;
    if (j + 1 < items.size()) {
      e.start_byte = start_byte(items[i]);
      e.end_byte = start_byte(items[j + 1]);
    } else {
      e.start_byte = end_byte(items[i - 1]);
      e.end_byte = end_byte(items[j]);
    }
    e.start_byte += bom_;
    e.end_byte += bom_;
    edits.push_back(std::move(e));
    i = j + 1;
  }
  return edits;
}

// A statement alone on its lines goes with its lines (and a trailing comment); the only
// statement of a block becomes `pass`; one sharing a line goes with a `;` next to it.
Edit ImportEditor::remove_statement(TSNode statement) const {
  const Syntax& S = Syntax::get();
  const std::string_view code = tree_.code();
  const Edit pass{start_byte(statement) + bom_, end_byte(statement) + bom_, "pass"};
  TSNode parent = ts_node_parent(statement);
  if (sym(parent) == S.block) {
    std::size_t statements = 0;
    for (TSNode c : NamedChildren(parent)) statements += sym(c) != S.comment;
    if (statements == 1) return pass;
  }
  // Sharing a line through `;`: the statement goes with one of its separators.
  const uint32_t b = start_byte(statement), e = end_byte(statement);
  uint32_t after = e, before = b;
  while (after < code.size() && (code[after] == ' ' || code[after] == '\t')) ++after;
  while (before > 0 && (code[before - 1] == ' ' || code[before - 1] == '\t')) --before;
  if (after < code.size() && code[after] == ';') {
    for (++after; after < code.size() && (code[after] == ' ' || code[after] == '\t');) ++after;
    return {b + bom_, after + bom_, ""};
  }
  if (before > 0 && code[before - 1] == ';') return {before - 1 + bom_, e + bom_, ""};
  const uint32_t ls = line_start(b);
  if (code.substr(ls, b - ls).find_first_not_of(" \t") != std::string_view::npos) return pass;
  auto nl = code.find('\n', e);
  std::string_view rest = code.substr(e, (nl == std::string_view::npos ? code.size() : nl) - e);
  const auto tail = rest.find_first_not_of(" \t\r");
  if (tail != std::string_view::npos && rest[tail] != '#') return pass;
  if (nl != std::string_view::npos) return {ls + bom_, static_cast<uint32_t>(nl + 1) + bom_, ""};
  // The last line of a file without a final newline: take the line break before it instead.
  const uint32_t from = ls > 0 ? ls - 1 - (ls >= 2 && code[ls - 2] == '\r') : 0;
  return {from + bom_, static_cast<uint32_t>(code.size()) + bom_, ""};
}

}  // namespace qg::python
