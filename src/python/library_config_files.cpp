// `model-config` (python/library_clients.h): a model named in a YAML file beside the project's
// code (CrewAI's `config/agents.yaml`, read by `Agent(config=self.agents_config["researcher"])`).
// The file is read from disk, bounded and inside the project; only the block style that CrewAI's
// templates write is read (`name:` at the top, `key: value` one level in). Anything else, or a
// file that is missing, unreadable, too large or outside the project, decides nothing.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "python/library_arguments.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr std::uintmax_t kMaxConfigBytes = 1 << 20;  // agents.yaml files are a few KB

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

// The text of `relative` (to `folder`, inside `root`), or nullopt: missing, not a regular file
// (a symlink loop, a folder), larger than kMaxConfigBytes, or a path leaving the project.
std::optional<std::string> project_file(const std::filesystem::path& root, const std::filesystem::path& folder,
                                        std::string_view relative) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path path = fs::weakly_canonical(root / folder / fs::path(relative), ec);
  if (ec) return std::nullopt;
  const auto [stop, _] = std::mismatch(base.begin(), base.end(), path.begin(), path.end());
  if (stop != base.end()) return std::nullopt;
  if (!fs::is_regular_file(path, ec) || ec) return std::nullopt;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxConfigBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return text;
}

}  // namespace

std::string yaml_entry_value(std::string_view text, std::string_view entry, std::string_view key) {
  bool in_entry = false;
  std::size_t indent = std::string_view::npos;  // of the entry's keys: the first one's
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const std::size_t depth = line.find_first_not_of(" \t");
    if (depth == 0) {
      if (in_entry) break;
      const auto colon = line.find(':');
      in_entry = colon != std::string_view::npos && trim(line.substr(0, colon)) == entry && trim(line.substr(colon + 1)).empty();
      continue;
    }
    if (!in_entry) continue;
    if (indent == std::string_view::npos) indent = depth;
    if (depth != indent || !t.starts_with(key) || t.substr(key.size()).substr(0, 1) != ":") continue;
    std::string_view value = trim(t.substr(key.size() + 1));
    if (const auto hash = value.find(" #"); hash != std::string_view::npos) value = trim(value.substr(0, hash));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (value.empty() || value.front() == '>' || value.front() == '|' || value.front() == '{' || value.front() == '[' ||
        value.front() == '&' || value.front() == '*')
      return {};
    return std::string(value);
  }
  return {};
}

std::string model_from_config_file(TSNode call, const Scope* scope, const ClientBuildingLibrary& lib, Evaluator& ev,
                                   std::string_view code) {
  const Syntax& S = Syntax::get();
  const TSNode config = unparenthesize(ev.argument_node(call, scope, -1, lib.model_config_keyword));
  if (is_null(config) || sym(config) != S.subscript) return {};
  const TSNode holder = unparenthesize(field(config, S.f_value));
  if (is_null(holder) || sym(holder) != S.attribute ||
      text(field(holder, S.f_attribute), code) != lib.model_config_attribute)
    return {};
  const Scope* fn = scope;
  while (fn && fn->kind != Scope::Kind::Function) fn = fn->parent;
  const TSNode self = unparenthesize(field(holder, S.f_object));
  if (!fn || !fn->method_of || !fn->method_of->body || !scope->owner || is_null(self) || sym(self) != S.identifier ||
      fn->self_name.empty() || text(self, code) != fn->self_name)
    return {};
  const auto name = plain_string(unparenthesize(field(config, S.f_subscript)), code);
  if (!name || name->empty()) return {};
  const ClassInfo& cls = *fn->method_of;
  std::string file = lib.model_config_file;
  if (const auto it = cls.body->bindings.find(lib.model_config_attribute); it != cls.body->bindings.end()) {
    if (it->second.size() != 1 || it->second.front().kind != Binding::Kind::Expr) return {};
    const auto set = plain_string(unparenthesize(it->second.front().node), code);
    if (!set) return {};
    file = std::string(*set);
  }
  const auto text = project_file(ev.project().config().root, std::filesystem::path(scope->owner->path).parent_path(), file);
  if (!text) return {};
  std::string value = yaml_entry_value(*text, *name, lib.model_config_key);
  // (CrewAI's `@llm` methods: the entry's LLM is what the method of that name returns)
  return defines_method(cls, value) ? std::string{} : value;
}

}  // namespace qg::python
