// rules/ compiled into the binary (see cmake/EmbedRules.cmake).
#pragma once
#include <cstddef>
#include <string_view>

namespace qg {
struct EmbeddedFile {
  std::string_view path;     // relative to rules/, e.g. "python/clients.toml"
  std::string_view content;
};
extern const EmbeddedFile kEmbeddedRules[];
extern const std::size_t kEmbeddedRuleCount;
}  // namespace qg
