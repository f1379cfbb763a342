// Fuzz target: the Python frontend, from source to findings, through run_scan (the files and
// their bytes handed over in memory, as `scan --staged` does).
// Input: up to three modules of one package, separated by a line `#@next`; pkg/m0.py is the
// factory module of the project's config.
// Invariants: no crash or sanitizer report; every finding lies inside its file, its line and
// column agree with its bytes; where CPython compiles the module, no finding is reported that a
// `quotaguard: ignore` comment on its first or last line covers, and adding such a comment at
// the end of a finding's last line makes exactly that finding go away.
#include <map>
#include <set>
#include <tuple>

#include "scan/scanner.h"
#include "support/embedded_python.h"
#include "support/harness.h"

namespace {

using namespace qg;
namespace fs = std::filesystem;

constexpr std::string_view kConfig =
    "extra-hosts = [\"llm.internal\"]\n"
    "[factory]\n"
    "sync = \"pkg.m0:get_client\"\n"
    "async = \"pkg.m0:get_async_client\"\n"
    "modules = [\"pkg.m0\"]\n"
    "tracked-methods = [\"chat.completions.create\", \"embeddings.create\"]\n";

std::map<std::string, std::string> split_modules(std::string_view input) {
  std::map<std::string, std::string> modules;
  constexpr std::string_view kSeparator = "\n#@next\n";
  for (int i = 0; i < 3; ++i) {
    const auto at = i < 2 ? input.find(kSeparator) : std::string_view::npos;
    modules["pkg/m" + std::to_string(i) + ".py"] = std::string(input.substr(0, at));
    if (at == std::string_view::npos) break;
    input.remove_prefix(at + kSeparator.size());
  }
  return modules;
}

ScanResult scan(const std::map<std::string, std::string>& modules) {
  static const fs::path config = [] {
    const fs::path p = fuzz::scratch() / "python_scan" / "quotaguard.toml";
    fuzz::write_file(p, kConfig);
    // On disk for the config check (scan refuses a factory the project lacks); the scan itself
    // reads the modules from memory.
    fuzz::write_file(p.parent_path() / "pkg" / "m0.py", "def get_client(): ...\n\n\ndef get_async_client(): ...\n");
    return p;
  }();
  ScanOptions options;
  options.paths = {config.parent_path()};
  options.config_file = config;
  options.jobs = 1;
  std::vector<DiscoveredFile> files;
  for (const auto& [rel, text] : modules) files.push_back({config.parent_path() / rel, rel, Language::Python, false});
  options.files = files;
  options.reader = [&modules](const DiscoveredFile& f, std::uint64_t max_size) { return make_source(modules.at(f.relative), max_size); };
  return run_scan(options);
}

std::string describe(const Finding& f) { return f.rule + " at " + f.path + ":" + std::to_string(f.range.line) + ":" + std::to_string(f.range.column); }

// Adding `# quotaguard: ignore[RULE]` at the end of the finding's last line removes the findings
// of that rule starting or ending on that line, and nothing else.
void check_added_suppression(std::map<std::string, std::string> modules, const ScanResult& before, const Finding& f) {
  const std::string& text = modules.at(f.path);
  const int64_t slot = fuzz::python::comment_slot(text, f.range.end_line);
  if (slot < 0) return;
  modules[f.path] = text.substr(0, slot) + "  # quotaguard: ignore[" + f.rule + "]" + text.substr(slot);
  const ScanResult after = scan(modules);
  auto key = [](const Finding& g) { return std::tuple(g.path, g.rule, g.range.line, g.range.column); };
  std::multiset<std::tuple<std::string, std::string, uint32_t, uint32_t>> expected, got;
  const uint32_t line = f.range.end_line;
  for (const Finding& g : before.findings)
    if (g.path != f.path || g.rule != f.rule || (g.range.line != line && g.range.end_line != line)) expected.insert(key(g));
  for (const Finding& g : after.findings) got.insert(key(g));
  if (expected != got) fuzz::fail("a suppression comment added after " + describe(f) + " did not remove exactly it:\n" + modules[f.path]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto modules = split_modules(fuzz::as_text(data, size));
  const ScanResult result = scan(modules);
  std::map<std::string, std::vector<fuzz::python::FindingLines>> by_file;
  for (const Finding& f : result.findings) {
    fuzz::check_position(f, modules.at(f.path));
    by_file[f.path].push_back({f.rule, f.range.line, f.range.end_line});
  }
  for (const auto& [path, findings] : by_file)
    for (const std::string& problem : fuzz::python::suppression_problems(modules.at(path), findings)) fuzz::fail(path + ": " + problem);
  if (!result.findings.empty()) check_added_suppression(modules, result, result.findings.front());
  return 0;
}
