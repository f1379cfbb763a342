// Unified diffs (`diff -u` / `git diff` style, 3 lines of context) that `patch -p1` applies.
#pragma once

#include <string>
#include <string_view>

namespace qg::fix {

// "--- a/<path>" / "+++ b/<path>" and the hunks; empty when the texts are equal. Lines keep their
// own terminators (CRLF stays CRLF); a last line without one gets "\ No newline at end of file".
std::string unified_diff(std::string_view path, std::string_view before, std::string_view after);

}  // namespace qg::fix
