// `judges` (python/library_clients.h Judge): whether a call loading evaluators by name builds
// what one of them needs, read from the syntax: an evaluator of the library's `judged` is named
// (by its name, its enum member, or a configuration of it) and is handed nothing under its
// keyword (LangChain's `load_evaluator("qa")`, `RunEvalConfig(evaluators=["qa",
// RunEvalConfig.Criteria("helpfulness")])`, `load_evaluator("embedding_distance")`).
#include <algorithm>

#include "python/library_arguments.h"
#include "python/library_handed.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr int kMaxDepth = 4;  // names followed to their assignments, lists within lists

// Whether `call` hands something under `keyword`: anything but None, or a `**` splat that may.
bool hands(TSNode call, const Scope* scope, std::string_view keyword, Evaluator& ev) {
  if (!may_pass_keyword(call, scope, keyword, ev)) return false;
  const TSNode arg = unparenthesize(ev.argument_node(call, scope, -1, keyword));
  return is_null(arg) || sym(arg) != Syntax::get().none;
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

  // Whether the call hands evaluator `e` what it needs, under the keyword it takes it by.
  bool call_hands(const JudgedEvaluator& e) const {
    std::string_view keyword = e.keyword;
    if (!judge.takes_all) {
      const auto it = judge.takes.find(e.keyword);
      keyword = it == judge.takes.end() ? std::string_view{} : std::string_view(it->second);
    }
    return !keyword.empty() && hands(call, scope, keyword, ev);
  }

  // Whether one evaluator, as written at `n` (in `where`, whose code is `there`), builds what it
  // needs: a judged name or enum member the call hands nothing, or a judged configuration handed
  // nothing either there or by the call.
  bool builds(TSNode n, const Scope* where, std::string_view there, int depth) {
    const Syntax& S = Syntax::get();
    n = unparenthesize(n);
    if (is_null(n) || depth > kMaxDepth) return false;
    if (const auto name = plain_string(n, there)) {
      const JudgedEvaluator* e = judged_named(*name);
      return e && !call_hands(*e);
    }
    if (sym(n) == S.call) {
      for (const Value& v : ev.eval(field(n, S.f_function), where))
        if (v.kind == Value::Kind::External)
          if (const JudgedEvaluator* e = configured(v.path)) return !hands(n, where, e->keyword, ev) && !call_hands(*e);
      return false;
    }
    for (const Value& v : ev.eval(n, where))
      if (v.kind == Value::Kind::External)
        if (const JudgedEvaluator* e = member(v.path)) return !call_hands(*e);
    return sym(n) == S.identifier && any_binding(n, where, there, depth, [&](TSNode value, const Scope* s, std::string_view c) {
             return builds(value, s, c, depth + 1);
           });
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
  if (is_null(evaluators)) return false;
  JudgedReader reader{lib, judge, call, scope, ev};
  return judge.list ? reader.any_builds(evaluators, scope, code, 0) : reader.builds(evaluators, scope, code, 0);
}

}  // namespace qg::python
