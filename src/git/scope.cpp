#include "git/scope.h"

#include <memory>
#include <unordered_map>

#include "git/repo.h"

namespace qg::git {

namespace fs = std::filesystem;

namespace {

std::string canonical_string(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  std::string s = c.lexically_normal().generic_string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool within(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// The repository, the scan setup, and the git paths (top-level-relative) turned into root-relative
// paths, restricted to the scan's paths.
struct Scope {
  fs::path top;
  ScanSetup setup;
  std::vector<std::string> roots;  // canonical options.paths
  std::string root;                // canonical setup.root

  explicit Scope(ScanOptions& options) {
    std::error_code ec;
    const fs::path first = options.paths.empty() ? fs::current_path(ec) : options.paths.front();
    try {
      top = toplevel(fs::is_directory(first, ec) ? first : fs::absolute(first).parent_path());
    } catch (const GitError& e) {
      throw UsageError(e.what());
    }
    // No paths: the whole commit (or branch), wherever in the working tree the command runs.
    if (options.paths.empty()) options.paths.push_back(top);
    setup = resolve_setup(options);
    // Resolve the config once: the scan that follows loads the same file without searching again.
    if (!setup.config.file.empty()) options.config_file = setup.config.file;
    for (const auto& p : options.paths) roots.push_back(canonical_string(p));
    root = canonical_string(setup.root);
  }

  // Root-relative path of a top-level-relative git path, or "" when outside the scanned paths.
  std::string relative(const std::string& git_path) const {
    const std::string abs = (top / git_path).lexically_normal().generic_string();
    bool inside = false;
    for (const auto& r : roots) inside |= within(abs, r);
    if (!inside) return {};
    return fs::path(abs).lexically_relative(root).generic_string();
  }

  std::vector<DiscoveredFile> select(const ScanOptions& options, const std::vector<std::string>& relative_paths) const {
    return select_files(discovery_options(options, setup), relative_paths).files;
  }
};

}  // namespace

void scope_to_staged(ScanOptions& options) {
  Scope scope(options);
  std::vector<IndexEntry> staged;
  try {
    staged = staged_files(scope.top);
  } catch (const GitError& e) {
    throw UsageError(std::string("--staged: ") + e.what());
  }
  std::unordered_map<std::string, std::string> object_of;  // root-relative path -> blob id
  std::vector<std::string> relative_paths;
  for (const auto& entry : staged) {
    if (!entry.regular_file()) continue;  // symlinks and submodules carry no source text
    std::string rel = scope.relative(entry.path);
    if (rel.empty()) continue;
    object_of.emplace(rel, entry.object);
    relative_paths.push_back(std::move(rel));
  }
  std::vector<DiscoveredFile> files = scope.select(options, relative_paths);

  std::vector<std::string> objects;
  for (const auto& f : files) objects.push_back(object_of.at(f.relative));
  std::vector<std::string> blobs;
  try {
    blobs = read_blobs(scope.top, objects);
  } catch (const GitError& e) {
    throw UsageError(std::string("--staged: ") + e.what());
  }
  auto contents = std::make_shared<std::unordered_map<std::string, std::string>>();
  for (std::size_t i = 0; i < files.size(); ++i) contents->emplace(files[i].relative, std::move(blobs[i]));
  // Each file is read exactly once (possibly on several threads, never the same entry twice):
  // its blob moves out of the map instead of being copied.
  options.reader = [contents](const DiscoveredFile& file, std::uint64_t max_size) {
    auto it = contents->find(file.relative);
    if (it == contents->end()) return make_source({}, max_size);
    return make_source(std::move(it->second), max_size);
  };
  options.files = std::move(files);
}

void scope_to_changed_since(ScanOptions& options, const std::string& rev) {
  Scope scope(options);
  std::vector<std::string> changed;
  try {
    changed = changed_files(scope.top, merge_base(scope.top, rev));
  } catch (const GitError& e) {
    throw UsageError(std::string("--changed-since ") + rev + ": " + e.what());
  }
  std::vector<std::string> relative_paths;
  std::error_code ec;
  for (const auto& path : changed) {
    if (!fs::is_regular_file(scope.top / path, ec)) continue;
    if (std::string rel = scope.relative(path); !rel.empty()) relative_paths.push_back(std::move(rel));
  }
  options.files = scope.select(options, relative_paths);
}

}  // namespace qg::git
