// What one pass over a module's syntax tree collects: scopes, the bindings of every name,
// classes with the attributes their methods assign, and the nodes the checker visits.
// Nothing here is evaluated yet; values are computed on demand (evaluator.h).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tree_sitter/api.h>

#include "core/catalogue.h"
#include "core/line_index.h"
#include "core/source_text.h"
#include "core/suppression.h"

namespace qg::python {

struct Scope;
struct ClassInfo;

// One way a name gets a value. Evaluated lazily and memoised by the evaluator.
// Binding::index of a name unpacked from each element of what a loop iterates.
inline constexpr int kElementOfElement = -2;

struct Binding {
  enum class Kind : uint8_t {
    Expr,        // name = <node>               (node evaluated in `scope`)
    Element,     // for name in <node> / name, _ = <node>: an element of the value
    Context,     // with <node> as name: the context manager's value
    Import,      // import a.b.c [as name]      (module = "a.b.c" or "a" when unaliased)
    ImportFrom,  // from [.]module import name  (module, name, level)
    Function,    // def name(...)               (function = its scope)
    Class,       // class name(...)             (cls)
    Param,       // a function parameter        (index, annotation, default in node)
    Annotation,  // name: T  (no value)         (node = the annotation)
    Opaque,      // except ... as name, del, etc.: not a client
  };
  Kind kind = Kind::Opaque;
  TSNode node{};              // expression, annotation or default value
  TSNode annotation{};        // Param, and Expr of `name: T = value`: the type annotation, if any
  Scope* scope = nullptr;     // where `node` is evaluated
  Scope* function = nullptr;  // Kind::Function
  ClassInfo* cls = nullptr;   // Kind::Class
  std::string module, name;   // Import / ImportFrom; Param: the parameter's name
  int level = 0;              // ImportFrom: leading dots
  int index = -1;             // Element: position in a tuple literal, -1 = any element,
                              // kElementOfElement: unpacked from an element (`for name, agent in pairs`)
  bool variadic = false;      // Param: *args / **kwargs
  bool keywords = false;      // Param: **kwargs
  bool self_param = false;    // Param: the first parameter of a method (self / cls)
  // Where the binding takes effect (end of its statement) and whether it may not happen
  // (inside if/try/for/while/match, or a `global` assignment from a function): lookups keep
  // the last unconditional binding before the use and the conditional ones after it.
  uint32_t position = 0;
  bool conditional = false;
};

struct ModuleInfo;

struct Scope {
  enum class Kind : uint8_t { Module, Class, Function, Lambda, Comprehension };
  Kind kind = Kind::Module;
  Scope* parent = nullptr;
  ModuleInfo* owner = nullptr;                 // the module this scope's code belongs to
  TSNode node{};
  std::string name;
  std::unordered_map<std::string, std::vector<Binding>> bindings;
  std::vector<std::string> globals;            // `global x` in this function
  std::vector<Binding> star_imports;           // `from m import *` (module scope)
  std::vector<TSNode> returns;                 // return expressions (functions), body (lambda)
  std::vector<TSNode> yields;                  // `yield x` values (`yield from x`: not kept)
  // Functions: where the last `X.__init__(...)` call of their own body ends (`super().__init__()`,
  // `Base.__init__(self)`), 0 when none (python/evaluator.cpp: overwrites_inherited).
  uint32_t last_init_call_end = 0;
  ClassInfo* method_of = nullptr;              // functions defined directly in a class body
  ClassInfo* class_info = nullptr;             // Kind::Class: the class it is the body of
  bool is_property = false, is_staticmethod = false, is_classmethod = false;
  bool is_async = false;
  // A function a parameter of which an API method is called on (`def moderate(client): ...
  // client.moderations.create(...)`, also from a nested function): the modules that import it
  // are worth parsing, as for a name that yields a client (python/frontend.cpp).
  bool api_on_parameter = false;
  // `@contextmanager` / `@asynccontextmanager`: `with f() as x` binds what it yields.
  bool is_context_manager = false;
  // `@pytest.fixture` (or any `@*.fixture`): tests receive what it returns or yields under
  // `fixture_name` (its name, or the decorator's `name="..."`).
  bool is_fixture = false;
  std::string fixture_name;
  // `@pytest.mark.parametrize("names", values)` calls: the test's parameters take the values.
  std::vector<TSNode> parametrize;
  std::string self_name;                       // methods: the first parameter (self / cls)

