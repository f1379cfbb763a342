// `judges` (python/library_clients.h Judge): whether a call loading evaluators by name builds
// what one of them needs, read from the syntax: an evaluator of the library's `judged` is named
// (by its name, its enum member, or a configuration of it) and is handed nothing under its
// keyword (LangChain's `load_evaluator("qa")`, `RunEvalConfig(evaluators=["qa",
// RunEvalConfig.Criteria("helpfulness")])`, `load_evaluator("embedding_distance")`); or an
// evaluator object or class of the library's (ragas' `evaluate(ds, [faithfulness,
// AnswerRelevancy(llm=...)])`), or none and the loader's defaults (`evaluate(ds)`).
#include <algorithm>

#include "python/library_arguments.h"
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr int kMaxDepth = 4;  // names followed to their assignments, lists within lists

// Whether `call` hands something under `keyword` (or at `position`, -1: keyword only): anything
// but None, or a `**` splat that may.
bool hands(TSNode call, const Scope* scope, std::string_view keyword, Evaluator& ev, int position = -1) {
  const TSNode arg = unparenthesize(ev.argument_node(call, scope, position, keyword));
  if (!is_null(arg)) return sym(arg) != Syntax::get().none;
  return may_pass_keyword(call, scope, keyword, ev);
}

struct JudgedReader {
  const ClientBuildingLibrary& lib;
  const Judge& judge;
  TSNode call;
  const Scope* scope;
  Evaluator& ev;

  const JudgedEvaluator* judged_named(std::string_view name) const {
    for (const JudgedEvaluator& e : lib.judged)
      if (e.name == name) return &e;
    return nullptr;
  }

  // Whether the call hands an evaluator what `keyword` names, under the keyword it takes it by.
  bool call_hands(std::string_view keyword) const {
    if (!judge.takes_all) {
      const auto it = judge.takes.find(keyword);
      keyword = it == judge.takes.end() ? std::string_view{} : std::string_view(it->second);
    }
    if (keyword.empty()) return false;
    const auto at = std::find(judge.parameters.begin(), judge.parameters.end(), keyword);
    return hands(call, scope, keyword, ev, at == judge.parameters.end() ? -1 : int(at - judge.parameters.begin()));
  }

  // Whether evaluator `e` builds something: one of its keywords handed neither where it is
  // configured (`configured`, a call: `RunEvalConfig.QA(llm=...)`, `Faithfulness(llm=...)`) nor
  // by the call.
  bool builds_for(const JudgedEvaluator& e, TSNode configured = {}, const Scope* where = nullptr) const {
    return std::any_of(e.keywords.begin(), e.keywords.end(), [&](const std::string& keyword) {
      return (is_null(configured) || !hands(configured, where, keyword, ev)) && !call_hands(keyword);
    });
  }

  // Whether one evaluator, as written at `n` (in `where`, whose code is `there`), builds what it
  // needs: a judged name or enum member the call hands nothing, or a judged configuration or
  // class (`ragas.metrics.Faithfulness()`) handed nothing either there or by the call.
  bool builds(TSNode n, const Scope* where, std::string_view there, int depth) {
    const Syntax& S = Syntax::get();
    n = unparenthesize(n);
    if (is_null(n) || depth > kMaxDepth) return false;
    if (const auto name = plain_string(n, there)) {
      const JudgedEvaluator* e = judged_named(*name);
      return e && builds_for(*e);
    }
    if (sym(n) == S.call) {
      for (const Value& v : ev.eval(field(n, S.f_function), where))
        if (v.kind == Value::Kind::External)
          if (const JudgedEvaluator* e = configured(v.path); e || (e = member(v.path))) return builds_for(*e, n, where);
      return false;
    }
    // A name assigned in the project (`metric = Faithfulness(llm=...)`): what it is assigned.
    if (sym(n) == S.identifier && assigned(n, where, there))
      return any_binding(n, where, there, depth, [&](TSNode value, const Scope* s, std::string_view c) {
        return builds(value, s, c, depth + 1);
      });
    for (const Value& v : ev.eval(n, where))
      if (v.kind == Value::Kind::External)
        if (const JudgedEvaluator* e = member(v.path)) return builds_for(*e);
    return false;
  }

