#include "python/library_runs.h"

#include <algorithm>

#include "core/text_search.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// Agents reached through hand-offs, at most this deep (a cycle is cut by `seen_agents`).
constexpr int kMaxHandoffDepth = 8;

RunVerdict verdict(RunVerdict::Kind kind) {
  RunVerdict v;
  v.kind = kind;
  return v;
}

// Keeps the worse of what has been seen (the first of its kind: its origin is the one reported).
class Worst {
 public:
  void add(RunVerdict v) {
    if (!any_ || v.kind < worst_.kind) worst_ = std::move(v);
    any_ = true;
  }
  bool any() const { return any_; }
  RunVerdict get(RunVerdict::Kind otherwise) { return any_ ? std::move(worst_) : verdict(otherwise); }

 private:
  RunVerdict worst_;
  bool any_ = false;
};

std::string_view last_segment(std::string_view dotted) {
  const auto dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

const Holder* holder_of(const LibraryModel& model, const Value& v, Holder::Role role) {
  if (v.kind != Value::Kind::Object) return nullptr;
  const Holder* h = model.holder(v.path).second;
  return h && h->role == role ? h : nullptr;
}

int position_of(const std::vector<std::string>& parameters, std::string_view name) {
  const auto it = std::find(parameters.begin(), parameters.end(), name);
  return it == parameters.end() ? -1 : static_cast<int>(it - parameters.begin());
}

}  // namespace

LibraryDefaults survey_library_defaults(const std::vector<ModuleInfo*>& modules, Evaluator& ev, bool partial) {
  const LibraryModel& model = LibraryModel::get();
  LibraryDefaults out;
  if (partial)
    for (const ClientLibrary& lib : model.libraries()) out[&lib].state = LibraryDefault::State::Unknown;
  auto raise = [&](const ClientLibrary* lib, LibraryDefault seen) {
    LibraryDefault& d = out[lib];
    if (seen.state > d.state) d = seen;
  };
  const Syntax& S = Syntax::get();
  for (ModuleInfo* m : modules) {
    if (m->vendored || m->scopes.empty()) continue;
    const bool mentions = std::any_of(model.setter_words().begin(), model.setter_words().end(),
                                      [&](const std::string& w) { return contains_word(m->code(), w); });
    if (!mentions) continue;
    for (const auto& [call, scope] : m->calls) {
      for (const Value& callee : ev.eval(field(call, S.f_function), scope)) {
        if (callee.kind != Value::Kind::External) continue;
        if (const ClientLibrary* lib = model.installer(callee.path)) {
          raise(lib, {LibraryDefault::State::Tracked});
          continue;
        }
        const auto [lib, setter] = model.default_setter(callee.path);
        if (!lib) continue;
        const Values clients = ev.argument_for(call, scope, setter->argument, setter->keyword);
        if (clients.empty()) raise(lib, {LibraryDefault::State::Unknown});
        for (const Value& c : clients) {
          if (c.kind == Value::Kind::Client && c.prov == Provenance::Factory) raise(lib, {LibraryDefault::State::Tracked});
          else if (c.kind == Value::Kind::Client && c.prov == Provenance::Direct)
            raise(lib, {LibraryDefault::State::Direct, c.origin, c.origin_line});
          else raise(lib, {LibraryDefault::State::Unknown});
        }
      }
    }
  }
  return out;
}

