// Writes a whole file or nothing: a temp file in the same directory, fsync, then rename.
// Keeps the mode of an existing file and writes through a symlink to its target. A path that is
// not a regular file (/dev/null, /dev/stdout, a FIFO) is written in place, never replaced.
// Throws std::runtime_error with the reason.
#pragma once

#include <filesystem>
#include <string_view>

namespace qg {

void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace qg
