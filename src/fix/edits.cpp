#include "fix/edits.h"

#include <algorithm>
#include <tuple>

namespace qg::fix {

bool overlaps(const Edit& a, const Edit& b) {
  if (a.start_byte == a.end_byte && b.start_byte == b.end_byte) return a.start_byte == b.start_byte;
  return a.start_byte < b.end_byte && b.start_byte < a.end_byte;
}

std::string apply_edits(std::string_view original, std::vector<Edit> edits) {
  auto key = [](const Edit& e) { return std::tie(e.start_byte, e.end_byte, e.replacement); };
  std::sort(edits.begin(), edits.end(), [&](const Edit& a, const Edit& b) { return key(a) < key(b); });
  edits.erase(std::unique(edits.begin(), edits.end(), [&](const Edit& a, const Edit& b) { return key(a) == key(b); }),
              edits.end());
  std::string out;
  out.reserve(original.size() + 256);
  uint32_t at = 0;
  for (const Edit& e : edits) {
    out.append(original.substr(at, e.start_byte - at));
    out.append(e.replacement);
    at = e.end_byte;
  }
  out.append(original.substr(at));
  return out;
}

}  // namespace qg::fix
