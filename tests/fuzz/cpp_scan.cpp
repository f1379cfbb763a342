// Fuzz target: the C++ frontend (tree-sitter backend), from source to findings, and its fix.
// Input: one C++ file, scanned in memory through run_scan; where it has fixable findings it is
// fixed on disk through run_fix (the project has a [factory.cpp] for liboai::OpenAI).
// Invariants: no crash or sanitizer report; every finding lies inside its file, its line and
// column agree with its bytes; a second fix changes nothing.
#include "fix/fix.h"
#include "support/harness.h"

namespace {

using namespace qg;
namespace fs = std::filesystem;

constexpr std::string_view kConfig =
    "[factory]\n"
    "modules = [\"tracked.cpp\"]\n"
    "\n"
    "[factory.cpp]\n"
    "\"liboai::OpenAI\" = \"qg::tracked_liboai()\"\n"
    "include = \"qg/tracked.h\"\n";

const fs::path& project() {
  static const fs::path root = [] {
    const fs::path r = fuzz::scratch() / "cpp_scan";
    fuzz::write_file(r / "quotaguard.toml", kConfig);
    return r;
  }();
  return root;
}

ScanOptions options(const fs::path& path) {
  ScanOptions o;
  o.paths = {path};
  o.config_file = project() / "quotaguard.toml";
  o.jobs = 1;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  ScanOptions scan = options(project());
  scan.files = std::vector<DiscoveredFile>{{project() / "input.cpp", "input.cpp", Language::Cpp, false}};
  scan.reader = [text](const DiscoveredFile&, std::uint64_t max_size) { return make_source(std::string(text), max_size); };
  bool fixable = false;
  for (const Finding& f : run_scan(scan).findings) {
    fuzz::check_position(f, text);
    fixable |= f.fixable;
  }
  if (!fixable) return 0;

  fix::FixOptions fix;
  fix.scan = options(project() / "input.cpp");
  fuzz::write_file(fix.scan.paths.front(), text);
  const fix::FixReport first = fix::run_fix(fix);
  const std::string after = fuzz::read_file(fix.scan.paths.front());
  if (!first.changes.empty() && first.changes[0].after != after) fuzz::fail("the file on disk is not the change reported");
  if (!fix::run_fix(fix).changes.empty())
    fuzz::fail("a second fix changed the file again:\n" + after + "\n-- into --\n" + fuzz::read_file(fix.scan.paths.front()));
  return 0;
}
