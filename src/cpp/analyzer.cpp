#include "cpp/analyzer.h"

#include <optional>
#include <vector>

#include "core/catalogue.h"
#include "core/host_match.h"
#include "cpp/fix_edits.h"
#include "cpp/reporter.h"
#include "cpp/syntax.h"
#include "cpp/unit_names.h"

namespace qg::cpp {

namespace {

// How a declared name holds its client.
enum class Holder : uint8_t { Value, Reference, Pointer, Owner };

struct Binding {
  Client client;
  Holder holder = Holder::Value;
};

// Templates whose first argument is held: `std::unique_ptr<liboai::OpenAI>`.
bool is_holder_template(std::string_view name) {
  name = last_component(name);
  return name == "unique_ptr" || name == "shared_ptr" || name == "reference_wrapper" || name == "optional";
}

bool is_maker(std::string_view name) {
  name = last_component(name);
  return name == "make_unique" || name == "make_shared";
}

// What a declaration's type says about each of its declarators.
struct Declared {
  std::string client_type;  // "" unless the type (or the held type of a smart pointer) is a client
  bool owner = false;       // `std::unique_ptr<T>`, `std::reference_wrapper<T>`, ...
  bool is_param = false, is_extern = false;
  bool single = false;      // the only declarator: the finding spans the whole declaration
};

// Walks deeper than this are cut short: pathological nesting must not exhaust the stack (the
// leaf handlers are kept out of line so that visit()'s frame stays small, ASan included).
constexpr int kMaxDepth = 400;
constexpr int kMaxExpressionDepth = 32;

class Analyzer {
 public:
  Analyzer(const UnitInput& in, const Config& config)
      : in_(in), code_(in.source.code()), S_(Syntax::get()), model_(LibraryModel::get()), names_(model_),
        out_(in.path, in.source, config) {}

  FileResult run() {
    TSNode root = ts_tree_root_node(in_.tree);
    scopes_.emplace_back();
    visit(root, 0);
    return out_.take(ts_node_has_error(root));
  }

 private:
  // ---- the walk -------------------------------------------------------------------------
  void visit(TSNode n, int depth) {
    if (depth > kMaxDepth) return;
    const TSSymbol k = sym(n);
    if (k == S_.comment) return out_.suppression(start_byte(n), text(n, code_));
    if (k == S_.preproc_include) {
      if (TSNode p = field(n, S_.f_path); !is_null(p) && depth <= 1) out_.include_seen(end_byte(n), text(p, code_));
      return;
    }
    if (k == S_.preproc_def || k == S_.preproc_function_def) return macro_endpoint(n);
    if (k == S_.string_literal || k == S_.raw_string_literal || k == S_.concatenated_string) return literal(n);
    if (k == S_.using_declaration) return using_declaration(n);
    if (k == S_.namespace_alias_definition) return namespace_alias(n);
    if (k == S_.alias_declaration) return alias(n);
    if (k == S_.type_definition) return typedef_(n);
    if (k == S_.namespace_definition) return namespace_(n, depth);
    if (k == S_.class_specifier || k == S_.struct_specifier) return class_(n, depth);
    if (k == S_.function_definition) return function_(n, depth);
    if (k == S_.compound_statement) {
      scopes_.emplace_back();
      children(n, depth);
      scopes_.pop_back();
      return;
    }
    if (k == S_.declaration || k == S_.field_declaration || k == S_.parameter_declaration ||
        k == S_.optional_parameter_declaration)
      declaration(n);
    else if (k == S_.call_expression) call(n);
    else if (k == S_.new_expression || k == S_.compound_literal_expression) new_or_literal(n);
    children(n, depth);
  }

  void children(TSNode n, int depth) {
    for (TSNode c : NamedChildren(n)) visit(c, depth + 1);
  }

  [[gnu::noinline]] void using_declaration(TSNode n) {
    TSNode target = ts_node_named_child(n, 0);
    if (is_null(target)) return;
    // `using namespace liboai;` differs from `using liboai::OpenAI;` by its keyword token only.
    const bool directive = ts_node_child_count(n) > 1 && std::string_view(ts_node_type(ts_node_child(n, 1))) == "namespace";
    if (directive)
      names_.add_using_namespace(text(target, code_));
    else
      names_.add_using_declaration(text(target, code_));
  }

