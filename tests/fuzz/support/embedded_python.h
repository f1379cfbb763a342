// CPython in the fuzz process, for the checks the Python tests already use (tests/support):
// its compiler says whether a file compiles and its tokenizer what is a comment, the same
// definitions as in tests/cli and tests/fix_at_scale. Started once; only the fuzzing thread calls it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qg::fuzz::python {

// [start, end) bytes of a fixable finding, and whether its fix may add lines there (QG010's
// arguments, as fix_invariants.finding_span says).
struct Span {
  uint32_t start = 0, end = 0;
  bool adds_lines = false;
};

struct FindingLines {
  std::string rule;
  uint32_t line = 0, end_line = 0;
};

bool compiles(std::string_view source);

// fix_invariants.broken: what a fix changed that it must not (messages; empty when none).
std::vector<std::string> fix_problems(std::string_view before, std::string_view after, const std::vector<Span>& sites);

// scan_invariants.suppressed_but_reported: findings a comment on their first or last line suppresses.
std::vector<std::string> suppression_problems(std::string_view source, const std::vector<FindingLines>& findings);

// scan_invariants.comment_slot: where `  # ...` can end `line` as a comment (a byte offset), or -1.
int64_t comment_slot(std::string_view source, uint32_t line);

}  // namespace qg::fuzz::python
