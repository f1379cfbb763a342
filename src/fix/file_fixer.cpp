#include "fix/file_fixer.h"

#include <algorithm>

#include "fix/edits.h"
#include "scan/frontends.h"

namespace qg::fix {

namespace {

// For frontends that compute each site's edits while analysing (FixSite::edits, as C++ does).
class GivenEditsPlanner final : public FixPlanner {
 public:
  SitePlan plan(const Finding& f) override { return {f.fix ? f.fix->edits : std::vector<Edit>{}, {}, {}}; }
};

bool same(const Edit& a, const Edit& b) {
  return a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.replacement == b.replacement;
}

// Identical edits from several findings (a C++ include) are one edit, not a conflict.
bool collides(const Edit& e, const std::vector<Edit>& taken) {
  return std::any_of(taken.begin(), taken.end(), [&](const Edit& t) { return overlaps(e, t) && !same(e, t); });
}

class FileFixer {
 public:
  FileFixer(const SourceText& source, const std::vector<Finding>& findings, const FixPolicy& policy)
      : src_(source), findings_(findings), policy_(policy) {}

  FileFix run() {
    if (findings_.empty()) return std::move(out_);
    const Frontend& language = frontend(findings_.front().language);
    auto planner = language.fix_planner ? language.fix_planner(src_, policy_) : std::make_unique<GivenEditsPlanner>();
    if (std::string why = planner->refusal(); !why.empty()) return skipped(std::move(why));
    for (const Finding& f : findings_) {
      if (!f.fix->file.empty()) continue;  // its site is in another file; the planner checks this one
      const std::string_view at = std::string_view(src_.bytes).substr(std::min<std::size_t>(f.range.start_byte, src_.bytes.size()));
      if (!at.starts_with(f.code)) return skipped("the file changed since it was scanned");
    }
    for (const Finding& f : findings_) {
      SitePlan plan = planner->plan(f);
      if (plan.left) {
        out_.left.push_back({f, *plan.left, std::move(plan.detail)});
        continue;
      }
      if (std::any_of(plan.edits.begin(), plan.edits.end(), [&](const Edit& e) { return collides(e, site_edits_); })) {
        out_.left.push_back({f, LeftReason::Overlap, "overlaps another fix (fixed in the next round)"});
        continue;
      }
      site_edits_.insert(site_edits_.end(), plan.edits.begin(), plan.edits.end());
      out_.applied.push_back(f);
      planner->taken();
    }
    std::vector<Edit> edits = site_edits_;
    for (Edit& e : planner->file_edits(site_edits_)) edits.push_back(std::move(e));
    for (std::size_t i = 0; i < edits.size(); ++i)
      for (std::size_t j = i + 1; j < edits.size(); ++j)
        if (overlaps(edits[i], edits[j]) && !same(edits[i], edits[j])) return skipped("its fixes overlap");
    if (out_.applied.empty()) return std::move(out_);
    std::string text = apply_edits(src_.bytes, edits);
    if (std::string why = planner->check(text); !why.empty()) return skipped(std::move(why));
    if (text != src_.bytes) {
      out_.text = std::move(text);
      out_.edits = std::move(edits);
    }
    return std::move(out_);
  }

 private:
  FileFix skipped(std::string reason) {
    FileFix out;
    for (const Finding& f : findings_) out.left.push_back({f, LeftReason::FileSkipped, reason});
    out.skip_reason = std::move(reason);
    return out;
  }

  const SourceText& src_;
  const std::vector<Finding>& findings_;
  const FixPolicy& policy_;
  FileFix out_;
  std::vector<Edit> site_edits_;
};

}  // namespace

FileFix fix_file(const SourceText& source, const std::vector<Finding>& findings, const FixPolicy& policy) {
  return FileFixer(source, findings, policy).run();
}

}  // namespace qg::fix
