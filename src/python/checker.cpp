#include "python/checker.h"

#include <fmt/format.h>

#include "core/finding_sink.h"
#include "core/host_match.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

std::string factory_hint(const Project& project, ClientKind kind) {
  for (const auto& f : project.factories())
    if (f.kind == kind)
      return f.module == "quotaguard" ? fmt::format("quotaguard.{}()", f.function) : fmt::format("{}()", f.function);
  return "the tracking factory";
}

class Checker {
 public:
  Checker(ModuleInfo& m, Evaluator& ev, const Project& p, const LibraryDefaults& defaults, bool installs_tracking)
      : m_(m), ev_(ev), project_(p), S_(Syntax::get()), cat_(Catalogue::get()), runs_(ev, defaults),
        installs_tracking_(installs_tracking), out_(Language::Python, m.path, m.source, *m.lines, p.config()) {
    out_.suppressions(std::move(m.suppressions));
  }

  FileResult run() {
    for (auto& [call, scope] : m_.calls) check_call(call, scope);
    for (auto& [ref, scope] : m_.method_references) check_reference(ref, scope);
    for (auto& [str, scope] : m_.strings) check_string(str, scope);
    FileResult result = out_.take(m_.has_error);
    result.vendored = m_.vendored;
    return result;
  }

 private:
  SourceRange range(TSNode n) const { return out_.range(start_byte(n), end_byte(n)); }

  // The `openai` name at the root of `openai.chat.completions.create`.
  TSNode chain_root(TSNode n) const {
    while (!is_null(n) && sym(n) == S_.attribute) n = unparenthesize(field(n, S_.f_object));
    return n;
  }

  // Whether `n` is the function its parent calls (`n(...)`).
  bool is_callee(TSNode n) const {
    TSNode parent = ts_node_parent(n);
    while (!is_null(parent) && sym(parent) == S_.parenthesized_expression) {
      n = parent;
      parent = ts_node_parent(n);
    }
    return !is_null(parent) && sym(parent) == S_.call && ts_node_eq(field(parent, S_.f_function), n);
  }

  // An API method taken from a client of known provenance, not called where it is taken
  // (`create = client.chat.completions.create`, `pool.submit(client.embeddings.create, ...)`,
  // `partial(client.files.create, ...)`, `{"embed": client.embeddings.create}`): reported here,
  // by the rule its call would get. Calling it later gives no second finding (check_call).
  void check_reference(TSNode ref, const Scope* scope) {
    TSNode parent = ts_node_parent(ref);
    if (is_null(parent) || is_callee(ref)) return;
    if (sym(parent) == S_.attribute) return;  // the object of a longer chain
    if ((sym(parent) == S_.assignment || sym(parent) == S_.augmented_assignment) && ts_node_eq(field(parent, S_.f_left), ref))
      return;  // assigned to (`client.chat.completions.create = fake`)
    if (std::string_view(ts_node_type(parent)) == "delete_statement") return;
    if (!taken_here(ref, scope)) return;  // `fn = self.create`: passed on, already reported
    const CallOutcome o = ev_.classify_reference(ref, scope);
    if (o.kind == CallOutcome::Kind::ApiCall) api_call(ref, o);
  }

  // A call of an API method of a known client is reported at the call when the method is taken
  // there: `client.x.create(...)` or `getattr(client.x, "create")(...)`. Called through a name,
  // an element or a wrapper, it was reported where it was taken from the client.
  bool taken_here(TSNode callee, const Scope* scope) {
    callee = unparenthesize(callee);
    TSNode receiver{};
    if (sym(callee) == S_.attribute) receiver = field(callee, S_.f_object);
    else if (auto g = sym(callee) == S_.call ? ev_.getattr_parts(callee, scope) : std::nullopt; g && g->literal)
      receiver = g->object;
    if (is_null(receiver)) return false;
    // `client.chat.completions.create`: read from the client (or openai's module) here, also
    // from a parameter that receives one; `self.create`, `handlers.create`: a method taken
    // before, reported where it was taken.
    for (const auto& v : ev_.eval(receiver, scope))
      if (v.kind == Value::Kind::Client || v.kind == Value::Kind::External || v.kind == Value::Kind::Unknown) return true;
    return false;
  }

