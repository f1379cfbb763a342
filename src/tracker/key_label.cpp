#include "key_label.h"

#include <algorithm>
#include <cstring>

namespace qg::tracker {

namespace {
bool lower_alpha(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}
char shown(char c) {  // a label is data for JSON, SQL and metrics: plain characters only
  const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  return plain ? c : '?';
}
}  // namespace

std::string_view api_key_label(std::string_view key, char (&out)[kKeyLabelMax]) {
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
  if (key.empty()) return {};
  // The kind: "sk-", or "sk-proj-" / "sk-svcacct-" / "sk-admin-" (a lowercase word after sk-).
  std::string_view kind;
  if (key.substr(0, 3) == "sk-") {
    kind = key.substr(0, 3);
    const std::size_t dash = key.find('-', 3);
    if (dash != std::string_view::npos && dash <= 14 && lower_alpha(key.substr(3, dash - 3))) kind = key.substr(0, dash + 1);
  }
  // The last four characters only of a key long enough that they say little of it (real keys
  // are 40+ characters); a shorter one is named by its kind alone.
  const std::size_t rest = key.size() - kind.size();
  const std::string_view tail = rest >= 20 ? key.substr(key.size() - 4) : std::string_view("(short)");
  std::size_t n = 0;
  for (char c : kind) out[n++] = shown(c);
  std::memcpy(out + n, "...", 3);
  n += 3;
  for (char c : tail) out[n++] = rest >= 20 ? shown(c) : c;
  return {out, n};
}

std::string_view bearer_token(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 7) return {};
  for (std::size_t i = 0; i < 6; ++i)
    if ((v[i] | 0x20) != "bearer"[i]) return {};
  if (v[6] != ' ') return {};
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v;
}

}  // namespace qg::tracker
