#include "scan/scanner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/catalogue.h"
#include "core/notebook.h"
#include "core/parallel.h"
#include "core/rule_selection.h"
#include "gate/fingerprint.h"
#include "scan/frontends.h"

namespace qg {

namespace fs = std::filesystem;

ScanSetup resolve_setup(const ScanOptions& options) {
  ScanSetup s;
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  std::vector<fs::path> paths = options.paths.empty() ? std::vector<fs::path>{"."} : options.paths;
  for (auto& p : paths)
    if (!fs::exists(p, ec)) throw UsageError("no such file or directory: " + p.string());

  std::optional<fs::path> config_file = options.config_file;
  if (config_file && !fs::exists(*config_file, ec))
    throw ConfigError(config_file->string() + ": no such file");
  if (!config_file) config_file = find_config(fs::absolute(paths.front(), ec));
  if (config_file) {
    s.config = load_config(*config_file);
  } else {
    s.config.root = fs::weakly_canonical(paths.size() == 1 && fs::is_directory(paths.front(), ec)
                                             ? fs::absolute(paths.front(), ec)
                                             : cwd, ec);
  }
  s.root = s.config.root;
  return s;
}

DiscoveryOptions discovery_options(const ScanOptions& options, const ScanSetup& setup) {
  const Config& config = setup.config;
  DiscoveryOptions d;
  d.root = setup.root;
  d.paths = options.paths.empty() ? std::vector<fs::path>{"."} : options.paths;
  d.exclude = config.exclude.empty() ? default_excludes() : config.exclude;
  d.exclude.insert(d.exclude.end(), config.extend_exclude.begin(), config.extend_exclude.end());
  d.include_vendored = options.include_vendored;
  d.force_exclude = options.force_exclude;
  return d;
}

ScanResult run_scan(const ScanOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ScanSetup setup = resolve_setup(options);
  const Config& config = setup.config;
  const unsigned jobs = options.jobs ? options.jobs : default_jobs();

  std::vector<std::string> select = options.select.value_or(config.select);
  std::vector<std::string> ignore = options.ignore.value_or(config.ignore);
  for (const auto& id : select)
    if (!is_rule_selector(id)) throw UsageError("unknown rule selector: " + id);
  for (const auto& id : ignore)
    if (!is_rule_selector(id)) throw UsageError("unknown rule selector: " + id);
  const RuleSelection selection(select, ignore);

  // A config naming what the project does not have is an error before any scanning.
  for (const Frontend* frontend : frontends())
    if (frontend->check_config) frontend->check_config(config);

  ScanResult result;
  result.root = setup.root;
  result.config_file = config.file;
  result.factory = config.factory;
  for (const auto& rule : Catalogue::get().rules())
    if (selection.enabled(rule.id)) result.rules.push_back(rule.id);

  // Discovery.
  std::vector<DiscoveredFile> files;
  if (options.files) {
    files = *options.files;
  } else {
    auto found = discover(discovery_options(options, setup));
    files = std::move(found.files);
    result.files.skipped = std::move(found.skipped);
  }
  result.files.discovered = files.size();

  // Read every file once, in parallel; bad input is reported, never fatal.
  std::vector<FrontendInput> inputs(files.size());
  std::vector<std::optional<Notebook>> notebooks(files.size());
  parallel_for(files.size(), jobs, [&](std::size_t i) {
    inputs[i].file = &files[i];
    inputs[i].text = options.reader ? options.reader(files[i], config.max_file_size)
                                    : read_source(files[i].absolute, config.max_file_size);
    // A notebook is analysed as the Python of its code cells.
    if (inputs[i].text.ok() && is_notebook_path(files[i].relative)) {
      std::string error;
      notebooks[i] = Notebook::parse(inputs[i].text.code(), error);
      inputs[i].text = notebooks[i] ? make_source(notebooks[i]->python(), config.max_file_size) : SourceText{{}, error};
    }
  });
  std::unordered_map<std::string, const Notebook*> notebook_of;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (notebooks[i]) notebook_of.emplace(files[i].relative, &*notebooks[i]);
  std::vector<std::vector<FrontendInput>> by_language(languages().size());
  for (auto& in : inputs) {
    if (!in.text.ok()) {
      result.files.skipped.push_back({in.file->relative, in.text.skip_reason});
      continue;
    }
    ++result.files.scanned;
    result.files.paths.push_back(in.file->relative);
    by_language[static_cast<std::size_t>(in.file->language)].push_back(std::move(in));
  }

  AnalysisOptions analysis;
  analysis.jobs = jobs;
  analysis.keep_until_exit = options.keep_trees_until_exit;
  analysis.partial = options.files.has_value();
  if (analysis.partial)
    analysis.other_files = [&] {
      std::unordered_set<std::string> read;
      for (const DiscoveredFile& f : files) read.insert(f.relative);
      DiscoveryOptions whole = discovery_options(options, setup);
      whole.paths = {setup.root};  // the whole project, whatever paths the scan was given
      std::vector<DiscoveredFile> others = discover(whole).files;
      std::erase_if(others, [&](const DiscoveredFile& f) { return read.count(f.relative) > 0; });
      return others;
    };
  analysis.cpp_backend = options.cpp_backend;
  analysis.compile_commands_dir = options.compile_commands_dir;
  std::vector<FrontendOutput> outputs;
  for (const Frontend* frontend : frontends()) {
    auto& mine = by_language[static_cast<std::size_t>(frontend->language)];
    if (!mine.empty()) outputs.push_back(frontend->analyze(mine, config, analysis));
  }

  for (auto& out : outputs) {
    for (const auto& note : out.notes) std::fprintf(stderr, "quotaguard: %s\n", note.c_str());
    result.files.parsed += out.parsed;
    for (auto& fr : out.files) {
      if (fr.parse_error) result.files.parse_errors.push_back(fr.path);
      const bool reported = !options.report_only || options.report_only->contains(fr.path);
      result.suppressed += fr.suppressed;
      const auto notebook = notebook_of.find(fr.path);
      for (auto& f : fr.findings) {
        if (!reported || !selection.enabled(f.rule)) continue;
        if (notebook != notebook_of.end()) notebook->second->place(f);
        (fr.vendored ? result.vendored_findings : result.findings).push_back(std::move(f));
      }
      if (fr.vendored) continue;
      for (auto& c : fr.call_sites) result.call_sites.push_back(std::move(c));
      for (auto& c : fr.client_sites) result.client_sites.push_back(std::move(c));
    }
  }
  auto order = [](const Finding& a, const Finding& b) {
    return std::tie(a.path, a.range.line, a.range.column, a.rule) < std::tie(b.path, b.range.line, b.range.column, b.rule);
  };
  std::sort(result.findings.begin(), result.findings.end(), order);
  std::sort(result.vendored_findings.begin(), result.vendored_findings.end(), order);
  std::sort(result.files.skipped.begin(), result.files.skipped.end(), [](auto& a, auto& b) { return a.path < b.path; });
  std::sort(result.files.parse_errors.begin(), result.files.parse_errors.end());
  std::sort(result.files.paths.begin(), result.files.paths.end());
  gate::assign_fingerprints(result.findings);
  gate::assign_fingerprints(result.vendored_findings);
  result.coverage = compute_coverage(result.call_sites, result.client_sites);
  result.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace qg