  void check_call(TSNode call, const Scope* scope) {
    // `getattr(client.chat.completions, name)`: an API use wherever it goes next.
    if (const CallOutcome dynamic = ev_.classify_dynamic_getattr(call, scope); dynamic.kind == CallOutcome::Kind::ApiCall)
      return api_call(call, dynamic);
    // `f = getattr(client.chat.completions, "create")`: taken, like the attribute it reads.
    if (auto g = ev_.getattr_parts(call, scope); g && g->literal && !is_callee(call) && taken_here(call, scope)) {
      if (const CallOutcome taken = ev_.classify_reference(call, scope); taken.kind == CallOutcome::Kind::ApiCall)
        return api_call(call, taken);
    }
    const CallOutcome o = ev_.classify_call(call, scope);
    const std::string_view code = m_.code();
    TSNode callee = field(call, S_.f_function);
    if (o.kind == CallOutcome::Kind::ApiCall && o.prov != Provenance::Unknown && !taken_here(callee, scope)) return;
    if (o.kind == CallOutcome::Kind::None || o.kind == CallOutcome::Kind::LibraryRun) {
      if (auto passed = runs_.passed_entry_point(call, scope))
        library_run(passed->reference, passed->api,
                    runs_.resolve(*passed->library, call, scope, passed->shift));
    }
    switch (o.kind) {
      case CallOutcome::Kind::None: return library_client(call, scope);
      case CallOutcome::Kind::LibraryRun: return library_run(callee, o.api, runs_.resolve(*o.library, call, scope));
      case CallOutcome::Kind::FactoryCall: return out_.factory_client(range(call), o.client_kind);
      case CallOutcome::Kind::Construction: {
        // Inside the factory a construction is the factory's own implementation, not a client
        // obtained by application code: it does not count for client coverage.
        if (o.prov != Provenance::Direct) return;
        std::optional<FixSite> fix;
        if (o.fixable) {
          fix.emplace();
          fix->kind = o.client_kind;
          fix->callee = range(callee);
          fix->arguments = range(field(call, S_.f_arguments));
          fix->bound_name = std::string(text(callee, code));
        }
        // (`field(default_factory=OpenAI)`: reported at the class, which the record calls.)
        const TSNode at = is_null(o.factory_class) ? call : o.factory_class;
        return out_.construction(range(at), o.client_kind,
                                 {MessageId::QG001, {{"callee", std::string(text(is_null(o.factory_class) ? callee : at, code))},
                                                     {"factory", factory_hint(project_, o.client_kind)}}},
                                 std::move(fix));
      }
      case CallOutcome::Kind::LegacyCall: {
        Message m = o.api.empty() ? Message{MessageId::QG003_no_v1, {{"name", o.name}}}
                                  : Message{MessageId::QG003, {{"name", o.name}, {"api", o.api}}};
        return out_.untracked_call({range(call), o.api, Provenance::Legacy, o.name}, std::move(m));
      }
      case CallOutcome::Kind::TransportReplaced: return out_.transport_replaced(range(call), o.name);
      case CallOutcome::Kind::ApiCall: return api_call(call, o);
    }
  }

