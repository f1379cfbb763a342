// Project configuration: `quotaguard.toml` or `[tool.quotaguard]` in `pyproject.toml`,
// discovered upward from the scanned path like ruff; kebab-case keys; strict validation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace qg {

enum class ClientKind : uint8_t;  // core/finding.h

// "utils.openai_client_factory:get_openai_client"
struct FactoryFunction {
  std::string module;    // "utils.openai_client_factory"
  std::string function;  // "get_openai_client"
  uint32_t line = 0;     // where the config file names it (0: not from a file), for errors
  std::string spec() const { return module + ":" + function; }
};

struct FactoryConfig {
  // Per client kind, every factory that hands out such clients (`sync = "m:f"` or a list: codebases
  // grow a second, "enhanced" factory). The first is the one `quotaguard fix` rewrites to.
  std::vector<FactoryFunction> sync, async_, azure, async_azure;
  const std::vector<FactoryFunction>& of(ClientKind kind) const;
  bool names_any() const { return !sync.empty() || !async_.empty() || !azure.empty() || !async_azure.empty(); }
  // Files allowed to construct clients (the factory itself): dotted module names
  // ("utils.openai_client_factory") or path globs relative to the project root ("backend/utils/*.py").
  std::vector<std::string> modules;
  // Whether a path glob of `modules` names `relative_path` (dotted names are the Python frontend's).
  bool lists_file(std::string_view relative_path) const;
  // An entry of `modules` is a path glob when it has a '/' or '*', or a source file extension.
  static bool is_path_pattern(std::string_view entry);
  bool pass_arguments = true;
  // When set, enables QG008: API methods ("chat.completions.create") the factory tracks.
  std::optional<std::vector<std::string>> tracked_methods;
  // [factory.cpp]: C++ client type -> factory expression, plus the include the fix adds.
  std::map<std::string, std::string> cpp_factories;
  std::string cpp_include;
};

struct Config {
  std::filesystem::path file;   // empty when no config file was found (defaults)
  std::filesystem::path root;   // the directory holding the config file: the project root
  std::vector<std::string> src{"."};
  std::vector<std::string> exclude;          // gitignore-style patterns; replaces the defaults
  std::vector<std::string> extend_exclude;   // added to exclude
  std::vector<std::string> select, ignore;   // rule ids or prefixes ("QG00")
  std::vector<std::string> extra_hosts;      // more API hosts for QG005
  FactoryConfig factory;
  std::uint64_t max_file_size = 8u << 20;    // `max-file-size` in bytes; larger files are skipped
  // `baseline`: the project's baseline file (root-relative in the config, absolute here; empty when
  // unset). `scan` and so the pre-commit hook read it when `--baseline` is not given.
  std::filesystem::path baseline;
  // `auto-install`: the project's processes run with QUOTAGUARD_AUTO=1 (set where the code cannot
  // show it: a Dockerfile, a unit file), so quotaguard.install() runs at interpreter start.
  bool auto_install = false;
};

// The message is ready to print: "path/quotaguard.toml:7: unknown key `facotry`".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Walks from `start` (a file or directory) upward; in each directory `quotaguard.toml` wins over a
// `pyproject.toml` that has a `[tool.quotaguard]` table; a pyproject without it is passed over.
// Throws ConfigError only for a pyproject.toml that mentions quotaguard but is not valid TOML
// (one that never mentions it is not parsed at all).
std::optional<std::filesystem::path> find_config(const std::filesystem::path& start);

// Loads and validates one file (either kind). Throws ConfigError on unknown keys, wrong types,
// malformed factory specs, bad rule ids or TOML syntax errors. A pyproject.toml without
// `[tool.quotaguard]` yields the defaults (with `root` set).
Config load_config(const std::filesystem::path& file);

// The directory patterns excluded by default (`.git`, `__pycache__`, ...), not vendored code.
const std::vector<std::string>& default_excludes();
// Vendored trees: skipped unless --include-vendored, and then reported apart.
const std::vector<std::string>& vendored_dir_names();

}  // namespace qg
