#include "core/display_path.h"

namespace qg {

namespace fs = std::filesystem;

std::string path_for_display(const fs::path& path, const fs::path& cwd) {
  if (cwd.empty()) return path.generic_string();
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec).lexically_normal();
  const fs::path rel = fs::relative(absolute, cwd, ec);
  if (ec || rel.empty()) return absolute.generic_string();
  const std::string s = rel.generic_string();
  if (s == "..") return absolute.generic_string();
  if (s.rfind("../", 0) == 0) return absolute.generic_string();
  return s;
}

}  // namespace qg
