// What every fuzz target shares: a way to fail with a message (libFuzzer then saves the input as
// a reproducer), a scratch directory for targets that need real files, and the invariants every
// finding must keep whatever the input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/finding.h"

namespace qg::fuzz {

[[noreturn]] void fail(const std::string& what);

// A directory of this process's own, removed at exit.
const std::filesystem::path& scratch();

void write_file(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

// The input as text: the bytes as they came.
inline std::string_view as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A finding's position lies inside `text` (the file it names, BOM included), its line and column
// (1-based, columns in code points) agree with its byte offsets, and its code is the text there.
void check_position(const Finding& f, std::string_view text);

}  // namespace qg::fuzz
