#include "cpp/syntax.h"

namespace qg::cpp {

Syntax::Syntax() : language(tree_sitter_cpp()) {
  const TSLanguage* L = language;
#define QG_SYM(member, name) member = ts::resolve_kind(L, name)
  QG_SYM(translation_unit, "translation_unit"); QG_SYM(comment, "comment"); QG_SYM(declaration, "declaration");
  QG_SYM(init_declarator, "init_declarator"); QG_SYM(field_declaration, "field_declaration");
  QG_SYM(parameter_declaration, "parameter_declaration");
  QG_SYM(optional_parameter_declaration, "optional_parameter_declaration");
  QG_SYM(reference_declarator, "reference_declarator"); QG_SYM(pointer_declarator, "pointer_declarator");
  QG_SYM(function_declarator, "function_declarator"); QG_SYM(identifier, "identifier");
  QG_SYM(field_identifier, "field_identifier"); QG_SYM(type_identifier, "type_identifier");
  QG_SYM(namespace_identifier, "namespace_identifier"); QG_SYM(qualified_identifier, "qualified_identifier");
  QG_SYM(template_type, "template_type"); QG_SYM(template_function, "template_function");
  QG_SYM(template_argument_list, "template_argument_list"); QG_SYM(type_descriptor, "type_descriptor");
  QG_SYM(call_expression, "call_expression"); QG_SYM(field_expression, "field_expression");
  QG_SYM(new_expression, "new_expression"); QG_SYM(compound_literal_expression, "compound_literal_expression");
  QG_SYM(argument_list, "argument_list"); QG_SYM(initializer_list, "initializer_list");
  QG_SYM(alias_declaration, "alias_declaration"); QG_SYM(type_definition, "type_definition");
  QG_SYM(using_declaration, "using_declaration"); QG_SYM(namespace_definition, "namespace_definition");
  QG_SYM(namespace_alias_definition, "namespace_alias_definition"); QG_SYM(class_specifier, "class_specifier");
  QG_SYM(struct_specifier, "struct_specifier"); QG_SYM(function_definition, "function_definition");
  QG_SYM(compound_statement, "compound_statement"); QG_SYM(string_literal, "string_literal");
  QG_SYM(raw_string_literal, "raw_string_literal"); QG_SYM(concatenated_string, "concatenated_string");
  QG_SYM(preproc_include, "preproc_include"); QG_SYM(preproc_def, "preproc_def");
  QG_SYM(preproc_function_def, "preproc_function_def"); QG_SYM(preproc_arg, "preproc_arg");
  QG_SYM(pointer_expression, "pointer_expression"); QG_SYM(parenthesized_expression, "parenthesized_expression");
  QG_SYM(storage_class_specifier, "storage_class_specifier");
  QG_SYM(placeholder_type_specifier, "placeholder_type_specifier");
  QG_SYM(field_declaration_list, "field_declaration_list"); QG_SYM(this_, "this");
  QG_SYM(declaration_list, "declaration_list"); QG_SYM(user_defined_literal, "user_defined_literal");
  QG_SYM(system_lib_string, "system_lib_string");
#undef QG_SYM
#define QG_FIELD(member, name) member = ts::resolve_field(L, name)
  QG_FIELD(f_type, "type"); QG_FIELD(f_declarator, "declarator"); QG_FIELD(f_value, "value");
  QG_FIELD(f_name, "name"); QG_FIELD(f_scope, "scope"); QG_FIELD(f_function, "function");
  QG_FIELD(f_arguments, "arguments"); QG_FIELD(f_argument, "argument"); QG_FIELD(f_field, "field");
  QG_FIELD(f_body, "body"); QG_FIELD(f_path, "path");
#undef QG_FIELD
}

const Syntax& Syntax::get() {
  static const Syntax s;
  return s;
}

std::size_t trailing_comment(std::string_view v) {
  char quote = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '/' && i + 1 < v.size() && v[i + 1] == '/') {
      return i;
    }
  }
  return std::string_view::npos;
}

std::vector<std::pair<uint32_t, uint32_t>> comment_ranges(TSNode root, std::string_view code) {
  const Syntax& S = Syntax::get();
  std::vector<std::pair<uint32_t, uint32_t>> out;
  ts::walk(root, [&](TSNode n) {
    const TSSymbol k = sym(n);
    if (k == S.comment) {
      out.emplace_back(start_byte(n), end_byte(n));
      return false;
    }
    if (k == S.preproc_arg) {
      if (auto at = trailing_comment(text(n, code)); at != std::string_view::npos)
        out.emplace_back(start_byte(n) + static_cast<uint32_t>(at), end_byte(n));
      return false;
    }
    return true;
  });
  return out;
}

}  // namespace qg::cpp
