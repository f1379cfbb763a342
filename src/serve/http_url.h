// "scheme://host[:port]/path" as httplib::Client takes it: the origin, and the path apart.
#pragma once
#include <optional>
#include <string>

namespace qg::serve {

struct HttpUrl {
  std::string origin;  // "https://api.openai.com"
  std::string path;    // "/v1" (no trailing '/'; empty for none)
};

// nullopt when there is no scheme.
inline std::optional<HttpUrl> split_http_url(const std::string& url) {
  const auto s = url.find("://");
  if (s == std::string::npos) return std::nullopt;
  const auto p = url.find('/', s + 3);
  if (p == std::string::npos) return HttpUrl{url, ""};
  std::string path = url.substr(p);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return HttpUrl{url.substr(0, p), path};
}

}  // namespace qg::serve
