// Options shared by every command that scans (scan, fix, baseline): one definition, one meaning.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "scan/scanner.h"

namespace qg::cli {

struct ScanCli {
  std::vector<std::string> paths;
  std::string config;
  std::vector<std::string> select, ignore;
  unsigned jobs = 0;
  bool include_vendored = false;
  bool force_exclude = false;
  bool no_color = false;
  std::string cpp_backend = "tree-sitter";
  std::string compile_commands_dir;

  void attach(CLI::App* cmd);
  ScanOptions to_options() const;
  bool color_for(int fd) const;  // --no-color, NO_COLOR, and only on a terminal
};

// Splits "QG001,QG004" and repeated flags into one list.
std::vector<std::string> split_ids(const std::vector<std::string>& raw);

}  // namespace qg::cli
