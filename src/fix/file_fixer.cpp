#include "fix/file_fixer.h"

#include <algorithm>
#include <set>

#include "fix/arguments.h"
#include "fix/edits.h"
#include "fix/factory_choice.h"
#include "fix/import_editor.h"
#include "fix/python_tree.h"

namespace qg::fix {

using namespace qg::python;

const char* to_string(LeftReason r) {
  switch (r) {
    case LeftReason::Unsafe: return "unsafe";
    case LeftReason::NoFactory: return "no factory";
    case LeftReason::Overlap: return "overlapping fix";
    case LeftReason::FileSkipped: return "file skipped";
  }
  return "?";
}

namespace {

std::string_view line_ending(std::string_view bytes) {
  const auto nl = bytes.find('\n');
  return nl != std::string_view::npos && nl > 0 && bytes[nl - 1] == '\r' ? "\r\n" : "\n";
}

// `OpenAI` in `OpenAI`, `oa` in `oa.AsyncOpenAI`: the name whose import the site relied on.
std::string_view root_name(std::string_view callee) {
  while (!callee.empty() && (callee.front() == '(' || callee.front() == ' ')) callee.remove_prefix(1);
  std::size_t n = 0;
  while (n < callee.size() && is_identifier_char(callee[n])) ++n;
  return callee.substr(0, n);
}

class FileFixer {
 public:
  FileFixer(const SourceText& source, const FixPolicy& policy)
      : src_(source), policy_(policy), tree_(source.code()), editor_(tree_, source.bom_length, line_ending(source.bytes)) {}

  FileFix run(const std::vector<Finding>& findings) {
    // Only Python is reparsed here; other frontends' edits (C++) are applied as they come.
    const bool python = !findings.empty() && findings.front().language == "python";
    if (python && !tree_.ok()) return skipped(findings, "the file could not be parsed");
    for (const Finding& f : findings) {
      const std::string_view at = std::string_view(src_.bytes).substr(std::min<std::size_t>(f.range.start_byte, src_.bytes.size()));
      if (!at.starts_with(f.code)) return skipped(findings, "the file changed since it was scanned");
    }
    for (const Finding& f : findings) (python ? plan_python(f) : plan_given(f));
    std::vector<Edit> edits = site_edits_;
    for (Edit& e : editor_.remove_unused(used_roots_, site_edits_)) edits.push_back(std::move(e));
    for (Edit& e : editor_.import_edits(imports_)) edits.push_back(std::move(e));
    if (!disjoint(edits)) return skipped(findings, "its fixes overlap");
    if (out_.applied.empty()) return std::move(out_);
    std::string text = apply_edits(src_.bytes, std::move(edits));
    if (python) {
      const PythonTree after(std::string_view(text).substr(src_.bom_length));
      if (!after.ok() || after.error_count() > tree_.error_count())
        return skipped(findings, "the fixed file would have a syntax error");
    }
    if (text != src_.bytes) out_.text = std::move(text);
    return std::move(out_);
  }

 private:
  FileFix skipped(const std::vector<Finding>& findings, std::string reason) {
    FileFix out;
    for (const Finding& f : findings) out.left.push_back({f, LeftReason::FileSkipped, reason});
    out.skip_reason = std::move(reason);
    return out;
  }

  void leave(const Finding& f, LeftReason reason, std::string detail) {
    out_.left.push_back({f, reason, std::move(detail)});
  }

  static bool disjoint(const std::vector<Edit>& edits) {
    for (std::size_t i = 0; i < edits.size(); ++i)
      for (std::size_t j = i + 1; j < edits.size(); ++j)
        if (overlaps(edits[i], edits[j]) && !same(edits[i], edits[j])) return false;
    return true;
  }
  static bool same(const Edit& a, const Edit& b) {
    return a.start_byte == b.start_byte && a.end_byte == b.end_byte && a.replacement == b.replacement;
  }

  // Accepts a finding's edits unless they collide with edits already accepted.
  bool accept(const Finding& f, const std::vector<Edit>& edits) {
    for (const Edit& e : edits)
      for (const Edit& prior : site_edits_)
        if (overlaps(e, prior) && !same(e, prior)) {
          leave(f, LeftReason::Overlap, "overlaps another fix; run `quotaguard fix` again");
          return false;
        }
    site_edits_.insert(site_edits_.end(), edits.begin(), edits.end());
    out_.applied.push_back(f);
    return true;
  }

  // Frontends that computed their own rewrite (C++): applied as given.
  void plan_given(const Finding& f) { accept(f, f.fix->edits); }

  void plan_python(const Finding& f) {
    const FixSite& site = *f.fix;
    const bool qg002 = f.rule == "QG002";
    const FactoryChoice choice = choose_factory(*policy_.factory, qg002 ? ClientKind::Sync : site.kind, qg002);
    if (!choice.target) return leave(f, LeftReason::NoFactory, choice.reason);
    const std::string_view root = root_name(site.bound_name);
    const FactoryRef ref = editor_.reference(choice.target->function, site.callee.start_byte, root);

    std::vector<Edit> edits{{site.callee.start_byte, site.callee.end_byte, qg002 ? ref.expr + "()" : ref.expr}};
    if (!qg002 && !choice.target->keep_arguments) {
      const uint32_t bom = src_.bom_length;
      TSNode args = tree_.node_at(site.arguments.start_byte - bom, site.arguments.end_byte - bom, Syntax::get().argument_list);
      if (is_null(args)) return leave(f, LeftReason::FileSkipped, "the argument list was not found");
      const ArgumentVerdict v = judge_dropped_arguments(tree_, args, site.kind, editor_.imports());
      if (!v.safe && !policy_.unsafe_fixes)
        return leave(f, LeftReason::Unsafe, "would drop " + v.lost + " (the factory takes no arguments)");
      if (ts_node_named_child_count(args) > 0 || tree_.text(args) != "()")
        edits.push_back({site.arguments.start_byte, site.arguments.end_byte, "()"});
    }
    if (!accept(f, edits)) return;
    if (ref.import) imports_.push_back(*ref.import);
    used_roots_.insert(std::string(root));
  }

  const SourceText& src_;
  const FixPolicy& policy_;
  PythonTree tree_;
  ImportEditor editor_;
  FileFix out_;
  std::vector<Edit> site_edits_;
  std::vector<ImportRequest> imports_;
  std::set<std::string> used_roots_;
};

}  // namespace

FileFix fix_file(const SourceText& source, const std::vector<Finding>& findings, const FixPolicy& policy) {
  return FileFixer(source, policy).run(findings);
}

}  // namespace qg::fix
