#include "python/fix_arguments.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace qg::python {

namespace {

// Keyword -> the environment variable the SDK falls back to when the argument is absent.
// (openai-python: _client.py and lib/azure.py.)
std::string_view env_default(std::string_view keyword, ClientKind kind) {
  const bool azure = kind == ClientKind::Azure || kind == ClientKind::AsyncAzure;
  if (keyword == "api_key") return azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
  if (keyword == "organization") return "OPENAI_ORG_ID";
  if (keyword == "project") return "OPENAI_PROJECT_ID";
  if (keyword == "webhook_secret") return "OPENAI_WEBHOOK_SECRET";
  if (keyword == "base_url" && !azure) return "OPENAI_BASE_URL";
  if (keyword == "azure_endpoint" && azure) return "AZURE_OPENAI_ENDPOINT";
  if (keyword == "api_version" && azure) return "OPENAI_API_VERSION";
  return {};
}

class Judge {
 public:
  Judge(const Tree& tree, const std::vector<ImportBinding>& imports)
      : t_(tree), imports_(imports), S_(Syntax::get()) {}

  bool restates_default(std::string_view keyword, TSNode value, ClientKind kind) const {
    value = unparenthesize(value);
    const std::string_view text = t_.text(value);
    if (keyword == "max_retries") return text == "2";
    if (keyword == "timeout") return text == "600" || text == "600.0" || text == "600.";
    const std::string_view env = env_default(keyword, kind);
    if (env.empty()) return false;
    return sym(value) == S_.none || reads_env(value, env);
  }

 private:
  // `import os as o` -> "o" is os; `from os import environ as e` -> "e" is os.environ.
  bool names(std::string_view local, std::string_view module, std::string_view name) const {
    return std::any_of(imports_.begin(), imports_.end(), [&](const ImportBinding& b) {
      if (b.bound != local) return false;
      return name.empty() ? (!b.from && (b.module == module || b.module.starts_with(std::string(module) + ".")))
                          : (b.from && b.module == module && b.name == name);
    });
  }

  bool is_os(TSNode n) const { return sym(n) == S_.identifier && names(t_.text(n), "os", {}); }

  // os.<attr>, or a name imported as `from os import <attr>`.
  bool is_os_member(TSNode n, std::string_view attr) const {
    n = unparenthesize(n);
    if (sym(n) == S_.identifier) return names(t_.text(n), "os", attr);
    return sym(n) == S_.attribute && t_.text(field(n, S_.f_attribute)) == attr && is_os(unparenthesize(field(n, S_.f_object)));
  }

  bool is_string(TSNode n, std::string_view content) const {
    const std::string_view text = t_.text(unparenthesize(n));
    return text.size() == content.size() + 2 && (text.front() == '"' || text.front() == '\'') &&
           text.back() == text.front() && text.substr(1, content.size()) == content;
  }

  // os.getenv("X"), os.environ.get("X"), os.environ["X"]: one argument only (a default changes
  // what happens when the variable is unset).
  bool reads_env(TSNode value, std::string_view env) const {
    if (sym(value) == S_.subscript)
      return is_os_member(field(value, S_.f_value), "environ") && is_string(field(value, S_.f_subscript), env);
    if (sym(value) != S_.call) return false;
    TSNode fn = unparenthesize(field(value, S_.f_function));
    const bool getter = is_os_member(fn, "getenv") ||
                        (sym(fn) == S_.attribute && t_.text(field(fn, S_.f_attribute)) == "get" &&
                         is_os_member(field(fn, S_.f_object), "environ"));
    if (!getter) return false;
    TSNode args = field(value, S_.f_arguments);
    if (code_child_count(args) != 1) return false;
    TSNode only = first_code_child(args);
    return sym(only) == S_.string && is_string(only, env);
  }

  const Tree& t_;
  const std::vector<ImportBinding>& imports_;
  const Syntax& S_;
};

// One line, capped: messages quote the argument, not a page of it.
std::string shorten(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    const bool ws = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (ws) { space = !out.empty(); continue; }
    if (space && out.back() != '(' && out.back() != '[' && c != ')' && c != ']') out += ' ';
    space = false;
    out += c;
  }
  constexpr std::size_t kMax = 60;
  if (out.size() > kMax) out = out.substr(0, kMax - 3) + "...";
  return out;
}

}  // namespace

ArgumentVerdict judge_dropped_arguments(const Tree& tree, TSNode argument_list, ClientKind kind,
                                        const std::vector<ImportBinding>& imports) {
  const Syntax& S = Syntax::get();
  const Judge judge(tree, imports);
  ArgumentVerdict v;
  for (TSNode arg : CodeChildren(argument_list)) {
    if (sym(arg) == S.comment) continue;
    if (sym(arg) == S.keyword_argument &&
        judge.restates_default(tree.text(field(arg, S.f_name)), field(arg, S.f_value), kind))
      continue;
    v.safe = false;
    if (!v.lost.empty()) v.lost += ", ";
    v.lost += shorten(tree.text(arg));
  }
  return v;
}

}  // namespace qg::python
