#include "cpp/frontend.h"

#include <algorithm>
#include <optional>

#include "core/parallel.h"
#include "core/text_search.h"
#include "cpp/analyzer.h"
#include "cpp/clang_facts.h"
#include "cpp/library_model.h"
#include "cpp/syntax.h"

namespace qg::cpp {

namespace {

// Only files that mention a library name, a configured factory or an API host are parsed.
bool worth_parsing(std::string_view code, const Config& config) {
  for (const auto& w : LibraryModel::get().words())
    if (contains_word(code, w)) return true;
  for (const auto& host : Catalogue::get().api_hosts())
    if (contains(code, host)) return true;
  for (const auto& host : config.extra_hosts)
    if (contains(code, host)) return true;
  for (const auto& [type, expr] : config.factory.cpp_factories)
    if (contains(code, std::string_view(expr).substr(0, expr.find('(')))) return true;
  return false;
}

FrontendOutput analyze(std::vector<FrontendInput>& inputs, const Config& config, const AnalysisOptions& options) {
  const unsigned jobs = options.jobs;
  (void)Syntax::get();  // resolve node kinds before threads start
  (void)LibraryModel::get();
  FrontendOutput out;
  std::vector<std::size_t> todo;
  std::vector<char> selected(inputs.size(), 0);
  parallel_for(inputs.size(), jobs, [&](std::size_t i) { selected[i] = worth_parsing(inputs[i].text.code(), config); });
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (selected[i]) todo.push_back(i);

  std::optional<ClangSession> clang;
  if (options.cpp_backend == "clang") {
    clang.emplace(ClangSession::open(config.root, options.compile_commands_dir, out.notes));
    if (!clang->available()) clang.reset();
  }

  out.files.resize(todo.size());
  parallel_for(todo.size(), jobs, [&](std::size_t t) {
    FrontendInput& in = inputs[todo[t]];
    const std::string_view code = in.text.code();
    TSTree* tree = ts_parser_parse_string(ts::thread_parser(Syntax::get().language), nullptr, code.data(), static_cast<uint32_t>(code.size()));
    std::optional<ClangFacts> facts;
    if (clang) facts = clang->facts_for(in.file->absolute, in.text);
    UnitInput unit{in.file->relative, in.text, tree, config.factory.lists_file(in.file->relative), facts ? &*facts : nullptr};
    out.files[t] = analyze_unit(unit, config);
    out.files[t].vendored = in.file->vendored;
    if (tree) ts_tree_delete(tree);
  });
  out.parsed = todo.size();
  std::sort(out.files.begin(), out.files.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> comments(std::string_view code) {
  const ts::ParsedTree tree(Syntax::get().language, code);
  return tree.ok() ? comment_ranges(tree.root(), code) : std::vector<std::pair<uint32_t, uint32_t>>{};
}

}  // namespace

// Fixes are computed while analysing (cpp/fix_edits.h): no planner of its own.
const Frontend& frontend() {
  static const Frontend cpp{Language::Cpp, analyze, comments};
  return cpp;
}

}  // namespace qg::cpp
