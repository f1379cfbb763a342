// Config discovery and loading. Validation is strict (unknown keys, wrong types and malformed
// values are errors with a line number) because a silently ignored typo in a CI gate's config
// means the gate checks something other than what its owner believes.
#include "core/config.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <sstream>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

#include "core/display_path.h"
#include "core/finding.h"
#include "core/language.h"

namespace qg {
namespace {

namespace fs = std::filesystem;

// A path as messages name it (core/display_path.h).
std::string shown(const fs::path& file) {
  std::error_code ec;
  return path_for_display(file, fs::current_path(ec));
}

// ---- value checks -------------------------------------------------------------------------

bool is_ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return is_ident_start(c) || std::isdigit(c); }

// A Python identifier (non-ASCII bytes are let through: PEP 3131 names are legal).
bool is_identifier(std::string_view s) {
  if (s.empty() || !is_ident_start(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_ident_char(static_cast<unsigned char>(c)); });
}

// Identifiers joined by `sep` ("a.b.c", "ns::Type").
bool is_joined_identifiers(std::string_view s, std::string_view sep) {
  while (true) {
    const std::size_t pos = s.find(sep);
    if (!is_identifier(s.substr(0, pos))) return false;
    if (pos == std::string_view::npos) return true;
    s.remove_prefix(pos + sep.size());
  }
}

std::optional<FactoryFunction> parse_factory_spec(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || s.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  FactoryFunction f{std::string(s.substr(0, colon)), std::string(s.substr(colon + 1))};
  if (!is_joined_identifiers(f.module, ".") || !is_identifier(f.function)) return std::nullopt;
  return f;
}

// "QG" followed by up to three digits: a full id ("QG001") or a prefix ("QG00", "QG").
bool is_rule_selector(std::string_view s) {
  if (s.size() < 2 || s.size() > 5 || s.substr(0, 2) != "QG") return false;
  return std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// "api.example.com" or "localhost:8080": DNS labels, optionally a port.
bool is_hostname(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return false;
    s = s.substr(0, colon);
  }
  if (s.empty()) return false;
  std::size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return label > 0;
}

// Optimal string alignment distance (a transposition counts as one edit: "facotry" -> 1).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_key(std::string_view key, const std::vector<std::string_view>& known) {
  std::string kebab(key);
  std::replace(kebab.begin(), kebab.end(), '_', '-');  // ruff-style configs are kebab-case
  std::string best;
  std::size_t best_distance = kebab.size() >= 6 ? 2 : 1;
  for (std::string_view k : known) {
    const std::size_t d = kebab == k ? 0 : edit_distance(key, k);
    if (d <= best_distance) {
      best_distance = d;
      best = std::string(k);
    }
  }
  return best;
}

// ---- the loader ---------------------------------------------------------------------------

// One table's schema: each known key with what to do with its value.
using KeyHandlers = std::vector<std::pair<std::string_view, std::function<void(const toml::node&)>>>;

class Loader {
 public:
  // `shown`: the file as messages name it; `root`: the project root (`src` entries live there).
  Loader(std::string shown, fs::path root) : path_(std::move(shown)), root_(std::move(root)) {}

  [[noreturn]] void fail(const toml::source_region& where, const std::string& reason) const {
    throw ConfigError(path_ + ":" + std::to_string(where.begin.line) + ": " + reason);
  }

