// What the scan driver hands a language frontend, and what it gets back.
#pragma once

#include <vector>

#include "core/discovery.h"
#include "core/finding.h"
#include "core/source_text.h"

namespace qg {

struct FrontendInput {
  const DiscoveredFile* file = nullptr;
  SourceText text;  // already read and validated (text.ok())
};

struct FrontendOutput {
  std::vector<FileResult> files;  // one per analysed file, sorted by path
  std::size_t parsed = 0;
  std::size_t rounds = 0;         // Python: prefilter rounds of the project-wide pass
  std::vector<std::string> notes; // said once on stderr (e.g. "no compile_commands.json: falling back")
};

}  // namespace qg
