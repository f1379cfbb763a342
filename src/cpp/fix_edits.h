// The rewrite of a C++ QG001 site into the configured factory expression (see docs/cpp.md).
#pragma once

#include <string_view>

#include <tree_sitter/api.h>

#include "core/finding.h"

namespace qg::cpp {

// `static liboai::OpenAI oai;` / `liboai::OpenAI oai{};` -> `static auto& oai = qg::tracked_liboai();`
// Replaces from the type to the end of the declaration; specifiers before the type stay.
// Offsets in the result address the file's bytes (the parser's plus `bom_length`).
Edit declaration_rewrite(TSNode declaration, TSNode type, std::string_view name, std::string_view factory,
                         uint32_t bom_length);

}  // namespace qg::cpp
