// What a call does, for the checks: construction, factory call, API call (with the worst
// provenance of its receiver), legacy call, transport replacement. The values themselves come
// from evaluator.cpp.
#include <algorithm>

#include "python/evaluator.h"
#include "python/syntax.h"

namespace qg::python {

bool Evaluator::has_keyword(TSNode call, std::string_view keyword, std::string_view code) const {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args)) return false;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.keyword_argument && text(field(a, S.f_name), code) == keyword) return true;
    if (sym(a) == S.dictionary_splat) return true;  // **options may carry it
  }
  return false;
}

CallOutcome Evaluator::outcome_of(const Value& v, TSNode call, const Scope* scope) {
  CallOutcome o;
  switch (v.kind) {
    case Value::Kind::External: {
      if (auto* c = catalogue_.client_class(v.path)) {
        o.kind = CallOutcome::Kind::Construction;
        o.client_kind = c->kind;
        o.fixable = c->fixable && is_null(v.node);  // (not a `partial`'s: its arguments are elsewhere)
        o.prov = scope->owner->is_factory ? Provenance::Factory : Provenance::Direct;
        o.name = v.path;
        return o;
      }
      if (const auto handed = factory_handed(v, call, scope)) {
        o.client_kind = handed->kind;
        if (handed->tracked) {  // `field(default_factory=quotaguard.openai_client)`
          o.kind = CallOutcome::Kind::FactoryCall;
          return o;
        }
        o.kind = CallOutcome::Kind::Construction;  // `field(default_factory=OpenAI)`
        o.prov = scope->owner->is_factory ? Provenance::Factory : Provenance::Direct;
        o.name = v.path;
        o.factory_class = handed->argument;
        return o;
      }
      if (auto kind = project_.factory(v.path)) {
        o.kind = CallOutcome::Kind::FactoryCall;
        o.client_kind = *kind;
        return o;
      }
      if (auto [library, api] = libraries_.entry_point(v.path); library) {
        o.kind = CallOutcome::Kind::LibraryRun;
        o.library = library;
        o.api = *api;
        return o;
      }
      const std::string& pkg = catalogue_.package();
      if (v.path.size() > pkg.size() + 1 && v.path.compare(0, pkg.size(), pkg) == 0 && v.path[pkg.size()] == '.') {
        std::string_view rest = std::string_view(v.path).substr(pkg.size() + 1);
        std::string api = strip_response_wrappers(rest);
        // A method the catalogue lacks still calls the API when it goes through one of the
        // module client's resources (`openai.beta.vector_stores.files.create` of an SDK newer
        // or older than the catalogue): the module also holds types, lib, ... that are not.
        const bool through_resource =
            catalogue_.is_resource(api.substr(0, api.find('.'))) && catalogue_.is_resource_call(api);
        if (catalogue_.api_method(api) || through_resource) {
          o.kind = CallOutcome::Kind::ApiCall;
          o.prov = Provenance::Module;
          o.api = api;
          return o;
        }
        if (auto* legacy = catalogue_.legacy_method(rest)) {
          o.kind = CallOutcome::Kind::LegacyCall;
          o.api = legacy->v1_api;
          o.name = std::string(rest);
          return o;
        }
      }
      return o;
    }
    case Value::Kind::Factory:
      o.kind = CallOutcome::Kind::FactoryCall;
      o.client_kind = v.client_kind;
      return o;
    case Value::Kind::Class:
      if (auto kind = client_subclass(*v.cls)) {
        o.kind = CallOutcome::Kind::Construction;
        o.client_kind = *kind;
        o.fixable = false;  // a project subclass has no factory counterpart to rewrite to
        o.prov = (scope->owner->is_factory || v.cls->body->owner->is_factory) ? Provenance::Factory : Provenance::Direct;
        o.name = v.cls->name;
      }
      return o;
    case Value::Kind::Client: {
      if (v.path.empty()) return o;
      if (catalogue_.is_copy_method(v.path)) {
        if (v.prov == Provenance::Factory && has_keyword(call, "http_client", scope->owner->code()))
          o.kind = CallOutcome::Kind::TransportReplaced;
        o.name = v.path;
        return o;
      }
      std::string api = strip_response_wrappers(v.path);
      // Any call through a resource of the client is an API call, in the catalogue or not
      // (an SDK version's method it lacks); the client's own members are not (data), nor a
      // path through no resource of any SDK version (`client.messages.create` on a name that
      // holds an Anthropic client as well).
      const bool through_resource = !v.own_members && catalogue_.is_resource(api.substr(0, api.find('.'))) &&
                                    catalogue_.is_resource_call(api);
      if (catalogue_.api_method(api) || through_resource ||
          (api.find('.') == std::string::npos && catalogue_.is_raw_method(api))) {
        o.kind = CallOutcome::Kind::ApiCall;
        o.prov = v.prov;
        o.api = api;
        o.origin = v.origin;
        o.origin_line = v.origin_line;
      }
      return o;
    }
    case Value::Kind::Unknown: {
      std::string api = strip_response_wrappers(v.path);
      if (catalogue_.api_method(api)) {
        o.kind = CallOutcome::Kind::ApiCall;
        o.prov = Provenance::Unknown;
        o.api = api;
        o.exact = true;
        o.annotated = v.annotated;
        return o;
      }
      // `self.llm.client.chat.completions.create`: a distinctive API at the end of a longer chain,
      // not reached through another of the API's resource names (`client.messages.batches.create`
      // is another SDK's: the longer path would be the API's if it were one).
      for (std::size_t dot = api.find('.'); dot != std::string::npos; dot = api.find('.', dot + 1)) {
        std::string_view tail = std::string_view(api).substr(dot + 1);
        const std::size_t before = api.rfind('.', dot - 1);
        const std::size_t from = before == std::string::npos ? 0 : before + 1;
        if (catalogue_.is_resource_segment(std::string_view(api).substr(from, dot - from))) continue;
        if (const ApiMethod* m = catalogue_.api_method(tail); m && catalogue_.is_distinctive_resource(m->resource)) {
          o.kind = CallOutcome::Kind::ApiCall;
          o.prov = Provenance::Unknown;
          o.api = std::string(tail);
          o.exact = false;
          return o;
        }
      }
      return o;
    }
    default:
      return o;
  }
}

