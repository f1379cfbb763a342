#include "python/library_clients.h"

#include <algorithm>
#include <map>

#include "core/embedded_rules.h"
#include "core/text_search.h"
#include "python/library_arguments.h"
#include "python/library_handed.h"
#include "python/rules_toml.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

constexpr std::string_view kFolder = "python/library-clients/";  // one .toml per library
// What hooks every openai client's construction (python/quotaguard/_install.py).
constexpr std::string_view kInstallerModule = "quotaguard", kInstallerName = "install";
constexpr std::string_view kInstaller = "quotaguard.install";
constexpr std::string_view kApiPrefix = "library.";  // + the library's id: its coverage key
// One of `fix-arguments`: text with `{module.name}` references, split into pieces.
FixArgument fix_argument(const RulesReader& r, const std::string& text) {
  FixArgument pieces;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('{', at), close = text.find('}', at);
    if (open == std::string::npos) {
      if (close != std::string::npos) r.fail("fix-arguments", "has a `}` without its `{`");
      pieces.push_back({text.substr(at), std::nullopt});
      break;
    }
    if (close == std::string::npos || close < open) r.fail("fix-arguments", "has a `{` without its `}`");
    const std::string reference = text.substr(open + 1, close - open - 1);
    const std::size_t dot = reference.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == reference.size())
      r.fail("fix-arguments", fmt::format("names `{{{}}}`, not `{{module.name}}`", reference));
    pieces.push_back({text.substr(at, open - at), FactoryFunction{reference.substr(0, dot), reference.substr(dot + 1)}});
    at = close + 1;
  }
  return pieces;
}

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

bool defines_method(const ClassInfo& cls, std::string_view name) {
  if (!cls.body) return false;
  const auto it = cls.body->bindings.find(std::string(name));
  return it != cls.body->bindings.end() &&
         std::any_of(it->second.begin(), it->second.end(), [](const Binding& b) { return b.kind == Binding::Kind::Function; });
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

// `[table.<key>.<id>]` subtables (`holders`, `defaults`): `read(id, its reader)` for each.
template <typename Read>
void each_subtable(const RulesReader& r, const toml::table& table, std::string_view key, Read read) {
  const toml::node* sub = table.get(key);
  if (!sub) return;
  if (!sub->is_table()) r.fail(key, "must be a table");
  for (auto&& [id, node] : *sub->as_table()) {
    const std::string where = fmt::format("{}.{}", key, id.str());
    if (!node.is_table()) r.fail(where, "must be a table");
    read(id.str(), RulesReader(*node.as_table(), r.where() + " " + where));
  }
}

}  // namespace

namespace {

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
  int positional = 0;
  for (TSNode a : CodeChildren(args)) {
    if (sym(a) == S.list_splat) return false;
    if (sym(a) != S.keyword_argument && sym(a) != S.dictionary_splat) ++positional;
  }
  if (index < 0 && positional > lib.default_positionals) return false;
  return !may_pass_keyword(call, scope, keyword, ev);
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

}  // namespace

const FactoryFunction& tracking_installer() {
  static const FactoryFunction installer{std::string(kInstallerModule), std::string(kInstallerName)};
  return installer;
}

LibraryClientTable LibraryClientTable::from_text(std::string_view toml_text) {
  return from_texts({{std::string(kFolder) + "test.toml", toml_text}});
}

