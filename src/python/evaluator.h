// Computes the values of names and expressions on demand, across modules, with memoisation.
// Single-threaded by design: memo tables of one module are filled by queries from others.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <unordered_map>
#include <unordered_set>

#include "python/library_model.h"
#include "python/project.h"
#include "python/value.h"

namespace qg::python {

// What a call expression does, as far as quotaguard is concerned.
struct CallOutcome {
  enum class Kind : uint8_t { None, Construction, FactoryCall, ApiCall, LegacyCall, TransportReplaced, LibraryRun };
  Kind kind = Kind::None;
  Provenance prov = Provenance::Unknown;
  ClientKind client_kind = ClientKind::Sync;
  bool fixable = false;
  bool exact = true;              // ApiCall on an unknown value: the whole chain is an API method
  bool annotated = false;         // ApiCall on an unknown value known to be an OpenAI client
  std::string api;                // "embeddings.create" (LegacyCall: its v1 counterpart; LibraryRun: "agents.run")
  std::string name;               // Construction: class name; LegacyCall: "ChatCompletion.create"
  const ModuleInfo* origin = nullptr;  // ApiCall on a direct client: where it was constructed
  uint32_t origin_line = 0;
  const ClientLibrary* library = nullptr;  // LibraryRun: whose entry point
  // Construction by a callable that calls the class later (`field(default_factory=OpenAI)`):
  // the class argument, where it is reported (not rewritten).
  TSNode factory_class{};
};

// A memoised result. `cut`: the depth it was computed at when the depth bound cut its computation
// short (evaluator_detail.h Guard), else -1. A cut result is served again only to a query with
// no more room (at that depth or deeper); one with more room recomputes it (and a long path that
// reaches a deep chain first does not leave it unresolved for a short one).
// `called`: its computation read a parameter its function calls (call_context.cpp), so it may
// not hold for a call passing its own argument there. `self_read`: it read a method's `self`, so
// it may not hold on one receiver class (receiver_frames.cpp).
template <class T>
struct Memoised {
  T value{};
  int cut = -1;
  bool called = false;
  bool self_read = false;
};

class Evaluator {
 public:
  explicit Evaluator(const Project& project)
      : project_(project), catalogue_(Catalogue::get()), libraries_(LibraryModel::get()) {}