  [[gnu::noinline]] void alias(TSNode n) {
    TSNode name = field(n, S_.f_name), type = field(n, S_.f_type);
    if (!is_null(name) && !is_null(type)) names_.add_alias(text(name, code_), resolve_type(type));
  }

  [[gnu::noinline]] void new_or_literal(TSNode n) {
    if (std::string type = resolve_type(field(n, S_.f_type)); !type.empty()) construction(n, type);
  }

  [[gnu::noinline]] void namespace_alias(TSNode n) {
    TSNode alias = field(n, S_.f_name);
    TSNode target = ts_node_named_child(n, ts_node_named_child_count(n) - 1);
    if (!is_null(alias) && !is_null(target) && !ts_node_eq(alias, target))
      names_.add_namespace_alias(text(alias, code_), text(target, code_));
  }

  [[gnu::noinline]] void typedef_(TSNode n) {
    std::string resolved = resolve_type(field(n, S_.f_type));
    for (TSNode c : NamedChildren(n))
      if (sym(c) == S_.type_identifier && !ts_node_eq(c, field(n, S_.f_type))) names_.add_alias(text(c, code_), resolved);
  }

  void namespace_(TSNode n, int depth) {
    TSNode name = field(n, S_.f_name);
    const std::string_view ns = is_null(name) ? std::string_view() : text(name, code_);
    names_.enter_namespace(ns);
    const bool library = model_.in_library_namespace(names_.current_namespace());
    library_depth_ += library;
    scopes_.emplace_back();
    children(n, depth);
    scopes_.pop_back();
    library_depth_ -= library;
    names_.leave_namespace();
  }

  void class_(TSNode n, int depth) {
    TSNode name = field(n, S_.f_name), body = field(n, S_.f_body);
    // A project's own class that shares a library type's name hides it in this file.
    if (!is_null(name) && !is_null(body) && sym(name) == S_.type_identifier && library_depth_ == 0)
      names_.add_local_class(text(name, code_));
    // Member functions see every field, even those declared after them: fields first.
    scopes_.emplace_back();
    if (!is_null(body)) {
      for (TSNode c : NamedChildren(body))
        if (sym(c) == S_.field_declaration) visit(c, depth + 2);
      for (TSNode c : NamedChildren(body))
        if (sym(c) != S_.field_declaration) visit(c, depth + 2);
    }
    scopes_.pop_back();
  }

  void function_(TSNode n, int depth) {
    // `liboai::Response liboai::Files::create(...) {...}`: the library defining its members.
    TSNode d = function_declarator_of(field(n, S_.f_declarator));
    TSNode name = is_null(d) ? d : field(d, S_.f_declarator);
    note_client_function(field(n, S_.f_type), name);
    const bool library = !is_null(name) && sym(name) == S_.qualified_identifier &&
                         model_.in_library_namespace(normalize_name(text(name, code_)));
    library_depth_ += library;
    scopes_.emplace_back();
    children(n, depth);
    scopes_.pop_back();
    library_depth_ -= library;
  }

  // `liboai::OpenAI& f()` -> `f()`, through reference and pointer declarators.
  TSNode function_declarator_of(TSNode d) const {
    while (!is_null(d) && sym(d) != S_.function_declarator) {
      TSNode inner = field(d, S_.f_declarator);  // reference_declarator has no field: its only child
      d = is_null(inner) && sym(d) == S_.reference_declarator ? ts_node_named_child(d, 0) : inner;
    }
    return d;
  }

  // A project function returning a client (`liboai::OpenAI& shared();`): calls of it yield a
  // client of unknown origin.
  void note_client_function(TSNode type, TSNode name) {
    if (library_depth_ || is_null(name)) return;
    if (std::string client_type = resolve_type(type); !client_type.empty())
      returns_client_[std::string(last_component(normalize_name(text(name, code_))))] = client_type;
  }

