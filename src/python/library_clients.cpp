#include "python/library_clients.h"

#include <algorithm>
#include <limits>

#include "core/text_search.h"
#include "python/library_arguments.h"
#include "python/library_handed.h"
#include "python/rules_toml.h"
#include "python/syntax.h"

namespace qg::python {

bool defines_method(const ClassInfo& cls, std::string_view name) {
  if (!cls.body) return false;
  const auto it = cls.body->bindings.find(std::string(name));
  return it != cls.body->bindings.end() &&
         std::any_of(it->second.begin(), it->second.end(), [](const Binding& b) { return b.kind == Binding::Kind::Function; });
}

namespace {

// Whether a call passes keyword `name` (or a `**kwargs` that might hold it).
bool passes_keyword(TSNode call, std::string_view name, std::string_view code) {
  const Syntax& S = Syntax::get();
  const TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.dictionary_splat) return true;
    if (sym(a) == S.keyword_argument && text(field(a, S.f_name), code) == name) return true;
  }
  return false;
}

// Whether `fix-arguments` can be added to `call`: none of the keywords it would clash with.
bool takes_fix_arguments(TSNode call, const ClientBuildingLibrary& lib, std::string_view code) {
  const Syntax& S = Syntax::get();
  if (lib.fix_arguments.empty()) return false;
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;  // `f(x for x in y)`
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.dictionary_splat || sym(a) == S.list_splat) return false;
    if (sym(a) != S.keyword_argument) continue;
    const std::string_view name = text(field(a, S.f_name), code);
    auto named = [&](const std::vector<std::string>& keywords) {
      return std::find(keywords.begin(), keywords.end(), name) != keywords.end();
    };
    if (named(lib.tracked_by) || named(lib.fix_unless)) return false;
  }
  return true;
}


// Whether project classes derived from a library class whose client is built only when it sends
// (`sent-by`: `__call__` -> `request` -> `basic_request`) still send through it. chain[0] is
// the class called, chain.back() the one naming the library class as its base. They do unless
// they override the first method and no method of theirs reaches one of them in the library:
// `self.request` with `request` overridden nowhere in the chain, `super().__call__` with no
// override below its class, or any other object's (`dspy.OpenAI.__call__(self, ...)`).
bool sends_through_library(const std::vector<const ClassInfo*>& chain, const std::vector<std::string>& sent_by) {
  const Syntax& S = Syntax::get();
  const auto overridden = [&](std::size_t from, std::string_view name) {
    return std::any_of(chain.begin() + static_cast<std::ptrdiff_t>(from), chain.end(),
                       [&](const ClassInfo* c) { return defines_method(*c, name); });
  };
  if (!overridden(0, sent_by.front())) return true;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const ClassInfo& c = *chain[i];
    if (!c.defined_in || !c.defined_in->owner || is_null(c.node)) return true;
    const std::string_view code = c.defined_in->owner->code();
    bool reaches = false;
    ts::walk(c.node, [&](TSNode n) {
      if (reaches) return false;
      if (sym(n) != S.attribute) return true;
      const std::string_view name = text(field(n, S.f_attribute), code);
      if (std::find(sent_by.begin(), sent_by.end(), name) == sent_by.end()) return true;
      const TSNode object = unparenthesize(field(n, S.f_object));
      if (sym(object) == S.identifier && text(object, code) == "self") reaches = !overridden(0, name);
      else if (sym(object) == S.call && text(field(object, S.f_function), code) == "super") reaches = !overridden(i + 1, name);
      else reaches = true;
      return !reaches;
    });
    if (reaches) return true;
  }
  return false;
}

// The table entry a project class derives from (`class Patched(OpenAI)`: it builds the same
// client), through project bases; nullptr when none does, or when the classes between override
// how a `sent-by` library sends and never reach it (sends_through_library).
const LibraryClientTable::Entry* derived_entry(const LibraryClientTable& table, const ClassInfo& cls, Evaluator& ev,
                                               std::vector<const ClassInfo*>& chain) {
  if (chain.size() > 8) return nullptr;  // a cycle of project classes (code that fails at import)
  chain.push_back(&cls);
  const LibraryClientTable::Entry* out = nullptr;
  for (TSNode base : cls.bases) {
    for (const Value& v : ev.eval(base, cls.defined_in)) {
      if (v.kind == Value::Kind::External)
        if (const auto* e = table.entry(v.path))
          if (e->model_gated || e->returns_client || e->library->sent_by.empty() ||
              sends_through_library(chain, e->library->sent_by))
            out = e;
      if (!out && v.kind == Value::Kind::Class && v.cls) out = derived_entry(table, *v.cls, ev, chain);
      if (out) break;
    }
    if (out) break;
  }
  chain.pop_back();
  return out;
}