  void load(const toml::table& t, Config& c) {
    each_key(t, {
        {"src", [&](const toml::node& v) { c.src = folders(v, "src"); }},
        {"exclude", [&](const toml::node& v) { c.exclude = strings(v, "exclude"); }},
        {"extend-exclude", [&](const toml::node& v) { c.extend_exclude = strings(v, "extend-exclude"); }},
        {"select", [&](const toml::node& v) { c.select = rule_selectors(v, "select"); }},
        {"ignore", [&](const toml::node& v) { c.ignore = rule_selectors(v, "ignore"); }},
        {"extra-hosts", [&](const toml::node& v) { c.extra_hosts = hostnames(v); }},
        {"max-file-size", [&](const toml::node& v) { c.max_file_size = positive_size(v, "max-file-size"); }},
        {"baseline", [&](const toml::node& v) { c.baseline = (root_ / string(v, "baseline")).lexically_normal(); }},
        {"auto-install", [&](const toml::node& v) { c.auto_install = boolean(v, "auto-install"); }},
        {"factory", [&](const toml::node& v) { load_factory(table(v, "factory"), c.factory); }},
    });
  }

 private:
  void load_factory(const toml::table& t, FactoryConfig& f) {
    each_key(t, {
        {"sync", [&](const toml::node& v) { f.sync = factory_specs(v, "factory.sync"); }},
        {"async", [&](const toml::node& v) { f.async_ = factory_specs(v, "factory.async"); }},
        {"azure", [&](const toml::node& v) { f.azure = factory_specs(v, "factory.azure"); }},
        {"async-azure", [&](const toml::node& v) { f.async_azure = factory_specs(v, "factory.async-azure"); }},
        {"modules", [&](const toml::node& v) { f.modules = strings(v, "factory.modules"); }},
        {"pass-arguments", [&](const toml::node& v) { f.pass_arguments = boolean(v, "factory.pass-arguments"); }},
        {"tracked-methods", [&](const toml::node& v) { f.tracked_methods = method_names(v); }},
        {"cpp", [&](const toml::node& v) { load_cpp(table(v, "factory.cpp"), f); }},
    });
  }

  // [factory.cpp]: free-form keys (client type names) plus `include`.
  void load_cpp(const toml::table& t, FactoryConfig& f) {
    for (const auto& [key, value] : sorted_by_line(t)) {
      const std::string name(key->str());
      const std::string value_str = string(*value, "factory.cpp." + name);
      if (name == "include") {
        f.cpp_include = value_str;
        continue;
      }
      std::string_view type = name;
      if (type.substr(0, 2) == "::") type.remove_prefix(2);
      if (!is_joined_identifiers(type, "::"))
        fail(key->source(), "`[factory.cpp]` key `" + name + "` is not a C++ type name (like `liboai::OpenAI`)");
      if (value_str.empty()) fail(value->source(), "`factory.cpp.\"" + name + "\"` must not be empty");
      f.cpp_factories[name] = value_str;
    }
  }

  using KeyValue = std::pair<const toml::key*, const toml::node*>;

  // toml++ keeps keys sorted by name; report the first problem in file order instead.
  static std::vector<KeyValue> sorted_by_line(const toml::table& t) {
    std::vector<KeyValue> out;
    for (const auto& [key, value] : t) out.emplace_back(&key, &value);
    std::stable_sort(out.begin(), out.end(), [](const KeyValue& a, const KeyValue& b) {
      return a.first->source().begin.line < b.first->source().begin.line;
    });
    return out;
  }

  void each_key(const toml::table& t, const KeyHandlers& handlers) {
    for (const auto& [key, value] : sorted_by_line(t)) {
      const auto it = std::find_if(handlers.begin(), handlers.end(),
                                   [&, k = key](const auto& h) { return h.first == k->str(); });
      if (it != handlers.end()) {
        it->second(*value);
        continue;
      }
      std::vector<std::string_view> known;
      for (const auto& h : handlers) known.push_back(h.first);
      std::string reason = "unknown key `" + std::string(key->str()) + "`";
      const std::string hint = closest_key(key->str(), known);
      if (!hint.empty()) reason += " (did you mean `" + hint + "`?)";
      fail(key->source(), reason);
    }
  }

  const toml::table& table(const toml::node& v, const std::string& name) const {
    if (!v.is_table()) fail(v.source(), "`" + name + "` must be a table");
    return *v.as_table();
  }