  Values eval(TSNode expr, const Scope* scope);
  const Project& project() const { return project_; }
  CallOutcome classify_call(TSNode call, const Scope* scope);
  // An API method taken from a client of known provenance without being called there
  // (`create = client.chat.completions.create`, `helper(client.embeddings.create)`): the
  // outcome its call would have (ApiCall, catalogue methods only), else None.
  CallOutcome classify_reference(TSNode expr, const Scope* scope);
  // `getattr(obj, name[, default])` with the builtin getattr: the object and name expressions.
  struct GetattrParts {
    TSNode object{}, name{}, fallback{};
    bool literal = false;     // the name is a plain string literal
    std::string literal_name;
  };
  std::optional<GetattrParts> getattr_parts(TSNode call, const Scope* scope);
  // `getattr(client.chat.completions, name)` with a name not known here: an API use of the
  // resource (api "chat.completions.*"), else None.
  CallOutcome classify_dynamic_getattr(TSNode call, const Scope* scope);
  Values module_export(const ModuleInfo& module, std::string_view name);
  // Whether a value set holds or yields clients (directly, via functions, classes, containers):
  // such module-level names are worth following into the modules that import them.
  bool yields_client(const Values& values, int depth = 0);
  // `obj.attr = <a client>` in `m` where obj is (an attribute of) a name imported from a project
  // module: (that module, the word its readers must mention: the name imported, or `attr` when
  // the name is a module). The scan parses that module and the files that mention the module
  // and the word, as it follows module-level clients (python/frontend.cpp).
  std::vector<std::pair<std::string, std::string>> client_stores_on_imports(const ModuleInfo& m);
  // Registrations in `m` of something that yields a client on a name imported from a project
  // module (`ProviderRegistry.register("openai", OpenAIProvider)`, `REGISTRY[k] = Cls`,
  // `@register("x") class Cls`, also through a module-level instance of an imported class:
  // `_registry = Registry(...); _registry.register(name, target=cls)`): (that module, the name
  // imported), as client_stores_on_imports gives. `forwarding`: `m` is itself such a registry's
  // module, so a parameter handed on (`target=provider_class`) counts as what it registers.
  std::vector<std::pair<std::string, std::string>> registrations_on_imports(const ModuleInfo& m, bool forwarding);
  // Calls in `m` handing a client, or something that calls an API on a parameter (`GroqChat()`),
  // to a name imported from a project module (`Runner(OpenAI())`, `runner.run(GroqChat())`):
  // (that module, the name imported). The scan parses that module and,
  // through re-exports, the one defining the name, whatever they mention: a module that only
  // passes the client on (`self.client = client`; `t.test(model, self.client)`) decides what
  // the functions it calls receive.
  std::vector<std::pair<std::string, std::string>> clients_handed_to_imports(const ModuleInfo& m);
  // The expression a call passes for parameter `index` (positional, -1: keyword-only) or `name`;
  // null when it passes none or a `*args` / `**kwargs` hides it.
  TSNode argument_node(TSNode call, const Scope* scope, int index, std::string_view name) const;
  // The argument a call passes for parameter `index` / `name`; empty if it cannot tell.
  Values argument_for(TSNode call, const Scope* scope, int index, std::string_view name);
  // The attribute `name` of values (`x.name`), as `x.name` in code would evaluate.
  Values attribute(const Values& base, std::string_view name);
  // `x.a.b` for path "a.b" (empty: `base` itself).
  Values attribute_path(Values base, std::string_view path);
  Values function_returns(const Scope* fn);
  // Whether fn returns the module a caller names (`def load(name): return import_module(name)`).
  bool imports_by_parameter(const Scope* fn);
  // Whether a project decorator is applied to `cls` (it may register it, to be built unseen).
  bool registered_by_decorator(const ClassInfo& cls);
  // What the program passes parameter `index` / `name` of `fn` (python/parameters.cpp): the
  // union of the arguments of every call of it found, and for a test or fixture parameter the
  // fixture of that name. Empty when nothing is found (the parameter stays unknown). With a
  // `context` (Value::context: the parameter of a method run on an instance of that class's
  // family), only the calls whose receiver may be such an instance.
  Values passed_to(const Scope* fn, int index, const std::string& name, const ClassInfo* context = nullptr);
  // The argument each call of `fn` the project makes passes its parameter (index, name), with
  // the scope it is read in; the parameter's default where a call leaves it out. Empty when no
  // call is found or one passes it where it cannot be read (`*args`, `**options`, a partial).
  std::vector<std::pair<TSNode, const Scope*>> arguments_passed(const Scope* fn, const Binding& parameter);
  // Whether `fn` is called somewhere and every call of it is read: none through a `*` / `**`
  // splat or a partial (so what its `**kwargs` receive is known).
  bool calls_read(const Scope* fn);
  // `v`, a value reached from a parameter, with the parameter replaced by what is passed to it
  // (again for the caller's parameters, a bounded number of times); {v} when nothing is found.
  Values through_parameters(const Value& v, int depth = 0);
  // `v` (a parameter or a parameter's member) called is resolved through what is passed: the
  // parameter itself (`make_client()` passed in) or its member named like a client class the
  // package exports (`openai.OpenAI()` on a fixture or argument holding the openai module).
  bool called_through_parameter(const Value& v) const;
  // `expr` in `scope` as it evaluates on an instance of exactly `receiver` (python/
  // receiver_frames.cpp): the `self` of every method `receiver` has (its own and its project
  // bases') is that instance, so `self.m()` runs `receiver`'s own `m`, not every override of the
  // family's. nullopt when the depth bound cut the evaluation short (it may have lost values).
  std::optional<Values> eval_on_receiver(TSNode expr, const Scope* scope, const ClassInfo* receiver);
  // The classes an instance running the method enclosing `scope` may be exactly: its class and
  // the project's subclasses of it (bounded); none outside a method.
  std::vector<const ClassInfo*> method_receivers(const Scope* scope);
  // (module, name) the name at the root of `root` is imported as, or holds an instance of a class
  // imported as, looked up from `scope` (default: the module) (stores.cpp).
  std::vector<std::pair<std::string, std::string>> imported_origin(const ModuleInfo& m, TSNode root,
                                                                   const Scope* scope = nullptr);