const LibraryClientTable::Entry* derived_entry(const LibraryClientTable& table, const ClassInfo& cls, Evaluator& ev) {
  std::vector<const ClassInfo*> chain;
  return derived_entry(table, cls, ev, chain);
}

// What the callee's values build. The callee may hold several classes (`cls = pick(provider)`):
// an entry when each one it may hold builds an OpenAI client (`direct`: the first is the
// library's own class, not a project subclass of it); a dispatch that may pick another provider's
// class (or a project class not derived from one) is judged like a model held in a variable:
// null, `mixed` when it may also pick a client-building one.
const LibraryClientTable::Entry* callee_entry(const LibraryClientTable& table, const Values& callees, Evaluator& ev,
                                              bool& direct, bool& mixed) {
  const LibraryClientTable::Entry* hit = nullptr;
  bool other = false;
  for (const Value& v : callees) {
    const LibraryClientTable::Entry* e = v.kind == Value::Kind::External ? table.entry(v.path)
                                         : v.kind == Value::Kind::Class && v.cls ? derived_entry(table, *v.cls, ev)
                                                                                 : nullptr;
    if (e && !hit) direct = v.kind == Value::Kind::External;
    if (e) hit = hit ? hit : e;
    else other = other || v.kind == Value::Kind::External || v.kind == Value::Kind::Class;
  }
  mixed = hit && other;
  return other ? nullptr : hit;
}

// The callee's values with a parameter called (`def build(cls, **p): return cls(**p)`, a base's
// `lc_class(**params)` handed its class through `super().__init__`) replaced by what its callers
// pass; with a `receiver`, only the callers running on an instance of its family (the subclass's
// `super().__init__(ChatOpenAI, ...)`, not a sibling's). `followed`: some parameter was.
Values through_called_parameters(const Values& callees, Evaluator& ev, const ClassInfo* receiver, bool& followed) {
  Values out;
  for (const Value& v : callees) {
    if (v.kind != Value::Kind::Unknown || (!v.field_of && (!v.function || v.param_index < 0))) {
      out.push_back(v);
      continue;
    }
    Value parameter = v;
    if (receiver && !parameter.context) parameter.context = receiver;
    const Values passed = ev.through_parameters(parameter);
    followed = followed || passed.size() != 1 || !passed.front().same(parameter);
    out.insert(out.end(), passed.begin(), passed.end());
  }
  return out;
}

}  // namespace

namespace {

// How many positional arguments `call` passes; a `*args` may hold any number (INT_MAX).
int positional_count(TSNode call) {
  const Syntax& S = Syntax::get();
  const TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return 0;
  int positional = 0;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.list_splat) return std::numeric_limits<int>::max();
    if (sym(a) != S.keyword_argument && sym(a) != S.dictionary_splat) ++positional;
  }
  return positional;
}

// Whether `call` hands its model nothing: no argument `index` (nor a `*args` that may hold it),
// no keyword `keyword` (nor a `**` splat that may), or `None`. A model taken by keyword may also
// be taken positionally past the library's `default-positionals` (the vector databases' embedder
// is their second to thirteenth parameter, by class and release): more arguments may hold it.
bool hands_no_model(TSNode call, const Scope* scope, int index, std::string_view keyword,
                    const ClientBuildingLibrary& lib, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  if (const TSNode arg = unparenthesize(ev.argument_node(call, scope, index, keyword)); !is_null(arg))
    return sym(arg) == S.none;
  const TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return false;
  const int positional = positional_count(call);
  if (positional == std::numeric_limits<int>::max()) return false;
  if (index < 0 && positional > lib.default_positionals) return false;
  return !may_pass_keyword(call, scope, keyword, ev) &&
         std::none_of(lib.model_aliases.begin(), lib.model_aliases.end(),
                      [&](const std::string& alias) { return may_pass_keyword(call, scope, alias, ev); });
}

