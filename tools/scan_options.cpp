#include "scan_options.h"

#include <unistd.h>

#include <cstdlib>

#include "core/rule_selection.h"

namespace qg::cli {

std::vector<std::string> split_ids(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  for (const auto& r : raw) {
    std::size_t start = 0;
    while (start <= r.size()) {
      auto comma = r.find(',', start);
      auto id = r.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      while (!id.empty() && id.front() == ' ') id.erase(0, 1);
      while (!id.empty() && id.back() == ' ') id.pop_back();
      if (!id.empty()) out.push_back(canonical_rule_id(id));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

void ScanCli::attach(CLI::App* cmd) {
  cmd->add_option("paths", paths, "Files or directories to scan (default: .)");
  cmd->add_option("--config", config, "Config file (quotaguard.toml or pyproject.toml); default: found upward");
  cmd->add_option("--select", select, "Only these rules (ids or prefixes, comma-separated)")->expected(1)->allow_extra_args(false)->take_all();
  cmd->add_option("--ignore", ignore, "Skip these rules (ids or prefixes, comma-separated)")->expected(1)->allow_extra_args(false)->take_all();
  cmd->add_option("-j,--jobs", jobs, "Worker threads (default: every core)")->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--include-vendored", include_vendored, "Also scan venv/, site-packages/, node_modules/, build/ (reported apart)");
  cmd->add_flag("--force-exclude", force_exclude, "Apply excludes to files named on the command line too");
  cmd->add_flag("--no-color", no_color, "No ANSI colors (also: NO_COLOR)");
  cmd->add_option("--cpp-backend", cpp_backend, "C++ analysis: tree-sitter (default) or clang")
      ->check(CLI::IsMember({"tree-sitter", "clang"}));
  cmd->add_option("-p", compile_commands_dir, "Directory holding compile_commands.json (clang backend)");
}

ScanOptions ScanCli::to_options() const {
  ScanOptions o;
  for (const auto& p : paths) o.paths.emplace_back(p);
  if (!config.empty()) o.config_file = config;
  if (!select.empty()) o.select = split_ids(select);
  if (!ignore.empty()) o.ignore = split_ids(ignore);
  o.jobs = jobs;
  o.include_vendored = include_vendored;
  o.force_exclude = force_exclude;
  o.cpp_backend = cpp_backend;
  if (!compile_commands_dir.empty()) o.compile_commands_dir = compile_commands_dir;
  o.keep_trees_until_exit = true;  // the process ends after the command
  return o;
}

bool ScanCli::color_for(int fd) const {
  if (no_color) return false;
  if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
  return ::isatty(fd) == 1;
}

}  // namespace qg::cli