  std::string string(const toml::node& v, const std::string& name) const {
    if (!v.is_string()) fail(v.source(), "`" + name + "` must be a string");
    return v.as_string()->get();
  }

  bool boolean(const toml::node& v, const std::string& name) const {
    if (!v.is_boolean()) fail(v.source(), "`" + name + "` must be true or false");
    return v.as_boolean()->get();
  }

  std::uint64_t positive_size(const toml::node& v, const std::string& name) const {
    if (!v.is_integer() || v.as_integer()->get() <= 0)
      fail(v.source(), "`" + name + "` must be a positive integer (bytes)");
    return static_cast<std::uint64_t>(v.as_integer()->get());
  }

  std::vector<std::string> strings(const toml::node& v, const std::string& name) const {
    const std::string reason = "`" + name + "` must be a list of strings";
    if (!v.is_array()) fail(v.source(), reason);
    std::vector<std::string> out;
    for (const toml::node& item : *v.as_array()) {
      if (!item.is_string()) fail(item.source(), reason);
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  // A list of strings each of which passes `ok`; `what` describes a valid entry.
  std::vector<std::string> checked_strings(const toml::node& v, const std::string& name,
                                           bool (*ok)(std::string_view), const std::string& what) const {
    std::vector<std::string> out = strings(v, name);
    const toml::array& items = *v.as_array();
    for (std::size_t i = 0; i < out.size(); ++i)
      if (!ok(out[i])) fail(items[i].source(), "`" + name + "` entry `" + out[i] + "` is not " + what);
    return out;
  }

  // Folders of the project: each must exist (a typo would silently change every module name).
  std::vector<std::string> folders(const toml::node& v, const std::string& name) const {
    std::vector<std::string> out = strings(v, name);
    const toml::array& items = *v.as_array();
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::error_code ec;
      const fs::path dir = (root_ / out[i]).lexically_normal();
      if (!fs::is_directory(dir, ec))
        fail(items[i].source(), "`" + name + "` entry `" + out[i] + "` is not a folder of the project (no " +
                                    shown(dir) + ")");
    }
    return out;
  }

  std::vector<std::string> rule_selectors(const toml::node& v, const std::string& name) const {
    return checked_strings(v, name, is_rule_selector, "a rule id (`QG` + 3 digits) or prefix (like `QG00`)");
  }

  std::vector<std::string> hostnames(const toml::node& v) const {
    return checked_strings(v, "extra-hosts", is_hostname, "a hostname (like `api.example.com`)");
  }

  std::vector<std::string> method_names(const toml::node& v) const {
    return checked_strings(
        v, "factory.tracked-methods", [](std::string_view s) { return is_joined_identifiers(s, "."); },
        "a dotted method name (like `chat.completions.create`)");
  }

  // `"m:f"`, or a list of them: several factories for one kind of client.
  std::vector<FactoryFunction> factory_specs(const toml::node& v, const std::string& name) const {
    const std::string expected = "`" + name + "` must be \"module.path:function\" or a list of them";
    std::vector<const toml::node*> items;
    if (v.is_string()) {
      items.push_back(&v);
    } else if (v.is_array() && !v.as_array()->empty()) {
      for (const toml::node& item : *v.as_array()) items.push_back(&item);
    } else {
      fail(v.source(), expected);
    }
    std::vector<FactoryFunction> out;
    for (const toml::node* item : items) {
      if (!item->is_string()) fail(item->source(), expected);
      const std::string s = item->as_string()->get();
      std::optional<FactoryFunction> f = parse_factory_spec(s);
      if (!f) fail(item->source(), "`" + name + "` must be \"module.path:function\", got `" + s + "`");
      for (const FactoryFunction& seen : out)
        if (seen.spec() == f->spec()) fail(item->source(), "`" + name + "` names `" + s + "` twice");
      f->line = item->source().begin.line;
      out.push_back(std::move(*f));
    }
    return out;
  }

  std::string path_;
  fs::path root_;
};

std::string read_file(const fs::path& file) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (ec) throw ConfigError(shown(file) + ": cannot read config file: " + ec.message());
  if (fs::is_directory(st)) throw ConfigError(shown(file) + ": cannot read config file: it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(shown(file) + ": cannot read config file");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

toml::table parse(const std::string& text, const fs::path& file) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(shown(file) + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
  }
}

bool is_pyproject(const fs::path& file) { return file.filename() == "pyproject.toml"; }

}  // namespace

