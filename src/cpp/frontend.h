// The C++ frontend: tree-sitter-cpp by default, libclang types with `--cpp-backend clang`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/frontend_io.h"

namespace qg::cpp {

struct CppOptions {
  std::string backend = "tree-sitter";                        // "tree-sitter" | "clang"
  std::optional<std::filesystem::path> compile_commands_dir;  // -p DIR; else <root>/build, <root>
};

FrontendOutput analyze(std::vector<FrontendInput>& inputs, const Config& config, unsigned jobs,
                       const CppOptions& options);

}  // namespace qg::cpp