LibraryClientTable LibraryClientTable::from_texts(const std::vector<std::pair<std::string, std::string_view>>& files) {
  LibraryClientTable t;
  enum class Kind { constructor, gated, returns_client, config_gated, config_arguments, uses_default, builds_default };
  struct ConfigSignature {
    std::vector<std::string> names;
    int position;
    bool context;
    std::vector<std::pair<std::string, int>> more;
  };
  std::vector<ConfigSignature> signatures;
  StringMap<std::vector<const DefaultSlot*>> slot_of;
  StringMap<std::vector<std::string>> offline_by;
  StringMap<std::pair<std::size_t, Kind>> by_library;  // (libs_ settles before pointing into it)
  // Every library's tables, in the order of their ids whatever file holds them.
  std::vector<toml::table> roots;
  roots.reserve(files.size());
  std::map<std::string, std::pair<const std::string*, const toml::node*>, std::less<>> tables;
  for (const auto& [file, text] : files) {
    const toml::table& root = roots.emplace_back(parse_rules_toml(text, file));
    for (auto&& [id, node] : root) {
      const auto [at, added] = tables.try_emplace(std::string(id.str()), &file, &node);
      if (!added)
        throw std::runtime_error(fmt::format("rules/{} [{}]: the table is in rules/{} already", file, id.str(), *at->second.first));
    }
  }
  for (auto&& [id, located] : tables) {
    const auto& [file, at] = located;
    const toml::node& node = *at;
    const std::string where = fmt::format("{} [{}]", *file, id);
    if (!node.is_table()) throw std::runtime_error(fmt::format("rules/{} must be a table", where));
    const RulesReader r(*node.as_table(), where);
    ClientBuildingLibrary lib;
    lib.id = id;
    lib.package = r.string("package", true);
    lib.display_name = r.string("display-name", true);
    lib.openai_models = r.strings("openai-models");
    lib.model_keyword = r.string("model-keyword");
    lib.model_first = r.boolean("model-first");
    lib.default_model = r.string("default-model");
    lib.default_unless_in = r.strings("default-unless-in");
    lib.default_unless_first = r.strings("default-unless-first");
    if (const toml::node* n = node.as_table()->get("default-positionals")) {
      if (!n->is_integer() || n->value_or(int64_t{-1}) < 0) r.fail("default-positionals", "must be a whole number");
      lib.default_positionals = static_cast<int>(n->value_or(int64_t{0}));
      if (lib.default_model.empty()) r.fail("default-positionals", "is only read with `default-model`");
    }
    lib.tracked_by = r.strings("tracked-by");
    lib.how = r.string("how", true);
    for (const std::string& argument : r.strings("fix-arguments")) lib.fix_arguments.push_back(fix_argument(r, argument));
    lib.fix_unless = r.strings("fix-unless");
    lib.sent_by = r.strings("sent-by");
    lib.config_keyword = r.string("config-keyword");
    lib.other_api_types = r.strings("other-api-types");
    lib.config_contexts = r.strings("config-contexts");
    lib.entry_tracked_by = r.strings("entry-tracked-by");
    const auto constructors = r.strings("constructors");
    const auto gated = r.strings("model-gated");
    const auto returning = r.strings("returns-client");
    const auto config_gated = r.strings("config-gated");
    const auto config_arguments = r.strings("config-arguments");
    if (!config_gated.empty() && lib.config_keyword.empty()) r.fail("config-keyword", "is needed by `config-gated`");
    each_subtable(r, *node.as_table(), "config-signatures", [&](std::string_view, const RulesReader& sr) {
      ConfigSignature sig{sr.strings("names"), -1, sr.boolean("context"), {}};
      const auto parameters = sr.strings("parameters");
      if (sig.names.empty()) sr.fail("names", "is missing");
      for (const auto& name : sig.names)
        if (std::find(config_gated.begin(), config_gated.end(), name) == config_gated.end())
          sr.fail("names", fmt::format("names {}, which `config-gated` does not", name));
      const auto place = [&](std::string_view keyword) {
        const auto at = std::find(parameters.begin(), parameters.end(), keyword);
        return at == parameters.end() ? -1 : static_cast<int>(at - parameters.begin());
      };
      sig.position = place(lib.config_keyword);
      if (!parameters.empty() && sig.position < 0) sr.fail("parameters", "must name `config-keyword`");
      for (const auto& keyword : sr.strings("more-configs")) {
        sig.more.emplace_back(keyword, place(keyword));
        lib.more_config_keywords.push_back(keyword);
      }
      signatures.push_back(std::move(sig));
    });
    bool any_default = false;
    each_subtable(r, *node.as_table(), "defaults", [&](std::string_view id, const RulesReader& dr) {
      DefaultSlot& slot = t.slot_storage_.emplace_back();
      slot.id = std::string(id);
      slot.keywords = dr.strings("keywords");
      slot.set_by = dr.strings("set-by");
      slot.receiver_keywords = dr.strings("receiver-keywords");
      slot.builds_when = dr.string("builds-when");
      if (slot.keywords.empty()) dr.fail("keywords", "is missing");
      t.slots_.push_back(&slot);
      for (const auto& [list, kind] : {std::pair{"uses", Kind::uses_default}, std::pair{"builds", Kind::builds_default}})
        for (const auto& name : dr.strings(list)) {
          by_library[name] = {t.libs_.size(), kind};
          slot_of[name].push_back(&slot);
          any_default = true;
        }
    });
    if (const toml::node* instances = node.as_table()->get("instances")) {
      if (!instances->is_table()) r.fail("instances", "must be a table");
      for (auto&& [callable, cls] : *instances->as_table()) {
        if (!cls.is_string()) r.fail("instances." + std::string(callable.str()), "must be a string");
        t.instances_[std::string(callable.str())] = std::string(cls.value_or(std::string_view{}));
      }
    }
    if (constructors.empty() && gated.empty() && returning.empty() && config_gated.empty() && config_arguments.empty() &&
        !any_default)
      r.fail("constructors", "is empty, and so are `model-gated` and `returns-client`");
    if (!gated.empty() && lib.openai_models.empty()) r.fail("openai-models", "is needed by `model-gated`");
    if (!lib.model_keyword.empty() && gated.empty()) r.fail("model-keyword", "is only read for `model-gated`");
    if (lib.model_first && lib.model_keyword.empty()) r.fail("model-first", "is only read with `model-keyword`");
    if (!lib.default_model.empty() && gated.empty()) r.fail("default-model", "is only read for `model-gated`");
    if (!lib.default_unless_in.empty() && lib.default_model.empty())
      r.fail("default-unless-in", "is only read with `default-model`");
    if (!lib.default_unless_first.empty() && lib.default_model.empty())
      r.fail("default-unless-first", "is only read with `default-model`");
    if (!lib.sent_by.empty() && constructors.empty()) r.fail("sent-by", "is only read for `constructors`");
    if (node.as_table()->get("offline-by")) {
      const toml::table& offline = r.table("offline-by");
      const RulesReader er(offline, where + " offline-by");
      for (auto&& [keyword, entries] : offline)
        for (const auto& name : er.strings(keyword.str())) {
          if (std::find(constructors.begin(), constructors.end(), name) == constructors.end() &&
              std::find(gated.begin(), gated.end(), name) == gated.end())
            er.fail(keyword.str(), fmt::format("names {}, which neither `constructors` nor `model-gated` does", name));
          offline_by[name].push_back(std::string(keyword.str()));
        }
    }
    for (const auto& name : constructors) by_library[name] = {t.libs_.size(), Kind::constructor};
    for (const auto& name : gated) by_library[name] = {t.libs_.size(), Kind::gated};
    for (const auto& name : returning) by_library[name] = {t.libs_.size(), Kind::returns_client};
    for (const auto& name : config_gated) by_library[name] = {t.libs_.size(), Kind::config_gated};
    for (const auto& name : config_arguments) by_library[name] = {t.libs_.size(), Kind::config_arguments};
    each_subtable(r, *node.as_table(), "holders", [&](std::string_view id, const RulesReader& hr) {
      Holder holder;
      holder.id = std::string(id);
      holder.parameters = hr.strings("parameters");
      holder.client = hr.string("client", true);
      holder.client_attribute = hr.string("client-attribute", true);
      const auto names = hr.strings("names");
      if (names.empty()) hr.fail("names", "is missing");
      for (const auto& n : names) t.holder_names_.emplace(n, t.holders_.size());
      t.holders_.push_back(std::move(holder));
    });
    t.words_.push_back(lib.package);
    t.libs_.push_back(std::move(lib));
  }
  for (const auto& [name, at] : by_library) {
    Entry e{&t.libs_[at.first], at.second == Kind::gated, at.second == Kind::returns_client,
            at.second == Kind::config_gated || at.second == Kind::config_arguments};
    e.config_arguments = at.second == Kind::config_arguments;
    if (const auto it = offline_by.find(name); it != offline_by.end()) e.offline_by = it->second;
    if (at.second == Kind::uses_default || at.second == Kind::builds_default) {
      e.slots = slot_of.at(name);
      e.builds_default = at.second == Kind::builds_default;
    }
    t.entries_[name] = e;
  }
  for (const ConfigSignature& sig : signatures)
    for (const auto& name : sig.names) {
      Entry& e = t.entries_[name];
      e.config_position = sig.position;
      e.config_context = sig.context;
      e.more_configs = sig.more;
    }
  t.words_.emplace_back(kInstaller.substr(0, kInstaller.find('.')));  // where install() is called
  std::sort(t.words_.begin(), t.words_.end());
  t.words_.erase(std::unique(t.words_.begin(), t.words_.end()), t.words_.end());
  return t;
}

