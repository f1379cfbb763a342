// Fuzz target: the scanner's config (quotaguard.toml, or [tool.quotaguard] in pyproject.toml),
// found, loaded and then used for a scan of a small fixed project.
// Input: the file's text; it is a pyproject.toml when it mentions `[tool.`.
// Invariants: no crash or sanitizer report; a bad config is a ConfigError (or a UsageError for a
// bad rule selector) naming the file, and nothing else escapes: the CLI turns exactly those
// into exit 2 with a message.
#include <cstring>

#include "scan/scanner.h"
#include "support/harness.h"

namespace {

using namespace qg;
namespace fs = std::filesystem;

const fs::path& project() {
  static const fs::path root = [] {
    const fs::path r = fuzz::scratch() / "scan_config";
    fuzz::write_file(r / "app" / "factory.py", "from openai import OpenAI\n\ndef get_client():\n    return OpenAI()\n");
    fuzz::write_file(r / "app" / "views.py",
                     "import openai\nfrom app.factory import get_client\n\n"
                     "get_client().chat.completions.create(model='m', messages=[])\n"
                     "openai.OpenAI().embeddings.create(model='m', input='x')\n"
                     "URL = 'https://llm.internal/v1/chat'\n");
    fuzz::write_file(r / "migrations" / "old.py", "import openai\nopenai.ChatCompletion.create(model='m')\n");
    fuzz::write_file(r / "native" / "client.cpp", "#include <liboai.h>\nliboai::OpenAI oai;\n");
    return r;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const bool pyproject = text.find("[tool.") != std::string_view::npos;
  const fs::path file = project() / (pyproject ? "pyproject.toml" : "quotaguard.toml");
  fs::remove(project() / (pyproject ? "quotaguard.toml" : "pyproject.toml"));
  fuzz::write_file(file, text);
  try {
    const auto found = find_config(project() / "app");
    if (!pyproject && found != file) fuzz::fail("quotaguard.toml was not found from app/");
    ScanOptions options;
    options.paths = {project()};
    options.config_file = file;
    options.jobs = 1;
    run_scan(options);
  } catch (const ConfigError& e) {
    if (!std::string_view(e.what()).starts_with(file.string() + ":")) fuzz::fail(std::string("a config error that does not name the file: ") + e.what());
  } catch (const UsageError& e) {
    if (std::strlen(e.what()) == 0) fuzz::fail("a usage error without a message");
  } catch (const std::exception& e) {
    fuzz::fail(std::string("an exception the CLI does not expect: ") + typeid(e).name() + ": " + e.what());
  }
  return 0;
}