CallOutcome Evaluator::classify_call(TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  return best_outcome(eval(field(call, S.f_function), scope), call, scope);
}

CallOutcome Evaluator::best_outcome(const Values& callees, TSNode call, const Scope* scope) {
  CallOutcome best;
  // Direct beats module beats unknown beats factory: one untracked possibility is enough.
  auto rank = [](Provenance p) {
    switch (p) {
      case Provenance::Direct: return 4;
      case Provenance::Module: return 3;
      case Provenance::Unknown: return 2;
      case Provenance::Factory: return 1;
      default: return 0;
    }
  };
  auto kind_rank = [](CallOutcome::Kind k) {
    switch (k) {
      case CallOutcome::Kind::Construction: return 6;
      case CallOutcome::Kind::LegacyCall: return 5;
      case CallOutcome::Kind::ApiCall: return 4;
      case CallOutcome::Kind::LibraryRun: return 3;
      case CallOutcome::Kind::TransportReplaced: return 2;
      case CallOutcome::Kind::FactoryCall: return 1;
      default: return 0;
    }
  };
  auto consider = [&](CallOutcome o) {
    if (o.kind == CallOutcome::Kind::None) return;
    if (kind_rank(o.kind) > kind_rank(best.kind) ||
        (o.kind == best.kind && o.kind == CallOutcome::Kind::ApiCall &&
         (rank(o.prov) > rank(best.prov) || (rank(o.prov) == rank(best.prov) && o.exact && !best.exact))) ||
        (o.kind == best.kind && o.kind == CallOutcome::Kind::Construction && o.prov == Provenance::Direct &&
         best.prov != Provenance::Direct))
      best = std::move(o);
  };
  for (const auto& v : callees) {
    CallOutcome o = outcome_of(v, call, scope);
    // An API call on a parameter (or on what a parameter leads to): what the program passes
    // decides, when the calls that pass it are found.
    // A parameter called itself (`client_type(...)` for a parametrized class) too, and a client
    // class of a module passed in (`openai.OpenAI()` on a fixture yielding the module).
    const bool api_on_parameter = o.kind == CallOutcome::Kind::ApiCall && o.prov == Provenance::Unknown;
    const bool parameter_called = o.kind == CallOutcome::Kind::None && called_through_parameter(v);
    // A client's own request method (`client.post("/foo", ...)`) on a parameter: no API on an
    // unknown receiver (`d.get(key)` on a dict is no call of interest), but one on a client passed.
    const bool raw_on_parameter = o.kind == CallOutcome::Kind::None && v.kind == Value::Kind::Unknown &&
                                  catalogue_.is_raw_method(v.path);
    // An API method named on a parameter that may hold a resource rather than a client
    // (`def send(completions): completions.create(...)` called with `client.chat.completions`,
    // a wrapper storing `self._original = original`): only a client's resource passed makes it
    // an API call.
    const bool method_on_parameter = o.kind == CallOutcome::Kind::None && v.kind == Value::Kind::Unknown &&
                                     !v.path.empty() &&
                                     catalogue_.is_method_name(std::string_view(v.path).substr(v.path.rfind('.') + 1));
    if ((api_on_parameter || parameter_called || raw_on_parameter || method_on_parameter) &&
        (v.field_of || (v.function && v.param_index >= 0))) {
      const Values passed = through_parameters(v);
      if (passed.size() != 1 || !passed.front().same(v)) {
        for (const auto& p : passed) {
          CallOutcome reached = outcome_of(p, call, scope);
          // A method or run handed over as an argument is reported where it is handed over;
          // what a called parameter adds is the client it builds.
          if (parameter_called && reached.kind != CallOutcome::Kind::Construction &&
              reached.kind != CallOutcome::Kind::FactoryCall)
            continue;
          if ((raw_on_parameter || method_on_parameter) && reached.kind != CallOutcome::Kind::ApiCall) continue;
          reached.fixable = false;  // the code names a parameter, not the class: nothing to rewrite
          consider(std::move(reached));
        }
        continue;
      }
    }
    consider(std::move(o));
  }
  return best;
}

