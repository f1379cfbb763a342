#include "python/config_check.h"

#include <algorithm>
#include <optional>

#include "core/catalogue.h"
#include "core/discovery.h"
#include "core/display_path.h"
#include "core/finding.h"
#include "python/module.h"
#include "python/project.h"

namespace qg::python {

namespace {

namespace fs = std::filesystem;

struct Named {
  ClientKind kind;
  const FactoryFunction* function;
};

std::string shown(const fs::path& p) {
  std::error_code ec;
  return path_for_display(p, fs::current_path(ec));
}

bool is_shipped(const FactoryFunction& f) {
  const auto& shipped = Catalogue::get().default_factories();
  return std::any_of(shipped.begin(), shipped.end(), [&](const auto& d) { return d.second == f.spec(); });
}

class ReferenceChecker {
 public:
  explicit ReferenceChecker(const Config& config) : config_(config) {}

  void check(const Named& n) {
    const FactoryFunction& f = *n.function;
    if (is_shipped(f)) return;
    const std::vector<fs::path> files = module_files(f.module);
    const std::string where = shown(config_.file) + ":" + std::to_string(f.line) + ": `factory." +
                              to_string(n.kind) + "` names `" + f.spec() + "`, but ";
    if (files.empty()) throw ConfigError(where + "no module `" + f.module + "` is in the project (" + looked_for(f.module) + ")");
    std::string unreadable;
    for (const fs::path& file : files) {
      ModuleInfo m;
      m.source = read_source(file, config_.max_file_size);
      if (!m.source.ok()) {
        unreadable = shown(file) + ": " + m.source.skip_reason;
        continue;
      }
      parse_and_collect(m);
      if (m.scopes.empty()) continue;
      const Scope& top = *m.module_scope();
      // A star import or a module __getattr__ may provide it: nothing to hold against the config.
      if (top.bindings.contains(f.function) || top.bindings.contains("__getattr__") || !top.star_imports.empty())
        return;
    }
    if (!unreadable.empty()) throw ConfigError(where + "its module cannot be read (" + unreadable + ")");
    throw ConfigError(where + shown(files.front()) + " defines no `" + f.function + "`");
  }

 private:
  std::vector<fs::path> roots() const {
    std::vector<fs::path> out;
    for (const std::string& src : config_.src) out.push_back((config_.root / src).lexically_normal());
    return out;
  }

  static std::string as_path(std::string module) {
    std::replace(module.begin(), module.end(), '.', '/');
    return module;
  }

  std::string looked_for(const std::string& module) const {
    std::string s = "looked for";
    const char* sep = " ";
    for (const fs::path& root : roots()) {
      s += sep + shown(root / (as_path(module) + ".py")) + ", " + shown(root / as_path(module) / "__init__.py");
      sep = ", ";
    }
    return s + ", and for a module whose name ends in `" + module + "` anywhere in the project";
  }

  // The files that are `module`: under an import root, or (as the scanner matches a dotted suffix:
  // `utils.factory` is `backend.utils.factory`) any project module whose name matches.
  std::vector<fs::path> module_files(const std::string& module) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const fs::path& root : roots()) {
      const fs::path base = root / as_path(module);
      for (const fs::path& candidate : {fs::path(base.string() + ".py"), fs::path(base.string() + ".pyi"),
                                        base / "__init__.py", base / "__init__.pyi"})
        if (fs::is_regular_file(candidate, ec)) out.push_back(candidate);
    }
    if (!out.empty()) return out;
    for (const DiscoveredFile& file : project_files())
      if (dotted_suffix_match(module_name_for(file.relative, config_.src), module)) out.push_back(file.absolute);
    return out;
  }

  // Every Python file of the project, found once and only when a module is not where its name says.
  const std::vector<DiscoveredFile>& project_files() {
    if (!files_) {
      DiscoveryOptions d;
      d.root = config_.root;
      d.paths = {config_.root};
      d.exclude = config_.exclude.empty() ? default_excludes() : config_.exclude;
      d.exclude.insert(d.exclude.end(), config_.extend_exclude.begin(), config_.extend_exclude.end());
      d.include_cpp = false;
      files_ = discover(d).files;
      std::erase_if(*files_, [](const DiscoveredFile& f) { return f.language != Language::Python; });
    }
    return *files_;
  }

  const Config& config_;
  std::optional<std::vector<DiscoveredFile>> files_;
};

}  // namespace

void check_config(const Config& config) {
  if (config.file.empty()) return;
  std::vector<Named> named;
  for (ClientKind kind : {ClientKind::Sync, ClientKind::Async, ClientKind::Azure, ClientKind::AsyncAzure})
    for (const FactoryFunction& f : config.factory.of(kind)) named.push_back({kind, &f});
  // The first problem in file order, as the loader reports its own.
  std::stable_sort(named.begin(), named.end(), [](const Named& a, const Named& b) { return a.function->line < b.function->line; });
  ReferenceChecker checker(config);
  for (const Named& n : named) checker.check(n);
}

}  // namespace qg::python
