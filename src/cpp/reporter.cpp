#include "cpp/reporter.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/catalogue.h"

namespace qg::cpp {

namespace {

// `qg/tracked.h` -> `"qg/tracked.h"`; `<qg/tracked.h>` and `"..."` stay as written.
std::string include_spelling(const std::string& include) {
  if (include.empty() || include.front() == '<' || include.front() == '"') return include;
  return "\"" + include + "\"";
}

}  // namespace

Reporter::Reporter(const std::string& path, const SourceText& source, const Config& config)
    : path_(path), source_(source), config_(config), lines_(std::string_view(source.bytes)) {
  result_.path = path;
  result_.parsed = true;
}

SourceRange Reporter::range(uint32_t start, uint32_t end) const {
  return lines_.range(start + source_.bom_length, end + source_.bom_length);
}

const std::string* Reporter::factory_for(std::string_view type) const {
  for (const auto& [key, expr] : config_.factory.cpp_factories)
    if (normalize_name(key) == type) return &expr;  // keys may be written `::liboai::OpenAI`
  return nullptr;
}

void Reporter::suppression(uint32_t start_byte, std::string_view comment) {
  if (auto s = parse_suppression(comment)) suppressions_.add(range(start_byte, start_byte).line, std::move(*s));
}

void Reporter::include_seen(uint32_t end_byte, std::string_view path_text) {
  include_at_ = std::max(include_at_, end_byte);
  if (!config_.factory.cpp_include.empty() && path_text == include_spelling(config_.factory.cpp_include))
    has_factory_include_ = true;
}

void Reporter::construction(uint32_t start, uint32_t end, const Client& c, std::vector<Edit> edits) {
  result_.client_sites.push_back({path_, range(start, end), Provenance::Direct, ClientKind::Sync});
  Finding f;
  f.rule = "QG001";
  f.range = range(start, end);
  f.provenance = Provenance::Direct;
  const std::string* factory = factory_for(c.type);
  f.message = factory ? fmt::format("`{}` client constructed outside the tracking factory; use `{}`", c.type, *factory)
                      : fmt::format("`{}` client constructed outside the tracking factory (no `[factory.cpp]` "
                                    "expression is configured for it)", c.type);
  if (factory && !edits.empty()) {
    f.fixable = true;
    FixSite fix;
    fix.callee = f.range;
    fix.edits = std::move(edits);
    f.fix = std::move(fix);
  }
  emit(std::move(f));
}

void Reporter::singleton_start(uint32_t start, uint32_t end, const Client& c, std::string_view callee) {
  result_.client_sites.push_back({path_, range(start, end), Provenance::Direct, ClientKind::Sync});
  Finding f;
  f.rule = "QG001";
  f.range = range(start, end);
  f.provenance = Provenance::Direct;
  f.message = fmt::format("`{}` starts {}'s process-wide `{}` client outside the tracking factory", callee,
                          c.lib->name, c.type);
  emit(std::move(f));
}

void Reporter::factory_call(uint32_t start, uint32_t end) {
  result_.client_sites.push_back({path_, range(start, end), Provenance::Factory, ClientKind::Sync});
}

void Reporter::api_call(uint32_t start, uint32_t end, const Client& c, const std::string& api) {
  const SourceRange r = range(start, end);
  Finding f;
  f.range = r;
  f.api = api;
  f.provenance = c.prov;
  if (c.prov == Provenance::Factory) {
    result_.call_sites.push_back({path_, r, api, CallStatus::Tracked, c.prov});
    const auto& tracked = config_.factory.tracked_methods;
    if (!tracked || std::find(tracked->begin(), tracked->end(), api) != tracked->end()) return;
    f.rule = "QG008";
    f.message = fmt::format("`{}` on a factory client is not among the factory's tracked-methods", api);
  } else if (c.prov == Provenance::Unknown && factory_for(c.type)) {
    // A factory exists for this type, so a client of unknown origin may well be tracked.
    result_.call_sites.push_back({path_, r, api, CallStatus::Unresolved, c.prov});
    f.rule = "QG007";
    f.message = fmt::format("`{}` on a `{}` whose origin cannot be resolved", api, c.type);
  } else {
    // Without a factory for the type, no client of it can be tracked.
    result_.call_sites.push_back({path_, r, api, CallStatus::Untracked, c.prov});
    f.rule = "QG004";
    if (c.prov == Provenance::Module)
      f.message = fmt::format("untracked `{}` through {}'s process-wide client", api, c.lib->name);
    else if (c.line)
      f.message = fmt::format("untracked `{}` on a `{}` constructed outside the factory ({}:{})", api, c.type, path_, c.line);
    else
      f.message = fmt::format("untracked `{}` on a `{}` that no factory provides", api, c.type);
  }
  emit(std::move(f));
}

void Reporter::endpoint(uint32_t start, uint32_t end, std::string_view url, std::string_view via) {
  std::string api = Catalogue::get().api_for_url(url);
  const SourceRange r = range(start, end);
  result_.call_sites.push_back({path_, r, api.empty() ? "raw-http" : api, CallStatus::Untracked, Provenance::RawHttp});
  Finding f;
  f.rule = "QG005";
  f.range = r;
  f.provenance = Provenance::RawHttp;
  f.api = std::move(api);
  f.message = via.empty() ? fmt::format("raw HTTP to the OpenAI API (`{}`) bypasses the tracked client", url)
                          : fmt::format("raw HTTP to the OpenAI API (`{}`, via `{}`) bypasses the tracked client", url, via);
  emit(std::move(f));
}

void Reporter::emit(Finding f) {
  f.path = path_;
  f.language = "cpp";
  constexpr std::size_t kMaxCode = 400;
  const std::string_view all(source_.bytes);
  f.code = std::string(all.substr(f.range.start_byte, std::min<std::size_t>(f.range.end_byte - f.range.start_byte, kMaxCode)));
  pending_.push_back(std::move(f));  // suppressions are checked in take(): a trailing comment comes later
}

FileResult Reporter::take(bool parse_error) {
  const std::string& include = config_.factory.cpp_include;
  for (auto& f : pending_) {
    if (suppressions_.suppresses(f)) {
      ++result_.suppressed;
      continue;
    }
    if (f.fix && !include.empty() && !has_factory_include_) {
      // Identical in every finding of the file, so the fix engine applies it once.
      const uint32_t at = include_at_ ? include_at_ + source_.bom_length : source_.bom_length;
      const bool needs_newline = include_at_ && source_.bytes[at - 1] != '\n';
      f.fix->edits.push_back({at, at, fmt::format("{}#include {}\n", needs_newline ? "\n" : "", include_spelling(include))});
    }
    result_.findings.push_back(std::move(f));
  }
  pending_.clear();
  result_.parse_error = parse_error;
  return std::move(result_);
}

}  // namespace qg::cpp
