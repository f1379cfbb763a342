// The fix pipeline: scan -> group fixable findings by file -> fix each file in parallel (read,
// splice, reparse) -> rescan the fixed text, in rounds until one changes nothing -> write atomically.
#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

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

// Fixes one file's findings on its current text (the disk's, or an earlier round's).
void fix_one(Job& job, const SourceText& src, const FixPolicy& policy) {
  if (!src.ok()) return skip_file(job, src.skip_reason);
  if (is_notebook_path(job.path)) fix_notebook(job, src, policy);
  else job.result = fix_file(src, job.findings, policy);
}

// A scan that reads the fixed text where there is one, the disk elsewhere.
ScanResult scan_over(const ScanOptions& base, const std::map<std::string, std::string>& fixed) {
  if (fixed.empty()) return run_scan(base);
  ScanOptions options = base;
  auto fallback = base.reader;
  options.reader = [&fixed, fallback](const DiscoveredFile& file, std::uint64_t max_size) {
    if (auto it = fixed.find(file.relative); it != fixed.end()) return make_source(it->second, max_size);
    return fallback ? fallback(file, max_size) : read_source(file.absolute, max_size);
  };
  return run_scan(options);
}

// Rounds of fixes until one changes nothing, as ruff does: a fix left because it overlapped
// another, or a site that only parses as one once a fix has repaired the code around it
// (broken files), is fixed in the next round instead of by the user running fix again.
constexpr int kMaxRounds = 10;

}  // namespace

FixReport run_fix(const FixOptions& options) {
  const ScanSetup setup = resolve_setup(options.scan);
  const FixPolicy policy{&setup.config.factory, options.unsafe_fixes};
  const unsigned threads = options.scan.jobs ? options.scan.jobs : default_jobs();
  const std::uint64_t max_size = setup.config.max_file_size;
  FixReport report;
  std::map<std::string, std::string> original, current;  // changed files: disk bytes, fixed text
  std::map<std::string, std::vector<Finding>> applied;    // changed files: what each round fixed
  std::map<std::string, std::string> skipped;              // path -> why (never retried)
  std::vector<LeftFinding> left_in_skipped, left;
  std::set<std::string> made_at_startup;  // rules whose one startup fix (QG009, QG010) a round made
  ScanResult scan = run_scan(options.scan);
  report.root = scan.root;
  for (int round = 0;; ++round) {
    std::map<std::string, std::vector<Finding>> by_file;
    // A fix made elsewhere (QG009's, where the application starts) is planned with that file's.
    left.clear();  // what this round could not fix (a later round may)
    for (const Finding& f : scan.findings) {
      const std::string& file = f.fix && !f.fix->file.empty() ? f.fix->file : f.path;
      if (!f.fix || skipped.contains(file)) continue;
      if (f.fix->at_startup && made_at_startup.contains(f.rule)) {
        // Made once already; the scan does not see it (a file with syntax errors around it).
        left.push_back({f, LeftReason::Unsettled, "its startup fix was made, but the scan of the fixed file does not see it"});
        continue;
      }
      by_file[file].push_back(f);
    }
    std::vector<Job> jobs;
    for (auto& [path, findings] : by_file) jobs.push_back({path, std::move(findings), {}, {}});
    parallel_for(jobs.size(), threads, [&](std::size_t i) {
      Job& job = jobs[i];
      if (const auto it = current.find(job.path); it != current.end()) return fix_one(job, make_source(it->second, max_size), policy);
      SourceText src = read_source(scan.root / job.path, max_size);
      job.before = src.bytes;
      fix_one(job, src, policy);
    });
    bool changed = false;
    for (Job& job : jobs) {
      const bool file_skipped = !job.result.skip_reason.empty();
      if (file_skipped) skipped.emplace(job.path, job.result.skip_reason);
      for (LeftFinding& l : job.result.left) (file_skipped ? left_in_skipped : left).push_back(std::move(l));
      if (!job.result.text) continue;
      for (Finding& f : job.result.applied) {
        if (f.fix->at_startup) made_at_startup.insert(f.rule);
        applied[job.path].push_back(std::move(f));
      }
      if (!original.contains(job.path)) original[job.path] = std::move(job.before);
      current[job.path] = std::move(*job.result.text);
      changed = true;
    }
    if (!changed) break;
    scan = scan_over(options.scan, current);  // what is there now: the next round's findings
    if (round + 1 == kMaxRounds) {
      for (const Finding& f : scan.findings)
        if (f.fix) left.push_back({f, LeftReason::Unsettled, fmt::format("the fixes did not settle in {} rounds", kMaxRounds)});
      break;
    }
  }

  bool unwritten = false;
  for (auto& [path, text] : current) {
    if (options.mode == Mode::Write) {
      try {
        write_file_atomically(scan.root / path, text);
      } catch (const std::runtime_error& e) {
        // Nothing of it was fixed: its findings are left, and what remains is the disk's.
        skipped[path] = std::string("could not write: ") + e.what();
        for (const Finding& f : applied[path]) left_in_skipped.push_back({f, LeftReason::FileSkipped, skipped[path]});
        applied.erase(path);
        unwritten = true;
        continue;
      }
    }
    report.changes.push_back({path, std::move(original[path]), std::move(text)});
  }
  for (auto& [path, findings] : applied)
    for (Finding& f : findings) {
      ++report.fixed[f.rule];
      report.applied.push_back(std::move(f));
    }
  for (auto& [path, why] : skipped) report.skipped_files.emplace_back(path, std::move(why));
  report.left = std::move(left_in_skipped);
  report.left.insert(report.left.end(), std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()));
  if (unwritten) {
    std::map<std::string, std::string> written;
    for (const FileChange& c : report.changes) written[c.path] = c.after;
    scan = scan_over(options.scan, written);
  }
  report.remaining = std::move(scan.findings);
  return report;
}

}  // namespace qg::fix
