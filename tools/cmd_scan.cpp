// `quotaguard scan`: findings + coverage, and the gates built on them. Exit 0 when every gate
// passes, 1 when one fails (findings, new findings against a baseline, coverage below
// --min-coverage), 2 on a usage or config error (a missing or malformed baseline included).
#include <unistd.h>

#include <algorithm>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "command.h"
#include "core/atomic_file.h"
#include "core/catalogue.h"
#include "core/language.h"
#include "gate/baseline.h"
#include "gate/coverage_gate.h"
#include "git/hook.h"
#include "git/scope.h"
#include "report/report.h"
#include "scan_options.h"

namespace qg::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kGoneListed = 20;

// What `--baseline` says on stderr: the matched count, and the entries that are gone.
void print_baseline_notes(const gate::BaselineComparison& cmp, const std::string& file) {
  fmt::print(std::cerr, "quotaguard: baseline {}: {} finding{} matched (not reported), {} new\n", file,
             cmp.matched, cmp.matched == 1 ? "" : "s", cmp.new_findings.size());
  if (cmp.gone.empty()) return;
  fmt::print(std::cerr, "quotaguard: {} baseline entr{} no longer found; `quotaguard baseline --update -o {}` drops {}:\n",
             cmp.gone.size(), cmp.gone.size() == 1 ? "y is" : "ies are", file, cmp.gone.size() == 1 ? "it" : "them");
  for (std::size_t i = 0; i < cmp.gone.size() && i < kGoneListed; ++i)
    fmt::print(std::cerr, "  {} {} `{}`\n", cmp.gone[i].path, cmp.gone[i].rule, cmp.gone[i].code);
  if (cmp.gone.size() > kGoneListed) fmt::print(std::cerr, "  ... and {} more\n", cmp.gone.size() - kGoneListed);
}

// After a refused `--staged` run: the two ways forward.
void print_staged_help(const ScanResult& r, const fs::path& cwd) {
  std::set<std::string> fixable_files, rules;
  std::set<Language> languages_seen;
  std::size_t fixable = 0;
  for (const auto& f : r.findings) {
    rules.insert(f.rule);
    languages_seen.insert(f.language);
    if (f.fixable) {
      ++fixable;
      fixable_files.insert(report::display_path(r, f.path, cwd));
    }
  }
  const std::string rule_list = fmt::format("{}", fmt::join(rules, ","));
  auto join_files = [](const std::set<std::string>& s) {
    std::string out;
    for (const auto& f : s)
      out += (out.empty() ? "" : " ") + (f.find_first_of(" '\"$`\\&;|<>()*?[]#~") == std::string::npos ? f : git::sh_quote(f));
    return out;
  };
  fmt::print(std::cerr, "\nThe staged changes have {} finding{}. Two ways forward:\n", r.findings.size(),
             r.findings.size() == 1 ? "" : "s");
  const std::string which = fixable == r.findings.size()
                                ? (fixable == 1 ? std::string("rewrites it") : fmt::format("rewrites all {}", fixable))
                                : fmt::format("rewrites the {} fixable one{} (calls on those clients follow)", fixable,
                                              fixable == 1 ? "" : "s");
  if (fixable)
    fmt::print(std::cerr,
               "  1. Route the calls through the tracking factory: `quotaguard fix {}` {};\n"
               "     then `git add` the files and commit again.\n",
               join_files(fixable_files), which);
  else
    fmt::print(std::cerr,
               "  1. Route the calls through the tracking factory (`quotaguard explain {}` shows how);\n"
               "     then `git add` the files and commit again.\n",
               *rules.begin());
  // Written in the first language's comment syntax, with the others' beside it.
  const LanguageInfo& first = languages().front();
  std::string others;
  for (Language l : languages_seen)
    if (l != first.id)
      others += fmt::format(" ({}: `{} quotaguard: ignore[{}] <reason>`)", info(l).display_name, info(l).line_comment, rule_list);
  fmt::print(std::cerr,
             "  2. Where a call is deliberate, say so on its line: `{} quotaguard: ignore[{}] <reason>`{};\n"
             "     then `git add` and commit again.\n",
             first.line_comment, rule_list, others);
}

