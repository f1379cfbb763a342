// Build step: rules/rules.toml -> core/rule_ids.h, the rule and message ids as C++ constants.
// Code names rules and messages through these constants, so a misspelled or removed id is a
// compile error instead of a finding that `quotaguard explain` knows nothing about. Also checks
// what the catalogue loader would only find at run time: required keys, severities, message
// placeholders. Usage: generate_rule_ids RULES_TOML OUTPUT_HEADER
#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace {

struct Failure {
  std::string what;
};

bool is_rule_id(std::string_view id) {
  return id.size() == 5 && id.substr(0, 2) == "QG" && std::isdigit(static_cast<unsigned char>(id[2])) &&
         std::isdigit(static_cast<unsigned char>(id[3])) && std::isdigit(static_cast<unsigned char>(id[4]));
}

bool is_kebab(std::string_view name) {
  if (name.empty() || name.front() == '-' || name.back() == '-') return false;
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  return true;
}

// `{name}` placeholders only (the renderer is fmt with named arguments): no positional or
// formatted fields, no stray braces.
void check_template(const std::string& where, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') throw Failure{where + ": stray `}`"};
    if (text[i] != '{') continue;
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) throw Failure{where + ": unclosed `{`"};
    const std::string_view name = text.substr(i + 1, close - i - 1);
    bool ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front()));
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) throw Failure{where + ": placeholder `{" + std::string(name) + "}` is not `{identifier}`"};
    i = close;
  }
}

std::string identifier(std::string_view rule, std::string_view variant) {
  std::string out(rule);
  if (variant.empty()) return out;
  out += '_';
  for (char c : variant) out += c == '-' ? '_' : c;
  return out;
}

struct Message {
  std::string rule, variant;
};

std::string generate(const toml::table& rules) {
  std::vector<std::string> ids;
  std::vector<Message> messages;
  for (auto&& [key, node] : rules) {  // toml++ tables iterate in key order: QG001, QG002, ...
    const std::string id(key.str());
    if (!is_rule_id(id)) throw Failure{"table [" + id + "] is not a rule id (QG + three digits)"};
    const toml::table* t = node.as_table();
    if (!t) throw Failure{id + " is not a table"};
    for (const char* required : {"name", "severity", "summary", "what", "why", "fix", "message"})
      if (!(*t)[required].is_string()) throw Failure{id + ": `" + required + "` (a string) is missing"};
    const std::string severity = (*t)["severity"].value_or(std::string());
    if (severity != "error" && severity != "warning" && severity != "info")
      throw Failure{id + ": severity must be error, warning or info, not `" + severity + "`"};
    const toml::array* languages = (*t)["languages"].as_array();
    if (!languages || languages->empty() || !languages->is_homogeneous(toml::node_type::string))
      throw Failure{id + ": `languages` (a non-empty list of language names) is missing"};
    check_template(id + ".message", (*t)["message"].value_or(std::string_view()));
    ids.push_back(id);
    messages.push_back({id, ""});
    if (const toml::node* v = t->get("message-variants")) {
      const toml::table* variants = v->as_table();
      if (!variants) throw Failure{id + ".message-variants is not a table"};
      for (auto&& [name, text] : *variants) {
        const std::string where = id + ".message-variants." + std::string(name.str());
        if (!is_kebab(name.str())) throw Failure{where + ": names are kebab-case"};
        if (!text.is_string()) throw Failure{where + " is not a string"};
        check_template(where, text.value_or(std::string_view()));
        messages.push_back({id, std::string(name.str())});
      }
    }
  }
  if (ids.empty()) throw Failure{"no rules"};

  std::ostringstream h;
  h << "// Generated from rules/rules.toml by src/core/codegen/generate_rule_ids.cpp. Do not edit.\n"
       "#pragma once\n\n#include <array>\n#include <cstddef>\n#include <cstdint>\n#include <string_view>\n\n"
       "namespace qg {\n\n";
  h << "enum class RuleId : std::uint8_t {";
  for (std::size_t i = 0; i < ids.size(); ++i) h << (i ? ", " : " ") << ids[i];
  h << " };\ninline constexpr std::size_t kRuleCount = " << ids.size() << ";\n";
  h << "inline constexpr std::array<std::string_view, kRuleCount> kRuleIds{";
  for (std::size_t i = 0; i < ids.size(); ++i) h << (i ? ", " : "") << '"' << ids[i] << '"';
  h << "};\n";
  h << "constexpr std::string_view to_string(RuleId r) { return kRuleIds[static_cast<std::size_t>(r)]; }\n\n";
  h << "// A rule's `message` (MessageId::QG004) and its named variants (MessageId::QG004_process_wide).\n";
  h << "enum class MessageId : std::uint8_t {\n";
  for (const Message& m : messages) h << "  " << identifier(m.rule, m.variant) << ",\n";
  h << "};\ninline constexpr std::size_t kMessageCount = " << messages.size() << ";\n";
  h << "struct MessageKey {\n  RuleId rule;\n  std::string_view variant;  // \"\": the rule's `message`\n};\n";
  h << "inline constexpr std::array<MessageKey, kMessageCount> kMessageKeys{{\n";
  for (const Message& m : messages) h << "    {RuleId::" << m.rule << ", \"" << m.variant << "\"},\n";
  h << "}};\n";
  h << "constexpr RuleId rule_of(MessageId m) { return kMessageKeys[static_cast<std::size_t>(m)].rule; }\n\n";
  h << "}  // namespace qg\n";
  return h.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: generate_rule_ids RULES_TOML OUTPUT_HEADER\n";
    return 2;
  }
  try {
    const toml::table rules = toml::parse_file(argv[1]);
    const std::string header = generate(rules);
    // Rewrite only on change: every file that includes the header would recompile.
    std::ifstream old(argv[2], std::ios::binary);
    std::ostringstream current;
    current << old.rdbuf();
    if (old && current.str() == header) return 0;
    std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
    out << header;
    if (!out) {
      std::cerr << argv[2] << ": cannot write\n";
      return 1;
    }
  } catch (const toml::parse_error& e) {
    std::cerr << argv[1] << ":" << e.source().begin.line << ": " << e.description() << '\n';
    return 1;
  } catch (const Failure& f) {
    std::cerr << argv[1] << ": " << f.what << '\n';
    return 1;
  }
  return 0;
}
