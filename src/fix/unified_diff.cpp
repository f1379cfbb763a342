#include "fix/unified_diff.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace qg::fix {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::size_t n = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return lines;
}

enum class Op : char { Keep = ' ', Del = '-', Add = '+' };

// Myers' O((N+M)D) shortest edit script; D is small for a fix (a few lines per site).
std::vector<Op> edit_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const int n = static_cast<int>(a.size()), m = static_cast<int>(b.size()), max = n + m, off = max + 1;
  std::vector<int> v(2 * max + 3, 0);
  std::vector<std::vector<int>> trace;
  for (int d = 0; d <= max; ++d) {
    trace.push_back(v);
    bool done = false;
    for (int k = -d; k <= d && !done; k += 2) {
      int x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      int y = x - k;
      while (x < n && y < m && a[x] == b[y]) ++x, ++y;
      v[off + k] = x;
      done = x >= n && y >= m;
    }
    if (done) break;
  }
  // Walk the trace back from (n, m).
  std::vector<Op> ops;
  int x = n, y = m;
  for (int d = static_cast<int>(trace.size()) - 1; d >= 0; --d) {
    const std::vector<int>& vd = trace[d];
    const int k = x - y;
    const bool down = k == -d || (k != d && vd[off + k - 1] < vd[off + k + 1]);
    const int pk = down ? k + 1 : k - 1;
    const int px = d == 0 ? 0 : vd[off + pk], py = px - pk;
    while (x > px && y > py) ops.push_back(Op::Keep), --x, --y;
    if (d > 0) ops.push_back(down ? Op::Add : Op::Del);
    x = px;
    y = py;
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

void emit_line(std::string& out, char tag, std::string_view line) {
  out += tag;
  out.append(line);
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string unified_diff(std::string_view path, std::string_view before, std::string_view after) {
  if (before == after) return {};
  const auto a = split_lines(before), b = split_lines(after);
  const std::vector<Op> ops = edit_script(a, b);
  constexpr std::size_t kContext = 3;
  std::string out = fmt::format("--- a/{}\n+++ b/{}\n", path, path);
  std::size_t i = 0;
  while (i < ops.size()) {
    if (ops[i] == Op::Keep) { ++i; continue; }
    // A hunk: from kContext lines before this change to kContext after the last change that is
    // no more than 2*kContext unchanged lines away from the previous one.
    const std::size_t start = i >= kContext ? i - kContext : 0;
    std::size_t end = i;
    for (std::size_t keep = 0; end < ops.size(); ++end) {
      keep = ops[end] == Op::Keep ? keep + 1 : 0;
      if (keep > 2 * kContext) break;
    }
    end = std::min(end, ops.size());
    while (end > i && ops[end - 1] == Op::Keep) --end;
    const std::size_t stop = std::min(end + kContext, ops.size());
    // Line numbers at `start`.
    std::size_t ai = 0, bi = 0;
    for (std::size_t t = 0; t < start; ++t) {
      ai += ops[t] != Op::Add;
      bi += ops[t] != Op::Del;
    }
    std::size_t acount = 0, bcount = 0;
    for (std::size_t t = start; t < stop; ++t) {
      acount += ops[t] != Op::Add;
      bcount += ops[t] != Op::Del;
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", acount ? ai + 1 : ai, acount, bcount ? bi + 1 : bi, bcount);
    for (std::size_t t = start; t < stop; ++t) {
      switch (ops[t]) {
        case Op::Keep: emit_line(out, ' ', a[ai++]); ++bi; break;
        case Op::Del: emit_line(out, '-', a[ai++]); break;
        case Op::Add: emit_line(out, '+', b[bi++]); break;
      }
    }
    i = stop;
  }
  return out;
}

}  // namespace qg::fix