RunVerdict RunResolver::resolve(const ClientLibrary& library, TSNode call, const Scope* scope, int shift) {
  auto argument = [&](const std::string& name, bool* given) {
    const int at = position_of(library.parameters, name);
    TSNode n = ev_.argument_node(call, scope, at < 0 ? -1 : at + shift, name);
    *given = !is_null(n);
    return *given ? values_through_parameters(n, scope) : Values{};
  };
  Context cx{library, {}};
  bool has_agent = false, has_config = false;
  const Values agents = argument(library.agent, &has_agent);
  const Values configs = argument(library.run_config, &has_config);
  Worst worst;
  bool config_unseen = !has_config;  // no run config, or one we cannot see into
  for (const Value& rc : configs) {
    const Holder* h = holder_of(model_, rc, Holder::Role::RunConfig);
    if (!h) {
      config_unseen = true;
      continue;
    }
    const bool has_provider = passes(rc, *h, h->provider);
    const Values providers = has_provider ? holder_argument(rc, *h, h->provider) : Values{};
    const Values* p = has_provider ? &providers : nullptr;
    // get_model(): the run config's model first, the agent's after.
    if (passes(rc, *h, h->model)) worst.add(model_slot(cx, rc, *h, p));
    else worst.add(agent_models(cx, agents, p, 0));
  }
  if (config_unseen) worst.add(agent_models(cx, agents, nullptr, 0));
  return worst.get(RunVerdict::Kind::Elsewhere);
}

// A model argument: a model object decides; a model name (or anything else) goes to the provider.
RunVerdict RunResolver::model_slot(Context& cx, const Value& object, const Holder& holder, const Values* providers) {
  const Values models = holder_argument(object, holder, holder.model);
  Worst worst;
  bool by_name = models.empty();
  for (const Value& m : models) {
    if (holder_of(model_, m, Holder::Role::Model)) worst.add(model(m));
    else if (m.kind == Value::Kind::Instance) worst.add(verdict(RunVerdict::Kind::Elsewhere));  // a project Model class
    else by_name = true;
  }
  if (by_name) {
    if (named_for_other_library(cx.library, argument_expression(object, holder, holder.model), providers))
      worst.add(verdict(RunVerdict::Kind::Elsewhere));
    else
      worst.add(provider(cx, providers));
  }
  return worst.get(RunVerdict::Kind::Elsewhere);
}

RunResolver::Expression RunResolver::argument_expression(const Value& object, const Holder& holder,
                                                        std::string_view name) const {
  if (passes_here(object, holder, name))
    return {ev_.argument_node(object.node, object.scope, object.elements ? -1 : position_of(holder.parameters, name), name),
            object.scope->owner->code()};
  if (object.elements)
    for (const Value& original : *object.elements)
      if (Expression e = argument_expression(original, holder, name); !is_null(e.node)) return e;
  return {};
}

bool RunResolver::named_for_other_library(const ClientLibrary& library, const Expression& name,
                                          const Values* providers) const {
  const Syntax& S = Syntax::get();
  if (is_null(name.node) || sym(name.node) != S.string || library.other_library_prefixes.empty()) return false;
  if (providers)  // the default provider routes by prefix; an explicit one must too
    for (const Value& p : *providers) {
      const Holder* h = holder_of(model_, p, Holder::Role::Provider);
      if (!h || !h->routes_by_prefix) return false;
    }
  // The literal's content (a concatenated or f-string is not a name to read).
  for (TSNode part : NamedChildren(name.node))
    if (sym(part) == S.string_content) {
      const std::string_view content = text(part, name.code);
      return std::any_of(library.other_library_prefixes.begin(), library.other_library_prefixes.end(),
                         [&](const std::string& prefix) { return content.starts_with(prefix); });
    }
  return false;
}

RunVerdict RunResolver::agent_models(Context& cx, const Values& agents, const Values* providers, int depth) {
  Worst worst;
  for (const Value& a : agents) {
    const Holder* h = holder_of(model_, a, Holder::Role::Agent);
    if (!h) {
      // An agent we cannot see into (a parameter, an unknown builder) runs on a model name, as
      // agents almost always do. Hand-off entries that are not agents (`handoff(...)`) are skipped.
      if (depth == 0) worst.add(provider(cx, providers));
      continue;
    }
    if (std::find(cx.seen_agents.begin(), cx.seen_agents.end(), a.node.id) != cx.seen_agents.end()) continue;
    cx.seen_agents.push_back(a.node.id);
    if (passes(a, *h, h->model)) worst.add(model_slot(cx, a, *h, providers));
    else worst.add(provider(cx, providers));
    if (depth >= kMaxHandoffDepth) continue;
    for (const std::string& link : h->links) {
      Values next;
      for (const Value& v : holder_argument(a, *h, link))
        if (v.kind == Value::Kind::Container && v.elements) add_all(next, *v.elements);
      if (!next.empty()) worst.add(agent_models(cx, next, providers, depth + 1));
    }
  }
  if (agents.empty()) worst.add(provider(cx, providers));
  return worst.get(RunVerdict::Kind::Elsewhere);
}

