// `quotaguard rules` (the catalogue, one line a rule) and `quotaguard explain QG001`.
#include <iostream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "command.h"
#include "core/catalogue.h"
#include "core/rule_selection.h"
#include "report/rules_doc.h"

namespace qg::cli {
namespace {

void attach_rules(CLI::App& app, int& exit_code) {
  auto format = std::make_shared<std::string>("text");
  auto* cmd = app.add_subcommand("rules", "List every rule with a one-line summary");
  cmd->add_option("-f,--format", *format, "text, or markdown (the whole of docs/rules.md)")
      ->check(CLI::IsMember({"text", "markdown"}));
  cmd->callback([format, &exit_code] {
    exit_code = kClean;
    if (*format == "markdown") {
      report::write_rules_markdown(std::cout);
      return;
    }
    for (const auto& r : Catalogue::get().rules())
      fmt::print("{}  {:<28} {:<7} {}{}\n", r.id, r.name, r.severity, r.summary, r.fixable ? " [*]" : "");
    fmt::print("\n[*] fixable with `quotaguard fix`. `quotaguard explain RULE` for details.\n");
  });
}

void attach_explain(CLI::App& app, int& exit_code) {
  auto rule = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("explain", "Explain a rule: what, why, how to fix, examples");
  cmd->add_option("rule", *rule, "Rule id (QG001) or name (direct-client-construction)")->required();
  cmd->callback([rule, &exit_code] {
    // Ids and names alike, in any case: `explain qg004`, `explain Untracked-API-Call`.
    const std::string wanted = canonical_rule_id(*rule);
    for (const auto& r : Catalogue::get().rules()) {
      if (r.id != wanted && canonical_rule_id(r.name) != wanted) continue;
      auto section = [](std::string_view title, std::string_view body) {
        while (!body.empty() && body.front() == '\n') body.remove_prefix(1);
        fmt::print("\n## {}\n{}\n", title, body);
      };
      fmt::print("# {} ({}): {}\n", r.id, r.name, r.summary);
      fmt::print("Severity: {}. Fixable by `quotaguard fix`: {}.\n", r.severity, r.fixable ? "yes" : "no");
      section("What it finds", r.what);
      section("Why it matters", r.why);
      section("How to fix", r.fix);
      section("Example", r.bad);
      section("Instead", r.good);
      exit_code = kClean;
      return;
    }
    std::cerr << "quotaguard: unknown rule `" << *rule << "` (see `quotaguard rules`)\n";
    exit_code = kUsage;
  });
}

const Register reg_rules{{20, attach_rules}};
const Register reg_explain{{21, attach_explain}};

}  // namespace
}  // namespace qg::cli
