#include "python/fix_planner.h"

#include <optional>
#include <set>
#include <string>

#include "core/factory_choice.h"
#include "python/fix_arguments.h"
#include "python/fix_import_editor.h"
#include "python/syntax.h"

namespace qg::python {

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

class PythonFixPlanner final : public FixPlanner {
 public:
  PythonFixPlanner(const SourceText& source, const FixPolicy& policy)
      : src_(source), policy_(policy), tree_(source.code()), editor_(tree_, source.bom_length, line_ending(source.bytes)) {}

  std::string refusal() const override { return tree_.ok() ? std::string() : "the file could not be parsed"; }

  SitePlan plan(const Finding& f) override {
    pending_.reset();
    const FixSite& site = *f.fix;
    const bool module_call = f.rule == to_string(RuleId::QG002);
    const FactoryChoice choice = choose_factory(*policy_.factory, module_call ? ClientKind::Sync : site.kind, module_call);
    if (!choice.target) return left(LeftReason::NoFactory, choice.reason);
    const std::string_view root = root_name(site.bound_name);
    const FactoryRef ref = editor_.reference(choice.target->function, site.callee.start_byte, root);

    SitePlan plan;
    plan.edits.push_back({site.callee.start_byte, site.callee.end_byte, module_call ? ref.expr + "()" : ref.expr});
    if (!module_call && !choice.target->keep_arguments) {
      const uint32_t bom = src_.bom_length;
      TSNode args = tree_.node_at(site.arguments.start_byte - bom, site.arguments.end_byte - bom, Syntax::get().argument_list);
      if (is_null(args)) return left(LeftReason::FileSkipped, "the argument list was not found");
      const ArgumentVerdict v = judge_dropped_arguments(tree_, args, site.kind, editor_.imports());
      if (!v.safe && !policy_.unsafe_fixes)
        return left(LeftReason::Unsafe, "would drop " + v.lost + " (the factory takes no arguments)");
      if (ts_node_named_child_count(args) > 0 || tree_.text(args) != "()")
        plan.edits.push_back({site.arguments.start_byte, site.arguments.end_byte, "()"});
    }
    pending_ = Pending{ref.import, std::string(root)};
    return plan;
  }

  void taken() override {
    if (!pending_) return;
    if (pending_->import) imports_.push_back(*pending_->import);
    used_roots_.insert(pending_->root);
    pending_.reset();
  }

  std::vector<Edit> file_edits(const std::vector<Edit>& site_edits) override {
    std::vector<Edit> edits = editor_.remove_unused(used_roots_, site_edits);
    for (Edit& e : editor_.import_edits(imports_)) edits.push_back(std::move(e));
    return edits;
  }

  std::string check(std::string_view fixed) const override {
    const Tree after(fixed.substr(src_.bom_length));
    if (!after.ok() || after.error_count() > tree_.error_count()) return "the fixed file would have a syntax error";
    return {};
  }

 private:
  static SitePlan left(LeftReason reason, std::string detail) { return {{}, reason, std::move(detail)}; }

  struct Pending {
    std::optional<ImportRequest> import;
    std::string root;
  };
  const SourceText& src_;
  const FixPolicy& policy_;
  Tree tree_;
  ImportEditor editor_;
  std::optional<Pending> pending_;  // what the last plan needs if it is taken
  std::vector<ImportRequest> imports_;
  std::set<std::string> used_roots_;
};

}  // namespace

std::unique_ptr<FixPlanner> make_fix_planner(const SourceText& source, const FixPolicy& policy) {
  return std::make_unique<PythonFixPlanner>(source, policy);
}

}  // namespace qg::python