 private:
  // use_pos: where the name is read, when read in `scope` itself (flow order within a scope).
  Values lookup(const Scope* scope, std::string_view name, uint32_t use_pos = UINT32_MAX);
  Values binding_values(const Binding& b, const Scope* owner_scope);
  Values import_value(const ModuleInfo& from, std::string_view module, std::string_view name, int level);
  // `import dotted` written in `from` (project.h: Project::resolve).
  Values module_value(const ModuleInfo& from, std::string_view dotted);
  // `importlib.import_module("m")`, `__import__("m")`: the module, as an import binds it; nullopt
  // when `call` is neither (or names it by anything but a literal).
  std::optional<Values> dynamic_import(const Values& callee, TSNode call, const Scope* scope);
  std::optional<Values> module_from_spec(TSNode call, const Scope* scope);
  // `subclasses`: read on an instance that may be of a project subclass of `cls` (`self`): what
  // the subclasses' own methods store under `name` is read too.
  Values class_attribute(const ClassInfo& cls, std::string_view name, bool instance, bool subclasses = false);
  // The attribute `name` a class's `__getattr__` (`getattr_fn`) gives: the held object's when it
  // hands the name on to one (`getattr(self.client, name)`), else no client.
  Values dynamic_attribute(const Scope* getattr_fn, std::string_view name);
  // A library holder whose instances keep their client as an attribute (python/library_model.h
  // Holder::client_attribute, in either library table); nullptr for any other name.
  const Holder* client_holder(std::string_view qualified) const;
  // That attribute of `object` (an Object of `holder`): what its construction hands over, what
  // the callers of the parameter it is pass (an annotated parameter), else an OpenAI client of
  // unresolved origin.
  Values held_client(const Value& object, const Holder& holder);
  Values bound_client_class(const Value& binder, TSNode call, const Scope* scope);
  struct FactoryHanded {
    ClientKind kind;
    TSNode argument;  // the class or factory, as written
    bool tracked;     // the tracking factory, not a client class
  };
  std::optional<FactoryHanded> factory_handed(const Value& taker, TSNode call, const Scope* scope);
  Values call_result(const Values& callee, TSNode call, const Scope* scope);
  Values cast_value(TSNode call, const Scope* scope);  // `typing.cast(T, x)`
  // Whether a type expression names a class of another package (not typing, builtins, collections).
  bool names_other_library(TSNode type, const Scope* scope);
  Values annotation_value(TSNode annotation, const Scope* scope);
  // A type alias's value (`Union[OpenAI, AzureOpenAI]`, `A | B`): what annotation_value reads.
  static constexpr std::string_view kTypeUnion = "typing.Union";
  Value type_union(TSNode n, const Scope* scope);
  static bool is_type_union(const Value& v);
  // `client: OpenAI = registry.get()`, `cast(OpenAI, make())`: `values` (what `value` evaluates
  // to), or, when they say nothing of a client (an outside package's call or name, an
  // unresolved one) and the type names an OpenAI client class, one of unresolved origin.
  Values vouched_by(TSNode type, const Scope* scope, TSNode value, Values values);
  // The names a string annotation reads; `unresolved` set when one is bound nowhere in scope.
  Values string_names(std::string_view body, const Scope* scope, bool* unresolved = nullptr);
  Values elements_of(const Values& v, int index);
  std::optional<ClientKind> client_subclass(const ClassInfo& cls, int depth = 0);
  bool value_yields_client(const Value& v, int depth);
  CallOutcome outcome_of(const Value& callee, TSNode call, const Scope* scope);
  CallOutcome best_outcome(const Values& callees, TSNode call, const Scope* scope);
  Value construction(ClientKind kind, const Scope* scope, TSNode call);
  bool has_keyword(TSNode call, std::string_view keyword, std::string_view code) const;
  Values argument_values(TSNode call, const Scope* scope);  // every argument's values
  // Parameters (python/parameters.cpp): how many leading parameters a call of `fn` through
  // `callee` fills implicitly (1 for `obj.method(...)`, `Cls(...)` into `__init__`), or -1 when
  // `callee` is not `fn`.
  int implicit_arguments(const Values& callee, const Scope* fn);
  int super_init_shift(TSNode call, const Scope* scope, const Scope* init);
  Values fixture_value(const Scope* fixture);
  // FastAPI's `Depends(f)` in a parameter's default or `Annotated[...]` annotation (a type alias
  // followed): what `f` returns or yields (python/dependencies.cpp); empty for anything else.
  Values injected_dependency(TSNode n, const Scope* scope, int depth = 0);
  Values alias_dependency(const Binding& b, const Scope* scope, int depth);  // (a name's binding)
  // Starlette's `<x>.state.<name>`: what `app.state.<name> = ...` stores and lifespans yielding
  // `{"<name>": ...}` put there (python/app_state.cpp).
  Values app_state(std::string_view name);
  Values passed_via_callback(TSNode arg, const Scope* scope, int index, const std::string& name);
  bool names_parameter(const Scope* fn, const std::string& name) const;
  bool splats_own_keywords(TSNode call, const Scope* scope, const Scope* fn);
  Values passed_to_field(const ClassInfo* cls, const std::string& name, const ClassInfo* context = nullptr);
  // Whether some class derives from both (or is one of them): an instance of `a`'s family may be
  // one of `b`'s.
  bool related(const ClassInfo* a, const ClassInfo* b);
  // The class a call's receiver is an instance of (`Cls(...)`: exactly `Cls`; `super().__init__`,
  // `Base.__init__(self)`, `self.m(...)`: the enclosing method's class, `via_self`), else null.
  const ClassInfo* call_receiver(TSNode call, const Scope* scope, const Values& callee, bool& exact, bool& via_self);
  // The parameters of the method enclosing `scope` among `values`, marked read for `context`.
  void mark_context(Values& values, const Scope* scope, const ClassInfo* context);
  const std::vector<const ClassInfo*>& class_family(const ClassInfo* cls);
  // The clients the project's constructions of `cls` (a project subclass of a client class) and of
  // its project subclasses build (`Cls(...)`), as `Cls(...)` evaluates: what `self` is in its
  // methods. Empty when none is found.
  Values built_instances(const ClassInfo& cls);
  // A method `name` found on `cls` (`found`: what class_attribute gives) read on an instance that
  // may be of a subclass: the overrides the project's subclasses of `cls` define (class-hierarchy
  // analysis, bounded by class_family), bound as the method is.
  Values overrides(const ClassInfo& cls, std::string_view name, const Values& found);
  bool defines_init(const ClassInfo& cls);
  // SDK resource classes (python/class_family.cpp): the resource path a class the SDK defines under
  // `openai.resources` stands for, and `super()` in a project subclass of one.
  std::string sdk_resource_path(std::string_view qualified) const;
  std::optional<Values> resource_super(TSNode call, const Scope* scope);
  // The class a method constructing `client` (a Client value) belongs to, else null.
  const ClassInfo* building_class(const Value& client);
  // Whether `a` and `b` are distinct subclasses of a common project base, neither related to
  // the other (siblings in a class hierarchy).
  bool siblings(const ClassInfo* a, const ClassInfo* b);
  bool same_class(const Value& v, const ClassInfo& c);
  bool same_function(const Value& v, const Scope* fn);
  const ClassInfo* project_class(const Value& v);
  const Scope* project_function(const Value& v);
  // In a modelled library's own repository, the project's module function its absolute name of
  // itself stands for (`from pydantic_ai.providers import infer_provider`, a package resolve()
  // never shadows); opaque for any other external name.
  Value own_library_function(const Value& v);
  bool splat_keyword(TSNode call, const Scope* scope, std::string_view name, Values& out);
  bool splat_positional(TSNode call, const Scope* scope, int position, Values& out);
  Values parametrized(const Scope* fn, std::string_view name);
  // `kwargs.pop("client"[, d])`, `.get(...)`, `.setdefault(...)`, `kwargs["client"]` on a
  // function's `**kwargs` (`keywords`): what its callers pass as `client=` (and the default);
  // nullopt for anything else.
  std::optional<Values> keyword_of_kwargs(const Value& keywords, TSNode key, TSNode fallback, const Scope* scope);
  // What `obj.name = value` statements elsewhere store on `target`, a project module, class or
  // instance (python/stores.cpp); only values that hold or yield clients.
  Values stored_elsewhere(const Value& target, std::string_view name);
  // Whether `name` in the module scope `at` is imported from the module whose top scope is `home`.
  bool imports_from(const Scope* at, std::string_view name, const Scope* home);
  // What `reg[key] = value` statements store in a dict read as the name `name` bound in `home`
  // (a scope), or as the attribute `name` of instances (`instance`) or of the class `home` (a
  // ClassInfo): a Container of those values with the callers' arguments for parameters
  // (python/stores.cpp); nullopt when nothing is stored so.
  std::optional<Value> stored_elements(const void* home, bool is_class, bool instance, std::string_view name);
  // Whether some value is a plain container (a dict or list a registry may fill).
  static bool holds_container(const Values& values);
  // A name a module does not bind but its module-level `__getattr__` (PEP 562) imports on first
  // use (python/lazy_exports.cpp); empty when it has none or the name is not found that way.
  Values lazy_export(const ModuleInfo& module, std::string_view name);

