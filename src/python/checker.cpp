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
  Checker(ModuleInfo& m, Evaluator& ev, const Project& p)
      : m_(m), ev_(ev), project_(p), S_(Syntax::get()), cat_(Catalogue::get()),
        out_(Language::Python, m.path, m.source, *m.lines, p.config()) {
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
    switch (o.kind) {
      case CallOutcome::Kind::None: return;
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
        const std::string origin = fmt::format("{}:{}", o.origin ? o.origin->path : m_.path, o.origin_line);
        return out_.untracked_call(std::move(use), {MessageId::QG004, {{"api", o.api}, {"origin", origin}}});
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
  FindingSink out_;
};

}  // namespace

FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project) {
  return Checker(module, evaluator, project).run();
}

}  // namespace qg::python
