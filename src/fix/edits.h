// Byte-range splices on the original text. Everything outside the edits stays byte for byte.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"

namespace qg::fix {

// True when `a` and `b` touch the same bytes. Insertions at the same offset conflict too
// (their order would be arbitrary); an insertion at either end of a replacement does not.
bool overlaps(const Edit& a, const Edit& b);

// Sorts, drops exact duplicates, and applies. The edits must not overlap (checked by callers).
std::string apply_edits(std::string_view original, std::vector<Edit> edits);

}  // namespace qg::fix
