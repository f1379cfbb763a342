// `# quotaguard: ignore[QG001, QG004]` / `# quotaguard: ignore` (C++: `// quotaguard: ...`).
// A suppression on the first or the last line of a finding silences it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/finding.h"

namespace qg {

struct Suppression {
  bool all = false;                 // bare `quotaguard: ignore`
  std::vector<std::string> rules;   // ids named in brackets
  bool covers(std::string_view rule) const;
};

// Parses the text of one comment (with its `#` or `//`); nullopt when it is not a suppression.
std::optional<Suppression> parse_suppression(std::string_view comment);

class SuppressionMap {
 public:
  void add(uint32_t line, Suppression s);
  bool suppresses(const Finding& f) const;
  bool empty() const { return by_line_.empty(); }

 private:
  std::unordered_map<uint32_t, Suppression> by_line_;
};

}  // namespace qg
