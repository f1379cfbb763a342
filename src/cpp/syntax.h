// tree-sitter-cpp node kinds and field ids, resolved once.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <tree_sitter/api.h>

#include "core/ts_util.h"

extern "C" const TSLanguage* tree_sitter_cpp();

namespace qg::cpp {

// Kind, NamedChildren, is_null, sym, field, start_byte, end_byte, text.
using namespace ::qg::ts;

struct Syntax {
  Kind translation_unit, comment, declaration, init_declarator, field_declaration, parameter_declaration,
      optional_parameter_declaration, reference_declarator, pointer_declarator, function_declarator,
      identifier, field_identifier, type_identifier, namespace_identifier, qualified_identifier,
      template_type, template_function, template_argument_list, type_descriptor, call_expression,
      field_expression, new_expression, compound_literal_expression, argument_list, initializer_list,
      alias_declaration, type_definition, using_declaration, namespace_definition,
      namespace_alias_definition, class_specifier, struct_specifier, function_definition,
      compound_statement, string_literal, raw_string_literal, concatenated_string, preproc_include,
      preproc_def, preproc_function_def, preproc_arg, pointer_expression, parenthesized_expression,
      storage_class_specifier, placeholder_type_specifier, field_declaration_list, this_,
      declaration_list, user_defined_literal, system_lib_string;
  TSFieldId f_type, f_declarator, f_value, f_name, f_scope, f_function, f_arguments, f_argument,
      f_field, f_body, f_path;

  static const Syntax& get();
  const TSLanguage* language = nullptr;

 private:
  Syntax();
};

// Every comment in `code`: the grammar's comment nodes, plus a `// ...` ending a macro definition,
// which tree-sitter-cpp keeps inside the macro's value (preproc_arg).
std::vector<std::pair<uint32_t, uint32_t>> comment_ranges(TSNode root, std::string_view code);
// Where a `// ...` comment starts in a macro value (outside its string and character literals).
std::size_t trailing_comment(std::string_view macro_value);

// Strips parentheses: `(x)` -> `x`.
inline TSNode unparenthesize(TSNode n) { return ts::unparenthesize(n, Syntax::get().parenthesized_expression); }

}  // namespace qg::cpp
