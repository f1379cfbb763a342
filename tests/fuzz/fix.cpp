// Fuzz target: `quotaguard fix --unsafe-fixes` on one Python file, through run_fix on a real file
// (written in place, as the command does).
// Input: the file. The project's config is picked by a hash of the input: the default factory
// (arguments kept), or a factory per client kind that takes no arguments.
// Invariants: no crash or sanitizer report; the promises of tests/support/fix_invariants.py
// (what compiled still compiles; no byte changes outside the fixed sites, the imports and new
// import lines); the file on disk is the change reported; a second run changes nothing.
#include <algorithm>
#include <functional>

#include "fix/fix.h"
#include "support/embedded_python.h"
#include "support/harness.h"

namespace {

using namespace qg;
namespace fs = std::filesystem;

constexpr std::string_view kConfigs[] = {
    "",
    "[factory]\n"
    "sync = \"app.factory:get_openai_client\"\n"
    "async = \"app.factory:get_async_openai_client\"\n"
    "azure = \"app.factory:get_azure_client\"\n"
    "async-azure = \"app.factory:get_async_azure_client\"\n"
    "pass-arguments = false\n",
};

fix::FixOptions options_for(std::size_t config) {
  static const std::vector<fs::path> roots = [] {
    std::vector<fs::path> out;
    for (std::size_t i = 0; i < std::size(kConfigs); ++i) {
      out.push_back(fuzz::scratch() / ("fix" + std::to_string(i)));
      fuzz::write_file(out.back() / "quotaguard.toml", kConfigs[i]);
      // The module the config names (scan refuses a factory the project lacks).
      fuzz::write_file(out.back() / "app" / "factory.py",
                       "def get_openai_client(): ...\n\n\ndef get_async_openai_client(): ...\n\n\n"
                       "def get_azure_client(): ...\n\n\ndef get_async_azure_client(): ...\n");
    }
    return out;
  }();
  fix::FixOptions o;
  o.scan.paths = {roots[config] / "input.py"};
  o.scan.config_file = roots[config] / "quotaguard.toml";
  o.scan.jobs = 1;
  o.mode = fix::Mode::Write;
  o.unsafe_fixes = true;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view before = fuzz::as_text(data, size);
  const fix::FixOptions options = options_for(std::hash<std::string_view>{}(before) % std::size(kConfigs));
  const fs::path& file = options.scan.paths.front();
  fuzz::write_file(file, before);

  std::vector<fuzz::python::Span> sites;
  for (const Finding& f : run_scan(options.scan).findings)
    if (f.fixable) sites.push_back({f.range.start_byte, f.range.end_byte, f.rule == to_string(RuleId::QG010)});

  const fix::FixReport report = fix::run_fix(options);
  const std::string after = fuzz::read_file(file);
  if (report.changes.empty()) {
    if (after != before) fuzz::fail("the file changed although no change was reported");
    return 0;
  }
  if (report.changes.size() != 1 || report.changes[0].before != before || report.changes[0].after != after)
    fuzz::fail("the file on disk is not the change reported");
  // A site that a later round fixed (it parsed as one only once an earlier fix had repaired the
  // code around it) is where its text is in the original: the whole call when it is there as it
  // was fixed, else its first line, which no earlier fix touched (the rest of such a call, in a
  // broken file, may run over lines an earlier fix changed).
  for (const Finding& f : report.applied) {
    const std::string_view head = std::string_view(f.code).substr(0, f.code.find('\n'));
    const bool seen = std::any_of(sites.begin(), sites.end(), [&](const auto& s) {
      return s.start == f.range.start_byte && before.substr(s.start).starts_with(f.code);
    });
    // Where the whole call is still in the original as it was fixed, that whole span; else its first line.
    const bool whole = before.find(f.code) != std::string_view::npos;
    const std::string_view text = whole ? std::string_view(f.code) : head;
    for (std::size_t at = before.find(text); !seen && !text.empty() && at != std::string_view::npos; at = before.find(text, at + 1))
      sites.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(at + text.size()), f.rule == to_string(RuleId::QG010)});
  }
  for (const std::string& problem : fuzz::python::fix_problems(before, after, sites)) fuzz::fail(problem + "\nafter the fix:\n" + after);
  if (!fix::run_fix(options).changes.empty())
    fuzz::fail("a second run changed the file again:\n" + after + "\n-- into --\n" + fuzz::read_file(file));
  return 0;
}
