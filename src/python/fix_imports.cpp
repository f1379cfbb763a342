#include "python/fix_imports.h"

namespace qg::python {

namespace {

TSNode enclosing_function(TSNode n) {
  const Syntax& S = Syntax::get();
  for (TSNode p = ts_node_parent(n); !is_null(p); p = ts_node_parent(p))
    if (sym(p) == S.function_definition) return p;
  return TSNode{};
}

// `if TYPE_CHECKING:` / `if typing.TYPE_CHECKING:` around the statement (its `else` excluded).
bool under_type_checking(const Tree& tree, TSNode n) {
  const Syntax& S = Syntax::get();
  for (TSNode child = n, p = ts_node_parent(n); !is_null(p); child = p, p = ts_node_parent(p)) {
    if (sym(p) != S.if_statement) continue;
    const std::string_view cond = tree.text(field(p, S.f_condition));
    if ((cond == "TYPE_CHECKING" || cond.ends_with(".TYPE_CHECKING")) && ts_node_eq(child, field(p, S.f_consequence)))
      return true;
  }
  return false;
}

void add_items(const Tree& tree, TSNode stmt, bool from, std::vector<ImportBinding>& out) {
  const Syntax& S = Syntax::get();
  TSNode module_node = from ? field(stmt, S.f_module_name) : TSNode{};
  const TSNode function = enclosing_function(stmt);
  for (TSNode item : NamedChildren(stmt)) {
    if (from && ts_node_eq(item, module_node)) continue;
    const bool aliased = sym(item) == S.aliased_import;
    if (!aliased && sym(item) != S.dotted_name) continue;  // comments, wildcard
    TSNode dotted = aliased ? field(item, S.f_name) : item;
    const std::string dotted_text(tree.text(dotted));
    ImportBinding b;
    b.statement = stmt;
    b.item = item;
    b.function = function;
    b.from = from;
    b.type_checking = under_type_checking(tree, stmt);
    if (from) {
      b.module = std::string(tree.text(module_node));
      b.name = dotted_text;
      b.bound = aliased ? std::string(tree.text(field(item, S.f_alias))) : dotted_text;
    } else {
      b.module = dotted_text;
      b.bound = aliased ? std::string(tree.text(field(item, S.f_alias))) : dotted_text.substr(0, dotted_text.find('.'));
    }
    out.push_back(std::move(b));
  }
}

}  // namespace

bool in_package(std::string_view module, std::string_view package) {
  return module == package || (module.size() > package.size() && module.starts_with(package) && module[package.size()] == '.');
}

std::vector<ImportBinding> collect_imports(const Tree& tree) {
  const Syntax& S = Syntax::get();
  std::vector<ImportBinding> out;
  walk(tree.root(), [&](TSNode n) {
    const TSSymbol s = sym(n);
    if (s != S.import_statement && s != S.import_from_statement) return true;
    // A statement the parser had to repair may have swallowed code (`from x: y\n...\n import z`
    // as one import): never reuse it, never edit it.
    if (ts_node_has_error(n)) return false;
    add_items(tree, n, s == S.import_from_statement, out);
    return false;
  });
  return out;
}

}  // namespace qg::python
