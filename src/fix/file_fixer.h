// Fixing one file: findings in, new text (or the reason there is none) out. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "core/source_text.h"

namespace qg::fix {

// Why a fixable finding was left as it was.
enum class LeftReason : uint8_t { Unsafe, NoFactory, Overlap, FileSkipped };
const char* to_string(LeftReason r);

struct LeftFinding {
  Finding finding;
  LeftReason reason;
  std::string detail;  // "would drop base_url=settings.partner_gateway_url"
};

struct FileFix {
  std::optional<std::string> text;  // the fixed file; empty when nothing changed or it was refused
  std::vector<Finding> applied;
  std::vector<LeftFinding> left;
  std::string skip_reason;          // non-empty: the whole file was left untouched
};

struct FixPolicy {
  const FactoryConfig* factory = nullptr;
  bool unsafe_fixes = false;
};

// `findings`: the file's findings that carry a FixSite, in source order.
FileFix fix_file(const SourceText& source, const std::vector<Finding>& findings, const FixPolicy& policy);

}  // namespace qg::fix
