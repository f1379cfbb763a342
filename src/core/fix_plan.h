// What a language contributes to `quotaguard fix` (the engine is src/fix/): the edits of each
// fixable site, the file-wide edits the taken sites need together (imports), and a check of the
// fixed text before it is written.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/finding.h"

namespace qg {

// Why a fixable finding was left as it was.
// Unsettled: fixed in one round, still found by the next round's scan (the fix does not take).
// SyntaxError: the edit would replace code with a syntax error in it (what it holds is unknown).
enum class LeftReason : uint8_t { Unsafe, NoFactory, Overlap, FileSkipped, Unsettled, SyntaxError };
const char* to_string(LeftReason r);

struct FixPolicy {
  const FactoryConfig* factory = nullptr;
  bool unsafe_fixes = false;
};

struct SitePlan {
  std::vector<Edit> edits;             // file offsets (BOM included)
  std::optional<LeftReason> left;      // set: the site is not fixed, `detail` says why
  std::string detail;
};

// One file's planning. The engine asks for each site's plan in source order, takes the plans
// whose edits overlap no site taken before, then asks for the file-wide edits.
class FixPlanner {
 public:
  virtual ~FixPlanner() = default;
  // Non-empty: why nothing in this file can be fixed ("the file could not be parsed").
  virtual std::string refusal() const { return {}; }
  virtual SitePlan plan(const Finding& finding) = 0;
  // The engine took the edits of the last plan().
  virtual void taken() {}
  // Edits the taken sites need together, given all their edits (imports added and removed).
  virtual std::vector<Edit> file_edits(const std::vector<Edit>& site_edits) {
    (void)site_edits;
    return {};
  }
  // Non-empty: why the fixed text (the whole file) must not be written.
  virtual std::string check(std::string_view fixed) const {
    (void)fixed;
    return {};
  }
};

}  // namespace qg