  // The memoised value for `key` if there is one this query may use (Memoised), else null.
  // `framed`: the query is inside a function a frame evaluates (call_context.cpp), where what read
  // a parameter the function calls must be computed again.
  template <class Map, class Key>
  const auto* memo_hit(const Map& memo, const Key& key, bool framed = false) {
    const auto it = memo.find(key);
    if (it == memo.end() || (it->second.cut >= 0 && depth_ < it->second.cut)) return decltype(&it->second.value){};
    if (it->second.called) {
      if (framed) return decltype(&it->second.value){};
      ++called_reads_;
    }
    if (it->second.self_read) {
      if (receiver_) return decltype(&it->second.value){};
      ++self_reads_;
    }
    return &it->second.value;
  }
  // Where a computation to be memoised starts: its depth, the cuts and the context reads so far.
  struct MemoStamp {
    int at, cuts, reads, called, selves;
  };
  MemoStamp stamp() const { return {depth_, cuts_, context_reads_, called_reads_, self_reads_}; }
  // Memoises `value` for `key`, computed since `s`: marked cut if the depth bound cut it short;
  // not at all if it read a call's own argument (call_context.cpp).
  template <class Map, class Key, class T>
  void remember(Map& memo, const Key& key, T value, const MemoStamp& s) {
    if (context_reads_ != s.reads || (receiver_ && self_reads_ != s.selves)) return;
    memo[key] = {std::move(value), cuts_ != s.cuts ? s.at : -1, called_reads_ != s.called, self_reads_ != s.selves};
  }

