// The rule documentation: docs/rules.md (`quotaguard rules --format markdown`) and the links and
// help texts the reports carry (SARIF helpUri, HTML fix hints) come from the one catalogue.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "core/catalogue.h"
#include "core/config.h"

namespace qg::report {

inline constexpr const char* kInformationUri = "https://github.com/quotaguard/quotaguard";

// "https://github.com/quotaguard/quotaguard/blob/main/docs/rules.md#qg001"
std::string rule_help_uri(std::string_view rule_id);

// A catalogue text block without its leading newline and with trailing whitespace trimmed.
std::string_view trimmed(std::string_view block);

// The "How to fix" and "Why" sections in Markdown, for one rule (SARIF help.markdown).
std::string rule_help_markdown(const RuleInfo& rule);
std::string rule_help_text(const RuleInfo& rule);

// The whole of docs/rules.md.
void write_rules_markdown(std::ostream& out);

// "get_openai_client": what `quotaguard fix` calls for a client kind (core/factory_choice.h),
// imported by name as factory_import() says; "" when fix would leave such a client alone. For a
// call through openai's module-level client (QG002, module_client) the shipped shared client.
std::string factory_call_name(const FactoryConfig& factory, ClientKind kind, bool module_client = false);
// The import a fix of that kind needs: "from utils.factory import get_openai_client".
std::string factory_import(const FactoryConfig& factory, ClientKind kind, bool module_client = false);

}  // namespace qg::report
