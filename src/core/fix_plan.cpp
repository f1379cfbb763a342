#include "core/fix_plan.h"

namespace qg {

const char* to_string(LeftReason r) {
  switch (r) {
    case LeftReason::Unsafe: return "unsafe";
    case LeftReason::NoFactory: return "no factory";
    case LeftReason::Overlap: return "overlapping fix";
    case LeftReason::FileSkipped: return "file skipped";
    case LeftReason::Unsettled: return "not settled";
    case LeftReason::SyntaxError: return "syntax error";
  }
  return "?";
}

}  // namespace qg