// `built-when`: whether `call` hands `keyword` something that makes the library build (`True`, a
// non-empty list, tuple or set, or a name every binding of which in the scope that sees it is
// one). A value known only at run time decides nothing: not reported.
bool hands_something(TSNode call, const Scope* scope, std::string_view keyword, Evaluator& ev, std::string_view code) {
  const Syntax& S = Syntax::get();
  const auto something = [&](TSNode v) {
    v = unparenthesize(v);
    if (is_null(v)) return false;
    if (sym(v) == S.true_) return true;
    return (sym(v) == S.list || sym(v) == S.tuple || sym(v) == S.set) && code_child_count(v) > 0;
  };
  const TSNode arg = unparenthesize(ev.argument_node(call, scope, -1, keyword));
  if (is_null(arg) || sym(arg) != S.identifier) return something(arg);
  const std::string name(text(arg, code));
  for (const Scope* s = scope; s; s = s->parent)
    if (const auto it = s->bindings.find(name); it != s->bindings.end())
      return std::all_of(it->second.begin(), it->second.end(),
                         [&](const Binding& b) { return b.kind == Binding::Kind::Expr && something(b.node); });
  return false;
}

// Whether `n` is, or holds, the identifier `name`.
bool mentions(TSNode n, std::string_view name, std::string_view code) {
  if (is_null(n)) return false;
  if (sym(n) == Syntax::get().identifier) return text(n, code) == name;
  for (TSNode c : NamedChildren(n))
    if (mentions(c, name, code)) return true;
  return false;
}

// `default-unless-in` / `default-unless-first`: whether `call` is handed to one of `lib`'s
// keywords of a call of its module, or as the first argument of one of its callables, in a list
// or tuple there (`Team(members=[Agent(...)])`, `Team([Agent(...)])`), or by the name it is
// assigned to (`a = Agent(...)`, then `members=[a]`, or `members=crew` with `crew = [a, ...]`).
bool given_model_by(TSNode call, const Scope* scope, const ClientBuildingLibrary& lib, Evaluator& ev,
                    std::string_view code) {
  if ((lib.default_unless_in.empty() && lib.default_unless_first.empty()) || !scope || !scope->owner) return false;
  const Syntax& S = Syntax::get();
  const auto& keywords = lib.default_unless_in;
  // What `other` (a call of the module) hands such a parameter: its arguments that are one.
  const auto handed_there = [&](TSNode other, const Scope* where, auto&& each) {
    const TSNode args = field(other, S.f_arguments);
    if (is_null(args) || sym(args) != S.argument_list) return false;
    bool first = true, checked_callee = false, named = false;
    for (TSNode a : CodeChildren(args)) {
      if (sym(a) == S.keyword_argument) {
        if (std::find(keywords.begin(), keywords.end(), text(field(a, S.f_name), code)) != keywords.end() &&
            each(unparenthesize(field(a, S.f_value)), where))
          return true;
        continue;
      }
      if (!first) continue;
      first = false;
      if (sym(a) == S.list_splat || sym(a) == S.dictionary_splat || lib.default_unless_first.empty()) continue;
      if (!checked_callee) {
        checked_callee = true;
        for (const Value& v : ev.eval(field(other, S.f_function), where))
          if (v.kind == Value::Kind::External &&
              std::find(lib.default_unless_first.begin(), lib.default_unless_first.end(), v.path) !=
                  lib.default_unless_first.end())
            named = true;
      }
      if (named && each(unparenthesize(a), where)) return true;
    }
    return false;
  };
  TSNode up = ts_node_parent(call);
  while (!is_null(up) && sym(up) == S.parenthesized_expression) up = ts_node_parent(up);
  if (!is_null(up) && (sym(up) == S.list || sym(up) == S.tuple)) {
    const TSNode list = up;
    up = ts_node_parent(up);
    TSNode outer = is_null(up) ? up : ts_node_parent(up);  // (the call's argument list, or the call)
    if (!is_null(outer) && !is_null(up) && sym(up) == S.keyword_argument) outer = ts_node_parent(outer);
    if (!is_null(up) && (sym(up) == S.keyword_argument || sym(up) == S.argument_list) && !is_null(outer) &&
        sym(outer) == S.call)
      return handed_there(outer, scope, [&](TSNode value, const Scope*) { return ts_node_eq(value, list); });
  }
  if (is_null(up) || sym(up) != S.assignment) return false;
  const TSNode target = field(up, S.f_left);
  if (is_null(target) || sym(target) != S.identifier) return false;
  const std::string name(text(target, code));
  // The same variable: `name` seen from `where` is bound where the call assigns it.
  const auto same_variable = [&](const Scope* where) {
    for (const Scope* s = where; s; s = s->parent)
      if (s->bindings.count(name)) return s == scope;
    return false;
  };
  const auto holds_name = [&](TSNode value, const Scope* where) {
    if (!same_variable(where)) return false;
    if (mentions(value, name, code)) return true;
    if (is_null(value) || sym(value) != S.identifier) return false;
    const std::string list_name(text(value, code));
    for (const Scope* s = where; s; s = s->parent)
      if (const auto it = s->bindings.find(list_name); it != s->bindings.end()) {
        for (const Binding& b : it->second)
          if (b.kind == Binding::Kind::Expr && mentions(b.node, name, code)) return true;
        break;
      }
    return false;
  };
  for (const auto& [other, where] : scope->owner->calls)
    if (handed_there(other, where, holds_name)) return true;
  return false;
}

