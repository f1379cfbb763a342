// Where a Python application starts (rules/python/startup.toml): the module and the statement a
// fix that sets process-wide state once goes before. Syntax only: an app module need not mention
// openai at all (`app = FastAPI(); app.include_router(...)`), so files the scan did not parse are
// read too, the few that name an app constructor or `__main__`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/finding.h"
#include "core/source_text.h"

namespace qg::python {

struct StartupCandidate {
  const std::string* path = nullptr;  // relative to the root
  const SourceText* source = nullptr;
};

struct StartupSite {
  std::string path;
  std::optional<SourceRange> anchor;  // the statement to insert before; none: after the imports
};

// The module that builds the application object (`app = FastAPI()`, or a module-level function
// that does), else one with an `if __name__ == "__main__":` block or a package's `__main__.py`;
// test code never. Ties go to the shallower path, then the first in path order. `fallback`
// (the first module that needs the fix) when there is none.
StartupSite find_startup(const std::vector<StartupCandidate>& candidates, const std::string& fallback);

}  // namespace qg::python