const LibraryClientTable& LibraryClientTable::get() {
  static const LibraryClientTable table = [] {
    std::vector<std::pair<std::string, std::string_view>> files;
    for (std::size_t i = 0; i < kEmbeddedRuleCount; ++i)
      if (kEmbeddedRules[i].path.starts_with(kFolder) && kEmbeddedRules[i].path.ends_with(".toml"))
        files.emplace_back(std::string(kEmbeddedRules[i].path), kEmbeddedRules[i].content);
    return from_texts(files);
  }();
  return table;
}

const ClientBuildingLibrary* LibraryClientTable::library_of_api(std::string_view api) const {
  for (const ClientBuildingLibrary& lib : libs_)
    if (api.starts_with(kApiPrefix) && api.substr(kApiPrefix.size()) == lib.id) return &lib;
  return nullptr;
}

const std::string* LibraryClientTable::instance_of(std::string_view qualified) const {
  const auto it = instances_.find(qualified);
  return it == instances_.end() ? nullptr : &it->second;
}

const LibraryClientTable::Entry* LibraryClientTable::entry(std::string_view qualified) const {
  const auto it = entries_.find(qualified);
  return it == entries_.end() ? nullptr : &it->second;
}

const Holder* LibraryClientTable::holder(std::string_view qualified) const {
  const auto it = holder_names_.find(qualified);
  return it == holder_names_.end() ? nullptr : &holders_[it->second];
}

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
  if (!hit) return std::nullopt;
  const ClientBuildingLibrary& lib = *hit->library;
  if (hit->model_gated) {
    // Every value the model may hold names an OpenAI model.
    const int index = lib.model_keyword.empty() || lib.model_first ? 0 : -1;
    const std::string_view keyword = lib.model_keyword.empty() ? std::string_view("model") : lib.model_keyword;
    auto starts = call_model_starts(call, scope, code, index, keyword, ev);
    // Handed none: the library's default, for its own class (a project subclass may pass one).
    if (starts.empty() && !lib.default_model.empty() && direct && hands_no_model(call, scope, index, keyword, lib, ev) &&
        !given_model_by(call, scope, lib, ev, code))
      starts.push_back(lib.default_model);
    const auto openai = [&](std::string_view start) {
      return std::any_of(lib.openai_models.begin(), lib.openai_models.end(), [&](const std::string& p) { return start.starts_with(p); });
    };
    if (starts.empty() || !std::all_of(starts.begin(), starts.end(), openai)) return std::nullopt;
  }
  if (hit->config_gated && !agent_builds_openai(*hit, call, scope, ev, code, direct)) return std::nullopt;
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
  LibraryClientCall out{&lib, std::string(text(callee, code)), std::string(kApiPrefix) + lib.id, false};
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
        if (callee.kind == Value::Kind::External && callee.path == kInstaller) return true;
  }
  return false;
}

}  // namespace qg::python
