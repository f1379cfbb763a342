#include "python/installer_search.h"

#include <algorithm>
#include <memory>

#include "core/notebook.h"
#include "core/text_search.h"
#include "python/evaluator.h"
#include "python/library_clients.h"
#include "python/library_model.h"
#include "python/project.h"

namespace qg::python {

bool mentions_client_building_library(const std::vector<ModuleInfo*>& modules) {
  std::vector<std::string_view> packages;
  for (const ClientBuildingLibrary& lib : LibraryClientTable::get().libraries()) packages.push_back(lib.package);
  for (const ClientLibrary& lib : LibraryModel::get().libraries()) packages.push_back(lib.package);  // the Agents SDK
  return std::any_of(modules.begin(), modules.end(), [&](const ModuleInfo* m) {
    return !m->vendored && std::any_of(packages.begin(), packages.end(),
                                       [&](std::string_view package) { return contains_word(m->code(), package); });
  });
}

void count_as_installed(LibraryDefaults& defaults) {
  const FactoryFunction& installer = tracking_installer();
  if (const ClientLibrary* lib = LibraryModel::get().installer(installer.module + "." + installer.function))
    defaults[lib].state = LibraryDefault::State::Tracked;
}

bool other_files_install_tracking(const std::vector<DiscoveredFile>& files, const Config& config) {
  Project project(config);
  std::vector<std::unique_ptr<ModuleInfo>> modules;
  for (const DiscoveredFile& file : files) {
    // (A notebook starts no application.)
    if (file.language != Language::Python || file.vendored || is_notebook_path(file.relative)) continue;
    SourceText text = read_source(file.absolute, config.max_file_size);
    if (!text.ok() || !contains_word(text.code(), "quotaguard") || !contains_word(text.code(), "install")) continue;
    auto m = std::make_unique<ModuleInfo>();
    m->path = file.relative;
    m->name = module_name_for(file.relative, config.src, &m->is_package);
    m->source = std::move(text);
    parse_and_collect(*m);
    project.add_module_name(m->name);
    modules.push_back(std::move(m));
  }
  if (modules.empty()) return false;
  std::vector<ModuleInfo*> view;
  for (auto& m : modules) {
    project.add_module(m.get());
    view.push_back(m.get());
  }
  Evaluator evaluator(project);
  return project_installs_tracking(view, evaluator);
}

}  // namespace qg::python
