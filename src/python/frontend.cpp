#include "python/frontend.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "core/catalogue.h"
#include "core/parallel.h"
#include "core/text_search.h"
#include "python/call_sites.h"
#include "python/checker.h"
#include "python/config_check.h"
#include "python/default_settings_search.h"
#include "python/evaluator.h"
#include "python/fix_planner.h"
#include "python/installer_search.h"
#include "python/library_clients.h"
#include "python/library_runs.h"
#include "python/prefilter.h"
#include "python/project.h"
#include "python/startup.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

std::unique_ptr<ModuleInfo> parse_module(FrontendInput& in, const std::string& name, bool is_package, bool factory) {
  auto m = std::make_unique<ModuleInfo>();
  m->path = in.file->relative;
  m->name = name;
  m->is_package = is_package;
  m->is_factory = factory;
  m->vendored = in.file->vendored;
  m->source = std::move(in.text);
  parse_and_collect(*m);
  return m;
}

// The classes of `m` whose methods use an API method on `self` (`self._ai_client.chat.
// completions.create(...)`), and those named in `wanted` (the bases of such classes): their
// bases defined in `m` are added to them, and the (module, name) their bases are imported as are
// returned. What `self` holds is set in those bases, whatever their modules mention
// (azureai-assistant's `BaseChatAssistantClient`, in a module naming no openai).
std::vector<std::pair<std::string, std::string>> imported_bases(const ModuleInfo& m, Evaluator& probe,
                                                                const std::set<std::pair<std::string, std::string>>& wanted) {
  const auto& S = Syntax::get();
  std::vector<const ClassInfo*> classes;
  auto want = [&](const ClassInfo* c) {
    if (c && std::find(classes.begin(), classes.end(), c) == classes.end()) classes.push_back(c);
  };
  auto on_self = [&](TSNode expr, const Scope* scope) {
    if (!scope || !scope->method_of || is_null(expr) || sym(expr) != S.attribute) return;
    if (TSNode attr = field(expr, S.f_attribute); is_null(attr) || !Catalogue::get().is_method_name(text(attr, m.code())))
      return;
    TSNode root = expr, first{};  // `_ai_client` of `self._ai_client.chat.completions.create`
    while (!is_null(root) && sym(root) == S.attribute) {
      first = field(root, S.f_attribute);
      root = field(root, S.f_object);
    }
    if (is_null(root) || sym(root) != S.identifier || text(root, m.code()) != "self" || is_null(first)) return;
    // An attribute the class sets itself (`self._client = OpenAI()` in its `__init__`, a
    // property of that name) is read there: its bases need not be.
    const ClassInfo* c = scope->method_of;
    const std::string attribute(text(first, m.code()));
    if (c->instance_attrs.contains(attribute) || (c->body && c->body->bindings.contains(attribute))) return;
    want(c);
  };
  for (const auto& [call, scope] : m.calls) on_self(field(call, S.f_function), scope);
  for (const auto& [node, scope] : m.method_references) on_self(node, scope);
  for (const ClassInfo& c : m.classes)
    if (wanted.contains({m.name, c.name})) want(&c);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < classes.size(); ++i)
    for (TSNode base : classes[i]->bases) {
      if (!is_null(base) && sym(base) == S.identifier) {
        const std::string_view name = text(base, m.code());
        bool local = false;
        for (const ClassInfo& c : m.classes)
          if (c.name == name && c.defined_in == &m.scopes.front()) {
            want(&c);
            local = true;
          }
        if (local) continue;
      }
      for (auto& origin : probe.imported_origin(m, base)) out.push_back(std::move(origin));
    }
  return out;
}

