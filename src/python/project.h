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

// True when `a` and `b` are equal or one is a dotted suffix of the other
// ("utils.factory" ~ "backend.utils.factory"): code imports modules relative to its own root.
bool dotted_suffix_match(std::string_view a, std::string_view b);

class Project {
 public:
  explicit Project(const Config& config);

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

 private:
  const Config& config_;
  std::vector<FactorySpec> factories_;
  StringMap<ModuleInfo*> modules_;
  StringSet names_, packages_;
  const CallSites* call_sites_ = nullptr;
};

}  // namespace qg::python