  // ---- names and types ------------------------------------------------------------------
  std::string resolve_type(TSNode t) const {
    if (is_null(t)) return {};
    if (sym(t) == S_.type_descriptor) t = field(t, S_.f_type);
    if (is_null(t)) return {};
    const TSSymbol k = sym(t);
    if (k != S_.type_identifier && k != S_.qualified_identifier && k != S_.identifier) return {};
    std::string q = names_.resolve(text(t, code_));
    return model_.library_of_type(q) ? q : std::string();
  }

  // `std::unique_ptr<liboai::OpenAI>` -> "liboai::OpenAI".
  std::string held_type(TSNode t) const {
    if (is_null(t)) return {};
    TSNode tmpl = t;
    if (sym(tmpl) == S_.qualified_identifier) tmpl = field(tmpl, S_.f_name);
    if (is_null(tmpl) || sym(tmpl) != S_.template_type || !is_holder_template(text(field(tmpl, S_.f_name), code_))) return {};
    TSNode args = field(tmpl, S_.f_arguments);
    return is_null(args) ? std::string() : resolve_type(ts_node_named_child(args, 0));
  }

  std::string callee_name(TSNode fn) const {
    if (is_null(fn)) return {};
    const TSSymbol k = sym(fn);
    if (k != S_.identifier && k != S_.qualified_identifier) return {};
    return names_.resolve(text(fn, code_));
  }

  // ---- bindings -------------------------------------------------------------------------
  const Binding* lookup(std::string_view name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
      if (auto b = it->find(name); b != it->end()) return &b->second;
    auto f = fields_.find(name);  // out-of-line member functions see their class's fields
    return f == fields_.end() ? nullptr : &f->second;
  }

  Client make_client(const std::string& type, Provenance prov, TSNode at) const {
    Client c;
    c.lib = model_.library_of_type(type);
    c.type = type;
    c.prov = prov;
    c.line = is_null(at) ? 0 : ts_node_start_point(at).row + 1;
    return c;
  }

  // The client an expression evaluates to, if any. `depth` bounds `*(*(*p))`-style nesting.
  Client client_of(TSNode e, int depth = 0) const {
    e = unparenthesize(e);
    if (is_null(e) || depth > kMaxExpressionDepth) return {};
    const TSSymbol k = sym(e);
    if (k == S_.identifier) {
      const Binding* b = lookup(text(e, code_));
      return b ? b->client : Client{};
    }
    if (k == S_.field_expression) {  // `this->client_`, `holder.client_`
      const Binding* b = fields_.contains(text(field(e, S_.f_field), code_)) ? lookup(text(field(e, S_.f_field), code_)) : nullptr;
      return b ? b->client : Client{};
    }
    if (k == S_.pointer_expression) return client_of(field(e, S_.f_argument), depth + 1);
    if (k == S_.new_expression || k == S_.compound_literal_expression) {
      std::string type = resolve_type(field(e, S_.f_type));
      return type.empty() ? Client{} : make_client(type, Provenance::Direct, e);
    }
    if (k != S_.call_expression) return {};
    TSNode fn = unparenthesize(field(e, S_.f_function));
    if (is_null(fn)) return {};
    if (sym(fn) == S_.field_expression && text(field(fn, S_.f_field), code_) == "get")  // wrapper.get()
      return client_of(field(fn, S_.f_argument), depth + 1);
    if (std::string type = factory_type(fn); !type.empty()) return make_client(type, Provenance::Factory, e);
    if (std::string type = made_type(fn); !type.empty()) return make_client(type, Provenance::Direct, e);
    const std::string q = callee_name(fn);
    if (q.empty()) return returned_client(fn);
    if (model_.library_of_type(q)) return make_client(q, Provenance::Direct, e);
    if (const Library* lib = model_.library_of_starter(q) ? model_.library_of_starter(q) : model_.library_of_getter(q))
      return make_client(lib->client_types.front(), Provenance::Module, TSNode{});
    return {};
  }