  // `site`: the call, or where a method is taken without a call (a reference, a getattr).
  void api_call(TSNode site, const CallOutcome& o) {
    const std::string_view code = m_.code();
    ApiUse use{range(site), o.api, o.prov, {}};
    switch (o.prov) {
      case Provenance::Factory: return out_.tracked_call(std::move(use));
      case Provenance::Direct: {
        // A direct client always comes from a construction the evaluator saw: its origin.
        use.origin = Location{o.origin ? o.origin->path : m_.path, o.origin_line};
        return out_.untracked_call(std::move(use), {MessageId::QG004, {{"api", o.api}}});
      }
      case Provenance::Module: {
        TSNode call = site;
        bool plain_chain = sym(site) == S_.call;
        TSNode root = plain_chain ? unparenthesize(field(call, S_.f_function)) : site;
        if (auto g = plain_chain ? ev_.getattr_parts(site, m_.module_scope()) : std::nullopt) {  // the getattr itself
          root = g->object;
          plain_chain = false;
        }
        for (;;) {  // down attributes and getattr(...) to the module's name
          if (sym(root) == S_.attribute) root = unparenthesize(field(root, S_.f_object));
          else if (auto g = sym(root) == S_.call ? ev_.getattr_parts(root, m_.module_scope()) : std::nullopt) {
            root = unparenthesize(g->object);
            plain_chain = false;
          } else break;
        }
        // The object the API path is called on: the module's name itself, unless it is reached
        // through something else (`self.client.chat...` on a wrapper delegating to the module).
        TSNode receiver_node = root;
        if (plain_chain) {
          std::string path;
          for (TSNode n = unparenthesize(field(call, S_.f_function)); sym(n) == S_.attribute;) {
            const std::string_view name = text(field(n, S_.f_attribute), code);
            path = path.empty() ? std::string(name) : fmt::format("{}.{}", name, path);
            n = unparenthesize(field(n, S_.f_object));
            if (strip_response_wrappers(path) == o.api) {
              receiver_node = n;
              break;
            }
          }
          plain_chain = ts_node_eq(receiver_node, root);
        }
        if (!plain_chain || sym(root) != S_.identifier) {
          // Taken without a call, through getattr or through a wrapper: no call to rewrite.
          const std::string receiver(text(receiver_node, code));
          return out_.untracked_call(std::move(use), {MessageId::QG002, {{"receiver", receiver}, {"api", o.api}}});
        }
        FixSite fix;
        fix.kind = ClientKind::Sync;
        fix.callee = range(root);
        fix.arguments = range(field(call, S_.f_arguments));
        fix.bound_name = std::string(text(root, code));
        Message m{MessageId::QG002, {{"receiver", fix.bound_name}, {"api", o.api}}};
        return out_.untracked_call(std::move(use), std::move(m), std::move(fix));
      }
      default: {
        // Unknown origin: count it where the file shows the openai package, the API is
        // unmistakable or the receiver is known to be an OpenAI client (annotated as one, a
        // library object's client: `agent.client`); elsewhere `x.files.create()` is most likely
        // not OpenAI at all.
        const ApiMethod* method = cat_.api_method(o.api);
        const bool distinctive = method && cat_.is_distinctive_resource(method->resource);
        if (!distinctive && !(o.exact && (m_.openai_context || o.annotated))) return;
        use.provenance = Provenance::Unknown;
        return out_.unresolved_call(std::move(use), {MessageId::QG007, {{"api", o.api}}});
      }
    }
  }

  // A library entry point that builds its own OpenAI client (QG010), tracked when it is handed a
  // tracked client or the project installs tracking for every client.
  void library_client(TSNode call, const Scope* scope) {
    auto built = library_client_call(call, scope, ev_, m_.code());
    if (!built) return;
    ApiUse use{range(call), built->api, Provenance::Direct, {}};
    if (built->tracked || installs_tracking_) {
      use.provenance = Provenance::Factory;
      return out_.tracked_call(std::move(use));
    }
    // Fixed at the call by the library's `fix-arguments` where they fit, else by one
    // `quotaguard.install()` where the application starts (python/startup.h places it).
    FixSite fix;
    fix.bound_name = built->callee;
    if (built->arguments_fixable) fix.arguments = range(field(call, S_.f_arguments));
    else fix.at_startup = true;
    out_.untracked_call(
        std::move(use),
        {MessageId::QG010,
         {{"callee", built->callee}, {"library", built->library->display_name}, {"how", built->library->how}}},
        std::move(fix));
  }

