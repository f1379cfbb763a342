#include "python/checker.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "python/syntax.h"

namespace qg::python {

namespace {

std::string factory_hint(const Project& project, ClientKind kind) {
  for (const auto& f : project.factories())
    if (f.kind == kind)
      return f.module == "quotaguard" ? fmt::format("quotaguard.{}()", f.function) : fmt::format("{}()", f.function);
  return "the tracking factory";
}

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

// Finds `host` (or a subdomain of it) in `text` on label boundaries, case-insensitively.
std::size_t find_host(std::string_view text, std::string_view host) {
  if (host.empty() || text.size() < host.size()) return std::string_view::npos;
  for (std::size_t i = 0; i + host.size() <= text.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < host.size() && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(text[i + k])) == std::tolower(static_cast<unsigned char>(host[k]));
    if (!eq) continue;
    const bool left_ok = i == 0 || !host_char(text[i - 1]) || text[i - 1] == '.';
    // `api.openai.com.evil` is another host: the name must end here.
    const bool right_ok = i + host.size() == text.size() ||
                          (!host_char(text[i + host.size()]) && text[i + host.size()] != '.');
    if (left_ok && right_ok && (i == 0 || text[i - 1] != '-')) return i;
  }
  return std::string_view::npos;
}

class Checker {
 public:
  Checker(ModuleInfo& m, Evaluator& ev, const Project& p)
      : m_(m), ev_(ev), project_(p), S_(Syntax::get()), cat_(Catalogue::get()) {}

  FileResult run() {
    result_.path = m_.path;
    result_.parsed = true;
    result_.parse_error = m_.has_error;
    result_.vendored = m_.vendored;
    for (auto& [call, scope] : m_.calls) check_call(call, scope);
    for (auto& [str, scope] : m_.strings) check_string(str, scope);
    return std::move(result_);
  }

 private:
  SourceRange range(TSNode n) const {
    return m_.lines->range(start_byte(n) + m_.source.bom_length, end_byte(n) + m_.source.bom_length);
  }

  void emit(Finding f) {
    f.path = m_.path;
    f.language = "python";
    constexpr std::size_t kMaxCode = 400;
    const std::string_view all(m_.source.bytes);
    f.code = std::string(all.substr(f.range.start_byte, std::min<std::size_t>(f.range.end_byte - f.range.start_byte, kMaxCode)));
    if (m_.suppressions.suppresses(f)) {
      ++result_.suppressed;
      return;
    }
    result_.findings.push_back(std::move(f));
  }