struct ScanCommand {
  ScanCli scan;
  std::string format = "text";
  std::string output;
  bool exit_zero = false;
  bool quiet = false;
  std::optional<double> min_coverage;
  std::string unresolved = "count";
  std::string baseline;
  bool staged = false;
  std::string changed_since;

  int run() {
    return run_reporting_errors([&] {
      ScanOptions options = scan.to_options();
      if (staged && !changed_since.empty()) throw UsageError("--staged and --changed-since cannot be combined");
      if (staged) git::scope_to_staged(options);
      else if (!changed_since.empty()) git::scope_to_changed_since(options, changed_since);
      // A baseline that cannot be used is a usage error, found before any scanning.
      std::optional<gate::Baseline> base;
      if (!baseline.empty()) base = gate::load_baseline(baseline);

      ScanResult result = run_scan(options);
      std::optional<gate::BaselineComparison> cmp;
      if (base) {
        cmp = gate::compare(*base, result);
        result.findings = cmp->new_findings;
      }

      report::Options ro;
      ro.color = output.empty() && scan.color_for(STDOUT_FILENO);
      ro.show_summary = !quiet;
      std::error_code ec;
      ro.cwd = fs::current_path(ec);
      std::ostringstream text;
      report::render(format, result, ro, text);
      if (output.empty()) std::cout << text.str() << std::flush;
      else write_file_atomically(output, text.str());

      bool failed = false;
      if (cmp) print_baseline_notes(*cmp, baseline);
      const bool blocking = std::any_of(result.findings.begin(), result.findings.end(),
                                        [](const Finding& f) { return Catalogue::get().fails_scan(f.rule); });
      if (!exit_zero && blocking) {
        failed = true;
        if (staged) print_staged_help(result, ro.cwd);
      }
      if (min_coverage) {
        const auto policy = unresolved == "ignore" ? gate::Unresolved::Ignore : gate::Unresolved::Count;
        if (auto reason = gate::check_min_coverage(result.coverage.calls, *min_coverage, policy)) {
          std::cerr << "quotaguard: coverage gate failed: " << *reason << '\n';
          failed = true;
        }
      }
      return failed ? kFindings : kClean;
    });
  }
};

void attach(CLI::App& app, int& exit_code) {
  auto state = std::make_shared<ScanCommand>();
  auto* cmd = app.add_subcommand("scan", "Find API calls that bypass the tracking factory; report coverage");
  state->scan.attach(cmd);
  cmd->add_option("-f,--format", state->format, "Output format")->check(CLI::IsMember(report::formats()));
  cmd->add_option("-o,--output", state->output, "Write the report to FILE (atomically) instead of stdout");
  cmd->add_flag("-q,--quiet", state->quiet, "Text format: the findings only, no summary (hooks)");
  cmd->add_flag("--exit-zero", state->exit_zero, "Exit 0 even when there are findings (other gates still apply)");
  cmd->add_option("--min-coverage", state->min_coverage,
                  "Fail (exit 1) when call-site coverage is below PCT (0-100)")
      ->check(CLI::Range(0.0, 100.0))
      ->type_name("PCT");
  cmd->add_option("--unresolved", state->unresolved,
                  "Call sites of unresolved origin in --min-coverage: count (as untracked; default) or ignore")
      ->check(CLI::IsMember({"count", "ignore"}));
  cmd->add_option("--baseline", state->baseline,
                  "Report and fail only on findings not in this baseline file (`quotaguard baseline`)")
      ->type_name("FILE");
  cmd->add_flag("--staged", state->staged,
                "Scan the staged content of staged files (the git index, not the working tree): pre-commit");
  cmd->add_option("--changed-since", state->changed_since,
                  "Scan only files changed since the merge-base of REV and HEAD: pull requests")
      ->type_name("REV");
  cmd->callback([state, &exit_code] { exit_code = state->run(); });
}

const Register reg{{10, attach}};

}  // namespace
}  // namespace qg::cli
