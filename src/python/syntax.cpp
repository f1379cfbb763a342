#include "python/syntax.h"


namespace qg::python {

namespace {
Kind symbol(const TSLanguage* lang, const char* name) { return ts::resolve_kind(lang, name); }
TSFieldId field_id(const TSLanguage* lang, const char* name) { return ts::resolve_field(lang, name); }
}  // namespace

Syntax::Syntax() : language(tree_sitter_python()) {
  const TSLanguage* L = language;
#define QG_SYM(member, name) member = symbol(L, name)
  QG_SYM(module, "module"); QG_SYM(identifier, "identifier"); QG_SYM(attribute, "attribute");
  QG_SYM(call, "call"); QG_SYM(argument_list, "argument_list"); QG_SYM(keyword_argument, "keyword_argument");
  QG_SYM(list_splat, "list_splat"); QG_SYM(dictionary_splat, "dictionary_splat");
  QG_SYM(assignment, "assignment"); QG_SYM(augmented_assignment, "augmented_assignment");
  QG_SYM(named_expression, "named_expression"); QG_SYM(expression_statement, "expression_statement");
  QG_SYM(import_statement, "import_statement"); QG_SYM(import_from_statement, "import_from_statement");
  QG_SYM(future_import_statement, "future_import_statement"); QG_SYM(aliased_import, "aliased_import");
  QG_SYM(dotted_name, "dotted_name"); QG_SYM(relative_import, "relative_import");
  QG_SYM(import_prefix, "import_prefix"); QG_SYM(wildcard_import, "wildcard_import");
  QG_SYM(function_definition, "function_definition"); QG_SYM(decorated_definition, "decorated_definition");
  QG_SYM(decorator, "decorator"); QG_SYM(class_definition, "class_definition");
  QG_SYM(parameters, "parameters"); QG_SYM(lambda_parameters, "lambda_parameters");
  QG_SYM(typed_parameter, "typed_parameter"); QG_SYM(default_parameter, "default_parameter");
  QG_SYM(typed_default_parameter, "typed_default_parameter"); QG_SYM(list_splat_pattern, "list_splat_pattern");
  QG_SYM(dictionary_splat_pattern, "dictionary_splat_pattern"); QG_SYM(lambda, "lambda");
  QG_SYM(return_statement, "return_statement"); QG_SYM(global_statement, "global_statement");
  QG_SYM(nonlocal_statement, "nonlocal_statement"); QG_SYM(for_statement, "for_statement");
  QG_SYM(for_in_clause, "for_in_clause"); QG_SYM(with_statement, "with_statement");
  QG_SYM(with_item, "with_item"); QG_SYM(as_pattern, "as_pattern"); QG_SYM(as_pattern_target, "as_pattern_target");
  QG_SYM(boolean_operator, "boolean_operator"); QG_SYM(conditional_expression, "conditional_expression");
  QG_SYM(parenthesized_expression, "parenthesized_expression"); QG_SYM(await, "await");
  QG_SYM(list, "list"); QG_SYM(tuple, "tuple"); QG_SYM(set, "set"); QG_SYM(dictionary, "dictionary");
  QG_SYM(pair, "pair"); QG_SYM(list_comprehension, "list_comprehension");
  QG_SYM(set_comprehension, "set_comprehension"); QG_SYM(dictionary_comprehension, "dictionary_comprehension");
  QG_SYM(generator_expression, "generator_expression"); QG_SYM(subscript, "subscript");
  QG_SYM(string, "string"); QG_SYM(concatenated_string, "concatenated_string");
  QG_SYM(string_content, "string_content"); QG_SYM(interpolation, "interpolation"); QG_SYM(comment, "comment");
  QG_SYM(pattern_list, "pattern_list"); QG_SYM(tuple_pattern, "tuple_pattern"); QG_SYM(list_pattern, "list_pattern");
  QG_SYM(expression_list, "expression_list"); QG_SYM(block, "block"); QG_SYM(type, "type");
  QG_SYM(none, "none"); QG_SYM(true_, "true"); QG_SYM(false_, "false"); QG_SYM(integer, "integer");
  QG_SYM(float_, "float"); QG_SYM(if_statement, "if_statement"); QG_SYM(binary_operator, "binary_operator"); QG_SYM(while_statement, "while_statement");
  QG_SYM(match_statement, "match_statement");
  QG_SYM(not_operator, "not_operator"); QG_SYM(comparison_operator, "comparison_operator");
  QG_SYM(except_clause, "except_clause"); QG_SYM(try_statement, "try_statement");
  QG_SYM(yield, "yield");
  QG_SYM(elif_clause, "elif_clause"); QG_SYM(else_clause, "else_clause"); QG_SYM(case_clause, "case_clause");
  QG_SYM(with_clause, "with_clause");
#undef QG_SYM
#define QG_FIELD(member, name) member = field_id(L, name)
  QG_FIELD(f_function, "function"); QG_FIELD(f_arguments, "arguments"); QG_FIELD(f_object, "object");
  QG_FIELD(f_attribute, "attribute"); QG_FIELD(f_left, "left"); QG_FIELD(f_right, "right");
  QG_FIELD(f_name, "name"); QG_FIELD(f_value, "value"); QG_FIELD(f_alias, "alias");
  QG_FIELD(f_module_name, "module_name"); QG_FIELD(f_body, "body"); QG_FIELD(f_parameters, "parameters");
  QG_FIELD(f_superclasses, "superclasses"); QG_FIELD(f_definition, "definition"); QG_FIELD(f_type, "type");
  QG_FIELD(f_consequence, "consequence"); QG_FIELD(f_alternative, "alternative");
  QG_FIELD(f_condition, "condition"); QG_FIELD(f_return_type, "return_type");
  QG_FIELD(f_subscript, "subscript"); QG_FIELD(f_key, "key");
#undef QG_FIELD
}

const Syntax& Syntax::get() {
  static const Syntax s;
  return s;
}

}  // namespace qg::python
