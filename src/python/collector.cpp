// One walk over a module's tree: scopes, bindings, classes, call and string nodes, suppressions.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/catalogue.h"
#include "core/text_search.h"
#include "python/module.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

// Deeper trees (generated code, hostile input) are not descended further: the collector
// recurses, and a thread's stack is finite (an ASan frame pair here takes ~5 KB). CPython
// itself refuses more than 200 nested brackets, so real code never comes near.
constexpr int kMaxDepth = 500;

class Collector {
 public:
  explicit Collector(ModuleInfo& m) : m_(m), S_(Syntax::get()), code_(m.code()) {}

  void run() {
    TSNode root = ts_tree_root_node(m_.tree);
    m_.has_error = ts_node_has_error(root);
    Scope& module = m_.scopes.emplace_back();
    module.kind = Scope::Kind::Module;
    module.owner = &m_;
    module.node = root;
    module.name = m_.name;
    walk_children(root, &module, 0);
    link_marimo_cells();
    mark_api_on_parameters();
  }

 private:
  std::string str(TSNode n) const { return std::string(text(n, code_)); }

  Scope* new_scope(Scope::Kind kind, Scope* parent, TSNode node, std::string name) {
    Scope& s = m_.scopes.emplace_back();
    s.kind = kind;
    s.parent = parent;
    s.owner = &m_;
    s.node = node;
    s.name = std::move(name);
    return &s;
  }

  // A marimo notebook (`@app.cell def _(dspy, mo): ...`): marimo hands each cell the names the
  // other cells define, as the parameters of the same names. A parameter named like a module-level
  // cell's import (`import dspy` in one cell, returned for the others) is that import.
  void link_marimo_cells() {
    if (cells_.size() < 2 || !contains_word(code_, "marimo")) return;
    std::unordered_map<std::string, const Binding*> imports;
    for (Scope* cell : cells_)
      for (const auto& [name, bindings] : cell->bindings)
        if (!bindings.empty() && (bindings.back().kind == Binding::Kind::Import ||
                                  bindings.back().kind == Binding::Kind::ImportFrom))
          imports.emplace(name, &bindings.back());
    for (Scope* cell : cells_)
      for (auto& [name, bindings] : cell->bindings) {
        const auto it = imports.find(name);
        if (it == imports.end() || bindings.size() != 1 || bindings.front().kind != Binding::Kind::Param ||
            bindings.front().variadic)
          continue;
        Binding b = *it->second;
        b.position = bindings.front().position;
        b.conditional = false;
        bindings.front() = std::move(b);
      }
  }

