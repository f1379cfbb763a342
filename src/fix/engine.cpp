// The fix pipeline: scan -> group fixable findings by file -> fix each file in parallel
// (read, splice, reparse, write atomically) -> rescan the fixed text to say what is left.
#include <algorithm>
#include <map>
#include <stdexcept>

#include "core/atomic_file.h"
#include "core/notebook.h"
#include "core/parallel.h"
#include "fix/fix.h"
#include "fix/notebook_fixer.h"

namespace qg::fix {

namespace fs = std::filesystem;

std::size_t FixReport::fixed_total() const {
  std::size_t n = 0;
  for (const auto& [rule, count] : fixed) n += count;
  return n;
}

namespace {

struct Job {
  std::string path;
  std::vector<Finding> findings;
  FileFix result;
  std::string before;
};

void skip_file(Job& job, std::string reason) {
  for (const Finding& f : job.findings) job.result.left.push_back({f, LeftReason::FileSkipped, reason});
  job.result.applied.clear();
  job.result.text.reset();
  job.result.skip_reason = std::move(reason);
}

// A notebook is fixed as the Python of its code cells, and the edits go back into the cells.
void fix_notebook(Job& job, const SourceText& ipynb, const FixPolicy& policy) {
  std::string error;
  const std::optional<Notebook> notebook = Notebook::parse(ipynb.code(), error);
  if (!notebook) return skip_file(job, error);
  job.result = fix_file(make_source(notebook->python(), notebook->python().size() + 1), job.findings, policy);
  if (!job.result.text) return;
  std::optional<std::string> text = rewrite_notebook(ipynb.code(), *notebook, job.result.edits, error);
  if (!text) return skip_file(job, std::move(error));
  job.result.text = ipynb.bytes.substr(0, ipynb.bom_length) + *text;
}

void fix_one(Job& job, const fs::path& root, const Config& config, const FixPolicy& policy, Mode mode) {
  const fs::path file = root / job.path;
  SourceText src = read_source(file, config.max_file_size);
  if (!src.ok()) return skip_file(job, src.skip_reason);
  if (is_notebook_path(job.path)) fix_notebook(job, src, policy);
  else job.result = fix_file(src, job.findings, policy);
  if (!job.result.text) return;
  if (mode == Mode::Write) {
    try {
      write_file_atomically(file, *job.result.text);
    } catch (const std::runtime_error& e) {
      job.result.skip_reason = std::string("could not write: ") + e.what();
      for (const Finding& f : job.result.applied) job.result.left.push_back({f, LeftReason::FileSkipped, job.result.skip_reason});
      job.result.applied.clear();
      job.result.text.reset();
      return;
    }
  }
  job.before = std::move(src.bytes);
}

// What the scanner sees after the fix: the fixed text where there is one, the disk elsewhere.
std::vector<Finding> rescan(const ScanOptions& base, const std::map<std::string, const std::string*>& fixed) {
  ScanOptions options = base;
  auto fallback = base.reader;
  options.reader = [&fixed, fallback](const DiscoveredFile& file, std::uint64_t max_size) {
    if (auto it = fixed.find(file.relative); it != fixed.end()) return make_source(*it->second, max_size);
    return fallback ? fallback(file, max_size) : read_source(file.absolute, max_size);
  };
  return run_scan(options).findings;
}

}  // namespace

FixReport run_fix(const FixOptions& options) {
  const ScanSetup setup = resolve_setup(options.scan);
  ScanResult scan = run_scan(options.scan);
  std::map<std::string, std::vector<Finding>> by_file;
  // A fix made elsewhere (QG009's, where the application starts) is planned with that file's.
  for (const Finding& f : scan.findings)
    if (f.fix) by_file[f.fix->file.empty() ? f.path : f.fix->file].push_back(f);
  std::vector<Job> jobs;
  for (auto& [path, findings] : by_file) jobs.push_back({path, std::move(findings), {}, {}});

  const FixPolicy policy{&setup.config.factory, options.unsafe_fixes};
  const unsigned threads = options.scan.jobs ? options.scan.jobs : default_jobs();
  parallel_for(jobs.size(), threads, [&](std::size_t i) { fix_one(jobs[i], scan.root, setup.config, policy, options.mode); });

  FixReport report;
  report.root = scan.root;
  std::map<std::string, const std::string*> fixed_text;
  for (Job& job : jobs) {
    for (const Finding& f : job.result.applied) ++report.fixed[f.rule];
    for (LeftFinding& l : job.result.left) report.left.push_back(std::move(l));
    if (!job.result.skip_reason.empty()) report.skipped_files.emplace_back(job.path, job.result.skip_reason);
    if (job.result.text) report.changes.push_back({job.path, std::move(job.before), std::move(*job.result.text)});
  }
  for (const FileChange& c : report.changes) fixed_text[c.path] = &c.after;
  // Nothing changed: the first scan already says what is left.
  report.remaining = report.changes.empty() ? std::move(scan.findings) : rescan(options.scan, fixed_text);
  return report;
}

}  // namespace qg::fix
