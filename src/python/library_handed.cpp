// What a library call is handed through a client keyword (library_handed.h).
#include "python/library_handed.h"

#include <algorithm>
#include <iterator>

#include "python/syntax.h"

namespace qg::python {

namespace {

// HTTP clients that are visibly plain where they are handed over (the http_client= keywords).
constexpr std::string_view kPlainHttpClients[] = {"httpx.Client", "httpx.AsyncClient", "openai.DefaultHttpxClient",
                                                  "openai.DefaultAsyncHttpxClient"};

bool is_quotaguard(std::string_view path) { return path == "quotaguard" || path.starts_with("quotaguard."); }

// A name handed over: what every assignment of it in the nearest scope that binds it holds
// (`http_client = None`, then `http_client = httpx.AsyncClient(proxies=...)`): plain when each
// is plain or None, tracked when any is tracked, else judged where it is built.
Handed handed_name(TSNode name, const Scope* scope, Evaluator& ev, int depth) {
  const std::string key(text(name, scope->owner->code()));
  for (const Scope* s = scope; s; s = s->parent) {
    auto it = s->bindings.find(key);
    if (it == s->bindings.end()) continue;
    bool all_plain = !it->second.empty();
    for (const Binding& b : it->second) {
      if (b.kind != Binding::Kind::Expr || is_null(b.node)) return Handed::Other;  // a parameter, a loop, ...
      const Handed h = handed_value(b.node, b.scope, ev, depth + 1);
      if (h == Handed::Tracked) return Handed::Tracked;
      all_plain &= h == Handed::Plain;
    }
    return all_plain ? Handed::Plain : Handed::Other;
  }
  return Handed::Other;
}

}  // namespace

Handed handed_value(TSNode arg, const Scope* scope, Evaluator& ev, int depth) {
  const Syntax& S = Syntax::get();
  arg = unparenthesize(arg);
  if (sym(arg) == S.none) return Handed::Plain;  // none: the library builds its own default
  // A name (pydantic-ai's `provider="ollama"`): the library builds what it names itself.
  if (sym(arg) == S.string || sym(arg) == S.concatenated_string) return Handed::Plain;
  if (sym(arg) == S.identifier && depth < 4) {
    const Handed named = handed_name(arg, scope, ev, depth);
    if (named != Handed::Other) return named;
  }
  if (sym(arg) == S.call) {
    const CallOutcome o = ev.classify_call(arg, scope);
    if (o.kind == CallOutcome::Kind::FactoryCall) return Handed::Tracked;
    for (const Value& callee : ev.eval(field(arg, S.f_function), scope)) {
      if (callee.kind != Value::Kind::External) continue;
      if (is_quotaguard(callee.path)) return Handed::Tracked;  // instrument_http_client(...), openai_client()
      if (std::find(std::begin(kPlainHttpClients), std::end(kPlainHttpClients), callee.path) !=
          std::end(kPlainHttpClients))
        return Handed::Plain;
    }
  }
  for (const Value& v : ev.eval(arg, scope))
    if (v.kind == Value::Kind::Factory || (v.kind == Value::Kind::Client && v.prov == Provenance::Factory))
      return Handed::Tracked;
  // A client constructed outside the factory is that construction's QG001; anything else is
  // judged where it is built.
  return Handed::Other;
}

Handed handed(TSNode call, const Scope* scope, Evaluator& ev, std::string_view keyword) {
  TSNode arg = ev.argument_node(call, scope, -1, keyword);
  if (is_null(arg)) return Handed::Nothing;
  return handed_value(arg, scope, ev, 0);
}

}  // namespace qg::python
