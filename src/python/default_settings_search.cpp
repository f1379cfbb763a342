#include "python/default_settings_search.h"

#include <algorithm>
#include <set>

#include "core/notebook.h"
#include "core/text_search.h"
#include "python/library_clients.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

std::string_view first_segment(std::string_view dotted) { return dotted.substr(0, dotted.find('.')); }
std::string_view last_segment(std::string_view dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

// The packages whose defaults the table models (the first segment of every `set-by` name:
// "llama_index"), and the words a setting is written with (the last: "llm", "embed_model",
// "set_global_service_context").
struct SetterWords {
  std::set<std::string_view> packages, setters;
  SetterWords() {
    for (const DefaultSlot* slot : LibraryClientTable::get().slots())
      for (const auto& name : slot->set_by) {
        packages.insert(first_segment(name));
        setters.insert(last_segment(name));
      }
  }
  bool names_package(std::string_view code) const {
    return std::any_of(packages.begin(), packages.end(), [&](std::string_view w) { return contains_word(code, w); });
  }
  bool names_setter(std::string_view code) const {
    return std::any_of(setters.begin(), setters.end(), [&](std::string_view w) { return contains_word(code, w); });
  }
};

const SetterWords& setter_words() {
  static const SetterWords words;
  return words;
}

}  // namespace

StringMap<Project::ConfiguredDefault> configured_defaults(const std::vector<ModuleInfo*>& parsed, Evaluator& survey,
                                                          const Project& project,
                                                          const std::vector<std::string_view>& texts) {
  StringMap<Project::ConfiguredDefault> out;
  const auto imported_elsewhere = [&](const ModuleInfo& m) {
    const std::string_view word = last_segment(m.name);
    if (word.empty()) return true;
    for (std::string_view code : texts) {
      if (code.data() == m.code().data()) continue;
      if (contains_word(code, word) && contains_word(code, "import")) return true;
    }
    return false;
  };
  const auto imported_closure = [&](const ModuleInfo& from) {
    std::vector<std::string> names{from.name};
    for (std::size_t at = 0; at < names.size() && names.size() < 256; ++at) {
      const ModuleInfo* m = at == 0 ? &from : project.module(names[at]);
      if (!m) continue;
      for (const Scope& scope : m->scopes)
        for (const auto& [name, bindings] : scope.bindings)
          for (const Binding& b : bindings) {
            if (b.kind != Binding::Kind::Import && b.kind != Binding::Kind::ImportFrom) continue;
            for (std::string target : {resolve_import(project, *m, b.module, b.level),
                                       b.kind == Binding::Kind::ImportFrom
                                           ? resolve_import(project, *m, join_dotted(b.module, b.name), b.level)
                                           : std::string{}})
              if (!target.empty() && std::find(names.begin(), names.end(), target) == names.end())
                names.push_back(std::move(target));
          }
    }
    return names;
  };
  for (const auto& [module, slot] : default_settings(parsed, survey)) {
    Project::ConfiguredDefault& where = out[slot];
    if (where.everywhere) continue;
    if (imported_elsewhere(*module)) {
      where.everywhere = true;
      where.modules.clear();
      continue;
    }
    for (auto& name : imported_closure(*module))
      if (std::find(where.modules.begin(), where.modules.end(), name) == where.modules.end())
        where.modules.push_back(std::move(name));
  }
  return out;
}

bool mentions_library_with_defaults(const std::vector<ModuleInfo*>& modules) {
  const SetterWords& words = setter_words();
  return std::any_of(modules.begin(), modules.end(),
                     [&](const ModuleInfo* m) { return !m->vendored && words.names_package(m->code()); });
}

