// How a path is shown to the person who ran the command, the same way wherever it appears: a
// finding's location, a path inside a message, a config file in an error.
#pragma once

#include <filesystem>
#include <string>

namespace qg {

// Relative to `cwd` when `path` lies below it (as ruff and compilers print paths), absolute
// otherwise; '/'-separated. An empty `cwd` leaves `path` as it is.
std::string path_for_display(const std::filesystem::path& path, const std::filesystem::path& cwd);

}  // namespace qg
