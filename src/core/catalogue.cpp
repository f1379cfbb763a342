#include "core/catalogue.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/embedded_rules.h"

namespace qg {

std::string_view embedded_rule_file(std::string_view relative_path) {
  for (std::size_t i = 0; i < kEmbeddedRuleCount; ++i)
    if (kEmbeddedRules[i].path == relative_path) return kEmbeddedRules[i].content;
  return {};
}

std::vector<std::pair<std::string, std::string_view>> embedded_toml_files(std::string_view folder) {
  std::vector<std::pair<std::string, std::string_view>> files;
  for (std::size_t i = 0; i < kEmbeddedRuleCount; ++i)
    if (kEmbeddedRules[i].path.starts_with(folder) && kEmbeddedRules[i].path.ends_with(".toml"))
      files.emplace_back(std::string(kEmbeddedRules[i].path), kEmbeddedRules[i].content);
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<ClientKind> parse_client_kind(std::string_view s) {
  if (s == "sync") return ClientKind::Sync;
  if (s == "async") return ClientKind::Async;
  if (s == "azure") return ClientKind::Azure;
  if (s == "async-azure") return ClientKind::AsyncAzure;
  return std::nullopt;
}

namespace {

// The embedded data is part of the build: a malformed file is a build defect, so fail loudly.
toml::table parse_embedded(std::string_view path) {
  auto text = embedded_rule_file(path);
  if (text.empty()) throw std::logic_error(fmt::format("rules/{} is missing from the build", path));
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw std::logic_error(fmt::format("rules/{}: {}", path, e.description()));
  }
}

std::string str(const toml::node_view<const toml::node>& n) { return std::string(n.value_or(std::string_view{})); }

// A list of strings the catalogue cannot do without: a key renamed in rules/ but not here fails.
template <class Set>
void fill_strings(Set& out, const toml::node_view<const toml::node>& n, std::string_view where) {
  auto* arr = n.as_array();
  if (!arr) throw std::logic_error(fmt::format("rules/{}: a list of strings is missing", where));
  for (auto& v : *arr)
    if (auto s = v.value<std::string>()) out.insert(*s);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

Catalogue::Catalogue() {
  // Rules, in RuleId order (core/rule_ids.h is generated from the same file).
  const auto rules = parse_embedded("rules.toml");
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    const std::string_view id = kRuleIds[i];
    const toml::node_view<const toml::node> v = rules[id];
    if (!v.is_table()) throw std::logic_error(fmt::format("rules/rules.toml: [{}] is missing", id));
    RuleInfo r;
    r.id = std::string(id);
    r.name = str(v["name"]);
    r.severity = str(v["severity"]);
    r.summary = str(v["summary"]);
    r.what = str(v["what"]);
    r.why = str(v["why"]);
    r.fix = str(v["fix"]);
    r.bad = str(v["bad"]);
    r.good = str(v["good"]);
    r.fixable = v["fixable"].value_or(false);
    if (auto* langs = v["languages"].as_array())
      for (auto& l : *langs) {
        auto language = language_named(l.value_or(std::string_view{}));
        if (!language) throw std::logic_error(fmt::format("rules/rules.toml: {}: unknown language in `languages`", id));
        r.languages.push_back(*language);
      }
    rules_.push_back(std::move(r));
  }
  if (rules.size() != kRuleCount) throw std::logic_error("rules/rules.toml differs from the generated core/rule_ids.h");
  for (const MessageKey& key : kMessageKeys) {
    const auto rule = rules[to_string(key.rule)];
    const auto text = key.variant.empty() ? rule["message"] : rule["message-variants"][key.variant];
    if (!text.is_string())
      throw std::logic_error(fmt::format("rules/rules.toml: {} has no message `{}`", to_string(key.rule), key.variant));
    messages_.push_back(str(text));
  }

  // API surface: resource_path, method, verb, url_path, billable.
  auto tsv = embedded_rule_file("openai-api-surface.tsv");
  bool header = true;
  for (auto line : split(tsv, '\n')) {
    if (line.empty()) continue;
    if (header) { header = false; continue; }
    auto cols = split(line, '\t');
    if (cols.size() < 5) continue;
    std::string_view resource = cols[0];
    if (resource.substr(0, 7) == "client.") resource.remove_prefix(7);
    ApiMethod m;
    m.resource = std::string(resource);
    m.method = std::string(cols[1]);
    m.api = m.resource + "." + m.method;
    m.verb = std::string(cols[2]);
    auto url = cols[3];
    m.url_path = std::string(url.substr(0, url.find(' ')));
    m.billable = std::string(cols[4]);
    // Local helpers (webhooks.unwrap, verify_signature) send no request: not API calls.
    if (m.verb == "LOCAL") local_methods_.insert(m.api);
    if (m.verb == "LOCAL" || method_index_.contains(m.api)) continue;
    // Every prefix of a resource path is itself a resource ("beta" of "beta.threads").
    for (std::size_t at = 0; (at = m.resource.find('.', at)) != std::string::npos; ++at)
      resources_.insert(m.resource.substr(0, at));
    resources_.insert(m.resource);
    for (std::size_t from = 0, dot; from <= m.resource.size(); from = dot + 1) {
      dot = std::min(m.resource.find('.', from), m.resource.size());
      segments_.insert(m.resource.substr(from, dot - from));
    }
    method_names_.insert(m.method);
    method_index_.emplace(m.api, methods_.size());
    methods_.push_back(std::move(m));
  }

  const auto api = parse_embedded("python/api.toml");
  fill_strings(wrappers_, api["response-wrappers"], "python/api.toml response-wrappers");
  fill_strings(distinctive_, api["distinctive-resources"], "python/api.toml distinctive-resources");

  const auto clients = parse_embedded("python/clients.toml");
  package_ = str(clients["package"]);
  if (auto* classes = clients["classes"].as_table())
    for (auto&& [name, node] : *classes) {
      const toml::node_view<const toml::node> v{node};
      ClientClass c;
      auto kind = parse_client_kind(str(v["kind"]));
      if (!kind) throw std::logic_error(fmt::format("rules/python/clients.toml: bad kind for {}", name.str()));
      c.kind = *kind;
      c.fixable = v["fixable"].value_or(true);
      classes_.emplace(std::string(name.str()), c);
    }
  fill_strings(star_exports_, clients["star-exports"], "python/clients.toml star-exports");
  fill_strings(copy_methods_, clients["copy-methods"], "python/clients.toml copy-methods");
  copy_method_ = str(clients["copy-methods"][0]);
  fill_strings(raw_methods_, clients["raw-methods"], "python/clients.toml raw-methods");
  fill_strings(value_casts_, clients["value-casts"], "python/clients.toml value-casts");
  fill_strings(callable_binders_, clients["callable-binders"], "python/clients.toml callable-binders");
  auto* takers = clients["factory-takers"].as_table();
  if (!takers) throw std::logic_error("rules/python/clients.toml: [factory-takers] is missing");
  for (auto&& [name, spec] : *takers) {
    const auto* t = spec.as_table();
    const auto keyword = t ? (*t)["keyword"].value<std::string>() : std::nullopt;
    if (!keyword) throw std::logic_error(fmt::format("rules/python/clients.toml factory-takers.{}: `keyword` is missing", name.str()));
    factory_arguments_.emplace(std::string(name.str()), FactoryArgument{*keyword, static_cast<int>((*t)["position"].value_or(int64_t{-1}))});
  }
  if (auto* f = clients["default-factories"].as_table()) {
    for (auto&& [kind, spec] : *f) {
      if (kind.str() == "module-client") module_client_factory_ = std::string(spec.value_or(std::string_view{}));
      else default_factories_.emplace_back(*parse_client_kind(kind.str()), std::string(spec.value_or(std::string_view{})));
    }
    if (!module_client_factory_.empty()) default_factories_.emplace_back(ClientKind::Sync, module_client_factory_);
  }

  const auto members = parse_embedded("python/client-members.toml");
  fill_strings(members_, members["members"], "python/client-members.toml members");
  fill_strings(resource_members_, members["resource-members"], "python/client-members.toml resource-members");

  const auto vendors = parse_embedded("python/other-vendors.toml");
  fill_strings(other_vendors_, vendors["packages"], "python/other-vendors.toml packages");

  const auto legacy = parse_embedded("python/legacy.toml");
  if (auto* classes = legacy["classes"].as_table())
    for (auto&& [cls, node] : *classes) {
      const toml::node_view<const toml::node> v{node};
      if (auto* methods = v["methods"].as_array())
        for (auto& m : *methods) {
          std::string method(m.value_or(std::string_view{}));
          // `acreate` migrates like `create`; `transcribe_raw` has its own entry.
          std::string base = method;
          if (!v["v1"][method] && base.size() > 1 && base[0] == 'a') base.erase(0, 1);
          LegacyMethod lm{str(v["v1"][base])};
          legacy_.emplace(std::string(cls.str()) + "." + method, std::move(lm));
        }
    }

  const auto hosts = parse_embedded("hosts.toml");
  if (auto* arr = hosts["hosts"].as_array())
    for (auto& h : *arr) hosts_.emplace_back(h.value_or(std::string_view{}));
}

const Catalogue& Catalogue::get() {
  static const Catalogue instance;
  return instance;
}

const RuleInfo* Catalogue::rule(std::string_view id) const {
  for (auto& r : rules_)
    if (r.id == id) return &r;
  return nullptr;
}

bool Catalogue::fails_scan(std::string_view id) const {
  const RuleInfo* r = rule(id);
  return !r || r->severity != "info";
}

const ApiMethod* Catalogue::api_method(std::string_view api) const {
  auto it = method_index_.find(api);
  return it == method_index_.end() ? nullptr : &methods_[it->second];
}

bool Catalogue::is_resource_call(std::string_view api) const {
  const auto dot = api.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == api.size()) return false;
  if (members_.contains(api.substr(0, dot)) || local_methods_.contains(api)) return false;
  // Past an API method is the method object's own attribute, not a resource's method
  // (`responses.create.assert_called_once()` on a mock, `create.__wrapped__`).
  for (auto at = api.find('.', dot + 1); at != std::string_view::npos; at = api.find('.', at + 1))
    if (api_method(api.substr(0, at))) return false;
  for (auto rest = api.substr(dot + 1);;) {
    const auto next = rest.find('.');
    if (resource_members_.contains(rest.substr(0, next))) return false;
    if (next == std::string_view::npos) return true;
    rest.remove_prefix(next + 1);
  }
}

const ClientClass* Catalogue::client_class(std::string_view qualified) const {
  auto it = classes_.find(qualified);
  return it == classes_.end() ? nullptr : &it->second;
}

const Catalogue::FactoryArgument* Catalogue::factory_argument(std::string_view qualified) const {
  auto it = factory_arguments_.find(qualified);
  return it == factory_arguments_.end() ? nullptr : &it->second;
}

const LegacyMethod* Catalogue::legacy_method(std::string_view class_dot_method) const {
  auto it = legacy_.find(class_dot_method);
  return it == legacy_.end() ? nullptr : &it->second;
}

std::string Catalogue::api_for_url(std::string_view url) const {
  // Strip scheme + host, query, and the /v1 (or /openai/deployments/{d}) base.
  if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
    auto slash = url.find('/');
    url = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  }
  url = url.substr(0, url.find_first_of("?#"));
  if (url.substr(0, 3) == "/v1") url.remove_prefix(3);
  if (auto dep = url.find("/deployments/"); dep != std::string_view::npos) {
    auto rest = url.substr(dep + 13);
    auto slash = rest.find('/');
    url = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  }
  while (url.size() > 1 && url.back() == '/') url.remove_suffix(1);
  if (url.empty()) return {};
  // Prefer a POST with exactly this path (the billable request), else any verb.
  const ApiMethod* any = nullptr;
  for (auto& m : methods_) {
    if (m.url_path != url) continue;
    if (m.verb == "POST" && m.method == "create") return m.api;
    if (!any) any = &m;
  }
  return any ? any->api : std::string{};
}

}  // namespace qg
