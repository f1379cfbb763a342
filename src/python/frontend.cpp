#include "python/frontend.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

#include "core/parallel.h"
#include "python/checker.h"
#include "python/evaluator.h"
#include "python/prefilter.h"
#include "python/project.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// One parser per worker thread: TSParser is not thread-safe, and creating one per file costs.
TSParser* thread_parser() {
  struct Holder {
    TSParser* p = ts_parser_new();
    Holder() { ts_parser_set_language(p, Syntax::get().language); }
    ~Holder() { ts_parser_delete(p); }
  };
  thread_local Holder holder;
  return holder.p;
}

std::unique_ptr<ModuleInfo> parse_module(Input& in, const std::string& name, bool is_package, bool factory) {
  auto m = std::make_unique<ModuleInfo>();
  m->path = in.file->relative;
  m->name = name;
  m->is_package = is_package;
  m->is_factory = factory;
  m->vendored = in.file->vendored;
  m->source = std::move(in.text);
  const std::string_view code = m->source.code();
  m->tree = ts_parser_parse_string(thread_parser(), nullptr, code.data(), static_cast<uint32_t>(code.size()));
  m->lines = std::make_unique<LineIndex>(std::string_view(m->source.bytes));
  if (m->tree) collect(*m);
  return m;
}

std::string last_segment(const std::string& dotted) {
  auto dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}

}  // namespace

Output analyze(std::vector<Input>& inputs, const Config& config, unsigned jobs) {
  (void)Syntax::get();  // resolve node kinds before threads start
  Project project(config);
  std::vector<std::string> names(inputs.size());
  std::vector<char> is_package(inputs.size(), 0);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    bool pkg = false;
    names[i] = module_name_for(inputs[i].file->relative, config.src, &pkg);
    is_package[i] = pkg;
    project.add_module_name(names[i]);
  }

  const Prefilter prefilter(project, config);
  std::vector<std::unique_ptr<ModuleInfo>> modules(inputs.size());
  std::vector<char> selected(inputs.size(), 0), context(inputs.size(), 0);
  parallel_for(inputs.size(), jobs, [&](std::size_t i) {
    if (!inputs[i].text.ok()) return;
    auto v = prefilter.first_round(inputs[i].text.code());
    selected[i] = v.parse;
    context[i] = v.openai_context;
  });

  Output out;
  std::set<std::pair<std::string, std::string>> markers;
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

    // Which module-level names of the new modules yield clients? Follow them into importers.
    std::vector<std::pair<std::string, std::string>> fresh;
    {
      Evaluator probe(project);
      for (std::size_t i : todo) {
        ModuleInfo& m = *modules[i];
        if (m.scopes.empty()) continue;
        for (const auto& [name, bindings] : m.module_scope()->bindings) {
          (void)bindings;
          if (!probe.yields_client(probe.module_export(m, name))) continue;
          auto marker = std::make_pair(last_segment(m.name), name);
          if (!marker.first.empty() && markers.insert(marker).second) fresh.push_back(std::move(marker));
        }
      }
    }
    if (fresh.empty()) break;
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

  // Checks: a fresh evaluator, so nothing memoised before the last round's modules existed.
  Evaluator evaluator(project);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!modules[i]) continue;
    ++out.parsed;
    out.files.push_back(check_module(*modules[i], evaluator, project));
  }
  std::sort(out.files.begin(), out.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return out;
}

}  // namespace qg::python