  // Whether the scope that sees the name `n` assigns it a value.
  static bool assigned(TSNode n, const Scope* where, std::string_view there) {
    const std::string name(text(n, there));
    const Scope* s = defining_scope(where, name);
    if (!s) return false;
    const std::vector<Binding>& bindings = s->bindings.at(name);
    return std::any_of(bindings.begin(), bindings.end(), [](const Binding& b) { return b.kind == Binding::Kind::Expr; });
  }

  // Whether any evaluator of a list (a literal, `*` splats and `+` joins in it, or a name bound
  // to one) builds what it needs.
  bool any_builds(TSNode n, const Scope* where, std::string_view there, int depth) {
    const Syntax& S = Syntax::get();
    n = unparenthesize(n);
    if (is_null(n) || depth > kMaxDepth) return false;
    if (sym(n) == S.list || sym(n) == S.tuple || sym(n) == S.set) {
      for (TSNode item : NamedChildren(n)) {
        const bool hit = sym(item) == S.list_splat ? any_builds(ts_node_named_child(item, 0), where, there, depth + 1)
                                                   : builds(item, where, there, depth);
        if (hit) return true;
      }
      return false;
    }
    if (sym(n) == S.binary_operator)
      return any_builds(field(n, S.f_left), where, there, depth + 1) ||
             any_builds(field(n, S.f_right), where, there, depth + 1);
    return sym(n) == S.identifier && any_binding(n, where, there, depth, [&](TSNode value, const Scope* s, std::string_view c) {
             return any_builds(value, s, c, depth + 1);
           });
  }

  // `each(value, its scope, its code)` over the assignments of the name `n` in the scope that
  // sees it; true when one answers true.
  template <typename Each>
  bool any_binding(TSNode n, const Scope* where, std::string_view there, int depth, Each each) {
    if (depth >= kMaxDepth) return false;
    const std::string name(text(n, there));
    const Scope* s = defining_scope(where, name);
    if (!s) return false;
    const std::vector<Binding>& bindings = s->bindings.at(name);
    return std::any_of(bindings.begin(), bindings.end(), [&](const Binding& b) {
      return b.kind == Binding::Kind::Expr && !is_null(b.node) && b.scope && b.scope->owner &&
             each(b.node, b.scope, b.scope->owner->code());
    });
  }

  // `RunEvalConfig.QA`: a configuration member of one of the judge's own names.
  const JudgedEvaluator* configured(std::string_view path) const {
    const std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos) return nullptr;
    const auto it = judge.configs.find(path.substr(dot + 1));
    if (it == judge.configs.end() ||
        std::find(judge.names.begin(), judge.names.end(), path.substr(0, dot)) == judge.names.end())
      return nullptr;
    return judged_named(it->second);
  }

  // `EvaluatorType.QA`: a judged member of one of the library's enums.
  const JudgedEvaluator* member(std::string_view path) const {
    const std::size_t dot = path.rfind('.');
    if (dot == std::string_view::npos ||
        std::find(lib.judged_enums.begin(), lib.judged_enums.end(), path.substr(0, dot)) == lib.judged_enums.end())
      return nullptr;
    for (const JudgedEvaluator& e : lib.judged)
      if (e.member == path.substr(dot + 1)) return &e;
    return nullptr;
  }
};

}  // namespace

bool judge_builds_default(const Judge& judge, const ClientBuildingLibrary& lib, TSNode call, const Scope* scope,
                          Evaluator& ev, std::string_view code) {
  const TSNode evaluators = ev.argument_node(call, scope, judge.position, judge.evaluator);
  JudgedReader reader{lib, judge, call, scope, ev};
  // Handed none (or None): the loader's own, when it has some.
  if (is_null(evaluators) || sym(unparenthesize(evaluators)) == Syntax::get().none) {
    if (!is_null(evaluators) || !may_pass_keyword(call, scope, judge.evaluator, ev))
      for (const std::string& name : judge.defaults)
        if (const JudgedEvaluator* e = reader.judged_named(name); e && reader.builds_for(*e)) return true;
    return false;
  }
  return judge.list ? reader.any_builds(evaluators, scope, code, 0) : reader.builds(evaluators, scope, code, 0);
}

}  // namespace qg::python