std::string last_segment(const std::string& dotted) {
  auto dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

// QG_TIMING=1 prints the phases of the Python pass on stderr (for benchmarking, not output).
struct PhaseTimer {
  bool on = std::getenv("QG_TIMING") != nullptr;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void mark(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    if (on) std::fprintf(stderr, "  python %-22s %8.1f ms\n", phase, std::chrono::duration<double, std::milli>(now - last).count());
    last = now;
  }
};

// Fixes made once for the whole process (QG009's default client, QG010's install()) go where
// the application starts.
void place_startup_fixes(std::vector<FileResult>& files, const std::vector<FrontendInput>& inputs,
                         const std::vector<std::unique_ptr<ModuleInfo>>& modules) {
  // A project that gets `quotaguard.install()` for one QG010 needs no tracked arguments at any
  // other: that one line fixes them all.
  const auto needs_install = [](const Finding& f) { return f.fix && f.fix->at_startup && f.rule == to_string(RuleId::QG010); };
  if (std::any_of(files.begin(), files.end(), [&](const FileResult& file) {
        return std::any_of(file.findings.begin(), file.findings.end(), needs_install);
      }))
    for (FileResult& file : files)
      for (Finding& f : file.findings)
        if (f.fix && f.rule == to_string(RuleId::QG010)) f.fix->at_startup = true;
  std::vector<FixSite*> sites;
  std::string fallback;  // the first module that needs the fix (files are sorted)
  for (FileResult& file : files)
    for (Finding& f : file.findings)
      if (f.fix && f.fix->at_startup) {
        if (fallback.empty()) fallback = file.path;
        sites.push_back(&*f.fix);
      }
  if (sites.empty()) return;
  std::vector<StartupCandidate> candidates;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].file->vendored) continue;
    if (modules[i]) candidates.push_back({&modules[i]->path, &modules[i]->source});
    else candidates.push_back({&inputs[i].file->relative, &inputs[i].text});
  }
  const StartupSite startup = find_startup(candidates, fallback);
  for (FixSite* site : sites) {
    site->file = startup.path;
    site->anchor = startup.anchor;
  }
}