  // Call-site-sensitive returns (python/call_context.cpp). A function whose body calls one of its
  // parameters (`def build(self, cls): return cls(...)`) returns, at a call passing a known
  // argument for it, what its returns evaluate to with that argument (a frame), not with the
  // union of every caller's.
  struct ContextFrame {
    const Scope* fn = nullptr;
    std::vector<std::pair<int, Values>> arguments;  // (parameter index, the call's argument)
    // (parameter index, the strings the call's argument may be): a parameter the body compares
    // with string constants (python/constants.cpp)
    std::vector<std::pair<int, std::vector<std::string>>> constants;
    int reads_before = 0;
    bool outer_read = false;  // something inside read an outer frame's argument
  };
  // The parameters `fn`'s own body calls: (index, name).
  const std::vector<std::pair<int, std::string>>& called_parameters(const Scope* fn);
  // The parameters a frame gives `fn` the call's argument for: those it calls (frames 1), and
  // those it passes on in a returned call to a function that takes them so (`def via(k): return
  // build(k)`: frames 2), as far as the frames a nesting allows (call_context.cpp kMaxFrames).
  struct ContextParameter {
    int index;
    std::string name;
    int frames;  // the nested frames from fn's to the one whose body calls it
    bool by_value = true;       // a frame gives it the call's argument (a parameter called)
    bool by_constant = false;   // a frame gives it the argument's strings (tested_parameters)
  };
  const std::vector<ContextParameter>& context_parameters(const Scope* fn);
  // `fn`'s returns at `call` (`callee`: fn as called there), when it passes a known argument for
  // a parameter fn calls; nullopt otherwise (function_returns then).
  std::optional<Values> returns_at(const Value& callee, TSNode call, const Scope* scope);
  // The argument a frame gives parameter `index` of `fn`, else null.
  const Values* context_argument(const Scope* fn, int index);
  // Whether `s` is (nested in) a function some frame evaluates: its memoised values may not hold.
  bool in_context(const Scope* s) const;
  // Whether parameter `index` of `fn` is one a frame may give (context_parameters).
  bool called_parameter(const Scope* fn, int index);