  bool declares_global(std::string_view n) const {
    for (auto& g : globals)
      if (g == n) return true;
    return false;
  }
};

struct ClassInfo {
  std::string name;
  TSNode node{};
  Scope* body = nullptr;                       // class body scope (class attributes, methods)
  Scope* defined_in = nullptr;                 // scope the class statement is in
  std::vector<TSNode> bases;                   // superclass expressions
  std::unordered_map<std::string, std::vector<Binding>> instance_attrs;  // self.x = ...
};

struct ModuleInfo {
  std::string path;        // relative to the scan root
  std::string name;        // dotted module name ("services.ai")
  bool is_package = false; // an __init__.py
  bool is_factory = false; // allowed to construct clients (config [factory] modules)
  bool openai_context = false;  // mentions the openai package or a factory
  bool vendored = false;

  SourceText source;
  std::unique_ptr<LineIndex> lines;
  TSTree* tree = nullptr;
  bool has_error = false;

  std::deque<Scope> scopes;          // scopes[0] is the module scope; deque keeps pointers stable
  std::deque<ClassInfo> classes;
  std::vector<std::pair<TSNode, Scope*>> calls;    // every call node with its scope, in source order
  std::vector<std::pair<TSNode, Scope*>> strings;  // string literals that are not docstrings
  // Attribute expressions ending in an API method name (`x.chat.completions.create`), called or
  // not: where a method taken from a client without a call is reported.
  std::vector<std::pair<TSNode, Scope*>> method_references;
  // `obj.name = value` where obj is not the method's own `self` (those are the class's
  // instance_attrs): `Holder.client = OpenAI()`, `config.client = ...`, `deps.client = ...`,
  // read wherever the program reads obj.name (python/call_sites.h).
  struct AttributeStore {
    TSNode object;         // obj, evaluated in `scope`
    const Scope* scope;    // where the statement is
    std::string name;      // the attribute
    Binding binding;       // the value, as a name binding would hold it
  };
  std::vector<AttributeStore> attribute_stores;
  // `reg[key] = value` (`name`: the last name of `reg`, its identifier or attribute; `object`:
  // `reg` itself): what a registry filled this way holds, read wherever the program reads that
  // dict (python/stores.cpp: stored_elements).
  std::vector<AttributeStore> element_stores;
  // Classes defined with decorators (`@register("name") class C`): a decorator is a call of
  // what its expression evaluates to, with the class (python/parameters.cpp: passed_to).
  struct DecoratedClass {
    TSNode decorator;      // the decorator's expression (after `@`)
    const Scope* scope;    // where it is evaluated
    const ClassInfo* cls;  // the class it is applied to (the innermost decorator's argument)
  };
  std::vector<DecoratedClass> decorated_classes;
  std::unordered_map<uint32_t, Scope*> expression_scopes;  // lambda / comprehension start byte -> scope
  SuppressionMap suppressions;

  Scope* module_scope() { return &scopes.front(); }
  std::string_view code() const { return source.code(); }

  ModuleInfo() = default;
  ModuleInfo(const ModuleInfo&) = delete;
  ModuleInfo& operator=(const ModuleInfo&) = delete;
  ~ModuleInfo() { if (tree) ts_tree_delete(tree); }
};

// Parses `module.source` and fills scopes, bindings, classes, calls, strings, suppressions.
void collect(ModuleInfo& module);

// Parses `module.source` (set by the caller) into `module.tree` and `lines`, then collects it.
void parse_and_collect(ModuleInfo& module);

// Folders the module puts on `sys.path` relative to its own file (`sys.path.insert(0,
// str(Path(__file__).parent.parent / "agent"))`), relative to the scan root (python/sys_path.cpp).
std::vector<std::string> sys_path_folders(const ModuleInfo& module);

// The file or folder `expression` names, relative to the scan root, when the module computes it
// from `__file__` and string literals (`os.path.join(os.path.dirname(__file__), "..", "m.py")`).
std::optional<std::string> file_path_named(const ModuleInfo& module, TSNode expression);

}  // namespace qg::python