FrontendOutput analyze(std::vector<FrontendInput>& inputs, const Config& config, const AnalysisOptions& options) {
  const unsigned jobs = options.jobs;
  PhaseTimer timer;
  (void)Syntax::get();  // resolve node kinds before threads start
  Project project(config);
  std::vector<std::string> names(inputs.size());
  std::vector<char> is_package(inputs.size(), 0);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    bool pkg = false;
    names[i] = module_name_for(inputs[i].file->relative, config.src, &pkg);
    is_package[i] = pkg;
    project.add_module_name(names[i]);
    project.add_file(inputs[i].file->relative, names[i], pkg, inputs[i].file->vendored);
  }
  project.index_roots();

  StringMap<std::size_t> index_of;  // module name -> its input
  for (std::size_t i = 0; i < inputs.size(); ++i) index_of.emplace(names[i], i);
  const Prefilter prefilter(project, config);
  std::vector<std::unique_ptr<ModuleInfo>> modules(inputs.size());
  std::vector<char> selected(inputs.size(), 0), context(inputs.size(), 0);
  parallel_for(inputs.size(), jobs, [&](std::size_t i) {
    if (!inputs[i].text.ok()) return;
    auto v = prefilter.first_round(inputs[i].text.code());
    // Every conftest.py: the fixtures it defines decide what the tests below it receive, even
    // where it names neither openai nor an API (`return Groq()`: no client; unparsed, the test's
    // parameter would be of unresolved origin, QG007).
    selected[i] = v.parse || last_component(inputs[i].file->relative) == "conftest.py";
    context[i] = v.openai_context;
  });

  timer.mark("prefilter");
  FrontendOutput out;
  std::set<std::pair<std::string, std::string>> markers;
  std::set<std::string, std::less<>> registry_modules;  // modules registrations were found on
  // (module, name) a client is handed to (clients_handed_to_imports), and those chased through.
  std::set<std::pair<std::string, std::string>> handed_names, reexports_chased;
  // (module, class) the bases of a class using an API method on `self` are imported as.
  std::set<std::pair<std::string, std::string>> wanted_bases;
  for (;;) {
    ++out.rounds;
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (selected[i] && !modules[i]) todo.push_back(i);
    if (todo.empty()) break;
    parallel_for(todo.size(), jobs, [&](std::size_t t) {
      const std::size_t i = todo[t];
      const bool factory = project.is_factory_module(names[i], inputs[i].file->relative);
      modules[i] = parse_module(inputs[i], names[i], is_package[i], factory);
      modules[i]->openai_context = context[i];
    });
    for (std::size_t i : todo) project.add_module(modules[i].get());
    timer.mark("parse+collect");

    // Which module-level names of the new modules yield clients (or are classes that build a
    // library's client)? Follow them into importers.
    // Evaluators only read the modules, so each worker has its own.
    std::vector<std::vector<std::pair<std::string, std::string>>> exported(todo.size()), stored(todo.size()),
        registered(todo.size()), handed(todo.size()), bases(todo.size());
    std::vector<std::vector<std::string>> model_sources(todo.size());
    parallel_for_with(todo.size(), jobs, [&] { return std::make_unique<Evaluator>(project); },
                      [&](std::unique_ptr<Evaluator>& probe, std::size_t t) {
                        ModuleInfo& m = *modules[todo[t]];
                        if (m.scopes.empty()) return;
                        stored[t] = probe->client_stores_on_imports(m);
                        registered[t] = probe->registrations_on_imports(m, registry_modules.contains(m.name));
                        handed[t] = probe->clients_handed_to_imports(m);
                        bases[t] = imported_bases(m, *probe, wanted_bases);
                        model_sources[t] = model_source_modules(m, *probe);
                        for (const auto& [name, bindings] : m.module_scope()->bindings) {
                          (void)bindings;
                          const Values exported_values = probe->module_export(m, name);
                          if (probe->yields_client(exported_values) ||
                              holds_library_client_class(exported_values, *probe) ||
                              std::any_of(exported_values.begin(), exported_values.end(), [&](const Value& v) {
                                if (v.kind != Value::Kind::Function || !v.function) return false;
                                // ... or imports the module its caller names (`import_module(name)`)
                                return v.function->api_on_parameter || probe->imports_by_parameter(v.function);
                              }))
                            exported[t].emplace_back(last_segment(m.name), name);
                        }
                      });
    std::vector<std::pair<std::string, std::string>> fresh;
    for (auto& list : exported)
      for (auto& marker : list)
        if (!marker.first.empty() && markers.insert(marker).second) fresh.push_back(std::move(marker));
    // `Holder.client = OpenAI()` where Holder is imported: Holder's module is parsed (whatever it
    // mentions) and so are the files that mention Holder.
    bool more = false;
    for (auto& list : stored)
      for (auto& [module, word] : list) {
        if (auto it = index_of.find(module); it != index_of.end() && !selected[it->second]) {
          selected[it->second] = 1;
          more = true;
        }
        std::pair<std::string, std::string> marker{std::string(last_segment(module)), std::move(word)};
        if (!marker.first.empty() && markers.insert(marker).second) fresh.push_back(std::move(marker));
      }
    // `Registry.register("openai", OpenAIProvider)` where Registry is imported: its module is
    // parsed, as a store's is, and is itself read for what it hands on to another registry.
    for (auto& list : registered)
      for (auto& [module, word] : list) {
        registry_modules.insert(module);
        if (auto it = index_of.find(module); it != index_of.end() && !selected[it->second]) {
          selected[it->second] = 1;
          more = true;
        }
        // The files that mention the registry's name read it (its module's name need not
        // appear: `from pkg import Registry` through a package's re-exports).
        std::pair<std::string, std::string> marker{word, word};
        if (!marker.first.empty() && markers.insert(marker).second) fresh.push_back(std::move(marker));
      }
    // `from pkg import Name` of a name followed (a marker's), where the project package pkg is
    // not parsed (it re-exports Name through `from .sub import *`): pkg is parsed, so the name
    // resolves through it.
    if (!registry_modules.empty()) {
      std::set<std::string_view> words;
      for (const auto& marker : markers) words.insert(marker.second);
      for (const auto& module : modules) {
        if (!module || module->scopes.empty()) continue;
        for (const auto& [name, bindings] : module->scopes.front().bindings)
          for (const Binding& b : bindings) {
            if (b.kind != Binding::Kind::ImportFrom || !words.contains(b.name)) continue;
            const std::string from = resolve_import(project, *module, b.module, b.level);
            if (auto it = index_of.find(from); it != index_of.end() && !selected[it->second]) {
              selected[it->second] = 1;
              more = true;
            }
          }
      }
    }
    // `Runner(OpenAI())` where Runner is imported: its module is parsed, and through the
    // packages re-exporting it (`from .core import Runner`) the module that defines it.
    for (auto& list : handed)
      for (auto& wanted : list) handed_names.insert(std::move(wanted));
    for (bool chased = true; chased;) {
      chased = false;
      for (const auto& [module, name] : handed_names) {
        auto it = index_of.find(module);
        if (it == index_of.end()) continue;
        if (!selected[it->second]) {
          selected[it->second] = 1;
          more = true;
        }
        const ModuleInfo* m = modules[it->second].get();
        if (!m || m->scopes.empty() || !reexports_chased.insert({module, name}).second) continue;
        auto b = m->scopes.front().bindings.find(name);
        if (b == m->scopes.front().bindings.end()) continue;
        for (const Binding& imported : b->second) {
          if (imported.kind != Binding::Kind::ImportFrom || imported.name.empty()) continue;
          std::string from = resolve_import(project, *m, imported.module, imported.level);
          if (!from.empty() && handed_names.emplace(std::move(from), imported.name).second) chased = true;
        }
      }
    }
    // `from config import MODEL_NAME` handed to a model-gated entry point: config is parsed
    // (whatever it mentions) so the name's value decides.
    for (auto& list : model_sources)
      for (const auto& module : list)
        if (auto it = index_of.find(module); it != index_of.end() && !selected[it->second]) {
          selected[it->second] = 1;
          more = true;
        }
    // A class's imported bases: their modules are parsed, and their own bases in turn (a base
    // module parsed in an earlier round is read again for the class now wanted).
    {
      std::vector<std::pair<std::string, std::string>> queue;
      for (auto& list : bases)
        for (auto& origin : list) queue.push_back(std::move(origin));
      std::unique_ptr<Evaluator> probe;
      while (!queue.empty()) {
        auto origin = std::move(queue.back());
        queue.pop_back();
        if (!wanted_bases.insert(origin).second) continue;
        auto it = index_of.find(origin.first);
        if (it == index_of.end()) continue;
        if (!selected[it->second]) {
          selected[it->second] = 1;
          more = true;
        } else if (const ModuleInfo* done = modules[it->second].get(); done && !done->scopes.empty()) {
          if (!probe) probe = std::make_unique<Evaluator>(project);
          const std::set<std::pair<std::string, std::string>> one{origin};
          for (auto& next : imported_bases(*done, *probe, one))
            if (!wanted_bases.contains(next)) queue.push_back(std::move(next));
        }
      }
    }
    timer.mark("exports");
    if (fresh.empty() && !more) break;
    parallel_for(inputs.size(), jobs, [&](std::size_t i) {
      if (selected[i] || !inputs[i].text.ok()) return;
      for (const auto& marker : fresh)
        if (Prefilter::mentions_export(inputs[i].text.code(), marker)) {
          selected[i] = 1;
          context[i] = 1;
          return;
        }
    });
  }

  // Checks: fresh evaluators, so nothing memoised before the last round's modules existed.
  std::vector<std::size_t> parsed;
  std::vector<ModuleInfo*> parsed_modules;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (modules[i]) {
      parsed.push_back(i);
      parsed_modules.push_back(modules[i].get());
    }
  CallSites call_sites;
  call_sites.build(parsed_modules, jobs);
  project.set_call_sites(&call_sites);
  timer.mark("call sites");
  Evaluator survey(project);
  LibraryDefaults defaults = survey_library_defaults(parsed_modules, survey, options.partial);
  bool installs_tracking = project_installs_tracking(parsed_modules, survey);
  // The project's files a partial scan was not given, discovered once if asked for.
  std::optional<std::vector<DiscoveredFile>> other_files;
  const auto others = [&]() -> const std::vector<DiscoveredFile>& {
    if (!other_files) other_files = options.other_files();
    return *other_files;
  };
  {
    // The text of every file read (a parsed module holds its own now), for the importers of a
    // module setting a default.
    std::vector<std::string_view> read_texts;
    std::vector<ProjectText> read_paths_texts;
    std::vector<const DiscoveredFile*> read_files;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      read_files.push_back(inputs[i].file);
      read_texts.push_back(modules[i] ? modules[i]->code() : inputs[i].text.ok() ? inputs[i].text.code() : "");
      read_paths_texts.push_back({inputs[i].file ? std::string_view(inputs[i].file->relative) : std::string_view{},
                                  read_texts.back()});
    }
    auto slots = configured_defaults(parsed_modules, survey, project, read_paths_texts);
    // A partial scan knows where the project sets a default only once it has looked in the
    // files it was not given (default_settings_search.h); else it reports no fallback.
    bool known = !options.partial;
    if (options.partial && options.other_files && mentions_library_with_defaults(parsed_modules)) {
      merge_configured_defaults(slots, other_files_default_settings(others(), read_files, read_texts, config));
      known = true;
    }
    project.set_configured_defaults(std::move(slots), known);
  }
  if (!installs_tracking &&
      (config.auto_install || (options.partial && options.other_files && mentions_client_building_library(parsed_modules) &&
                               other_files_install_tracking(others(), config)))) {
    installs_tracking = true;
    count_as_installed(defaults);
  }
  timer.mark("library defaults");
  out.parsed = parsed.size();
  out.files.resize(parsed.size());
  parallel_for_with(parsed.size(), jobs, [&] { return std::make_unique<Evaluator>(project); },
                    [&](std::unique_ptr<Evaluator>& ev, std::size_t t) {
                      out.files[t] = check_module(*modules[parsed[t]], *ev, project, defaults,
                                                   installs_tracking);
                    });
  timer.mark("checks");
  std::sort(out.files.begin(), out.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  place_startup_fixes(out.files, inputs, modules);
  if (options.keep_until_exit) {
    // Reachable until exit, never destroyed: no leak report, no teardown cost.
    static auto* holder = new std::vector<std::unique_ptr<ModuleInfo>>();
    static std::mutex holder_mutex;
    std::lock_guard lock(holder_mutex);
    for (auto& m : modules) holder->push_back(std::move(m));
  } else {
    parallel_for(modules.size(), jobs, [&](std::size_t i) { modules[i].reset(); });
  }
  timer.mark("free trees");
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> comments(std::string_view code) {
  return Tree(code).ranges_of(Syntax::get().comment);
}

}  // namespace

void parse_and_collect(ModuleInfo& m) {
  const std::string_view code = m.source.code();
  m.tree = ts_parser_parse_string(ts::thread_parser(Syntax::get().language), nullptr, code.data(), static_cast<uint32_t>(code.size()));
  m.lines = std::make_unique<LineIndex>(std::string_view(m.source.bytes));
  if (m.tree) collect(m);
}

const Frontend& frontend() {
  static const Frontend python{Language::Python, analyze, comments, make_fix_planner, check_config};
  return python;
}

}  // namespace qg::python
