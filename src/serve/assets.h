// Files compiled into the binary (generated from src/serve/dashboard/ and openapi.json by
// src/serve/CMakeLists.txt): the server needs nothing on disk and nothing from a CDN.
#pragma once
#include <string_view>

namespace qg::serve {

struct Asset {
  std::string_view path;  // as served: "/", "/dashboard.js", "/api/v1/openapi.json"
  std::string_view content_type;  // (all are UTF-8)
  std::string_view body;
};

const Asset* find_asset(std::string_view path);  // nullptr: no such file

}  // namespace qg::serve