std::optional<fs::path> find_config(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec).lexically_normal();
  if (ec) return std::nullopt;
  if (!fs::is_directory(dir, ec)) dir = dir.parent_path();
  if (!dir.empty() && dir.filename().empty()) dir = dir.parent_path();  // "a/b/" -> "a/b"
  while (!dir.empty()) {
    const fs::path own = dir / "quotaguard.toml";
    if (fs::is_regular_file(own, ec)) return own;
    const fs::path pyproject = dir / "pyproject.toml";
    if (fs::is_regular_file(pyproject, ec)) {
      const std::string text = read_file(pyproject);
      // Most pyproject files never mention us: skip parsing them (and their syntax errors).
      if (text.find("quotaguard") != std::string::npos) {
        const toml::table t = parse(text, pyproject);
        if (t["tool"]["quotaguard"]) return pyproject;
      }
    }
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

Config load_config(const fs::path& file) {
  const std::string text = read_file(file);
  const toml::table doc = parse(text, file);
  Config config;
  std::error_code ec;
  const fs::path absolute = fs::absolute(file, ec);
  config.root = fs::canonical(absolute.parent_path(), ec);
  if (ec) config.root = absolute.parent_path().lexically_normal();
  config.file = config.root / file.filename();

  Loader loader(shown(absolute), config.root);
  if (!is_pyproject(file)) {
    loader.load(doc, config);
    return config;
  }
  // A pyproject without our table configures nothing: the defaults apply.
  const toml::node_view section = doc["tool"]["quotaguard"];
  if (!section) return config;
  if (!section.is_table()) loader.fail(section.node()->source(), "`tool.quotaguard` must be a table");
  loader.load(*section.as_table(), config);
  return config;
}

const std::vector<std::string>& default_excludes() {
  static const std::vector<std::string> kExcludes = {
      ".git",  ".hg",       ".svn",          ".bzr",     ".mypy_cache", ".pytest_cache", ".ruff_cache",
      ".tox",  ".nox",      ".eggs",         ".pytype",  ".pants.d",    ".git-rewrite",  ".ipynb_checkpoints",
      ".direnv", ".idea",   ".vscode",       "__pycache__", "__pypackages__",
  };
  return kExcludes;
}

const std::vector<std::string>& vendored_dir_names() {
  static const std::vector<std::string> kVendored = {
      "venv", ".venv", "virtualenv", "site-packages", "dist-packages", "node_modules", "build",
  };
  return kVendored;
}

const std::vector<FactoryFunction>& FactoryConfig::of(ClientKind kind) const {
  switch (kind) {
    case ClientKind::Sync: return sync;
    case ClientKind::Async: return async_;
    case ClientKind::Azure: return azure;
    case ClientKind::AsyncAzure: return async_azure;
  }
  return sync;
}

bool FactoryConfig::is_path_pattern(std::string_view entry) {
  return entry.find('/') != std::string_view::npos || entry.find('*') != std::string_view::npos ||
         language_of_file(entry).has_value();
}

bool FactoryConfig::lists_file(std::string_view relative_path) const {
  const std::string rel(relative_path);
  for (const auto& m : modules)
    if (is_path_pattern(m) && (fnmatch(m.c_str(), rel.c_str(), FNM_PATHNAME) == 0 || rel == m)) return true;
  return false;
}

}  // namespace qg