// What `call` builds through table entry `hit` (`direct`: the library's own class; `followed`:
// the callee is a parameter, its callers' classes followed); nullopt when it builds no OpenAI
// client there.
std::optional<LibraryClientCall> entry_builds(const LibraryClientTable::Entry& entry, TSNode call, const Scope* scope,
                                              Evaluator& ev, std::string_view code, TSNode callee, bool direct,
                                              bool followed) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable::Entry* hit = &entry;
  const ClientBuildingLibrary& lib = *hit->library;
  // `ChatOpenAI(params)`: a pydantic model handed a positional argument raises TypeError.
  if (lib.keyword_only && direct && !hit->model_gated && !hit->returns_client && !hit->config_gated)
    if (const TSNode args = field(call, S.f_arguments); !is_null(args) && sym(args) == S.argument_list)
      for (TSNode a : CodeChildren(args))
        if (sym(a) != S.keyword_argument && sym(a) != S.dictionary_splat && sym(a) != S.list_splat &&
            sym(a) != S.comment)
          return std::nullopt;
  // `Crew(memory=True)`: built only when one of `built-when` is handed something, and not all
  // that would give it what it builds (`short_term_memory=`, `entity_memory=`).
  if (!lib.built_when.empty() &&
      std::none_of(lib.built_when.begin(), lib.built_when.end(), [&](const auto& when) {
        const auto& [keyword, unless] = when;
        return hands_something(call, scope, keyword, ev, code) &&
               (unless.empty() || !std::all_of(unless.begin(), unless.end(), [&](const std::string& k) {
                 return may_pass_keyword(call, scope, k, ev);
               }));
      }))
    return std::nullopt;
  if (hit->model_gated) {
    const int index = lib.model_keyword.empty() ? 0 : lib.model_position;
    std::string_view keyword = lib.model_keyword.empty() ? std::string_view("model") : lib.model_keyword;
    // `model-aliases` (phidata's `provider=`): the model under another keyword, when the call
    // passes it and not the first.
    for (const auto& alias : lib.model_aliases)
      if (!may_pass_keyword(call, scope, keyword, ev) && may_pass_keyword(call, scope, alias, ev)) keyword = alias;
    const auto is_openai = [&](std::string_view start) {
      return std::any_of(lib.openai_models.begin(), lib.openai_models.end(),
                         [&](const std::string& p) { return start.starts_with(p); });
    };
    const auto all_openai = [&](const std::vector<std::string_view>& starts) {
      return !starts.empty() && std::all_of(starts.begin(), starts.end(), is_openai);
    };
    bool builds = false;
    const TSNode handed_dict = lib.model_keys.empty() ? TSNode{} : unparenthesize(ev.argument_node(call, scope, index, keyword));
    if (!is_null(handed_dict) && sym(handed_dict) != S.none) {
      // `model-keys`: the dict handed names an OpenAI model under one of them (or visibly lacks
      // one, and the library's default is OpenAI's).
      builds = std::any_of(lib.model_keys.begin(), lib.model_keys.end(), [&](const std::string& path) {
        return all_openai(keyed_model_starts(call, scope, index, keyword, path, lib.default_model, ev));
      });
    } else {
      // `provider-keywords` (`model_provider="openai"`): a provider the call names decides by
      // itself, as "<provider>:" (`openai:` is one of `openai-models`); one not known, the model.
      std::vector<std::string> providers;
      for (const auto& provider_keyword : lib.provider_keywords)
        if (may_pass_keyword(call, scope, provider_keyword, ev)) {
          for (std::string_view p : call_model_starts(call, scope, code, -1, provider_keyword, ev))
            providers.push_back(std::string(p) + ":");
          break;
        }
      // Else the model: one of the values it may hold names an OpenAI model.
      auto starts = !providers.empty()     ? std::vector<std::string_view>(providers.begin(), providers.end())
                    : lib.model_keys.empty() ? call_model_starts(call, scope, code, index, keyword, ev)
                                             : std::vector<std::string_view>{};
      // Handed its settings from the class's YAML file instead (`model-config`).
      std::string from_file;
      if (starts.empty() && !lib.model_config_keyword.empty() && !may_pass_keyword(call, scope, keyword, ev) &&
          !(from_file = model_from_config_file(call, scope, lib, ev, code)).empty())
        starts.push_back(from_file);
      // Handed none: the library's default, for its own class (a project subclass may pass one).
      if (starts.empty() && !lib.default_model.empty() && direct &&
          hands_no_model(call, scope, index, keyword, lib, ev) && !given_model_by(call, scope, lib, ev, code))
        starts.push_back(lib.default_model);
      // A value known at every call (a helper's parameter) may be OpenAI's at some only: the
      // call builds an OpenAI client for those.
      builds = std::any_of(starts.begin(), starts.end(), is_openai);
    }
    if (!builds) return std::nullopt;
  }
  if (hit->config_gated && !agent_builds_openai(*hit, call, scope, ev, code, direct)) return std::nullopt;
  if (hit->judge && !judge_builds_default(*hit->judge, lib, call, scope, ev, code)) return std::nullopt;
  // Answered locally (`mock_response="Hi!"`): no client built, nothing sent.
  for (const auto& keyword : hit->offline_by) {
    const TSNode mock = unparenthesize(ev.argument_node(call, scope, -1, keyword));
    if (!is_null(mock) && sym(mock) != S.none) return std::nullopt;
  }
  if (!hit->slots.empty()) {
    // Falls back on a default: one it is not handed (an LLM, a service context) and, for `uses`,
    // the project sets nowhere.
    // The objects the method is called on (`index` in `index.as_query_engine()`), as built.
    Values receivers;
    if (sym(callee) == S.attribute) receivers = ev.eval(field(callee, S.f_object), scope);
    const bool falls_back = std::any_of(hit->slots.begin(), hit->slots.end(), [&](const DefaultSlot* slot) {
      if (slot->positionals >= 0 && positional_count(call) > slot->positionals) return false;
      for (const auto& keyword : slot->keywords) {
        if (!may_pass_keyword(call, scope, keyword, ev)) continue;
        const auto handed = plain_string(ev.argument_node(call, scope, -1, keyword), code);
        return !slot->builds_when.empty() && handed == slot->builds_when;
      }
      for (const Value& r : receivers)
        if (r.kind == Value::Kind::Object && !is_null(r.node) && r.scope && r.scope->owner)
          for (const auto& keyword : slot->receiver_keywords)
            if (passes_keyword(r.node, keyword, r.scope->owner->code())) return false;
      return hit->builds_default || !ev.project().sets_default(slot->id, scope->owner ? std::string_view(scope->owner->name) : std::string_view{});
    });
    if (!falls_back) return std::nullopt;
  }
  LibraryClientCall out{&lib, std::string(text(callee, code)), std::string(kLibraryApiPrefix) + lib.id, false};
  if (!lib.builds_each.empty()) {
    // Each client it builds unless handed one: reported when one is left to build; tracked when
    // every one is handed a tracked client.
    bool builds = false, all_tracked = true;
    for (const auto& keywords : lib.builds_each) {
      Handed slot = Handed::Nothing;
      for (const auto& keyword : keywords)
        if ((slot = handed(call, scope, ev, keyword)) != Handed::Nothing) break;
      builds = builds || slot == Handed::Nothing || slot == Handed::Plain;
      all_tracked = all_tracked && slot == Handed::Tracked;
    }
    if (all_tracked) out.tracked = true;
    else if (!builds) return std::nullopt;
    out.arguments_fixable = !out.tracked && !followed && takes_fix_arguments(call, lib, code);
    return out;
  }
  for (const auto& keyword : lib.tracked_by) {
    switch (handed(call, scope, ev, keyword)) {
      case Handed::Tracked: out.tracked = true; return out;
      case Handed::Other: return std::nullopt;
      case Handed::Nothing:
      case Handed::Plain: break;
    }
  }
  // (a parameter's call may build what other callers hand it too: no argument added to it)
  out.arguments_fixable = !followed && takes_fix_arguments(call, lib, code);
  return out;
}

}  // namespace

