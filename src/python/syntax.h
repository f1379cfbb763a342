// tree-sitter-python node kinds and field ids, resolved once, plus small node helpers.
// Comparing symbol ids (integers) rather than type strings keeps the walks cheap.
#pragma once

#include <optional>
#include <string_view>

#include <tree_sitter/api.h>

#include "core/ts_util.h"

extern "C" const TSLanguage* tree_sitter_python();

namespace qg::python {

// Kind, NamedChildren, is_null, sym, field, start_byte, end_byte, text.
using namespace ::qg::ts;

struct Syntax {
  Kind module, identifier, attribute, call, argument_list, keyword_argument, list_splat,
      dictionary_splat, assignment, augmented_assignment, named_expression, expression_statement,
      import_statement, import_from_statement, future_import_statement, aliased_import, dotted_name,
      relative_import, import_prefix, wildcard_import, function_definition, decorated_definition,
      decorator, class_definition, parameters, lambda_parameters, typed_parameter, default_parameter,
      typed_default_parameter, list_splat_pattern, dictionary_splat_pattern, lambda, return_statement,
      global_statement, nonlocal_statement, for_statement, for_in_clause, with_statement, with_item,
      as_pattern, as_pattern_target, boolean_operator, conditional_expression,
      parenthesized_expression, await, list, tuple, set, dictionary, pair, list_comprehension,
      set_comprehension, dictionary_comprehension, generator_expression, subscript, string,
      concatenated_string, string_content, interpolation, comment, pattern_list, tuple_pattern,
      list_pattern, expression_list, block, type, none, true_, false_, integer, float_, if_statement,
      binary_operator, not_operator, while_statement, match_statement, comparison_operator, except_clause, try_statement, yield,
      elif_clause, else_clause, case_clause, with_clause;
  TSFieldId f_function, f_arguments, f_object, f_attribute, f_left, f_right, f_name, f_value,
      f_alias, f_module_name, f_body, f_parameters, f_superclasses, f_definition, f_type,
      f_consequence, f_alternative, f_condition, f_return_type, f_subscript, f_key;

  static const Syntax& get();
  const TSLanguage* language = nullptr;

 private:
  Syntax();
};

// A Python file parsed on its own (the fix planner's view; the scan keeps trees in ModuleInfo).
class Tree : public ParsedTree {
 public:
  explicit Tree(std::string_view code) : ParsedTree(Syntax::get().language, code) {}
};

// Python identifiers: ASCII letters, digits, `_`, and any non-ASCII byte (UTF-8 letters).
inline bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Strips parentheses: `(x)` -> `x`.
inline TSNode unparenthesize(TSNode n) { return ts::unparenthesize(n, Syntax::get().parenthesized_expression); }

// The text of a plain string literal (`"a.b"`: no interpolation, no implicit concatenation, not
// empty); nullopt for anything else.
inline std::optional<std::string_view> plain_string(TSNode n, std::string_view code) {
  const auto& S = Syntax::get();
  n = unparenthesize(n);
  if (ts_node_is_null(n) || ts_node_symbol(n) != S.string || ts_node_named_child_count(n) != 3) return std::nullopt;
  const TSNode content = ts_node_named_child(n, 1);
  if (ts_node_symbol(content) != S.string_content) return std::nullopt;
  return text(content, code);
}

}  // namespace qg::python