  void call_site(TSNode call, const std::string& api, CallStatus status, Provenance prov) {
    result_.call_sites.push_back({m_.path, range(call), api, status, prov});
  }

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
      case CallOutcome::Kind::FactoryCall:
        result_.client_sites.push_back({m_.path, range(call), Provenance::Factory, o.client_kind});
        return;
      case CallOutcome::Kind::Construction: {
        // Inside the factory a construction is the factory's own implementation, not a client
        // obtained by application code: it does not count for client coverage.
        if (o.prov != Provenance::Direct) return;
        result_.client_sites.push_back({m_.path, range(call), o.prov, o.client_kind});
        Finding f;
        f.rule = "QG001";
        f.range = range(call);
        f.provenance = Provenance::Direct;
        f.fixable = o.fixable;
        f.message = fmt::format("`{}` client constructed outside the tracking factory; use `{}`",
                                text(callee, code), factory_hint(project_, o.client_kind));
        if (o.fixable) {
          FixSite fix;
          fix.kind = o.client_kind;
          fix.callee = range(callee);
          fix.arguments = range(field(call, S_.f_arguments));
          fix.bound_name = std::string(text(callee, code));
          f.fix = std::move(fix);
        }
        emit(std::move(f));
        return;
      }
      case CallOutcome::Kind::LegacyCall: {
        call_site(call, o.api.empty() ? o.name : o.api, CallStatus::Untracked, Provenance::Legacy);
        Finding f;
        f.rule = "QG003";
        f.range = range(call);
        f.provenance = Provenance::Legacy;
        f.api = o.api;
        f.message = o.api.empty()
                        ? fmt::format("`openai.{}` is the removed v0 API and has no v1 counterpart", o.name)
                        : fmt::format("`openai.{}` is the removed v0 API; migrate to `client.{}` on a factory client",
                                      o.name, o.api);
        emit(std::move(f));
        return;
      }
      case CallOutcome::Kind::TransportReplaced: {
        Finding f;
        f.rule = "QG006";
        f.range = range(call);
        f.provenance = Provenance::Factory;
        f.message = fmt::format("`{}(http_client=...)` replaces the tracked transport of a factory client; "
                                "calls on the copy are not tracked", o.name);
        emit(std::move(f));
        return;
      }
      case CallOutcome::Kind::ApiCall:
        return api_call(call, scope, o);
    }
  }

  void api_call(TSNode call, const Scope*, const CallOutcome& o) {
    const std::string_view code = m_.code();
    TSNode callee = field(call, S_.f_function);
    Finding f;
    f.range = range(call);
    f.api = o.api;
    f.provenance = o.prov;
    switch (o.prov) {
      case Provenance::Factory: {
        call_site(call, o.api, CallStatus::Tracked, o.prov);
        const auto& tracked = project_.config().factory.tracked_methods;
        if (!tracked || std::find(tracked->begin(), tracked->end(), o.api) != tracked->end()) return;
        f.rule = "QG008";
        f.message = fmt::format("`{}` on a factory client is not among the factory's tracked-methods", o.api);
        break;
      }
      case Provenance::Direct: {
        call_site(call, o.api, CallStatus::Untracked, o.prov);
        f.rule = "QG004";
        if (o.origin && o.origin_line)
          f.message = fmt::format("untracked `{}` on a client constructed outside the factory ({}:{})", o.api,
                                  o.origin->path, o.origin_line);
        else
          f.message = fmt::format("untracked `{}` on a client constructed outside the factory", o.api);
        break;
      }
      case Provenance::Module: {
        call_site(call, o.api, CallStatus::Untracked, o.prov);
        f.rule = "QG002";
        f.fixable = true;
        TSNode root = chain_root(unparenthesize(callee));
        f.message = fmt::format("`{}.{}` goes through openai's module-level client, which is not tracked",
                                text(root, code), o.api);
        FixSite fix;
        fix.kind = ClientKind::Sync;
        fix.callee = range(root);
        fix.arguments = range(field(call, S_.f_arguments));
        fix.bound_name = std::string(text(root, code));
        f.fix = std::move(fix);
        break;
      }
      default: {
        // Unknown origin: count it where the file shows the openai package or the API is
        // unmistakable; elsewhere `x.files.create()` is most likely not OpenAI at all.
        const ApiMethod* m = cat_.api_method(o.api);
        const bool distinctive = m && cat_.is_distinctive_resource(m->resource);
        if (!distinctive && !(o.exact && m_.openai_context)) return;
        call_site(call, o.api, CallStatus::Unresolved, Provenance::Unknown);
        f.rule = "QG007";
        f.message = fmt::format("`{}` on a client whose origin cannot be resolved", o.api);
        break;
      }
    }
    emit(std::move(f));
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
    std::size_t at = std::string_view::npos;
    for (const auto& host : cat_.api_hosts())
      if ((at = find_host(body, host)) != std::string_view::npos) break;
    if (at == std::string_view::npos)
      for (const auto& host : project_.config().extra_hosts)
        if ((at = find_host(body, host)) != std::string_view::npos) break;
    if (at == std::string_view::npos) return;
    // `OpenAI(base_url="https://api.openai.com/v1")` configures an SDK client, it is not raw HTTP.
    if (TSNode call = enclosing_call_of_argument(str); !is_null(call)) {
      auto k = ev_.classify_call(call, scope).kind;
      if (k == CallOutcome::Kind::Construction || k == CallOutcome::Kind::FactoryCall) return;
    }
    // The URL itself: from the scheme (or the host) to the closing quote.
    std::size_t from = body.rfind("://", at);
    from = from == std::string_view::npos || at - from > 8 ? at : body.find_last_of("\"'{ ", from) + 1;
    std::size_t to = body.find_first_of("\"'{} \n", at);
    std::string url(body.substr(from, to == std::string_view::npos ? std::string_view::npos : to - from));
    std::string api = cat_.api_for_url(url);
    call_site(str, api.empty() ? "raw-http" : api, CallStatus::Untracked, Provenance::RawHttp);
    Finding f;
    f.rule = "QG005";
    f.range = range(str);
    f.provenance = Provenance::RawHttp;
    f.api = api;
    f.message = fmt::format("raw HTTP to the OpenAI API (`{}`) bypasses the tracked client", url);
    emit(std::move(f));
  }

  ModuleInfo& m_;
  Evaluator& ev_;
  const Project& project_;
  const Syntax& S_;
  const Catalogue& cat_;
  FileResult result_;
};

}  // namespace

FileResult check_module(ModuleInfo& module, Evaluator& evaluator, const Project& project) {
  return Checker(module, evaluator, project).run();
}

}  // namespace qg::python
