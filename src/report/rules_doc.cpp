#include "report/rules_doc.h"

#include <cctype>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "core/factory_choice.h"

namespace qg::report {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* fence_language(std::string_view code) {
  return code.find("#include") != std::string_view::npos || code.find("::") != std::string_view::npos ? "cpp"
                                                                                                       : "python";
}

}  // namespace

std::string rule_help_uri(std::string_view rule_id) {
  return fmt::format("{}/blob/main/docs/rules.md#{}", kInformationUri, lower(rule_id));
}

std::string_view trimmed(std::string_view block) {
  while (!block.empty() && (block.front() == '\n' || block.front() == '\r')) block.remove_prefix(1);
  while (!block.empty() && std::isspace(static_cast<unsigned char>(block.back()))) block.remove_suffix(1);
  return block;
}

std::string rule_help_text(const RuleInfo& r) {
  return fmt::format("{}\n\nWhy it matters: {}\n\nHow to fix: {}\n", trimmed(r.what), trimmed(r.why), trimmed(r.fix));
}

std::string rule_help_markdown(const RuleInfo& r) {
  std::string md = fmt::format("**{}** ({})\n\n{}\n\n**Why it matters.** {}\n\n**How to fix.** {}\n", r.summary, r.name,
                               trimmed(r.what), trimmed(r.why), trimmed(r.fix));
  if (!trimmed(r.bad).empty())
    md += fmt::format("\n```{}\n{}\n```\n", fence_language(r.bad), trimmed(r.bad));
  if (!trimmed(r.good).empty())
    md += fmt::format("\nInstead:\n\n```{}\n{}\n```\n", fence_language(r.good), trimmed(r.good));
  md += fmt::format("\n[{} in the quotaguard rules]({})\n", r.id, rule_help_uri(r.id));
  return md;
}

void write_rules_markdown(std::ostream& out) {
  const auto& rules = Catalogue::get().rules();
  fmt::print(out, "# quotaguard rules\n\n");
  fmt::print(out,
             "<!-- Generated from rules/rules.toml by `quotaguard rules --format markdown > docs/rules.md`; "
             "a test keeps it in sync. -->\n\n");
  fmt::print(out,
             "Suppress a finding on its line with `# quotaguard: ignore[QG001] <reason>` (C++: `// quotaguard: "
             "ignore[QG001] <reason>`). Severity `info` findings are reported but never the only reason a gate "
             "fails.\n\n");
  fmt::print(out, "| Rule | Name | Severity | Fixable | Summary |\n|---|---|---|---|---|\n");
  for (const auto& r : rules)
    fmt::print(out, "| [{}](#{}) | `{}` | {} | {} | {} |\n", r.id, lower(r.id), r.name, r.severity,
               r.fixable ? "yes" : "no", r.summary);
  for (const auto& r : rules) {
    std::vector<std::string_view> languages;
    for (Language l : r.languages) languages.push_back(info(l).display_name);
    fmt::print(out, "\n## {}\n\n**`{}`** · severity: {} · fixable by `quotaguard fix`: {} · {}\n\n{}.\n", r.id,
               r.name, r.severity, r.fixable ? "yes" : "no", fmt::join(languages, ", "), r.summary);
    auto section = [&](std::string_view title, std::string_view body, bool code) {
      body = trimmed(body);
      if (body.empty()) return;
      if (code) fmt::print(out, "\n**{}**\n\n```{}\n{}\n```\n", title, fence_language(body), body);
      else fmt::print(out, "\n**{}**\n\n{}\n", title, body);
    };
    section("What it finds", r.what, false);
    section("Why it matters", r.why, false);
    section("How to fix", r.fix, false);
    section("Example", r.bad, true);
    section("Instead", r.good, true);
  }
}

std::string factory_call_name(const FactoryConfig& factory, ClientKind kind, bool module_client) {
  const FactoryChoice choice = choose_factory(factory, kind, module_client);
  return choice.target ? choice.target->function.function : std::string();
}

std::string factory_import(const FactoryConfig& factory, ClientKind kind, bool module_client) {
  const FactoryChoice choice = choose_factory(factory, kind, module_client);
  if (!choice.target) return {};
  return fmt::format("from {} import {}", choice.target->function.module, choice.target->function.function);
}

}  // namespace qg::report
