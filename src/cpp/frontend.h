// The C++ frontend: tree-sitter-cpp by default, libclang types with `--cpp-backend clang`. Fixes
// are computed while analysing (cpp/fix_edits.h) and applied by the fix engine as they are.
#pragma once

#include "core/frontend.h"

namespace qg::cpp {

const Frontend& frontend();

}  // namespace qg::cpp