  Client returned_client(TSNode fn) const {
    if (sym(fn) != S_.identifier && sym(fn) != S_.qualified_identifier) return {};
    auto it = returns_client_.find(last_component(normalize_name(text(fn, code_))));
    return it == returns_client_.end() ? Client{} : make_client(it->second, Provenance::Unknown, TSNode{});
  }

  // `qg::tracked_liboai()` from `[factory.cpp]`: the client type it returns, or "".
  std::string factory_type(TSNode fn) const {
    const std::string name = normalize_name(text(fn, code_));
    for (const auto& [type, expr] : out_.config().factory.cpp_factories)
      if (normalize_name(std::string_view(expr).substr(0, expr.find('('))) == name) return normalize_name(type);
    return {};
  }

  // `std::make_unique<liboai::OpenAI>`: the type made, or "".
  std::string made_type(TSNode fn) const {
    if (sym(fn) == S_.qualified_identifier) fn = field(fn, S_.f_name);
    if (is_null(fn) || sym(fn) != S_.template_function || !is_maker(text(field(fn, S_.f_name), code_))) return {};
    TSNode args = field(fn, S_.f_arguments);
    return is_null(args) ? std::string() : resolve_type(ts_node_named_child(args, 0));
  }

  // ---- declarations ---------------------------------------------------------------------
  [[gnu::noinline]] void declaration(TSNode decl) {
    TSNode type = field(decl, S_.f_type);
    if (is_null(type)) return;
    Declared t;
    t.client_type = resolve_type(type);
    t.owner = t.client_type.empty() && !(t.client_type = held_type(type)).empty();
    t.is_param = sym(decl) == S_.parameter_declaration || sym(decl) == S_.optional_parameter_declaration;
    const bool is_auto = sym(type) == S_.placeholder_type_specifier;
    if (t.client_type.empty() && !is_auto && !in_.facts) return;
    std::vector<TSNode> declarators;
    for (TSNode c : NamedChildren(decl)) {
      if (sym(c) == S_.storage_class_specifier && text(c, code_) == "extern") t.is_extern = true;
      if (ts_node_eq(c, type)) continue;
      const TSSymbol k = sym(c);
      if (k == S_.identifier || k == S_.field_identifier || k == S_.init_declarator || k == S_.reference_declarator ||
          k == S_.pointer_declarator)
        declarators.push_back(c);
      if (TSNode f = function_declarator_of(c); !is_null(f) && k != S_.init_declarator)
        note_client_function(type, field(f, S_.f_declarator));
    }
    t.single = declarators.size() == 1;
    for (TSNode d : declarators) declarator(decl, d, t);
  }

  void declarator(TSNode decl, TSNode d, const Declared& t) {
    std::string client_type = t.client_type;
    TSNode value{}, name = d;
    if (sym(d) == S_.init_declarator) {
      value = field(d, S_.f_value);
      name = field(d, S_.f_declarator);
    }
    Holder holder = t.owner ? Holder::Owner : Holder::Value;
    while (!is_null(name) && (sym(name) == S_.reference_declarator || sym(name) == S_.pointer_declarator)) {
      if (!t.owner) holder = sym(name) == S_.reference_declarator ? Holder::Reference : Holder::Pointer;
      name = sym(name) == S_.pointer_declarator ? field(name, S_.f_declarator) : ts_node_named_child(name, 0);
    }
    if (is_null(name) || (sym(name) != S_.identifier && sym(name) != S_.field_identifier)) return;
    if (in_.facts && client_type.empty()) {  // the compiler saw through `auto`, aliases and macros
      if (auto it = in_.facts->declared_types.find(start_byte(name)); it != in_.facts->declared_types.end())
        client_type = it->second;
    }
    const bool braced_or_plain =
        is_null(value) || sym(value) == S_.initializer_list || sym(value) == S_.argument_list;
    Binding b;
    if (!client_type.empty() && holder == Holder::Value && !t.is_param && !t.is_extern && braced_or_plain) {
      b.client = make_client(client_type, Provenance::Direct, decl);
      declared_construction(decl, d, name, value, b.client, t.single);
    } else if (!is_null(value)) {
      TSNode source = braced_or_plain ? ts_node_named_child(value, 0) : value;
      b.client = client_of(source);
      if (!b.client && !client_type.empty()) b.client = make_client(client_type, Provenance::Unknown, TSNode{});
    } else if (!client_type.empty()) {
      b.client = make_client(client_type, Provenance::Unknown, TSNode{});
    }
    if (!b.client) return;
    b.holder = holder;
    scopes_.back()[std::string(text(name, code_))] = b;
    if (sym(decl) == S_.field_declaration) fields_[std::string(text(name, code_))] = b;
  }

