// SARIF 2.1.0 for code-scanning uploads (GitHub, GitLab, Azure DevOps): the catalogue as
// tool.driver.rules with help text, one result per finding with its region, partialFingerprints
// (the baseline fingerprint) and, for fixable findings, the replacement quotaguard fix makes at
// the site. Validated against the OASIS schema in tests/cli/test_reports.py.
#include <nlohmann/json.hpp>

#include "core/catalogue.h"
#include "report/escape.h"
#include "report/json_values.h"
#include "report/report.h"
#include "report/rules_doc.h"

#ifndef QG_VERSION
#define QG_VERSION "0"
#endif

namespace qg::report {

namespace {

using nlohmann::ordered_json;

const char* level_of(std::string_view severity) {
  if (severity == "error") return "error";
  if (severity == "warning") return "warning";
  return "note";
}

ordered_json text(std::string_view s) { return ordered_json{{"text", std::string(s)}}; }

ordered_json region_of(const SourceRange& r) {
  ordered_json j;
  j["startLine"] = r.line;
  j["startColumn"] = r.column;
  j["endLine"] = r.end_line ? r.end_line : r.line;
  j["endColumn"] = r.end_column ? r.end_column : r.column;
  return j;
}

ordered_json rule_json(const RuleInfo& r) {
  ordered_json j;
  j["id"] = r.id;
  j["name"] = r.name;
  j["shortDescription"] = text(r.summary);
  j["fullDescription"] = text(trimmed(r.what));
  j["help"] = ordered_json{{"text", rule_help_text(r)}, {"markdown", rule_help_markdown(r)}};
  j["helpUri"] = rule_help_uri(r.id);
  j["defaultConfiguration"] = ordered_json{{"level", level_of(r.severity)}};
  j["properties"] = ordered_json{{"severity", r.severity}, {"fixable", r.fixable}, {"tags", {"openai", "quota"}}};
  return j;
}

struct Paths {
  bool below_cwd;              // true: URIs relative to the cwd, else to the scan root
  std::filesystem::path base;
  std::string uri(const ScanResult& r, const std::string& rel, const std::filesystem::path& cwd) const {
    return uri_path(below_cwd ? display_path(r, rel, cwd) : rel);
  }
};

ordered_json artifact(const Paths& paths, const ScanResult& r, const Finding& f, const Options& o) {
  return ordered_json{{"uri", paths.uri(r, f.path, o.cwd)}, {"uriBaseId", "%SRCROOT%"}};
}

// Only what is known at the site: the callee (QG001) or the module receiver (QG002) becomes the
// factory call; the import the file also needs is named in the description, not invented here.
std::optional<ordered_json> fix_json(const ScanResult& r, const Finding& f, const ordered_json& location) {
  // In a notebook the fix's regions address the cells' Python, not the .ipynb: `quotaguard fix`
  // rewrites the cells; a SARIF consumer would splice the JSON.
  if (!f.fixable || !f.fix || f.cell) return std::nullopt;
  const FixSite& site = *f.fix;
  ordered_json replacements = ordered_json::array();
  std::string description;
  if (!site.edits.empty()) {
    for (const auto& e : site.edits)
      replacements.push_back(ordered_json{{"deletedRegion", {{"byteOffset", e.start_byte}, {"byteLength", e.end_byte - e.start_byte}}},
                                          {"insertedContent", text(e.replacement)}});
    description = "Create the client through the tracking factory (the edits `quotaguard fix` makes)";
  } else {
    const bool module_client = f.rule == to_string(RuleId::QG002);
    const std::string call = factory_call_name(r.factory, site.kind, module_client);
    if (call.empty()) return std::nullopt;
    const std::string import = factory_import(r.factory, site.kind, module_client);
    if (f.rule == to_string(RuleId::QG001)) {
      replacements.push_back(ordered_json{{"deletedRegion", region_of(site.callee)}, {"insertedContent", text(call)}});
      if (!r.factory.pass_arguments && site.arguments.end_byte > site.arguments.start_byte)
        replacements.push_back(ordered_json{{"deletedRegion", region_of(site.arguments)}, {"insertedContent", text("()")}});
      description = "Call the tracking factory `" + call + "` instead of constructing `" + site.bound_name + "`";
    } else if (f.rule == to_string(RuleId::QG002)) {
      replacements.push_back(
          ordered_json{{"deletedRegion", region_of(site.callee)}, {"insertedContent", text(call + "()")}});
      description = "Call the method on a factory client `" + call + "()` instead of the `" + site.bound_name +
                    "` module client";
    } else {
      return std::nullopt;
    }
    if (!import.empty()) description += "; the file also needs `" + import + "` (`quotaguard fix` adds it)";
  }
  ordered_json change;
  change["artifactLocation"] = location;
  change["replacements"] = std::move(replacements);
  return ordered_json{{"description", text(description)}, {"artifactChanges", ordered_json::array({change})}};
}

ordered_json result_json(const ScanResult& r, const Finding& f, const Options& o, const Paths& paths,
                         const std::vector<RuleInfo>& rules, bool vendored) {
  ordered_json j;
  j["ruleId"] = f.rule;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (rules[i].id == f.rule) {
      j["ruleIndex"] = i;
      j["level"] = level_of(rules[i].severity);
    }
  // Paths in the message relative to the same base as the artifact URIs.
  j["message"] = text(paths.below_cwd ? display_message(r, f, o.cwd) : f.message);
  const ordered_json location = artifact(paths, r, f, o);
  ordered_json region = region_of(f.range);
  if (!f.code.empty()) region["snippet"] = text(f.code);
  j["locations"] = ordered_json::array({ordered_json{{"physicalLocation", {{"artifactLocation", location}, {"region", region}}}}});
  if (f.origin)
    j["relatedLocations"] = ordered_json::array({ordered_json{
        {"id", 1},
        {"physicalLocation",
         {{"artifactLocation", {{"uri", paths.uri(r, f.origin->path, o.cwd)}, {"uriBaseId", "%SRCROOT%"}}},
          {"region", {{"startLine", f.origin->line}}}}},
        {"message", text("the client is constructed here")}}});
  j["partialFingerprints"] = ordered_json{{"quotaguard/v1", f.fingerprint}};
  if (auto fix = fix_json(r, f, location)) j["fixes"] = ordered_json::array({*fix});
  ordered_json props;
  if (!f.api.empty()) props["api"] = f.api;
  props["provenance"] = to_string(f.provenance);
  props["language"] = std::string(to_string(f.language));
  if (vendored) props["vendored"] = true;
  j["properties"] = std::move(props);
  return j;
}

std::string file_uri(const std::filesystem::path& dir) {
  std::string s = uri_path(dir.generic_string());
  if (s.empty() || s.back() != '/') s += '/';
  return "file://" + s;
}

}  // namespace

void write_sarif(const ScanResult& r, const Options& o, std::ostream& out) {
  const auto& rules = Catalogue::get().rules();
  Paths paths;
  paths.below_cwd = !o.cwd.empty() && !display_path(r, "x", o.cwd).starts_with('/');
  paths.base = paths.below_cwd ? o.cwd : r.root;

  ordered_json driver;
  driver["name"] = "quotaguard";
  driver["version"] = QG_VERSION;
  driver["semanticVersion"] = QG_VERSION;
  driver["informationUri"] = kInformationUri;
  driver["rules"] = ordered_json::array();
  for (const auto& rule : rules) driver["rules"].push_back(rule_json(rule));

  ordered_json results = ordered_json::array();
  for (const auto& f : r.findings) results.push_back(result_json(r, f, o, paths, rules, false));
  for (const auto& f : r.vendored_findings) results.push_back(result_json(r, f, o, paths, rules, true));

  ordered_json notifications = ordered_json::array();
  for (const auto& p : r.files.parse_errors)
    notifications.push_back(ordered_json{
        {"level", "warning"},
        {"message", text("syntax error in " + p + " (scanned with error recovery)")},
        {"locations", ordered_json::array({ordered_json{{"physicalLocation",
                                                          {{"artifactLocation",
                                                            {{"uri", paths.uri(r, p, o.cwd)}, {"uriBaseId", "%SRCROOT%"}}}}}}})}});

  ordered_json invocation;
  invocation["executionSuccessful"] = true;
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);

  const auto& cov = r.coverage;
  ordered_json coverage;
  coverage["callSites"] = ordered_json{{"tracked", cov.calls.tracked},
                                       {"untracked", cov.calls.untracked},
                                       {"unresolved", cov.calls.unresolved},
                                       {"percent", percent_json(cov.calls.percent())}};
  coverage["clients"] = ordered_json{
      {"factory", cov.clients.factory}, {"direct", cov.clients.direct}, {"percent", percent_json(cov.clients.percent())}};

  ordered_json run;
  run["tool"] = ordered_json{{"driver", std::move(driver)}};
  run["invocations"] = ordered_json::array({invocation});
  run["originalUriBaseIds"] = ordered_json{{"%SRCROOT%", {{"uri", file_uri(paths.base)}}}};
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = std::move(results);
  run["properties"] = ordered_json{{"coverage", std::move(coverage)}};

  ordered_json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = ordered_json::array({std::move(run)});
  out << log.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace qg::report
