// The abstract values names and expressions evaluate to. A name holds a *set* of values
// (every binding it may have had): analysis is flow-insensitive within a scope.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/finding.h"
#include "python/module.h"

namespace qg::python {

struct Value {
  enum class Kind : uint8_t {
    Opaque,     // known not to be a client (literals, results of unrelated calls)
    Unknown,    // could be anything, a client included (parameters, unassigned attributes)
    External,   // a name from a package outside the project: `path` = "openai.OpenAI"
    Client,     // an OpenAI client; `path` = resource path below it ("chat.completions")
    Factory,    // a configured factory function
    Function,   // a project function or lambda (`function`)
    Class,      // a project class (`cls`)
    Instance,   // an instance of a project class
    Module,     // a project module or package: `path` = dotted name
    Container,  // list / tuple / dict / comprehension: `elements`
    Object,     // an instance of a library class that leads to a client (python/library_model.h
                // Holder): `path` = the class, `node` = its construction, read on demand; a copy
                // (`agent.clone(...)`): `node` = that call, `elements` = what it copies
  };
  Kind kind = Kind::Opaque;
  Provenance prov = Provenance::Unknown;  // Client
  ClientKind client_kind = ClientKind::Sync;
  bool annotated = false;                 // Unknown: annotated as an OpenAI client
  bool bound = false;                     // Function: a method reached through an instance/class;
                                          // External: a library object's member (`agent.invoke`)
  // Client: may have attributes of its own beside the SDK's (a project subclass, a library's
  // wrapper around a client): only catalogue methods count as API calls through it.
  bool own_members = false;
  // Instance: of `cls` or of any project subclass of it (`self`, an annotated parameter), so a
  // method called on it may run an override (python/parameters.cpp: overrides).
  bool subclasses = false;
  // Unknown: the value of parameter `param_index` of `function` (substituted by the argument at
  // a call site when the function returns it: `def wrap(c): return c`).
  int param_index = -1;
  // Unknown (a parameter): the module the parameter names, not the parameter itself
  // (`def import_optional_dependency(name): return import_module(name)`): a call site passing a
  // string imports that module.
  bool imports = false;
  std::string param_name;  // (kKeywordsParameter: the key, empty for the whole `**kwargs`)
  // Unknown: the field `param_name` of a record class without `__init__` (dataclass, attrs,
  // pydantic, NamedTuple, ...), substituted by what its constructions pass.
  const ClassInfo* field_of = nullptr;
  // Unknown (a field, or a parameter of a method): the class the instance it was read from is
  // known to be, at least (`self.client` in a method of `Sub`: Sub). What is passed is gathered
  // from constructions of that class's family only, not from its siblings' (python/parameters.cpp).
  const ClassInfo* context = nullptr;
  std::string path;
  const Scope* function = nullptr;
  const ClassInfo* cls = nullptr;
  std::shared_ptr<const std::vector<Value>> elements;
  // Container of a tuple or list literal with no splat: what each position holds, so that
  // `model, agent = make()` (a function returning `model, agent`) binds each name its own.
  std::shared_ptr<const std::vector<std::vector<Value>>> positions;
  // Client: where it was constructed, for messages ("constructed at app/x.py:12").
  const ModuleInfo* origin = nullptr;
  uint32_t origin_line = 0;
  // Object: the construction call and the scope its arguments are evaluated in. External (a
  // client class): the `partial(...)` that bound some of its arguments (no rewrite then).
  TSNode node{};
  const Scope* scope = nullptr;

  bool same(const Value& o) const {
    return kind == o.kind && prov == o.prov && client_kind == o.client_kind && path == o.path &&
           function == o.function && cls == o.cls && elements == o.elements && positions == o.positions && origin == o.origin &&
           origin_line == o.origin_line && annotated == o.annotated && bound == o.bound && own_members == o.own_members && subclasses == o.subclasses &&
           param_index == o.param_index && imports == o.imports && field_of == o.field_of && context == o.context && node.id == o.node.id && param_name == o.param_name;
  }
};

using Values = std::vector<Value>;

// Value::param_index of a function's `**kwargs`: an index no positional argument reaches, so that
// a call site passes it only by keyword (`kwargs.pop("client")`: the keyword `client`).
inline constexpr int kKeywordsParameter = 1 << 20;
// A function's `**kwargs` as a whole (not one key of it, nor a member of it).
inline bool is_whole_keywords(const Value& v) {
  return v.kind == Value::Kind::Unknown && v.param_index == kKeywordsParameter && v.param_name.empty() && v.path.empty();
}
// Value::param_index of a field's value (`field_of`) when the field's default is a client: what no
// construction passes is that default, already beside it, not an unknown.
inline constexpr int kDefaultedField = -3;

// Adds without duplicates; sets are capped so that pathological code cannot blow up.
inline void add(Values& into, Value v) {
  constexpr std::size_t kMaxValues = 24;
  for (const auto& e : into)
    if (e.same(v)) return;
  if (into.size() < kMaxValues) into.push_back(std::move(v));
}
inline void add_all(Values& into, const Values& from) {
  for (const auto& v : from) add(into, v);
}

inline Value opaque() { return {}; }
inline Value unknown(std::string path = {}) {
  Value v;
  v.kind = Value::Kind::Unknown;
  v.path = std::move(path);
  return v;
}

}  // namespace qg::python
