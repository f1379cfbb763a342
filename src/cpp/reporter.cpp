#include "cpp/reporter.h"

#include <algorithm>

#include <fmt/format.h>

namespace qg::cpp {

namespace {

// `qg/tracked.h` -> `"qg/tracked.h"`; `<qg/tracked.h>` and `"..."` stay as written.
std::string include_spelling(const std::string& include) {
  if (include.empty() || include.front() == '<' || include.front() == '"') return include;
  return "\"" + include + "\"";
}

}  // namespace

Reporter::Reporter(const std::string& path, const SourceText& source, const Config& config)
    : path_(path), source_(source), lines_(std::string_view(source.bytes)), sink_(Language::Cpp, path, source, lines_, config) {}

SourceRange Reporter::range(uint32_t start, uint32_t end) const { return sink_.range(start, end); }

const std::string* Reporter::factory_for(std::string_view type) const {
  for (const auto& [key, expr] : config().factory.cpp_factories)
    if (normalize_name(key) == type) return &expr;  // keys may be written `::liboai::OpenAI`
  return nullptr;
}

void Reporter::suppression(uint32_t start_byte, std::string_view comment) { sink_.comment(start_byte, comment); }

void Reporter::include_seen(uint32_t end_byte, std::string_view path_text) {
  include_at_ = std::max(include_at_, end_byte);
  const std::string& include = config().factory.cpp_include;
  if (!include.empty() && path_text == include_spelling(include)) has_factory_include_ = true;
}

void Reporter::construction(uint32_t start, uint32_t end, const Client& c, std::vector<Edit> edits) {
  const std::string* factory = factory_for(c.type);
  Message m = factory ? Message{MessageId::QG001, {{"callee", c.type}, {"factory", *factory}}}
                      : Message{MessageId::QG001_no_factory, {{"callee", c.type}}};
  std::optional<FixSite> fix;
  if (factory && !edits.empty()) {
    fix.emplace();
    fix->callee = range(start, end);
    fix->edits = std::move(edits);
  }
  sink_.construction(range(start, end), ClientKind::Sync, std::move(m), std::move(fix));
}

void Reporter::singleton_start(uint32_t start, uint32_t end, const Client& c, std::string_view callee) {
  sink_.construction(range(start, end), ClientKind::Sync,
                     {MessageId::QG001_singleton_start,
                      {{"callee", std::string(callee)}, {"library", c.lib->name}, {"client", c.type}}});
}

void Reporter::factory_call(uint32_t start, uint32_t end) { sink_.factory_client(range(start, end), ClientKind::Sync); }

void Reporter::api_call(uint32_t start, uint32_t end, const Client& c, const std::string& api) {
  ApiUse use{range(start, end), api, c.prov, {}};
  if (c.prov == Provenance::Factory) return sink_.tracked_call(std::move(use));
  // A factory exists for this type, so a client of unknown origin may well be tracked.
  if (c.prov == Provenance::Unknown && factory_for(c.type))
    return sink_.unresolved_call(std::move(use), {MessageId::QG007_typed, {{"api", api}, {"client", c.type}}});
  // Without a factory for the type, no client of it can be tracked.
  Message m = c.prov == Provenance::Module
                  ? Message{MessageId::QG004_process_wide, {{"api", api}, {"library", c.lib->name}}}
              : c.line ? Message{MessageId::QG004_typed_with_origin,
                                 {{"api", api}, {"client", c.type}, {"origin", fmt::format("{}:{}", path_, c.line)}}}
                       : Message{MessageId::QG004_typed_no_factory, {{"api", api}, {"client", c.type}}};
  sink_.untracked_call(std::move(use), std::move(m));
}

void Reporter::endpoint(uint32_t start, uint32_t end, std::string_view url, std::string_view via) {
  sink_.raw_http(range(start, end), url, via);
}

FileResult Reporter::take(bool parse_error) {
  FileResult result = sink_.take(parse_error);
  const std::string& include = config().factory.cpp_include;
  if (include.empty() || has_factory_include_) return result;
  // Identical in every fixable finding of the file, so the fix engine applies it once.
  const uint32_t at = include_at_ ? include_at_ + source_.bom_length : source_.bom_length;
  const bool needs_newline = include_at_ && source_.bytes[at - 1] != '\n';
  const Edit edit{at, at, fmt::format("{}#include {}\n", needs_newline ? "\n" : "", include_spelling(include))};
  for (Finding& f : result.findings)
    if (f.fix) f.fix->edits.push_back(edit);
  return result;
}

}  // namespace qg::cpp
