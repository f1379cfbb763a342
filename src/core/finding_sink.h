// One place where findings are made. A frontend feeds the sink what it recognised in one file —
// a client obtained (from the factory, or constructed), an API use with its provenance, a string
// naming an API host, a transport replaced — and the sink does the rest the same way for every
// language: call and client sites for coverage, the rule decisions that do not depend on the
// language (QG005, QG008), messages rendered from rules/rules.toml, snippets, suppressions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "core/line_index.h"
#include "core/message.h"
#include "core/source_text.h"
#include "core/suppression.h"

namespace qg {

// An API call site as a frontend resolved it.
struct ApiUse {
  SourceRange site;
  std::string api;                               // "embeddings.create"; "" when not in the catalogue
  Provenance provenance = Provenance::Unknown;   // of the receiver
  std::string counted_as;                        // coverage key when `api` is "" (a legacy name)
};

class FindingSink {
 public:
  // `lines` indexes `source.bytes` and must outlive the sink.
  FindingSink(Language language, std::string path, const SourceText& source, const LineIndex& lines,
              const Config& config);

  // A range from parser offsets (the text after any BOM).
  SourceRange range(uint32_t start, uint32_t end) const;
  const Config& config() const { return config_; }

  // Suppressions apply in take(), so comments may come after the findings they silence.
  void comment(uint32_t start, std::string_view text);
  void suppressions(SuppressionMap map) { suppressions_ = std::move(map); }

  void factory_client(const SourceRange& site, ClientKind kind);
  // QG001 (`message` is one of its wordings); a direct client for coverage. `fix` makes it fixable.
  void construction(const SourceRange& site, ClientKind kind, Message message, std::optional<FixSite> fix = {});
  // A call on a factory client: tracked, and QG008 when `[factory] tracked-methods` leaves it out.
  void tracked_call(ApiUse use);
  // A call that bypasses the factory; the frontend names the rule by the wording (QG002, QG003,
  // QG004, or a new rule of that kind).
  void untracked_call(ApiUse use, Message message, std::optional<FixSite> fix = {});
  // A call on a client of unknown origin (QG007), counted apart.
  void unresolved_call(ApiUse use, Message message);
  // A string naming an API host (QG005): `url` as written, `via` the HTTP function it goes to.
  void raw_http(const SourceRange& site, std::string_view url, std::string_view via = {});
  // `with_options(http_client=...)` on a factory client (QG006).
  void transport_replaced(const SourceRange& site, std::string_view method);

  // The file's result: suppressed findings counted and dropped, the others rendered.
  FileResult take(bool parse_error);

 private:
  void report(const SourceRange& site, Provenance provenance, std::string api, Message message,
              std::optional<FixSite> fix);

  struct Pending {
    Finding finding;
    Message message;
  };
  Language language_;
  const SourceText& source_;
  const LineIndex& lines_;
  const Config& config_;
  SuppressionMap suppressions_;
  std::vector<Pending> pending_;
  FileResult result_;
};

}  // namespace qg