StringMap<Project::ConfiguredDefault> other_files_default_settings(const std::vector<DiscoveredFile>& others,
                                                                   const std::vector<const DiscoveredFile*>& read,
                                                                   const std::vector<std::string_view>& read_texts,
                                                                   const Config& config) {
  const SetterWords& words = setter_words();
  Project project(config);
  std::vector<SourceText> texts;  // every other file's, for the importers
  std::vector<std::unique_ptr<ModuleInfo>> setting;
  const auto name_file = [&](const DiscoveredFile& file) {
    bool pkg = false;
    std::string name = module_name_for(file.relative, config.src, &pkg);
    project.add_module_name(name);
    project.add_file(file.relative, name, pkg, file.vendored);
    return std::pair{std::move(name), pkg};
  };
  for (const DiscoveredFile* file : read) name_file(*file);
  for (const DiscoveredFile& file : others) {
    // (A notebook is imported by nothing: a setting in it holds in it alone.)
    if (file.language != Language::Python || file.vendored || is_notebook_path(file.relative)) continue;
    auto [name, pkg] = name_file(file);
    SourceText text = read_source(file.absolute, config.max_file_size);
    if (!text.ok()) continue;
    if (!words.names_package(text.code()) || !words.names_setter(text.code())) {
      texts.push_back(std::move(text));
      continue;
    }
    auto m = std::make_unique<ModuleInfo>();
    m->path = file.relative;
    m->name = std::move(name);
    m->is_package = pkg;
    m->source = std::move(text);
    parse_and_collect(*m);
    setting.push_back(std::move(m));
  }
  project.index_roots();
  if (setting.empty()) return {};
  std::vector<ModuleInfo*> view;
  std::vector<std::string_view> all(read_texts.begin(), read_texts.end());
  for (const SourceText& t : texts) all.push_back(t.code());
  for (auto& m : setting) {
    project.add_module(m.get());
    view.push_back(m.get());
    all.push_back(m->code());
  }
  Evaluator evaluator(project);
  return configured_defaults(view, evaluator, project, all);
}

void merge_configured_defaults(StringMap<Project::ConfiguredDefault>& into, StringMap<Project::ConfiguredDefault> more) {
  for (auto& [slot, where] : more) {
    Project::ConfiguredDefault& to = into[slot];
    if (to.everywhere) continue;
    if (where.everywhere) {
      to = std::move(where);
      continue;
    }
    for (auto& name : where.modules)
      if (std::find(to.modules.begin(), to.modules.end(), name) == to.modules.end()) to.modules.push_back(std::move(name));
  }
}

std::vector<std::pair<const ModuleInfo*, std::string>> default_settings(const std::vector<ModuleInfo*>& modules,
                                                                        Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  std::vector<std::pair<const ModuleInfo*, std::string>> out;
  if (table.slots().empty()) return out;
  StringMap<std::vector<std::string>> setters;  // qualified -> slot ids
  for (const DefaultSlot* slot : table.slots())
    for (const auto& name : slot->set_by) setters[name].push_back(slot->id);
  const ModuleInfo* current = nullptr;
  const auto note = [&](const Values& values) {
    for (const Value& v : values)
      if (v.kind == Value::Kind::External)
        if (const auto it = setters.find(v.path); it != setters.end())
          for (const auto& id : it->second) {
            std::pair<const ModuleInfo*, std::string> set{current, id};
            if (std::find(out.begin(), out.end(), set) == out.end()) out.push_back(std::move(set));
          }
  };
  for (ModuleInfo* m : modules) {
    if (m->vendored || m->scopes.empty()) continue;
    current = m;
    // `Settings.llm = Ollama(...)`: the object evaluates to the library's, with the attribute.
    for (const auto& store : m->attribute_stores) {
      if (setters.empty()) break;
      Values object = ev.eval(store.object, store.scope);
      note(ev.attribute(object, store.name));
    }
    // `set_global_service_context(...)`, `Settings.llm.__set__`... : a call of a setter.
    for (const auto& [call, scope] : m->calls) {
      const TSNode callee = field(call, S.f_function);
      if (is_null(callee)) continue;
      const std::string_view last = sym(callee) == S.attribute ? text(field(callee, S.f_attribute), m->code())
                                                               : text(callee, m->code());
      bool named = false;
      for (const auto& [name, slot] : setters) {
        (void)slot;
        if (name.ends_with(last) && (name.size() == last.size() || name[name.size() - last.size() - 1] == '.')) {
          named = true;
          break;
        }
      }
      if (named) note(ev.eval(callee, scope));
    }
  }
  return out;
}

}  // namespace qg::python
