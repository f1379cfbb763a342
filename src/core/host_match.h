// Finding an API host inside a string literal's text (QG005), shared by the frontends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qg {

// Finds `host` (or a subdomain of it) in `text` on label boundaries, case-insensitively;
// npos when absent. `xapi.openai.com` and `api.openai.com.evil` do not match.
std::size_t find_host(std::string_view text, std::string_view host);

// Where the first API host (rules/hosts.toml, then `extra_hosts` from the config) starts in
// `text`; npos when it names none.
std::size_t find_api_host(std::string_view text, const std::vector<std::string>& extra_hosts);

// The URL around a host found at `at`: from the scheme (or the host) to the closing quote.
std::string_view url_around(std::string_view text, std::size_t at);

}  // namespace qg
