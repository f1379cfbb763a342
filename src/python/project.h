// The project-wide view: which dotted module names exist, which parsed module each one is,
// which functions are the configured factories and which modules may construct clients.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalogue.h"
#include "core/config.h"
#include "python/module.h"

namespace qg::python {

class CallSites;

struct FactorySpec {
  ClientKind kind;
  std::string module;    // dotted
  std::string function;
};

// "backend/utils/openai_client_factory.py" with src ["backend"] -> "utils.openai_client_factory".
// `is_package` is set for __init__.py(i).
std::string module_name_for(std::string_view relative_path, const std::vector<std::string>& src_roots,
                            bool* is_package = nullptr);

// Scan-relative, '/'-separated paths: "a/b/c.py" -> "a/b" ("" at the top) and "c.py".
inline std::string_view parent_dir(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}
inline std::string_view last_component(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// True when `a` and `b` are equal or one is a dotted suffix of the other
// ("utils.factory" ~ "backend.utils.factory"): code imports modules relative to its own root.
bool dotted_suffix_match(std::string_view a, std::string_view b);

// Import roots (where an absolute import `a.b` may be found), besides the scan root and the
// configured `src` roots that module names are relative to: the folder holding a file's
// top-level package (or, for a script, its own folder), every folder named `src`, and every folder
// holding a top-level package (a folder with `__init__.py` whose parent has none). See
// Project::resolve for the order; docs/configuration.md for the user's view.
class Project {
 public:
  explicit Project(const Config& config);

  // Every Python file of the scan, once, before index_roots(): its path relative to the scan root,
  // its module name (module_name_for) and whether it is vendored (vendored files are no root for
  // the rest of the tree).
  void add_file(std::string_view relative_path, const std::string& name, bool is_package, bool vendored);
  // Finds the inferred import roots among the files added; call once, after the last add_file.
  void index_roots();
  // The module name (a key of module()/has_module_or_package) that the absolute import `dotted`,
  // written in the file at `importer_path`, refers to; empty when it is not a project module (an
  // external package). Deterministic: the first root that has it wins, in this order:
  //   1. the module names as configured (`src`) or, unconfigured, the scan root: as before;
  //   2. the importer's own root (the folder holding its top-level package; a script's folder);
  //   2b. the folders the importer puts on `sys.path` itself (python/sys_path.cpp);
  //   3. the other inferred roots holding `dotted`'s first segment, nearest the importer first
  //      (most folders in common), then the shallowest, then by path;
  //   4. for an importer inside a folder named like that first segment with no __init__.py (a
  //      namespace package portion), every folder holding a portion of that name, nearest first.
  // Roots 2 and 3 never shadow a package the scanner models (openai, the client libraries, httpx,
  // quotaguard): a project `openai.py` there is taken for an example, not the import's target.
  // One exception: a submodule (`agents.multi_agents`) that is no name the library tables know,
  // found in a root whose package of that name holds none of the library's known modules (so it
  // is another package named alike, not the library's own source), is the project's.
  std::string resolve(std::string_view importer_path, std::string_view dotted) const;
  // Whether `top` is a first segment resolve() never lets an inferred root shadow (but see above).
  bool modelled_package(std::string_view top) const { return modelled_.contains(top); }

  // Every discovered Python module (parsed or not), so imports can tell project from external.
  void add_module_name(const std::string& name);
  void add_module(ModuleInfo* module);

  ModuleInfo* module(std::string_view name) const;
  bool has_module_or_package(std::string_view name) const;

  std::optional<ClientKind> factory(std::string_view module, std::string_view function) const;
  // A qualified "a.b.func" name, split at the last dot.
  std::optional<ClientKind> factory(std::string_view qualified) const;
  const std::vector<FactorySpec>& factories() const { return factories_; }

  bool is_factory_module(std::string_view module_name, std::string_view relative_path) const;
  const Config& config() const { return config_; }

  // Set once every module is parsed (before the checks): parameters then take what the
  // program passes them. Null while modules are still being found.
  void set_call_sites(const CallSites* sites) { call_sites_ = sites; }
  const CallSites* call_sites() const { return call_sites_; }
  // The library defaults the project sets (python/library_clients.h DefaultSlot::id), surveyed
  // once before the checks: slot -> where the setting holds (`everywhere`, or only in `modules`:
  // a standalone script's set holds in itself and what it imports). `defaults_known` false (a
  // partial scan) reports no fallback on any.
  struct ConfiguredDefault {
    bool everywhere = false;
    std::vector<std::string> modules;
  };
  void set_configured_defaults(StringMap<ConfiguredDefault> slots, bool known) {
    configured_defaults_ = std::move(slots);
    defaults_known_ = known;
  }
  bool sets_default(std::string_view slot, std::string_view module) const {
    if (!defaults_known_) return true;
    const auto it = configured_defaults_.find(slot);
    if (it == configured_defaults_.end()) return false;
    if (it->second.everywhere) return true;
    for (const auto& m : it->second.modules)
      if (m == module) return true;
    return false;
  }

 private:
  const Config& config_;
  std::vector<FactorySpec> factories_;
  StringMap<ModuleInfo*> modules_;
  StringSet names_, packages_;
  const CallSites* call_sites_ = nullptr;
  StringMap<ConfiguredDefault> configured_defaults_;
  bool defaults_known_ = true;
  // Import-root index (add_file / index_roots): "a/b" -> the module name of a/b.py, a/b/__init__.py
  // or the namespace folder a/b (a package beats a module beats a namespace folder: `rank_`).
  struct PathEntry {
    std::string name;
    int rank = 0;  // 3 package, 2 module, 1 namespace folder
  };
  StringMap<PathEntry> paths_;
  StringSet init_dirs_;                             // folders with an __init__.py(i)
  std::vector<std::pair<std::string, bool>> files_;  // (relative path, vendored) until index_roots
  StringMap<std::vector<std::string>> roots_by_top_;  // first segment -> inferred roots that hold it
  StringMap<std::vector<std::string>> path_roots_;   // importer path -> folders it puts on sys.path
  StringSet modelled_;                              // packages an inferred root never shadows
  // ... but for these (a library of the tables, not openai/httpx/a factory): the qualified names
  // the tables know under them and every prefix of one ("agents.run", "agents.run.Runner"), and
  // the inferred roots whose package of that name holds no module among them (no copy of the
  // library: agentops' app/e2e/sdk-api/src/agents/), nearest-ordered as roots_by_top_.
  StringSet library_names_;
  StringMap<std::vector<std::string>> foreign_roots_;
  void index_foreign_roots();
  std::string resolve_foreign(std::string_view importer_path, std::string_view dotted) const;
  StringMap<std::vector<std::string>> namespace_portions_;  // folder name -> folders holding one without __init__.py
  std::string lookup_under(std::string_view root, std::string_view dotted) const;
  std::string own_root(std::string_view path) const;
};

}  // namespace qg::python
