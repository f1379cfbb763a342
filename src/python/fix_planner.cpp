#include "python/fix_planner.h"

#include <optional>
#include <set>
#include <string>

#include "core/factory_choice.h"
#include "python/fix_arguments.h"
#include "python/fix_import_editor.h"
#include "python/fix_library_arguments.h"
#include "python/fix_startup_statement.h"
#include "python/library_clients.h"
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
    pending_startup_ = nullptr;
    if (f.rule == to_string(RuleId::QG009)) return plan_default_client_site(f);
    if (f.rule == to_string(RuleId::QG010)) return f.fix->at_startup ? plan_install_site(f) : plan_library_arguments_site(f);
    const FixSite& site = *f.fix;
    const bool module_call = f.rule == to_string(RuleId::QG002);
    // A call the parser only made whole by guessing (a MISSING `(` between two names, an ERROR
    // inside) is not a construction quotaguard can be sure of: rewriting it rewrites a guess.
    if (!module_call && call_holds_error(site))
      return left(LeftReason::SyntaxError, "the call holds a syntax error: quotaguard does not rewrite what it cannot parse");
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
      // In a broken file an unclosed string or bracket can make the "arguments" run on over
      // lines of code; dropping them would delete it.
      if (ts_node_has_error(args)) return left(LeftReason::SyntaxError, "its arguments hold a syntax error: dropping them could drop code");
      const ArgumentVerdict v = judge_dropped_arguments(tree_, args, site.kind, editor_.imports());
      if (!v.safe && !policy_.unsafe_fixes)
        return left(LeftReason::Unsafe, "would drop " + v.lost + " (the factory takes no arguments)");
      if (ts_node_named_child_count(args) > 0 || tree_.text(args) != "()")
        plan.edits.push_back({site.arguments.start_byte, site.arguments.end_byte, "()"});
    }
    pending_ = Pending{{}, std::string(root)};
    if (ref.import) pending_->imports.push_back(*ref.import);
    return plan;
  }

  void taken() override {
    if (pending_startup_ && !pending_startup_->taken) {
      pending_startup_->taken = true;
      for (const ImportRequest& r : pending_startup_->statement->imports) imports_.push_back(r);
    }
    pending_startup_ = nullptr;
    if (!pending_) return;
    for (const ImportRequest& r : pending_->imports) imports_.push_back(r);
    if (!pending_->root.empty()) used_roots_.insert(pending_->root);
    pending_.reset();
  }

  std::vector<Edit> file_edits(const std::vector<Edit>& site_edits) override {
    std::vector<Edit> edits = editor_.remove_unused(used_roots_, site_edits);
    std::vector<Edit> imports = editor_.import_edits(imports_);
    for (const StartupFix* startup : {&install_, &default_client_})
      if (startup->taken) add_statement(imports, *startup->statement);
    for (Edit& e : imports) edits.push_back(std::move(e));
    return edits;
  }

  std::string check(std::string_view fixed) const override {
    const Tree after(fixed.substr(src_.bom_length));
    if (!after.ok() || after.error_count() > tree_.error_count()) return "the fixed file would have a syntax error";
    return {};
  }

 private:
  static SitePlan left(LeftReason reason, std::string detail) { return {{}, reason, std::move(detail)}; }

  bool call_holds_error(const FixSite& site) const {
    const uint32_t bom = src_.bom_length;
    const TSNode call = tree_.node_at(site.callee.start_byte - bom, site.arguments.end_byte - bom, Syntax::get().call);
    return !is_null(call) && ts_node_has_error(call);
  }

  // Every QG009 finding fixed here is fixed by one statement (fix_startup_statement.h), made once;
  // it has no edit at the finding's own site, which is usually in another file.
  SitePlan plan_default_client_site(const Finding& f) {
    const ClientLibrary* library = LibraryModel::get().library_of_api(f.api);
    if (!library) return left(LeftReason::FileSkipped, "no library counts `" + f.api + "`");
    if (!policy_.unsafe_fixes)
      return left(LeftReason::Unsafe, "sets the " + library->display_name + "'s default client in " + startup_file(f) +
                                          ", which changes process-wide state");
    const FactoryChoice choice = choose_factory(*policy_.factory, ClientKind::Async);
    if (!choice.target) return left(LeftReason::NoFactory, choice.reason);
    return plan_startup(f, default_client_, default_client_call(*library, choice.target->function));
  }

  // QG010 where the library takes no tracked client (or this call leaves no room for one): one
  // `quotaguard.install()` where the application starts fixes every such call of the project.
  SitePlan plan_install_site(const Finding& f) {
    if (!policy_.unsafe_fixes)
      return left(LeftReason::Unsafe, "calls `quotaguard.install()` in " + startup_file(f) +
                                          ", which tracks every OpenAI client the process builds (process-wide state)");
    return plan_startup(f, install_, install_call());
  }

  // QG010 where the library takes a tracked client: the library's `fix-arguments` at the call.
  SitePlan plan_library_arguments_site(const Finding& f) {
    const ClientBuildingLibrary* library = LibraryClientTable::get().library_of_api(f.api);
    if (!library) return left(LeftReason::FileSkipped, "no library counts `" + f.api + "`");
    std::string why;
    auto fix = plan_library_arguments(tree_, editor_, src_.bom_length, line_ending(src_.bytes), *f.fix, *library, &why);
    if (!fix) return left(LeftReason::FileSkipped, why);
    if (!policy_.unsafe_fixes)
      return left(LeftReason::Unsafe, "would pass " + fix->added + " (quotaguard's HTTP clients, not " +
                                          library->display_name + "'s own)");
    pending_ = Pending{std::move(fix->imports), {}};
    return {std::move(fix->edits), {}, {}};
  }

  static std::string startup_file(const Finding& f) { return f.fix->file.empty() ? f.path : f.fix->file; }

  struct StartupFix {
    std::optional<StartupStatement> statement;  // planned at its kind's first finding
    bool taken = false;
  };

  SitePlan plan_startup(const Finding& f, StartupFix& startup, const StartupCall& call) {
    if (!startup.statement) {
      std::string why;
      startup.statement = plan_startup_statement(tree_, editor_, src_.bom_length, line_ending(src_.bytes), *f.fix, call, &why);
      if (!startup.statement) return left(LeftReason::FileSkipped, why);
    }
    pending_startup_ = &startup;
    return {};
  }

  struct Pending {
    std::vector<ImportRequest> imports;
    std::string root;  // the name the site used, whose openai import may become unused
  };
  const SourceText& src_;
  const FixPolicy& policy_;
  Tree tree_;
  ImportEditor editor_;
  std::optional<Pending> pending_;  // what the last plan needs if it is taken
  std::vector<ImportRequest> imports_;
  std::set<std::string> used_roots_;
  StartupFix default_client_, install_;  // QG009's statement, QG010's install()
  StartupFix* pending_startup_ = nullptr;
};

}  // namespace

std::unique_ptr<FixPlanner> make_fix_planner(const SourceText& source, const FixPolicy& policy) {
  return std::make_unique<PythonFixPlanner>(source, policy);
}

}  // namespace qg::python
