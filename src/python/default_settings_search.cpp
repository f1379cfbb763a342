#include "python/default_settings_search.h"

#include <algorithm>
#include <set>
#include <unordered_map>

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

bool is_dotted_byte(char c) { return is_identifier_byte(c) || c == '.'; }

// The dotted name around `at` (`pkg.main` of `from pkg.main import x`).
std::string_view dotted_at(std::string_view code, std::size_t at) {
  std::size_t begin = at, end = at;
  while (begin > 0 && is_dotted_byte(code[begin - 1])) --begin;
  while (end < code.size() && is_dotted_byte(code[end])) ++end;
  return code.substr(begin, end - begin);
}

std::string_view trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  return b == std::string_view::npos ? std::string_view{} : s.substr(b);
}

// `from X import`: X (empty when the line is no such statement).
std::string_view from_module(std::string_view line) {
  line = trim(line);
  if (!line.starts_with("from ")) return {};
  line = trim(line.substr(5));
  return line.substr(0, line.find_first_of(" \t"));
}

// Whether a file the scan did not parse (at `path`, '' when unknown) may import module `target`
// (last name `word`): the word on an import line (`from main import x`, `import main`,
// `importlib.import_module("main")`) or inside the parentheses of a `from pkg import (` spanning
// lines, naming what resolves from that file to `target` (a relative import, or an unknown path:
// may). The word in a URL or a message is no import (the fifteenth held-out round:
// ".../llama_index/main/docs/..."), nor is `from main import x` in another folder's script, which
// names its own `main.py`.
bool may_import(const Project& project, std::string_view path, std::string_view code, std::string_view word,
                std::string_view target) {
  constexpr auto npos = std::string_view::npos;
  const auto names = [&](std::string_view dotted) {
    if (dotted.empty()) return false;
    if (path.empty()) return true;
    if (!dotted.starts_with('.')) return project.resolve(path, dotted) == target;
    ModuleInfo importer;  // (a relative import: from the file's own module)
    importer.path = std::string(path);
    importer.name = module_name_for(path, project.config().src, &importer.is_package);
    const std::size_t level = dotted.find_first_not_of('.');
    return resolve_import(project, importer, level == std::string_view::npos ? std::string_view{} : dotted.substr(level),
                          static_cast<int>(level == std::string_view::npos ? dotted.size() : level)) == target;
  };
  const auto joined = [](std::string_view from, std::string_view name) {
    return std::string(from) + (from.ends_with('.') ? "" : ".") + std::string(name);
  };
  for (std::size_t at = find_bytes(code, word); at != npos; at = find_bytes(code, word, at + 1)) {
    if ((at > 0 && is_identifier_byte(code[at - 1])) ||
        (at + word.size() < code.size() && is_identifier_byte(code[at + word.size()])))
      continue;
    const std::size_t newline = at == 0 ? npos : code.rfind('\n', at - 1);
    const std::size_t begin = newline == npos ? 0 : newline + 1;
    const std::size_t end = std::min(code.find('\n', at), code.size());
    const std::string_view line = code.substr(begin, end - begin);
    const std::string_view token = dotted_at(code, at);
    if (contains_word(line, "import") || contains(line, "import_module") || contains(line, "__import__")) {
      const std::string_view from = from_module(line);
      if (names(token) || (!from.empty() && names(joined(from, token)))) return true;
      continue;
    }
    const std::size_t import = at == 0 ? npos : code.rfind("import", at - 1);
    if (import == npos) continue;
    const std::string_view between = code.substr(import + 6, at - import - 6);
    const std::size_t open = between.find_first_not_of(" \t\\\r\n");
    if (open == npos || between[open] != '(' || between.find(')') != npos) continue;
    const std::size_t line_start = code.rfind('\n', import);
    const std::string_view from =
        from_module(code.substr(line_start == npos ? 0 : line_start + 1, import - (line_start == npos ? 0 : line_start + 1)));
    if (names(token) || (!from.empty() && names(joined(from, token)))) return true;
  }
  return false;
}

}  // namespace