  // `param.a.b.method(...)` with an API method name, `param` a parameter of an enclosing function
  // (not its self): that function takes a client (Scope::api_on_parameter).
  void mark_api_on_parameters() {
    const Catalogue& cat = Catalogue::get();
    for (const auto& [call, scope] : m_.calls) {
      TSNode callee = unparenthesize(field(call, S_.f_function));
      if (is_null(callee) || sym(callee) != S_.attribute) continue;
      TSNode attr = field(callee, S_.f_attribute);
      if (is_null(attr) || !cat.is_method_name(text(attr, code_))) continue;
      TSNode root = callee;
      while (!is_null(root) && sym(root) == S_.attribute) root = unparenthesize(field(root, S_.f_object));
      if (is_null(root) || sym(root) != S_.identifier || root.id == callee.id) continue;
      const std::string name = str(root);
      bool first = true;
      for (Scope* s = scope; s && s->kind != Scope::Kind::Module; s = s->parent) {
        if (s->kind == Scope::Kind::Class && !first) continue;
        first = false;
        auto it = s->bindings.find(name);
        if (it == s->bindings.end()) continue;
        for (const Binding& b : it->second)
          if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic) s->api_on_parameter = true;
        break;
      }
    }
  }

  static Scope* function_scope_of(Scope* s) {
    while (s && s->kind != Scope::Kind::Function && s->kind != Scope::Kind::Lambda) s = s->parent;
    return s;
  }

  // Where an assignment to `name` in `scope` lands (honours `global`).
  Scope* binding_scope(Scope* scope, std::string_view name) {
    if (scope->declares_global(name)) return m_.module_scope();
    // Comprehension and walrus targets bind in the enclosing function or module.
    return scope;
  }

  void bind(Scope* scope, const std::string& name, Binding b) {
    Scope* target = binding_scope(scope, name);
    b.position = position_;
    b.conditional = cond_ > 0 || target != scope;
    target->bindings[name].push_back(std::move(b));
  }

  // Runs `body` with bindings taking effect at `position`.
  template <class F>
  void at(uint32_t position, F&& body) {
    const uint32_t saved = position_;
    position_ = position;
    body();
    position_ = saved;
  }

  // A new scope starts with no enclosing conditionals.
  template <class F>
  void in_new_scope(F&& body) {
    const int saved = cond_;
    cond_ = 0;
    body();
    cond_ = saved;
  }

  void walk_children(TSNode n, Scope* scope, int depth) {
    for (TSNode c : NamedChildren(n)) walk(c, scope, depth + 1);
  }

  void walk(TSNode n, Scope* scope, int depth) {
    if (depth > kMaxDepth) return;
    const TSSymbol k = sym(n);
    if (k == S_.comment) return comment(n);
    if (k == S_.call) {
      m_.calls.emplace_back(n, scope);
      if (const TSNode f = field(n, S_.f_function);
          scope->kind == Scope::Kind::Function && !is_null(f) && sym(f) == S_.attribute &&
          text(field(f, S_.f_attribute), code_) == "__init__")
        scope->last_init_call_end = std::max(scope->last_init_call_end, end_byte(n));
      not_taken_ = unparenthesize(field(n, S_.f_function)).id;  // called where it is read
      return walk_children(n, scope, depth);
    }
    if (k == S_.identifier || k == S_.integer || k == S_.float_ || k == S_.none || k == S_.true_ || k == S_.false_)
      return;
    if (k == S_.string || k == S_.concatenated_string) return string(n, scope, depth);
    if (k == S_.attribute) {
      // Only a method read without being called (a callee, or the object of a longer chain, is
      // not one): the checker then asks the tree for no parent of the many that are called.
      if (TSNode attr = field(n, S_.f_attribute);
          n.id != not_taken_ && !is_null(attr) && Catalogue::get().is_method_name(text(attr, code_)))
        m_.method_references.emplace_back(n, scope);
      not_taken_ = unparenthesize(field(n, S_.f_object)).id;
      return walk_children(n, scope, depth);
    }
    if (k == S_.expression_statement) return expression_statement(n, scope, depth);
    if (k == S_.assignment) return assignment(n, scope, depth);
    if (k == S_.named_expression) {
      TSNode name = field(n, S_.f_name), value = field(n, S_.f_value);
      if (!is_null(name) && !is_null(value)) {
        Scope* target = scope;
        while (target->kind == Scope::Kind::Comprehension && target->parent) target = target->parent;
        at(end_byte(n), [&] {
          ++cond_;  // an expression may be skipped by short-circuiting
          bind(target, str(name), {.kind = Binding::Kind::Expr, .node = value, .scope = scope});
          --cond_;
        });
      }
      return walk_children(n, scope, depth);
    }
    if (k == S_.import_statement) return import_statement(n, scope);
    if (k == S_.import_from_statement) return import_from(n, scope);
    if (k == S_.future_import_statement) return;
    if (k == S_.decorated_definition) return decorated(n, scope, depth);
    if (k == S_.function_definition) return (void)function(n, scope, depth, {});
    if (k == S_.class_definition) return class_def(n, scope, depth);
    if (k == S_.lambda) return lambda(n, scope, depth);
    if (k == S_.list_comprehension || k == S_.set_comprehension || k == S_.dictionary_comprehension ||
        k == S_.generator_expression)
      return comprehension(n, scope, depth);
    if (k == S_.for_statement) {
      ++cond_;
      TSNode left = field(n, S_.f_left), right = field(n, S_.f_right);
      if (!is_null(left) && !is_null(right))
        at(end_byte(right), [&] { bind_target(left, scope, Binding::Kind::Element, right, scope, -1); });
      walk_children(n, scope, depth);
      --cond_;
      return;
    }
    if (k == S_.if_statement || k == S_.try_statement || k == S_.while_statement || k == S_.match_statement) {
      ++cond_;
      walk_children(n, scope, depth);
      --cond_;
      return;
    }
    if (k == S_.with_item) return with_item(n, scope, depth);
    if (k == S_.global_statement) {
      for (TSNode c : NamedChildren(n))
        if (sym(c) == S_.identifier) scope->globals.push_back(str(c));
      return;
    }
    if (k == S_.return_statement) {
      if (Scope* f = function_scope_of(scope); f && ts_node_named_child_count(n) > 0)
        f->returns.push_back(ts_node_named_child(n, 0));
      return walk_children(n, scope, depth);
    }
    if (k == S_.yield) {
      // `yield x` (a fixture's or a context manager's value); `yield from x` is not followed.
      const bool from = ts_node_child_count(n) > 1 && text(ts_node_child(n, 1), code_) == "from";
      if (Scope* f = function_scope_of(scope); f && !from && ts_node_named_child_count(n) > 0)
        f->yields.push_back(ts_node_named_child(n, 0));
      return walk_children(n, scope, depth);
    }
    if (k == S_.except_clause) {
      TSNode alias = field(n, S_.f_alias);
      if (!is_null(alias) && sym(alias) == S_.identifier)
        at(start_byte(n), [&] { bind(scope, str(alias), {.kind = Binding::Kind::Opaque}); });
      return walk_children(n, scope, depth);
    }
    walk_children(n, scope, depth);
  }

  void comment(TSNode n) {
    if (auto s = parse_suppression(text(n, code_)))
      m_.suppressions.add(ts_node_start_point(n).row + 1, std::move(*s));
  }

  void string(TSNode n, Scope* scope, int depth) {
    m_.strings.emplace_back(n, scope);
    walk_interpolations(n, scope, depth);
  }

  // f-string text is never code, but `{expr}` inside it is.
  void walk_interpolations(TSNode n, Scope* scope, int depth) {
    for (TSNode c : NamedChildren(n)) {
      if (sym(c) == S_.interpolation) walk_children(c, scope, depth + 1);
      else if (sym(c) == S_.string) walk_interpolations(c, scope, depth + 1);
    }
  }

  void expression_statement(TSNode n, Scope* scope, int depth) {
    // A bare string statement is a docstring (or dead text): never a finding.
    if (ts_node_named_child_count(n) == 1) {
      TSNode only = ts_node_named_child(n, 0);
      if (sym(only) == S_.string || sym(only) == S_.concatenated_string) {
        walk_interpolations(only, scope, depth);
        return;
      }
    }
    walk_children(n, scope, depth);
  }

  void assignment(TSNode n, Scope* scope, int depth) {
    // `a = b = value` nests as assignment(a, assignment(b, value)).
    std::vector<TSNode> targets;
    TSNode cur = n, annotation{};
    TSNode value{};
    for (;;) {
      targets.push_back(field(cur, S_.f_left));
      if (TSNode t = field(cur, S_.f_type); !is_null(t)) annotation = t;
      TSNode right = field(cur, S_.f_right);
      if (!is_null(right) && sym(right) == S_.assignment) { cur = right; continue; }
      value = right;
      break;
    }
    const uint32_t saved = position_;
    position_ = end_byte(n);
    for (TSNode t : targets) {
      if (is_null(t)) continue;
      if (is_null(value)) {
        if (!is_null(annotation) && sym(t) == S_.identifier)
          bind(scope, str(t), {.kind = Binding::Kind::Annotation, .node = annotation, .scope = scope});
        else if (!is_null(annotation)) bind_attribute(t, scope, {.kind = Binding::Kind::Annotation, .node = annotation, .scope = scope});
        continue;
      }
      // `client: Optional[OpenAI] = None` in a record class: the field's declared type rides
      // along with its default (python/evaluator.cpp: class_attribute).
      if (!is_null(annotation) && sym(t) == S_.identifier) {
        bind(scope, str(t), {.kind = Binding::Kind::Expr, .node = value, .annotation = annotation, .scope = scope});
        continue;
      }
      bind_target(t, scope, Binding::Kind::Expr, value, scope, -1);
    }
    position_ = saved;
    walk_children(n, scope, depth);
  }

  // Binds one assignment target. For tuple targets against a tuple literal of the same arity,
  // element i gets value i; otherwise each gets "an element of" the value.
  void bind_target(TSNode target, Scope* scope, Binding::Kind kind, TSNode value, Scope* value_scope, int index) {
    target = unparenthesize(target);
    const TSSymbol k = sym(target);
    if (k == S_.identifier) {
      bind(scope, str(target), {.kind = kind, .node = value, .scope = value_scope, .index = index});
      return;
    }
    if (k == S_.attribute) {
      bind_attribute(target, scope, {.kind = kind, .node = value, .scope = value_scope, .index = index});
      return;
    }
    if (k == S_.pattern_list || k == S_.tuple_pattern || k == S_.list_pattern || k == S_.tuple || k == S_.list) {
      TSNode literal = unparenthesize(value);
      const bool positional = kind == Binding::Kind::Expr && !is_null(literal) &&
                              (sym(literal) == S_.tuple || sym(literal) == S_.list || sym(literal) == S_.expression_list) &&
                              code_child_count(literal) == code_child_count(target);
      // `first, *rest = ...`: positions after the star are not the value's
      bool starred = false;
      for (TSNode t : CodeChildren(target)) starred = starred || sym(t) == S_.list_splat_pattern;
      uint32_t i = 0;
      for (TSNode t : CodeChildren(target)) {
        if (positional) bind_target(t, scope, Binding::Kind::Expr, code_child(literal, i), value_scope, -1);
        else bind_target(t, scope, kind == Binding::Kind::Expr ? Binding::Kind::Element : kind, value, value_scope,
                         kind == Binding::Kind::Expr && !starred ? static_cast<int>(i)
                         : kind == Binding::Kind::Element       ? kElementOfElement  // `for name, agent in pairs`
                                                                : -1);
        ++i;
      }
      return;
    }
    if (k == S_.subscript && kind == Binding::Kind::Expr) {  // `reg[key] = value`
      TSNode object = unparenthesize(field(target, S_.f_value));
      if (is_null(object)) return;
      TSNode last = sym(object) == S_.attribute ? field(object, S_.f_attribute) : object;
      if (is_null(last) || sym(last) != S_.identifier) return;
      Binding b{.kind = kind, .node = value, .scope = value_scope, .index = index};
      b.position = position_;
      b.conditional = true;
      m_.element_stores.push_back({object, scope, str(last), std::move(b)});
      return;
    }
    if (k == S_.list_splat_pattern && ts_node_named_child_count(target) == 1)
      bind_target(ts_node_named_child(target, 0), scope, Binding::Kind::Opaque, value, value_scope, -1);
  }

  // `self.x = value` inside a method (or a function nested in one) records a class attribute;
  // any other `obj.x = value` is a store that reads of obj.x elsewhere take (AttributeStore).
  void bind_attribute(TSNode target, Scope* scope, Binding b) {
    TSNode object = unparenthesize(field(target, S_.f_object));
    TSNode attr = field(target, S_.f_attribute);
    if (is_null(object) || is_null(attr)) return;
    if (sym(object) == S_.identifier) {
      const std::string receiver = str(object);
      for (Scope* s = scope; s; s = s->parent) {
        if (s->kind == Scope::Kind::Class || s->kind == Scope::Kind::Module) break;
        if (s->method_of && receiver == s->self_name) {
          // Where and whether surely (python/evaluator.cpp: overwrites_inherited).
          b.position = position_;
          b.conditional = cond_ > 0;
          s->method_of->instance_attrs[str(attr)].push_back(std::move(b));
          return;
        }
        if (s->bindings.contains(receiver)) break;  // a local of that name shadows self
      }
    }
    if (b.kind == Binding::Kind::Expr || b.kind == Binding::Kind::Element || b.kind == Binding::Kind::Context)
      m_.attribute_stores.push_back({object, scope, str(attr), std::move(b)});
  }

  void import_statement(TSNode n, Scope* scope) {
    position_ = end_byte(n);
    for (TSNode c : NamedChildren(n)) {
      if (sym(c) == S_.dotted_name) {
        // `import a.b.c` binds `a` to the package `a`.
        std::string dotted = str(c);
        std::string first = dotted.substr(0, dotted.find('.'));
        bind(scope, first, {.kind = Binding::Kind::Import, .module = first});
      } else if (sym(c) == S_.aliased_import) {
        TSNode name = field(c, S_.f_name), alias = field(c, S_.f_alias);
        if (!is_null(name) && !is_null(alias))
          bind(scope, str(alias), {.kind = Binding::Kind::Import, .module = str(name)});
      }
    }
  }

  void import_from(TSNode n, Scope* scope) {
    position_ = end_byte(n);
    TSNode mod = field(n, S_.f_module_name);
    if (is_null(mod)) return;
    std::string module;
    int level = 0;
    if (sym(mod) == S_.relative_import) {
      for (TSNode c : NamedChildren(mod)) {
        if (sym(c) == S_.import_prefix) level = static_cast<int>(end_byte(c) - start_byte(c));
        else if (sym(c) == S_.dotted_name) module = str(c);
      }
    } else {
      module = str(mod);
    }
    const uint32_t count = ts_node_child_count(n);
    for (uint32_t i = 0; i < count; ++i) {
      TSNode c = ts_node_child(n, i);
      const char* fname = ts_node_field_name_for_child(n, i);
      if (sym(c) == S_.wildcard_import) {
        Binding b{.kind = Binding::Kind::ImportFrom, .module = module, .level = level};
        m_.module_scope()->star_imports.push_back(std::move(b));
        continue;
      }
      if (!fname || std::string_view(fname) != "name") continue;
      if (sym(c) == S_.dotted_name) {
        std::string name = str(c);
        bind(scope, name, {.kind = Binding::Kind::ImportFrom, .module = module, .name = name, .level = level});
      } else if (sym(c) == S_.aliased_import) {
        TSNode name = field(c, S_.f_name), alias = field(c, S_.f_alias);
        if (!is_null(name) && !is_null(alias))
          bind(scope, str(alias), {.kind = Binding::Kind::ImportFrom, .module = module, .name = str(name), .level = level});
      }
    }
  }

  void decorated(TSNode n, Scope* scope, int depth) {
    std::vector<std::string> decorators;
    std::string fixture_name;
    std::vector<TSNode> parametrize;
    TSNode def = field(n, S_.f_definition);
    for (TSNode c : NamedChildren(n)) {
      if (sym(c) != S_.decorator) continue;
      walk_children(c, scope, depth);
      // `@property`, `@functools.cached_property`, `@x.setter`: keep the last dotted part.
      std::string d(text(c, code_));
      if (auto paren = d.find('('); paren != std::string::npos) d.resize(paren);
      if (auto dot = d.rfind('.'); dot != std::string::npos) d.erase(0, dot + 1);
      else if (!d.empty() && d[0] == '@') d.erase(0, 1);
      if (d == "fixture") fixture_name = keyword_string(c, "name");
      if (d == "parametrize" && ts_node_named_child_count(c) > 0 && sym(ts_node_named_child(c, 0)) == S_.call)
        parametrize.push_back(ts_node_named_child(c, 0));
      decorators.push_back(d);
    }
    if (is_null(def)) return;
    if (sym(def) == S_.function_definition) {
      function(def, scope, depth, decorators, fixture_name)->parametrize = std::move(parametrize);
    } else {
      const std::size_t before = m_.classes.size();
      walk(def, scope, depth + 1);
      if (sym(def) == S_.class_definition && m_.classes.size() > before)
        for (TSNode c : NamedChildren(n))
          if (sym(c) == S_.decorator && ts_node_named_child_count(c) > 0)
            m_.decorated_classes.push_back({ts_node_named_child(c, 0), scope, &m_.classes[before]});
    }
  }

  // The literal string a decorator's call passes as `keyword` (`@pytest.fixture(name="db")`).
  std::string keyword_string(TSNode decorator, std::string_view keyword) const {
    if (ts_node_named_child_count(decorator) == 0) return {};
    TSNode call = ts_node_named_child(decorator, 0);
    if (sym(call) != S_.call) return {};
    TSNode args = field(call, S_.f_arguments);
    if (is_null(args)) return {};
    for (TSNode a : CodeChildren(args)) {
      if (sym(a) != S_.keyword_argument || text(field(a, S_.f_name), code_) != keyword) continue;
      TSNode value = field(a, S_.f_value);
      if (is_null(value) || sym(value) != S_.string) return {};
      for (TSNode part : NamedChildren(value))
        if (sym(part) == S_.string_content) return str(part);
    }
    return {};
  }

  void parameters(TSNode params, Scope* fn, Scope* outer, int depth, bool method) {
    int index = 0;
    for (TSNode p : NamedChildren(params)) {
      const TSSymbol k = sym(p);
      Binding b{.kind = Binding::Kind::Param, .scope = outer, .index = index};
      TSNode name{};
      if (k == S_.identifier) {
        name = p;
      } else if (k == S_.typed_parameter) {
        b.annotation = field(p, S_.f_type);
        for (TSNode c : NamedChildren(p)) {
          if (sym(c) == S_.identifier) { name = c; break; }
          if (sym(c) == S_.list_splat_pattern || sym(c) == S_.dictionary_splat_pattern) {
            b.variadic = true;
            b.keywords = sym(c) == S_.dictionary_splat_pattern;
            if (ts_node_named_child_count(c) > 0) name = ts_node_named_child(c, 0);
            break;
          }
        }
      } else if (k == S_.default_parameter || k == S_.typed_default_parameter) {
        name = field(p, S_.f_name);
        b.node = field(p, S_.f_value);
        b.annotation = field(p, S_.f_type);
      } else if (k == S_.list_splat_pattern || k == S_.dictionary_splat_pattern) {
        b.variadic = true;
        b.keywords = k == S_.dictionary_splat_pattern;
        if (ts_node_named_child_count(p) > 0) name = ts_node_named_child(p, 0);
      } else {
        continue;  // `*`, `/` separators
      }
      if (!is_null(b.node)) walk(b.node, outer, depth + 1);
      if (!is_null(b.annotation)) walk(b.annotation, outer, depth + 1);
      if (is_null(name) || sym(name) != S_.identifier) { ++index; continue; }
      b.self_param = method && index == 0 && !b.variadic;
      b.name = str(name);
      if (b.self_param) fn->self_name = str(name);
      fn->bindings[str(name)].push_back(std::move(b));
      ++index;
    }
  }

  static bool is_property_decorator(std::string_view d) {
    constexpr std::string_view suffix = "property";
    if (d.size() < suffix.size()) return false;
    const std::string_view tail = d.substr(d.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  }

  Scope* function(TSNode n, Scope* scope, int depth, const std::vector<std::string>& decorators,
                  const std::string& fixture_name = {}) {
    TSNode name = field(n, S_.f_name);
    Scope* fn = new_scope(Scope::Kind::Function, scope, n, is_null(name) ? "" : str(name));
    fn->is_async = ts_node_child_count(n) > 0 && text(ts_node_child(n, 0), code_) == "async";
    for (auto& d : decorators) {
      // `@property`, `@cached_property`, and decorators named like them (`@lazy_property()`,
      // `@abstractproperty`, `@hybrid_property`): the method is read as an attribute.
      fn->is_property |= is_property_decorator(d);
      fn->is_staticmethod |= d == "staticmethod";
      fn->is_classmethod |= d == "classmethod";
      fn->is_context_manager |= d == "contextmanager" || d == "asynccontextmanager";
      fn->is_fixture |= d == "fixture";
    }
    if (fn->is_fixture) fn->fixture_name = fixture_name.empty() ? fn->name : fixture_name;
    if (scope->kind == Scope::Kind::Module && std::find(decorators.begin(), decorators.end(), "cell") != decorators.end())
      cells_.push_back(fn);
    if (scope->kind == Scope::Kind::Class) fn->method_of = scope->class_info;
    if (!is_null(name)) at(end_byte(n), [&] { bind(scope, fn->name, {.kind = Binding::Kind::Function, .function = fn}); });
    if (TSNode params = field(n, S_.f_parameters); !is_null(params))
      parameters(params, fn, scope, depth, fn->method_of && !fn->is_staticmethod);
    if (TSNode rt = field(n, S_.f_return_type); !is_null(rt)) walk(rt, scope, depth + 1);
    if (TSNode body = field(n, S_.f_body); !is_null(body))
      in_new_scope([&] { walk_children(body, fn, depth + 1); });
    return fn;
  }

  void class_def(TSNode n, Scope* scope, int depth) {
    TSNode name = field(n, S_.f_name);
    ClassInfo& cls = m_.classes.emplace_back();
    cls.name = is_null(name) ? "" : str(name);
    cls.node = n;
    cls.defined_in = scope;
    if (TSNode supers = field(n, S_.f_superclasses); !is_null(supers)) {
      for (TSNode b : NamedChildren(supers)) {
        if (sym(b) == S_.keyword_argument) continue;
        // `class Sub(Base[T])`: a generic base is the class it subscripts.
        if (sym(b) == S_.subscript && !is_null(field(b, S_.f_value))) b = field(b, S_.f_value);
        cls.bases.push_back(b);
      }
      walk_children(supers, scope, depth);
    }
    Scope* body = new_scope(Scope::Kind::Class, scope, n, cls.name);
    body->class_info = &cls;
    cls.body = body;
    if (!is_null(name)) at(end_byte(n), [&] { bind(scope, cls.name, {.kind = Binding::Kind::Class, .cls = &cls}); });
    if (TSNode b = field(n, S_.f_body); !is_null(b)) in_new_scope([&] { walk_children(b, body, depth + 1); });
  }

  void lambda(TSNode n, Scope* scope, int depth) {
    Scope* fn = new_scope(Scope::Kind::Lambda, scope, n, "<lambda>");
    m_.expression_scopes[start_byte(n)] = fn;
    if (TSNode params = field(n, S_.f_parameters); !is_null(params)) parameters(params, fn, scope, depth, false);
    if (TSNode body = field(n, S_.f_body); !is_null(body)) {
      fn->returns.push_back(body);
      in_new_scope([&] { walk(body, fn, depth + 1); });
    }
  }

  void comprehension(TSNode n, Scope* scope, int depth) {
    Scope* comp = new_scope(Scope::Kind::Comprehension, scope, n, "<comprehension>");
    m_.expression_scopes[start_byte(n)] = comp;
    for (TSNode c : NamedChildren(n)) {
      if (sym(c) == S_.for_in_clause) {
        TSNode left = field(c, S_.f_left), right = field(c, S_.f_right);
        if (!is_null(left) && !is_null(right))
          at(start_byte(n), [&] { bind_target(left, comp, Binding::Kind::Element, right, comp, -1); });
      }
    }
    in_new_scope([&] { walk_children(n, comp, depth); });
  }

  void with_item(TSNode n, Scope* scope, int depth) {
    TSNode value = field(n, S_.f_value);
    if (!is_null(value) && sym(value) == S_.as_pattern) {
      TSNode expr{}, target{};
      for (TSNode c : NamedChildren(value)) {
        if (sym(c) == S_.as_pattern_target) target = ts_node_named_child_count(c) ? ts_node_named_child(c, 0) : c;
        else if (is_null(expr)) expr = c;
      }
      if (!is_null(expr) && !is_null(target))
        at(end_byte(n), [&] { bind_target(target, scope, Binding::Kind::Context, expr, scope, -1); });
    }
    walk_children(n, scope, depth);
  }

  ModuleInfo& m_;
  const Syntax& S_;
  std::string_view code_;
  uint32_t position_ = 0;  // where bindings being made take effect
  std::vector<Scope*> cells_;  // module-level `@app.cell` functions (link_marimo_cells)
  int cond_ = 0;           // enclosing if/try/for/while/match blocks within the current scope
  const void* not_taken_ = nullptr;  // the callee or chain object walked next: not a taken method
};

}  // namespace

void collect(ModuleInfo& module) { Collector(module).run(); }

}  // namespace qg::python
