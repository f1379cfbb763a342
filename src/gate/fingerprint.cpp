#include "gate/fingerprint.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

#include <fmt/format.h>

namespace qg::gate {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
// Letters, digits, '_' and any byte of a multi-byte UTF-8 character.
bool is_word(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || u == '_' || u >= 0x80;
}
}  // namespace

std::string normalise_code(std::string_view code) {
  std::string out;
  out.reserve(code.size());
  bool pending_space = false;
  for (char c : code) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    // A space survives only where dropping it would join two words (`not x`, `await c`).
    if (pending_space && is_word(out.back()) && is_word(c)) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string fingerprint(std::string_view rule, std::string_view path, std::string_view normalised_code,
                        std::size_t occurrence) {
  static constexpr char kNul[1] = {'\0'};
  const std::string_view sep(kNul, 1);
  std::uint64_t h = fnv1a64(rule);
  h = fnv1a64(sep, h);
  h = fnv1a64(path, h);
  h = fnv1a64(sep, h);
  h = fnv1a64(normalised_code, h);
  h = fnv1a64(sep, h);
  h = fnv1a64(std::to_string(occurrence), h);
  return fmt::format("{:016x}", h);
}

std::vector<FingerprintInput> fingerprint_inputs(const std::vector<Finding>& findings) {
  std::vector<std::size_t> order(findings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Finding &x = findings[a], &y = findings[b];
    return std::tie(x.path, x.range.start_byte, x.range.line, x.range.column, x.rule) <
           std::tie(y.path, y.range.start_byte, y.range.line, y.range.column, y.rule);
  });
  std::vector<FingerprintInput> inputs(findings.size());
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::size_t> seen;
  for (std::size_t i : order) inputs[i].code = normalise_code(findings[i].code);
  for (std::size_t i : order) inputs[i].occurrence = seen[{findings[i].rule, findings[i].path, inputs[i].code}]++;
  return inputs;
}

void assign_fingerprints(std::vector<Finding>& findings) {
  const auto inputs = fingerprint_inputs(findings);
  for (std::size_t i = 0; i < findings.size(); ++i)
    findings[i].fingerprint = fingerprint(findings[i].rule, findings[i].path, inputs[i].code, inputs[i].occurrence);
}

}  // namespace qg::gate