  // Call-site constants (python/constants.cpp). A function dispatching on a parameter compared
  // with string constants (`if name == "openai": return OpenAIProvider elif name == "groq": ...`)
  // returns, at a call whose argument for it is a known string, only what the branches that
  // string can take return.
  using Strings = std::vector<std::string>;
  // The parameters `fn`'s body compares with string constants (`p == "x"`, `p in ("a", "b")`,
  // `p.startswith("x")`, `match p: case "x"`): (index, name).
  std::vector<std::pair<int, std::string>> tested_parameters(const Scope* fn);
  // The strings `expr` (read in `scope`) may be, every one of them, else nullopt.
  std::optional<Strings> string_constants(TSNode expr, const Scope* scope, int depth = 0);
  // The strings a frame gives parameter `index` of `fn`, else null.
  const Strings* frame_constants(const Scope* fn, int index);
  // Whether some frame gives `fn` constants (so its branches may be pruned).
  bool has_frame_constants(const Scope* fn) const;
  // Whether `node`, in `fn`'s body, lies in a branch its conditions rule out with the constants
  // known (`if`/`elif`/`else`, `match` cases, `a if c else b`).
  bool dead_branch(TSNode node, const Scope* fn, int depth = 0);
  // Whether the constants a frame gives `fn` rule out one of its returns or bindings.
  bool prunes(const Scope* fn);
  // A condition's truth with the constants known; nullopt when it cannot tell.
  std::optional<bool> truth(TSNode condition, const Scope* fn, int depth);
  std::set<const Binding*> assumed_dead_;  // bindings being shown dead (a guard reading them)

