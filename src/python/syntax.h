// tree-sitter-python node kinds and field ids, resolved once, plus small node helpers.
// Comparing symbol ids (integers) rather than type strings keeps the walks cheap.
#pragma once

#include <string_view>

#include <tree_sitter/api.h>

extern "C" const TSLanguage* tree_sitter_python();

namespace qg::python {

// A node kind; a few kinds exist under two symbol ids (aliases), so both are kept.
struct Kind {
  TSSymbol a = 0, b = 0;
  friend bool operator==(TSSymbol s, const Kind& k) { return s == k.a || (k.b != 0 && s == k.b); }
};

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
      binary_operator, not_operator, while_statement, match_statement, comparison_operator, except_clause, try_statement;
  TSFieldId f_function, f_arguments, f_object, f_attribute, f_left, f_right, f_name, f_value,
      f_alias, f_module_name, f_body, f_parameters, f_superclasses, f_definition, f_type,
      f_consequence, f_alternative, f_condition, f_return_type, f_subscript, f_key;

  static const Syntax& get();
  const TSLanguage* language = nullptr;

 private:
  Syntax();
};

inline bool is_null(TSNode n) { return ts_node_is_null(n); }
inline TSSymbol sym(TSNode n) { return ts_node_symbol(n); }
inline TSNode field(TSNode n, TSFieldId f) { return ts_node_child_by_field_id(n, f); }
inline uint32_t start_byte(TSNode n) { return ts_node_start_byte(n); }
inline uint32_t end_byte(TSNode n) { return ts_node_end_byte(n); }

inline std::string_view text(TSNode n, std::string_view code) {
  return code.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

// Iterates named children: for (TSNode c : NamedChildren(n)). Walks siblings with a tree
// cursor: ts_node_named_child(n, i) restarts from the first child, which is quadratic on wide
// nodes (a module with a thousand statements). Cursors come from a per-thread pool, so nested
// loops never allocate after warm-up.
class NamedChildren {
 public:
  explicit NamedChildren(TSNode n);
  ~NamedChildren();
  NamedChildren(const NamedChildren&) = delete;
  NamedChildren& operator=(const NamedChildren&) = delete;

  struct It {
    TSTreeCursor* cursor;  // null at the end
    TSNode operator*() const { return ts_tree_cursor_current_node(cursor); }
    It& operator++() {
      do {
        if (!ts_tree_cursor_goto_next_sibling(cursor)) { cursor = nullptr; break; }
      } while (!ts_node_is_named(ts_tree_cursor_current_node(cursor)));
      return *this;
    }
    bool operator!=(const It& o) const { return cursor != o.cursor; }
  };
  It begin() const {
    if (!cursor_ || !ts_tree_cursor_goto_first_child(cursor_)) return {nullptr};
    It it{cursor_};
    if (!ts_node_is_named(ts_tree_cursor_current_node(cursor_))) ++it;
    return it;
  }
  It end() const { return {nullptr}; }

 private:
  TSTreeCursor* cursor_ = nullptr;
};

// Strips parentheses: `(x)` -> `x`.
TSNode unparenthesize(TSNode n);

}  // namespace qg::python