CallOutcome Evaluator::classify_reference(TSNode expr, const Scope* scope) {
  CallOutcome o = best_outcome(eval(expr, scope), expr, scope);
  // Only what is surely an API method: `x = client.files` (a resource) or `client.close`
  // (a member) is no API use, and an unknown receiver is judged where it is called.
  if (o.kind != CallOutcome::Kind::ApiCall || o.prov == Provenance::Unknown || !catalogue_.api_method(o.api))
    return {};
  return o;
}

std::optional<Evaluator::GetattrParts> Evaluator::getattr_parts(TSNode call, const Scope* scope) {
  const auto& S = Syntax::get();
  TSNode fn = field(call, S.f_function);
  const std::string_view code = scope->owner->code();
  if (is_null(fn) || sym(fn) != S.identifier || text(fn, code) != "getattr") return std::nullopt;
  if (!lookup(scope, "getattr", start_byte(fn)).empty()) return std::nullopt;  // not the builtin
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return std::nullopt;
  GetattrParts p;
  int n = 0;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.keyword_argument || sym(a) == S.list_splat || sym(a) == S.dictionary_splat) return std::nullopt;
    (n == 0 ? p.object : n == 1 ? p.name : p.fallback) = a;
    ++n;
  }
  if (n < 2 || n > 3) return std::nullopt;
  if (sym(p.name) == S.string) {
    bool plain = true;
    std::string content;
    for (TSNode c : NamedChildren(p.name)) {
      if (sym(c) == S.interpolation) plain = false;
      if (sym(c) == S.string_content) content += text(c, code);
    }
    // No escapes, no prefix games: an identifier-shaped literal only.
    plain = plain && !content.empty() &&
            std::all_of(content.begin(), content.end(), [](char c) { return is_identifier_char(c); });
    if (plain) {
      p.literal = true;
      p.literal_name = std::move(content);
    }
  }
  return p;
}

