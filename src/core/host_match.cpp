#include "core/host_match.h"

#include <cctype>

#include "core/catalogue.h"

namespace qg {

namespace {
bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }
}  // namespace

std::size_t find_host(std::string_view text, std::string_view host) {
  if (host.empty() || text.size() < host.size()) return std::string_view::npos;
  for (std::size_t i = 0; i + host.size() <= text.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < host.size() && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(text[i + k])) == std::tolower(static_cast<unsigned char>(host[k]));
    if (!eq) continue;
    const bool left_ok = i == 0 || !host_char(text[i - 1]) || text[i - 1] == '.';
    // `api.openai.com.evil` is another host: the name must end here.
    const bool right_ok = i + host.size() == text.size() ||
                          (!host_char(text[i + host.size()]) && text[i + host.size()] != '.');
    if (left_ok && right_ok && (i == 0 || text[i - 1] != '-')) return i;
  }
  return std::string_view::npos;
}

std::string_view url_around(std::string_view body, std::size_t at) {
  std::size_t from = body.rfind("://", at);
  from = from == std::string_view::npos || at - from > 8 ? at : body.find_last_of("\"'{( ", from) + 1;
  std::size_t to = body.find_first_of("\"'{}() \n", at);
  return body.substr(from, to == std::string_view::npos ? std::string_view::npos : to - from);
}

std::size_t find_api_host(std::string_view text, const std::vector<std::string>& extra_hosts) {
  for (const auto& host : Catalogue::get().api_hosts())
    if (auto at = find_host(text, host); at != std::string_view::npos) return at;
  for (const auto& host : extra_hosts)
    if (auto at = find_host(text, host); at != std::string_view::npos) return at;
  return std::string_view::npos;
}

}  // namespace qg