RunVerdict RunResolver::provider(Context& cx, const Values* providers) {
  if (!providers) return library_default(cx.library);
  Worst worst;
  for (const Value& p : *providers) {
    if (const Holder* h = holder_of(model_, p, Holder::Role::Provider)) {
      if (h->own) {
        worst.add(verdict(RunVerdict::Kind::Elsewhere));
      } else if (passes(p, *h, h->client)) {
        worst.add(client(holder_argument(p, *h, h->client)));
      } else if (std::any_of(h->own_client_when.begin(), h->own_client_when.end(),
                             [&](const std::string& a) { return passes(p, *h, a); })) {
        RunVerdict v = verdict(RunVerdict::Kind::OwnClient);
        v.holder = std::string(last_segment(p.path));
        worst.add(std::move(v));
      } else {
        worst.add(library_default(cx.library));
      }
      continue;
    }
    if (p.kind == Value::Kind::Instance) {
      // A provider class of the project: the models its get_model() returns.
      Values models;
      for (const std::string& method : cx.library.provider_methods)
        for (const Value& f : ev_.attribute({p}, method))
          if (f.kind == Value::Kind::Function && f.function) add_all(models, ev_.function_returns(f.function));
      // A model class of the project (a test's scripted model) runs on no OpenAI client, as in
      // model_slot; anything else, or nothing, is unknown.
      Values resolved;  // a model kept from a parameter (`self.model = model`): what is passed
      for (const Value& m : models) add_all(resolved, m.kind == Value::Kind::Unknown ? ev_.through_parameters(m) : Values{m});
      // `model_to_return or ScriptedModel()` on a construction passing none: the default None
      // (opaque) is never the model when a model is beside it.
      if (std::any_of(resolved.begin(), resolved.end(), [&](const Value& m) {
            return m.kind == Value::Kind::Instance || holder_of(model_, m, Holder::Role::Model);
          }))
        std::erase_if(resolved, [](const Value& m) { return m.kind == Value::Kind::Opaque; });
      for (const Value& m : resolved) {
        if (holder_of(model_, m, Holder::Role::Model)) worst.add(model(m));
        else if (m.kind == Value::Kind::Instance) worst.add(verdict(RunVerdict::Kind::Elsewhere));
        else worst.add(verdict(RunVerdict::Kind::Unknown));
      }
      if (models.empty()) worst.add(verdict(RunVerdict::Kind::Unknown));
      continue;
    }
    worst.add(verdict(RunVerdict::Kind::Unknown));
  }
  return worst.get(RunVerdict::Kind::Unknown);
}

RunVerdict RunResolver::model(const Value& m) {
  const Holder* h = model_.holder(m.path).second;
  if (h->own) return verdict(RunVerdict::Kind::Elsewhere);
  if (passes(m, *h, h->client)) return client(holder_argument(m, *h, h->client));
  return verdict(RunVerdict::Kind::Unknown);
}

