// Fixing one file: findings in, new text (or the reason there is none) out. Pure: no I/O. The
// language's FixPlanner (core/fix_plan.h) says what each site becomes; this engine checks the
// findings still match the text, keeps edits from overlapping, applies them and has the planner
// check the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "core/fix_plan.h"
#include "core/source_text.h"

namespace qg::fix {

using qg::FixPolicy;
using qg::LeftReason;
using qg::to_string;

struct LeftFinding {
  Finding finding;
  LeftReason reason;
  std::string detail;  // "would drop base_url=settings.partner_gateway_url"
};

struct FileFix {
  std::optional<std::string> text;  // the fixed file; empty when nothing changed or it was refused
  std::vector<Finding> applied;
  std::vector<Edit> edits;          // what made `text`: splices on the original, in no set order
  std::vector<LeftFinding> left;
  std::string skip_reason;          // non-empty: the whole file was left untouched
};

// `findings`: the findings fixed in this file (their own, and those whose FixSite::file names it),
// that carry a FixSite, in source order, all of one language.
FileFix fix_file(const SourceText& source, const std::vector<Finding>& findings, const FixPolicy& policy);

}  // namespace qg::fix