StringMap<Project::ConfiguredDefault> configured_defaults(const std::vector<ModuleInfo*>& parsed, Evaluator& survey,
                                                          const Project& project,
                                                          const std::vector<ProjectText>& texts) {
  StringMap<Project::ConfiguredDefault> out;
  // A module's imports, resolved to the project's modules.
  std::unordered_map<const ModuleInfo*, std::vector<std::string>> imports_memo;
  const auto direct_imports = [&](const ModuleInfo& m) -> const std::vector<std::string>& {
    auto [it, fresh] = imports_memo.try_emplace(&m);
    if (!fresh) return it->second;
    for (const Scope& scope : m.scopes)
      for (const auto& [name, bindings] : scope.bindings)
        for (const Binding& b : bindings) {
          if (b.kind != Binding::Kind::Import && b.kind != Binding::Kind::ImportFrom) continue;
          for (std::string target : {resolve_import(project, m, b.module, b.level),
                                     b.kind == Binding::Kind::ImportFrom
                                         ? resolve_import(project, m, join_dotted(b.module, b.name), b.level)
                                         : std::string{}})
            if (!target.empty() && std::find(it->second.begin(), it->second.end(), target) == it->second.end())
              it->second.push_back(std::move(target));
        }
    return it->second;
  };
  const auto imported_closure = [&](const ModuleInfo& from) {
    std::vector<std::string> names{from.name};
    for (std::size_t at = 0; at < names.size() && names.size() < 256; ++at) {
      const ModuleInfo* m = at == 0 ? &from : project.module(names[at]);
      if (!m) continue;
      for (const std::string& target : direct_imports(*m))
        if (std::find(names.begin(), names.end(), target) == names.end()) names.push_back(target);
    }
    return names;
  };
  std::unordered_map<const char*, const ModuleInfo*> parsed_by_code;
  for (const ModuleInfo* m : parsed) parsed_by_code.emplace(m->code().data(), m);
  // The modules whose process runs a setting module's body: it and the parsed modules importing
  // it, transitively (a parsed importer is resolved: `from main import x` in another folder's
  // script names its own `main.py`); nullopt when a file not parsed may import one of them (its
  // last name on an import line), which may run anywhere.
  const auto importers = [&](const ModuleInfo& setter) -> std::optional<std::vector<const ModuleInfo*>> {
    std::vector<const ModuleInfo*> chain{&setter};
    for (std::size_t at = 0; at < chain.size() && chain.size() < 256; ++at) {
      const ModuleInfo& m = *chain[at];
      const std::string_view word = last_segment(m.name);
      if (word.empty()) return std::nullopt;
      for (const ProjectText& text : texts) {
        const std::string_view code = text.code;
        if (code.data() == m.code().data()) continue;
        const auto it = parsed_by_code.find(code.data());
        if (it == parsed_by_code.end()) {
          if (may_import(project, text.path, code, word, m.name)) return std::nullopt;
          continue;
        }
        const ModuleInfo* importer = it->second;
        if (std::find(chain.begin(), chain.end(), importer) != chain.end()) continue;
        const auto& targets = direct_imports(*importer);
        if (std::find(targets.begin(), targets.end(), m.name) != targets.end()) chain.push_back(importer);
      }
    }
    return chain;
  };
  for (const auto& [module, slot] : default_settings(parsed, survey)) {
    Project::ConfiguredDefault& where = out[slot];
    if (where.everywhere) continue;
    const auto chain = importers(*module);
    if (!chain) {
      where.everywhere = true;
      where.modules.clear();
      continue;
    }
    for (const ModuleInfo* in : *chain)
      for (auto& name : imported_closure(*in))
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
  std::vector<std::pair<std::string_view, SourceText>> texts;  // every other file's, for the importers
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
      texts.emplace_back(file.relative, std::move(text));
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
  std::vector<ProjectText> all;
  for (std::size_t i = 0; i < read_texts.size(); ++i)
    all.push_back({i < read.size() ? std::string_view(read[i]->relative) : std::string_view{}, read_texts[i]});
  for (const auto& [path, t] : texts) all.push_back({path, t.code()});
  for (auto& m : setting) {
    project.add_module(m.get());
    view.push_back(m.get());
    all.push_back({m->path, m->code()});
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
