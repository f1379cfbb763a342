// Every qualified name the library tables know: a project package named like a modelled library
// is that library only where it holds one of these (project.h: Project::resolve).
#include "python/library_clients.h"
#include "python/library_model.h"

namespace qg::python {

std::vector<std::string> LibraryModel::qualified_names() const {
  std::vector<std::string> out;
  for (const auto& l : libs_) {
    for (const auto& [name, api] : l.entry_points) out.push_back(name);
    for (const auto& [name, setter] : l.default_setters) out.push_back(name);
    for (const auto& name : l.installers) out.push_back(name);
    for (const auto& [name, index] : l.holder_names) out.push_back(name);
  }
  return out;
}

std::vector<std::string> LibraryClientTable::qualified_names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_) out.push_back(name);
  for (const auto& [name, index] : holder_names_) out.push_back(name);
  for (const auto& [name, cls] : instances_) {
    out.push_back(name);
    out.push_back(cls);
  }
  return out;
}

}  // namespace qg::python
