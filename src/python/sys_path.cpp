// Folders a script puts on `sys.path` itself, relative to its own file
// (`sys.path.insert(0, str(Path(__file__).parent.parent / "agent"))`,
// `sys.path.append(os.path.join(os.path.dirname(__file__), "..", "agent"))`), so that its bare
// imports of a sibling folder's modules (`from call_llm import create_client`) resolve there
// (python/project.cpp: resolve). Only paths computed from `__file__` and string literals are read.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "python/module.h"
#include "python/project.h"
#include "python/syntax.h"

namespace qg::python {
namespace {

// "a/b/../c" -> "a/c", "a/.." -> ""; nullopt when it climbs above the scan root.
std::optional<std::string> normalized(std::string_view path) {
  std::string s = std::filesystem::path(path).lexically_normal().generic_string();
  if (s == ".." || s.starts_with("../")) return std::nullopt;
  if (s == ".") s.clear();
  while (s.size() > 1 && s.back() == '/') s.pop_back();  // "a/b/" -> "a/b"
  return s;
}

std::string joined(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string s(a);
  s.push_back('/');
  s.append(b);
  return s;
}

class PathReader {
 public:
  explicit PathReader(const ModuleInfo& m) : m_(m), code_(m.code()), S(Syntax::get()) {}

  // The path `n` names, relative to the scan root; nullopt when it cannot tell.
  std::optional<std::string> read(TSNode n, int depth = 0) {
    n = unparenthesize(n);
    if (is_null(n) || depth > 8) return std::nullopt;
    const TSSymbol k = sym(n);
    if (k == S.string) {
      const auto s = plain_string(n, code_);
      return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
    }
    if (k == S.identifier) {
      const std::string_view name = text(n, code_);
      if (name == "__file__") return m_.path;
      // A module-level name set once to a path (`ROOT = os.path.dirname(__file__)`).
      const auto& bindings = m_.scopes.front().bindings;
      const auto it = bindings.find(std::string(name));
      if (it == bindings.end() || it->second.size() != 1 || it->second.front().kind != Binding::Kind::Expr) return std::nullopt;
      return read(it->second.front().node, depth + 1);
    }
    if (k == S.attribute) {  // `p.parent`
      if (text(field(n, S.f_attribute), code_) != "parent") return std::nullopt;
      auto base = read(field(n, S.f_object), depth + 1);
      if (!base) return std::nullopt;
      return normalized(joined(*base, ".."));
    }
    if (k == S.binary_operator) {  // `p / "agent"`
      const TSNode left = field(n, S.f_left), right = field(n, S.f_right);
      if (is_null(left) || is_null(right)) return std::nullopt;
      const std::string_view between = code_.substr(end_byte(left), start_byte(right) - end_byte(left));
      if (between.find('/') == std::string_view::npos) return std::nullopt;
      auto a = read(left, depth + 1), b = read(right, depth + 1);
      if (!a || !b) return std::nullopt;
      return normalized(joined(*a, *b));
    }
    if (k != S.call) return std::nullopt;
    const std::string_view fn = text(field(n, S.f_function), code_);
    std::vector<TSNode> args;
    if (TSNode list = field(n, S.f_arguments); !is_null(list) && sym(list) == S.argument_list)
      for (TSNode a : NamedChildren(list))
        if (sym(a) != S.comment) args.push_back(a);
    auto method_of = [&](std::string_view method) {  // `p.resolve()`: p
      const TSNode f = field(n, S.f_function);
      return sym(f) == S.attribute && text(field(f, S.f_attribute), code_) == method ? field(f, S.f_object) : TSNode{};
    };
    for (const char* m : {"resolve", "absolute"})
      if (TSNode object = method_of(m); !is_null(object) && args.empty()) return read(object, depth + 1);
    if (args.empty()) return std::nullopt;
    for (std::string_view same : {"str", "Path", "pathlib.Path", "os.path.abspath", "os.path.realpath", "os.path.normpath",
                                  "path.abspath", "path.realpath", "abspath", "realpath"})
      if (fn == same && args.size() == 1) return read(args.front(), depth + 1);
    if (fn == "os.path.dirname" || fn == "path.dirname" || fn == "dirname") {
      if (args.size() != 1) return std::nullopt;
      auto base = read(args.front(), depth + 1);
      if (!base) return std::nullopt;
      return normalized(joined(*base, ".."));
    }
    if (fn == "os.path.join" || fn == "path.join" || fn == "join") {
      std::string out;
      for (TSNode a : args) {
        auto part = read(a, depth + 1);
        if (!part) return std::nullopt;
        out = joined(out, *part);
      }
      return normalized(out);
    }
    return std::nullopt;
  }

 private:
  const ModuleInfo& m_;
  std::string_view code_;
  const Syntax& S;
};

}  // namespace

std::optional<std::string> file_path_named(const ModuleInfo& m, TSNode expression) {
  if (is_null(expression)) return std::nullopt;
  return PathReader(m).read(expression);
}

std::vector<std::string> sys_path_folders(const ModuleInfo& m) {
  std::vector<std::string> out;
  if (m.code().find("sys.path") == std::string_view::npos) return out;
  const auto& S = Syntax::get();
  PathReader reader(m);
  for (const auto& [call, scope] : m.calls) {
    const std::string_view fn = text(field(call, S.f_function), m.code());
    const bool insert = fn == "sys.path.insert", append = fn == "sys.path.append";
    if (!insert && !append) continue;
    TSNode list = field(call, S.f_arguments);
    if (is_null(list)) continue;
    std::vector<TSNode> args;
    for (TSNode a : NamedChildren(list))
      if (sym(a) != S.comment) args.push_back(a);
    const std::size_t at = insert ? 1 : 0;
    if (args.size() != at + 1) continue;
    if (auto dir = reader.read(args[at]); dir && std::find(out.begin(), out.end(), *dir) == out.end()) out.push_back(*dir);
  }
  return out;
}

}  // namespace qg::python