RunVerdict RunResolver::client(const Values& clients) {
  Worst worst;
  for (const Value& c : clients) {
    if (c.kind == Value::Kind::Client && c.prov == Provenance::Factory) {
      worst.add(verdict(RunVerdict::Kind::Tracked));
    } else if (c.kind == Value::Kind::Client && c.prov == Provenance::Direct) {
      RunVerdict v = verdict(RunVerdict::Kind::Direct);
      v.origin = c.origin;
      v.origin_line = c.origin_line;
      worst.add(std::move(v));
    } else if (c.kind == Value::Kind::Instance) {
      // A project class that is no client subclass (a test double with a `responses`
      // attribute): no OpenAI client runs the agent.
      worst.add(verdict(RunVerdict::Kind::Elsewhere));
    } else {
      worst.add(verdict(RunVerdict::Kind::Unknown));
    }
  }
  return worst.get(RunVerdict::Kind::Unknown);
}

RunVerdict RunResolver::library_default(const ClientLibrary& library) const {
  const auto it = defaults_.find(&library);
  const LibraryDefault d = it == defaults_.end() ? LibraryDefault{} : it->second;
  switch (d.state) {
    case LibraryDefault::State::Tracked: return verdict(RunVerdict::Kind::Tracked);
    case LibraryDefault::State::Unknown: return verdict(RunVerdict::Kind::Unknown);
    case LibraryDefault::State::Direct: {
      RunVerdict v = verdict(RunVerdict::Kind::DefaultDirect);
      v.origin = d.origin;
      v.origin_line = d.origin_line;
      return v;
    }
    case LibraryDefault::State::Unset: break;
  }
  return verdict(RunVerdict::Kind::LibraryDefault);
}

std::optional<RunResolver::PassedRun> RunResolver::passed_entry_point(TSNode call, const Scope* scope) {
  const Syntax& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args) || sym(args) != S.argument_list) return std::nullopt;
  const std::string_view code = scope->owner->code();
  int position = 0;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.keyword_argument || sym(a) == S.list_splat || sym(a) == S.dictionary_splat) break;
    ++position;
    // Cheap before evaluating: the argument is spelled like an entry point (`Runner.run_sync`, `run`).
    if (sym(a) != S.identifier && sym(a) != S.attribute) continue;
    if (!model_.entry_point_members().contains(last_segment(text(a, code)))) continue;
    for (const Value& v : ev_.eval(a, scope)) {
      if (v.kind != Value::Kind::External) continue;
      const auto [library, api] = model_.entry_point(v.path);
      if (library) return PassedRun{a, position, library, *api};
    }
  }
  return std::nullopt;
}

// What an argument holds, a parameter of the enclosing function standing for what its callers
// pass (`OpenAIResponsesModel(openai_client=client)` in `__init__(self, client)`).
Values RunResolver::argument_values(TSNode call, const Scope* scope, int position, std::string_view name) {
  TSNode n = ev_.argument_node(call, scope, position, name);
  return is_null(n) ? Values{} : values_through_parameters(n, scope);
}

Values RunResolver::values_through_parameters(TSNode node, const Scope* scope) {
  Values out;
  for (const Value& v : ev_.eval(node, scope)) add_all(out, ev_.through_parameters(v));
  return out;
}

// A copy (`agent.clone(...)`) takes keywords only; what it does not replace, it copies.
Values RunResolver::holder_argument(const Value& object, const Holder& holder, std::string_view name) {
  if (!object.elements) return argument_values(object.node, object.scope, position_of(holder.parameters, name), name);
  if (passes_here(object, holder, name)) return argument_values(object.node, object.scope, -1, name);
  Values out;
  for (const Value& original : *object.elements) add_all(out, holder_argument(original, holder, name));
  return out;
}

bool RunResolver::passes(const Value& object, const Holder& holder, std::string_view name) const {
  if (passes_here(object, holder, name)) return true;
  if (!object.elements) return false;
  return std::any_of(object.elements->begin(), object.elements->end(),
                     [&](const Value& original) { return passes(original, holder, name); });
}

bool RunResolver::passes_here(const Value& object, const Holder& holder, std::string_view name) const {
  if (name.empty()) return false;
  const int at = object.elements ? -1 : position_of(holder.parameters, name);
  return !is_null(ev_.argument_node(object.node, object.scope, at, name));
}

}  // namespace qg::python