std::optional<LibraryClientCall> library_client_call(TSNode call, const Scope* scope, Evaluator& ev,
                                                     std::string_view code) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  TSNode callee = field(call, S.f_function);
  bool direct = false;  // the library's own class, not a project subclass of it
  bool mixed = false;
  bool followed = false;  // the callee is a parameter, its callers' classes followed
  const LibraryClientTable::Entry* hit =
      callee_entry(table, through_called_parameters(ev.eval(callee, scope), ev, nullptr, followed), ev, direct, mixed);
  // A template method (`self._lc_class = self._get_lc_class()`, then `self._lc_class(**params)`
  // in a mixin, each subclass returning its own class): the callee holds every override's class.
  // On an instance of exactly one class of the method's family it holds that class's override's:
  // reported when some class makes it build an OpenAI client and only that.
  if (mixed)
    for (const ClassInfo* receiver : ev.method_receivers(scope)) {
      const auto on_it = ev.eval_on_receiver(callee, scope, receiver);
      bool mixed_there = false;
      if (on_it && (hit = callee_entry(table, through_called_parameters(*on_it, ev, receiver, followed), ev, direct,
                                       mixed_there)))
        break;
    }
  // A constructor two tables gate (CrewAI's `Crew`: its memory's embedder, its planner's LLM):
  // what the first that builds says.
  for (; hit; hit = hit->also)
    if (auto out = entry_builds(*hit, call, scope, ev, code, callee, direct, followed)) return out;
  return std::nullopt;
}