  void declared_construction(TSNode decl, TSNode d, TSNode name, TSNode value, const Client& c, bool single) {
    if (library_depth_ || in_.factory_file) return;
    std::vector<Edit> edits;
    const std::string* factory = out_.factory_for(c.type);
    if (factory && single && sym(decl) == S_.declaration && (is_null(value) || ts_node_named_child_count(value) == 0))
      edits.push_back(declaration_rewrite(decl, field(decl, S_.f_type), text(name, code_), *factory, in_.source.bom_length));
    const TSNode site = single ? decl : d;
    out_.construction(start_byte(site), end_byte(site), c, std::move(edits));
  }

  void construction(TSNode e, const std::string& type) {
    if (library_depth_ || in_.factory_file) return;
    out_.construction(start_byte(e), end_byte(e), make_client(type, Provenance::Direct, e), {});
  }

  // ---- calls ----------------------------------------------------------------------------
  [[gnu::noinline]] void call(TSNode call) {
    TSNode fn = unparenthesize(field(call, S_.f_function));
    if (is_null(fn)) return;
    if (sym(fn) == S_.field_expression) return method_call(call, fn);
    if (!factory_type(fn).empty()) return out_.factory_call(start_byte(call), end_byte(call));
    if (std::string type = made_type(fn); !type.empty()) return construction(call, type);
    const std::string q = callee_name(fn);
    if (q.empty()) return;
    if (model_.library_of_type(q)) return construction(call, q);  // a temporary: `liboai::OpenAI()`
    if (const Library* lib = model_.library_of_starter(q)) {
      if (library_depth_ || in_.factory_file) return;
      return out_.singleton_start(start_byte(call), end_byte(call), make_client(lib->client_types.front(), Provenance::Module, call), q);
    }
    if (const Library* lib = model_.library_of_raw_function(q))
      raw_call(call, make_client(lib->client_types.front(), Provenance::Module, TSNode{}));
  }

  void method_call(TSNode call, TSNode fn) {
    const std::string_view method = text(field(fn, S_.f_field), code_);
    TSNode recv = unparenthesize(field(fn, S_.f_argument));
    if (is_null(recv)) return;
    if (sym(recv) == S_.field_expression) {  // `oai.ChatCompletion->create`, `inst.chat.create`
      const std::string_view member = text(field(recv, S_.f_field), code_);
      if (Client c = client_of(field(recv, S_.f_argument)); c)
        if (const std::string* api = model_.api(*c.lib, member, method)) return api_call(call, c, *api);
    }
    if (sym(recv) == S_.call_expression) {  // `openai::chat().create`
      auto [lib, member] = model_.accessor(callee_name(unparenthesize(field(recv, S_.f_function))));
      if (lib)
        if (const std::string* api = model_.api(*lib, *member, method))
          return api_call(call, make_client(lib->client_types.front(), Provenance::Module, TSNode{}), *api);
    }
    // `inst.post("chat/completions", body)`; `wrapper.get()` without a path is no request.
    if (ts_node_named_child_count(field(call, S_.f_arguments)) == 0) return;
    if (Client c = client_of(recv); c && std::find(c.lib->raw_methods.begin(), c.lib->raw_methods.end(), method) != c.lib->raw_methods.end())
      raw_call(call, c);
  }