  // A run of a library entry point (QG009 for the Agents SDK): `site` is the callee, or the
  // entry point where it is handed to another callable.
  void library_run(TSNode site, const std::string& api, const RunVerdict& v) {
    const std::string callee(text(site, m_.code()));
    // The whole call where the callee is called; the reference alone where it is handed over.
    TSNode parent = ts_node_parent(site);
    const TSNode whole = !is_null(parent) && sym(parent) == S_.call && ts_node_eq(field(parent, S_.f_function), site) ? parent : site;
    auto origin = [&] { return fmt::format("{}:{}", v.origin ? v.origin->path : m_.path, v.origin_line); };
    ApiUse use{range(whole), api, Provenance::Direct, {}};
    switch (v.kind) {
      case RunVerdict::Kind::Elsewhere: return;
      case RunVerdict::Kind::Tracked:
        use.provenance = Provenance::Factory;
        return out_.tracked_call(std::move(use));
      case RunVerdict::Kind::Unknown:
        use.provenance = Provenance::Unknown;
        return out_.unresolved_call(std::move(use), {MessageId::QG007_library_run, {{"callee", callee}}});
      case RunVerdict::Kind::Direct:
        return out_.untracked_call(std::move(use), {MessageId::QG009_direct, {{"callee", callee}, {"origin", origin()}}});
      case RunVerdict::Kind::DefaultDirect:
        use.provenance = Provenance::Module;
        return out_.untracked_call(std::move(use),
                                   {MessageId::QG009_default_direct, {{"callee", callee}, {"origin", origin()}}});
      case RunVerdict::Kind::OwnClient:
        return out_.untracked_call(std::move(use), {MessageId::QG009_own_client, {{"callee", callee}, {"holder", v.holder}}});
      case RunVerdict::Kind::LibraryDefault: {
        // Fixed where the application starts (python/startup.h fills in the file and place).
        FixSite fix;
        fix.kind = ClientKind::Async;
        fix.bound_name = callee;
        fix.at_startup = true;
        use.provenance = Provenance::Module;
        return out_.untracked_call(std::move(use), {MessageId::QG009, {{"callee", callee}}}, std::move(fix));
      }
    }
  }

  // The call whose argument list directly holds `n` (through a keyword argument), if any.
  TSNode enclosing_call_of_argument(TSNode n) const {
    TSNode p = ts_node_parent(n);
    for (int i = 0; i < 4 && !is_null(p); ++i) {
      if (sym(p) == S_.argument_list) {
        TSNode call = ts_node_parent(p);
        return !is_null(call) && sym(call) == S_.call ? call : TSNode{};
      }
      if (sym(p) != S_.keyword_argument && sym(p) != S_.concatenated_string && sym(p) != S_.binary_operator &&
          sym(p) != S_.parenthesized_expression)
        break;
      p = ts_node_parent(p);
    }
    return TSNode{};
  }

  void check_string(TSNode str, const Scope* scope) {
    const std::string_view body = text(str, m_.code());
    const std::size_t at = find_api_host(body, project_.config().extra_hosts);
    if (at == std::string_view::npos) return;
    // `OpenAI(base_url="https://api.openai.com/v1")` configures an SDK client, it is not raw HTTP.
    if (TSNode call = enclosing_call_of_argument(str); !is_null(call)) {
      auto k = ev_.classify_call(call, scope).kind;
      if (k == CallOutcome::Kind::Construction || k == CallOutcome::Kind::FactoryCall) return;
    }
    out_.raw_http(range(str), url_around(body, at));
  }

  ModuleInfo& m_;
  Evaluator& ev_;
  const Project& project_;
  const Syntax& S_;
  const Catalogue& cat_;
  RunResolver runs_;
  bool installs_tracking_;
  FindingSink out_;
};

}  // namespace

FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project,
                        const LibraryDefaults& defaults, bool installs_tracking) {
  return Checker(module, evaluator, project, defaults, installs_tracking).run();
}

}  // namespace qg::python