  const Project& project_;
  const Catalogue& catalogue_;
  const LibraryModel& libraries_;
  std::unordered_map<const Binding*, Memoised<Values>> binding_memo_;
  std::unordered_map<const Scope*, Memoised<Values>> returns_memo_;
  // (function, parameter index, keyword of `**kwargs` or empty, context class)
  using PassedKey = std::tuple<const Scope*, int, std::string, const ClassInfo*>;
  std::map<PassedKey, Memoised<Values>> passed_memo_;
  std::set<PassedKey> passing_;  // parameters being gathered (recursion)
  std::unordered_set<const Scope*> delegating_;  // `__getattr__`s being read (recursion)
  std::map<std::tuple<const ClassInfo*, std::string, const ClassInfo*>, Memoised<Values>> fields_memo_;
  // (a family is handed out by reference: one recomputed goes to a new element of `families_`)
  std::unordered_map<const ClassInfo*, Memoised<const std::vector<const ClassInfo*>*>> family_memo_;
  std::unordered_map<const ClassInfo*, Memoised<Values>> built_memo_;
  std::deque<std::vector<const ClassInfo*>> families_;
  std::map<std::pair<const ModuleInfo*, uint32_t>, const ClassInfo*> builder_memo_;
  using StoreKey = std::tuple<const void*, bool, std::string>;  // (module or class, instance, name)
  std::map<StoreKey, Memoised<Values>> stores_memo_;
  std::set<StoreKey> storing_;
  std::map<StoreKey, Memoised<std::optional<Value>>> elements_memo_;
  std::set<StoreKey> filling_;
  std::set<std::pair<const ModuleInfo*, std::string>> lazy_lookups_;  // (recursion: a cycle of them)
  std::map<std::pair<const void*, int>, Memoised<bool>> yields_memo_;  // (function/class/container, depth)
  std::unordered_set<const void*> in_progress_;
  // Per module: whether it names fastapi / starlette (or `Depends`), searched once
  // (python/dependencies.cpp, app_state.cpp).
  std::unordered_map<const ModuleInfo*, bool> names_fastapi_;
  bool names_fastapi(const ModuleInfo& m);
  // Names being looked up through `from m import *` (module scope, name): two modules that
  // star-import each other would otherwise recurse until the stack overflows.
  std::set<std::pair<const Scope*, std::string>> star_lookups_;
  int depth_ = 0;
  int cuts_ = 0;  // refusals at the depth bound so far (Memoised)
  std::vector<ContextFrame> contexts_;
  int context_reads_ = 0;  // frames' arguments read so far (what is read so is not memoised)
  int called_reads_ = 0;   // reads of parameters their functions call (Memoised::called)
  std::unordered_map<const Scope*, std::vector<std::pair<int, std::string>>> called_memo_;
  std::unordered_set<const ModuleInfo*> called_indexed_;  // modules whose functions called_memo_ has
  // (while one is computed it holds the called ones: a chain coming back to it reads those)
  std::unordered_map<const Scope*, std::vector<ContextParameter>> context_params_memo_;
  std::deque<std::vector<ContextParameter>> context_params_cut_;  // ones the depth bound cut: not memoised
  std::map<std::pair<uintptr_t, const Scope*>, Memoised<Values>> returns_at_memo_;  // (call node, fn)
  // A receiver frame (receiver_frames.cpp): the class `self` is exactly, in the methods it has.
  const ClassInfo* receiver_ = nullptr;
  int self_reads_ = 0;  // reads of a method's `self` so far (Memoised::self_read)
  // The `self` a receiver frame gives a method of `cls` (null: none, the family's as usual).
  std::optional<Value> receiver_self(const Scope* method);
};

// The scope a read of `name` in `scope` finds it bound in (class bodies seen from their own
// statements only, `global` honoured), else null (a builtin, a star import's, undefined).
const Scope* defining_scope(const Scope* scope, std::string_view name);
// "a.b" + "c" -> "a.b.c" ("" + "c" -> "c").
std::string join_dotted(std::string_view a, std::string_view b);
// The module `from <.. module> import ...` / `import module` in `from` names, made absolute.
std::string absolute_import(const ModuleInfo& from, std::string_view module, int level);
// The project module that import refers to (Project::resolve), empty when it is external.
std::string resolve_import(const Project& project, const ModuleInfo& from, std::string_view module, int level);

// "chat.completions.with_raw_response.create" -> "chat.completions.create".
std::string strip_response_wrappers(std::string_view path);

}  // namespace qg::python