  // `openai::post("chat/completions", body)`: the API comes from the path, when it is literal.
  void raw_call(TSNode call, const Client& c) {
    TSNode args = field(call, S_.f_arguments);
    TSNode first = is_null(args) ? args : ts_node_named_child(args, 0);
    std::string api;
    if (!is_null(first) && sym(first) == S_.string_literal && ts_node_named_child_count(first) == 1) {
      std::string_view path = text(ts_node_named_child(first, 0), code_);  // the string_content
      if (path.starts_with('/')) path.remove_prefix(1);
      api = Catalogue::get().api_for_url("/" + std::string(path));
    }
    api_call(call, c, api.empty() ? "raw-http" : api);
  }

  void api_call(TSNode call, const Client& c, const std::string& api) {
    if (library_depth_) return;
    out_.api_call(start_byte(call), end_byte(call), c, api);
  }

  // ---- endpoint literals ----------------------------------------------------------------
  [[gnu::noinline]] void literal(TSNode str) {
    const std::string_view body = text(str, code_);
    const std::size_t at = find_api_host(body, out_.config().extra_hosts);
    if (at == std::string_view::npos) return;
    // `liboai::OpenAI oai("https://api.openai.com/v1")` configures a client: QG001 covers it.
    if (configures_client(str)) return;
    out_.endpoint(start_byte(str), end_byte(str), url_around(body, at), transport_of(str));
  }

  [[gnu::noinline]] void macro_endpoint(TSNode def) {
    TSNode value = field(def, S_.f_value);
    if (is_null(value)) return;
    std::string_view body = text(value, code_);
    // `#define URL "..."  // quotaguard: ignore[QG005]`: the comment is part of the macro's value.
    if (const std::size_t comment = trailing_comment(body); comment != std::string_view::npos) {
      out_.suppression(start_byte(value) + static_cast<uint32_t>(comment), body.substr(comment));
      body = body.substr(0, comment);
    }
    const std::size_t at = find_api_host(body, out_.config().extra_hosts);
    if (at == std::string_view::npos) return;
    // Only inside a string literal of the macro's body: `#define HOST api.openai.com` is no URL.
    if (body.find('"') == std::string_view::npos || body.find('"') > at) return;
    out_.endpoint(start_byte(value), end_byte(value), url_around(body, at), {});
  }

  // The argument list or braces directly holding `str` belong to a client construction.
  bool configures_client(TSNode str) const {
    TSNode list = ts_node_parent(str);
    if (is_null(list) || (sym(list) != S_.argument_list && sym(list) != S_.initializer_list)) return false;
    TSNode owner = ts_node_parent(list);
    if (is_null(owner)) return false;
    if (sym(owner) == S_.init_declarator) {
      TSNode decl = ts_node_parent(owner);
      return !is_null(decl) && !resolve_type(field(decl, S_.f_type)).empty();
    }
    const Client c = client_of(owner);
    return c && c.prov != Provenance::Factory;
  }

  // `curl_easy_setopt(h, CURLOPT_URL, "...")` -> "curl_easy_setopt" (rules/cpp/http.toml).
  std::string transport_of(TSNode str) const {
    TSNode list = ts_node_parent(str);
    if (is_null(list) || sym(list) != S_.argument_list) return {};
    TSNode call = ts_node_parent(list);
    if (is_null(call) || sym(call) != S_.call_expression) return {};
    TSNode fn = field(call, S_.f_function);
    if (is_null(fn)) return {};
    const std::string name = normalize_name(text(fn, code_));
    for (const auto& f : model_.url_functions())
      if (name == f || (f.find("::") == std::string::npos && last_component(name) == f)) return name;
    return {};
  }

  const UnitInput& in_;
  const std::string_view code_;
  const Syntax& S_;
  const LibraryModel& model_;
  UnitNames names_;
  Reporter out_;
  std::vector<StringMap<Binding>> scopes_;
  StringMap<Binding> fields_;
  StringMap<std::string> returns_client_;  // function name -> client type it returns
  int library_depth_ = 0;
};

}  // namespace

FileResult analyze_unit(const UnitInput& in, const Config& config) {
  if (!in.tree) {
    FileResult r;
    r.path = in.path;
    r.parse_error = true;
    return r;
  }
  return Analyzer(in, config).run();
}

}  // namespace qg::cpp