CallOutcome Evaluator::classify_dynamic_getattr(TSNode call, const Scope* scope) {
  auto parts = getattr_parts(call, scope);
  if (!parts || parts->literal) return {};
  Values receivers;
  for (auto v : eval(parts->object, scope)) {
    // Only a resource of a client (a non-empty path through no client member) has API methods.
    if (v.kind == Value::Kind::Client && !v.path.empty()) {
      const std::string resource = strip_response_wrappers(v.path);
      if (resource.empty() || catalogue_.is_client_member(resource.substr(0, resource.find('.')))) continue;
      if (v.own_members && !catalogue_.is_resource(resource)) continue;  // a wrapper's own attribute
      v.own_members = false;  // (checked here: `<resource>.*` is no catalogue method)
      v.path = resource + ".*";
      add(receivers, std::move(v));
    } else if (v.kind == Value::Kind::External) {
      const std::string& pkg = catalogue_.package();
      if (v.path.size() <= pkg.size() + 1 || v.path.compare(0, pkg.size() + 1, pkg + ".") != 0) continue;
      const std::string resource = strip_response_wrappers(std::string_view(v.path).substr(pkg.size() + 1));
      if (!catalogue_.is_resource(resource)) continue;
      v.path = pkg + "." + resource + ".*";
      add(receivers, std::move(v));
    }
  }
  CallOutcome o = best_outcome(receivers, call, scope);
  if (o.kind != CallOutcome::Kind::ApiCall || o.prov == Provenance::Unknown) return {};
  return o;
}

bool Evaluator::yields_client(const Values& values, int depth) {
  if (depth > 4) return false;
  for (const auto& v : values)
    if (value_yields_client(v, depth)) return true;
  return false;
}

bool Evaluator::value_yields_client(const Value& v, int depth) {
  // Memoised per (function, class or container, depth): a class whose methods return the class
  // (Decimal) was otherwise re-explored for every method at every depth, 200^4 times.
  const void* subject = v.kind == Value::Kind::Function ? static_cast<const void*>(v.function)
                        : v.kind == Value::Kind::Container ? static_cast<const void*>(v.elements.get())
                        : v.kind == Value::Kind::Class || v.kind == Value::Kind::Instance ? static_cast<const void*>(v.cls)
                                                                                           : nullptr;
  if (subject)
    if (const auto* hit = memo_hit(yields_memo_, std::make_pair(subject, depth))) return *hit;
  const MemoStamp st = stamp();
  bool yes = false;
  switch (v.kind) {
    case Value::Kind::Client:
    case Value::Kind::Factory:
      return true;
    case Value::Kind::External:
      return catalogue_.client_class(v.path) || v.path == catalogue_.package() ||
             v.path.starts_with(catalogue_.package() + ".") || libraries_.is_significant(v.path);
    case Value::Kind::Object:  // a library object leading to a client (`provider = OpenAIProvider(...)`)
      return true;
    case Value::Kind::Function:
      yes = yields_client(function_returns(v.function), depth + 1);
      break;
    case Value::Kind::Container:
      yes = v.elements && yields_client(*v.elements, depth + 1);
      break;
    case Value::Kind::Class:
    case Value::Kind::Instance: {
      yes = client_subclass(*v.cls).has_value();
      for (const auto& [name, bindings] : v.cls->instance_attrs)
        for (const auto& b : bindings) yes = yes || yields_client(binding_values(b, b.scope), depth + 1);
      for (const auto& [name, bindings] : v.cls->body->bindings)
        for (const auto& b : bindings)
          yes = yes || (b.kind == Binding::Kind::Function ? yields_client(function_returns(b.function), depth + 1)
                                                          : yields_client(binding_values(b, v.cls->body), depth + 1));
      break;
    }
    default:
      break;
  }
  if (subject) remember(yields_memo_, std::make_pair(subject, depth), yes, st);
  return yes;
}

}  // namespace qg::python
