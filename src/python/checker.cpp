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

  void check_call(TSNode call, const Scope* scope) {
    const CallOutcome o = ev_.classify_call(call, scope);
    const std::string_view code = m_.code();
    TSNode callee = field(call, S_.f_function);
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
        return out_.construction(range(call), o.client_kind,
                                 {MessageId::QG001, {{"callee", std::string(text(callee, code))},
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

  void api_call(TSNode call, const CallOutcome& o) {
    const std::string_view code = m_.code();
    ApiUse use{range(call), o.api, o.prov, {}};
    switch (o.prov) {
      case Provenance::Factory: return out_.tracked_call(std::move(use));
      case Provenance::Direct: {
        // A direct client always comes from a construction the evaluator saw: its origin.
        use.origin = Location{o.origin ? o.origin->path : m_.path, o.origin_line};
        return out_.untracked_call(std::move(use), {MessageId::QG004, {{"api", o.api}}});
      }
      case Provenance::Module: {
        TSNode root = chain_root(unparenthesize(field(call, S_.f_function)));
        FixSite fix;
        fix.kind = ClientKind::Sync;
        fix.callee = range(root);
        fix.arguments = range(field(call, S_.f_arguments));
        fix.bound_name = std::string(text(root, code));
        Message m{MessageId::QG002, {{"receiver", fix.bound_name}, {"api", o.api}}};
        return out_.untracked_call(std::move(use), std::move(m), std::move(fix));
      }
      default: {
        // Unknown origin: count it where the file shows the openai package or the API is
        // unmistakable; elsewhere `x.files.create()` is most likely not OpenAI at all.
        const ApiMethod* method = cat_.api_method(o.api);
        const bool distinctive = method && cat_.is_distinctive_resource(method->resource);
        if (!distinctive && !(o.exact && m_.openai_context)) return;
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
