#include "core/finding_sink.h"

#include <algorithm>
#include <stdexcept>

#include "core/catalogue.h"

namespace qg {

namespace {

// Snippets feed fingerprints and reports; a finding spanning a whole function needs no more.
constexpr std::size_t kMaxSnippet = 400;

// A frontend bug, caught by the fixtures: a wording of a rule this kind of sighting never has.
void require_rule(const Message& m, std::initializer_list<RuleId> allowed, const char* what) {
  if (std::find(allowed.begin(), allowed.end(), rule_of(m.id)) == allowed.end())
    throw std::logic_error(std::string(what) + " reported with a message of " + std::string(to_string(rule_of(m.id))));
}

// The rules that have their own entry point (or that the sink decides): any other rule is an
// untracked call, so a new rule of that kind needs nothing here.
void forbid_rule(const Message& m, std::initializer_list<RuleId> taken, const char* what) {
  if (std::find(taken.begin(), taken.end(), rule_of(m.id)) != taken.end())
    throw std::logic_error(std::string(what) + " reported with a message of " + std::string(to_string(rule_of(m.id))));
}

}  // namespace

FindingSink::FindingSink(Language language, std::string path, const SourceText& source, const LineIndex& lines,
                         const Config& config)
    : language_(language), source_(source), lines_(lines), config_(config) {
  result_.path = std::move(path);
  result_.parsed = true;
}

SourceRange FindingSink::range(uint32_t start, uint32_t end) const {
  return lines_.range(start + source_.bom_length, end + source_.bom_length);
}

void FindingSink::comment(uint32_t start, std::string_view text) {
  if (auto s = parse_suppression(text)) suppressions_.add(range(start, start).line, std::move(*s));
}

void FindingSink::factory_client(const SourceRange& site, ClientKind kind) {
  result_.client_sites.push_back({result_.path, site, Provenance::Factory, kind});
}

void FindingSink::construction(const SourceRange& site, ClientKind kind, Message message, std::optional<FixSite> fix) {
  require_rule(message, {RuleId::QG001}, "a construction");
  result_.client_sites.push_back({result_.path, site, Provenance::Direct, kind});
  report(site, Provenance::Direct, {}, std::move(message), std::move(fix));
}

void FindingSink::tracked_call(ApiUse use) {
  result_.call_sites.push_back({result_.path, use.site, use.api, CallStatus::Tracked, use.provenance});
  const auto& tracked = config_.factory.tracked_methods;
  if (!tracked || std::find(tracked->begin(), tracked->end(), use.api) != tracked->end()) return;
  Message m{MessageId::QG008, {{"api", use.api}}};
  report(use.site, use.provenance, std::move(use.api), std::move(m), std::nullopt);
}

void FindingSink::untracked_call(ApiUse use, Message message, std::optional<FixSite> fix) {
  forbid_rule(message, {RuleId::QG001, RuleId::QG005, RuleId::QG006, RuleId::QG007, RuleId::QG008}, "an untracked call");
  result_.call_sites.push_back({result_.path, use.site, use.api.empty() ? use.counted_as : use.api,
                                CallStatus::Untracked, use.provenance});
  report(use.site, use.provenance, std::move(use.api), std::move(message), std::move(fix));
}

void FindingSink::unresolved_call(ApiUse use, Message message) {
  require_rule(message, {RuleId::QG007}, "an unresolved call");
  result_.call_sites.push_back({result_.path, use.site, use.api, CallStatus::Unresolved, use.provenance});
  report(use.site, use.provenance, std::move(use.api), std::move(message), std::nullopt);
}

void FindingSink::raw_http(const SourceRange& site, std::string_view url, std::string_view via) {
  std::string api = Catalogue::get().api_for_url(url);
  result_.call_sites.push_back({result_.path, site, api.empty() ? "raw-http" : api, CallStatus::Untracked,
                                Provenance::RawHttp});
  Message m = via.empty() ? Message{MessageId::QG005, {{"url", std::string(url)}}}
                          : Message{MessageId::QG005_via, {{"url", std::string(url)}, {"via", std::string(via)}}};
  report(site, Provenance::RawHttp, std::move(api), std::move(m), std::nullopt);
}

void FindingSink::transport_replaced(const SourceRange& site, std::string_view method) {
  report(site, Provenance::Factory, {}, Message{MessageId::QG006, {{"method", std::string(method)}}}, std::nullopt);
}

void FindingSink::report(const SourceRange& site, Provenance provenance, std::string api, Message message,
                         std::optional<FixSite> fix) {
  Finding f;
  f.rule = std::string(to_string(rule_of(message.id)));
  f.path = result_.path;
  f.range = site;
  f.api = std::move(api);
  f.provenance = provenance;
  f.language = language_;
  f.message_id = message.id;
  f.fixable = fix.has_value();
  f.fix = std::move(fix);
  pending_.push_back({std::move(f), std::move(message)});
}

FileResult FindingSink::take(bool parse_error) {
  const std::string_view bytes(source_.bytes);
  for (auto& [f, message] : pending_) {
    if (suppressions_.suppresses(f)) {
      ++result_.suppressed;
      continue;
    }
    f.message = render(message);
    f.code = std::string(bytes.substr(f.range.start_byte, std::min<std::size_t>(f.range.end_byte - f.range.start_byte, kMaxSnippet)));
    result_.findings.push_back(std::move(f));
  }
  pending_.clear();
  result_.parse_error = parse_error;
  return std::move(result_);
}

}  // namespace qg
