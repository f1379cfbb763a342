// One walk over a C++ translation unit's tree: names, client bindings and what they do.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include <tree_sitter/api.h>

#include "core/config.h"
#include "core/finding.h"
#include "core/source_text.h"

namespace qg::cpp {

// What libclang resolved (precise mode), keyed by parser byte offsets of declarator names: the
// client type a variable, field or parameter holds (through aliases, typedefs, `auto`,
// templates, references, pointers and smart pointers). Absent in tree-sitter mode.
struct ClangFacts {
  std::unordered_map<uint32_t, std::string> declared_types;
};

struct UnitInput {
  const std::string& path;
  const SourceText& source;
  const TSTree* tree;
  bool factory_file = false;          // listed in `[factory] modules`: constructions are the factory's own
  const ClangFacts* facts = nullptr;
};

FileResult analyze_unit(const UnitInput& in, const Config& config);

}  // namespace qg::cpp