bool holds_library_client_class(const Values& values, Evaluator& ev) {
  const LibraryClientTable& table = LibraryClientTable::get();
  return std::any_of(values.begin(), values.end(), [&](const Value& v) {
    return (v.kind == Value::Kind::External && table.entry(v.path)) ||
           (v.kind == Value::Kind::Class && v.cls && derived_entry(table, *v.cls, ev));
  });
}

std::vector<std::string> model_source_modules(const ModuleInfo& module, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  const LibraryClientTable& table = LibraryClientTable::get();
  const std::string_view code = module.code();
  // A name bound by `from ... import` in the scopes that see it: the only kind worth the callee's
  // evaluation (most calls pass none).
  const auto imported = [&](TSNode n, const Scope* scope) {
    n = unparenthesize(n);
    if (is_null(n) || sym(n) != S.identifier) return false;
    const std::string name(text(n, code));
    for (const Scope* s = scope; s; s = s->parent)
      if (const auto it = s->bindings.find(name); it != s->bindings.end())
        return std::any_of(it->second.begin(), it->second.end(),
                           [](const Binding& b) { return b.kind == Binding::Kind::ImportFrom; });
    return false;
  };
  std::vector<std::string> out;
  // The project modules the names in `n` are imported from (`{"config_list": config_list}`, a
  // model name).
  const auto imported_modules = [&](TSNode n, const Scope* scope) {
    ts::walk(n, [&](TSNode id) {
      if (sym(id) != S.identifier) return true;
      const std::string name(text(id, code));
      for (const Scope* s = scope; s; s = s->parent) {
        const auto it = s->bindings.find(name);
        if (it == s->bindings.end()) continue;
        for (const Binding& b : it->second)
          if (b.kind == Binding::Kind::ImportFrom && s->owner) {
            std::string resolved = resolve_import(ev.project(), *s->owner, b.module, b.level);
            if (!resolved.empty()) out.push_back(std::move(resolved));
          }
        break;
      }
      return true;
    });
  };
  std::vector<std::string_view> config_keywords;
  bool names_config_library = false;  // (positional configurations and `config_list=`: only then)
  for (const ClientBuildingLibrary& lib : table.libraries())
    if (!lib.config_keyword.empty()) {
      config_keywords.push_back(lib.config_keyword);
      config_keywords.insert(config_keywords.end(), lib.more_config_keywords.begin(), lib.more_config_keywords.end());
      names_config_library = names_config_library || contains_word(code, lib.package);
    }
  for (const auto& [call, scope] : module.calls) {
    const TSNode args = field(call, S.f_arguments);
    if (is_null(args)) continue;
    // `AssistantAgent(..., llm_config={"config_list": config_list})`, config_list imported; the
    // same in llm_config's positional place (the third at the earliest), or in OpenAIWrapper's
    // keywords (`OpenAIWrapper(config_list=config_list)`).
    bool configured = false;
    int positional = 0;
    for (TSNode arg : CodeChildren(args)) {
      if (sym(arg) == S.keyword_argument) {
        const std::string_view keyword = text(field(arg, S.f_name), code);
        configured = configured || (names_config_library && keyword == "config_list") ||
                     std::find(config_keywords.begin(), config_keywords.end(), keyword) != config_keywords.end();
      } else if (sym(arg) != S.comment) {
        ++positional;
      }
    }
    if (configured || (names_config_library && positional >= 3))
      for (const Value& v : ev.eval(field(call, S.f_function), scope)) {
        const LibraryClientTable::Entry* e = v.kind == Value::Kind::External ? table.entry(v.path)
                                             : v.kind == Value::Kind::Class && v.cls ? derived_entry(table, *v.cls, ev)
                                                                                     : nullptr;
        if (!e || !e->config_gated) continue;
        const TSNode config = e->config_arguments ? args
                                                  : ev.argument_node(call, scope,
                                                                     v.kind == Value::Kind::External ? e->config_position : -1,
                                                                     e->library->config_keyword);
        if (!is_null(config)) imported_modules(config, scope);
        for (const auto& [keyword, place] : e->more_configs)  // (ReasoningAgent's grader_llm_config)
          if (const TSNode more = ev.argument_node(call, scope, v.kind == Value::Kind::External ? place : -1, keyword);
              !is_null(more))
            imported_modules(more, scope);
      }
    bool any = false;
    for (TSNode arg : CodeChildren(args))
      if (imported(sym(arg) == S.keyword_argument ? field(arg, S.f_value) : arg, scope)) {
        any = true;
        break;
      }
    if (!any) continue;
    const ClientBuildingLibrary* lib = nullptr;
    for (const Value& v : ev.eval(field(call, S.f_function), scope))
      if (v.kind == Value::Kind::External)
        if (const auto* e = table.entry(v.path); e && e->model_gated) lib = e->library;
    if (!lib) continue;
    const TSNode model = unparenthesize(lib->model_keyword.empty() ? ev.argument_node(call, scope, 0, "model")
                                                                   : ev.argument_node(call, scope, -1, lib->model_keyword));
    if (is_null(model) || sym(model) != S.identifier) continue;
    imported_modules(model, scope);
  }
  return out;
}

bool project_installs_tracking(const std::vector<ModuleInfo*>& modules, Evaluator& ev) {
  const Syntax& S = Syntax::get();
  for (ModuleInfo* m : modules) {
    if (m->vendored || m->scopes.empty() || !contains_word(m->code(), "install")) continue;
    for (const auto& [call, scope] : m->calls)
      for (const Value& callee : ev.eval(field(call, S.f_function), scope))
        if (callee.kind == Value::Kind::External && callee.path == kTrackingInstaller) return true;
  }
  return false;
}

}  // namespace qg::python
