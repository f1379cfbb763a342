// The result model every frontend produces and every report consumes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/language.h"
#include "core/rule_ids.h"

namespace qg {

// 1-based lines and columns (columns count code points, as editors and ruff do), plus the byte
// span in the file so that fixes and snippets can splice the original text.
struct SourceRange {
  uint32_t line = 0, column = 0, end_line = 0, end_column = 0;
  uint32_t start_byte = 0, end_byte = 0;
};

// Where a client or an API call's receiver came from: the factory, a direct construction, the
// openai module's own client, somewhere unknown (a parameter), the v0 API, raw HTTP.
enum class Provenance : uint8_t { Factory, Direct, Module, Unknown, Legacy, RawHttp };
const char* to_string(Provenance p);

enum class CallStatus : uint8_t { Tracked, Untracked, Unresolved };
const char* to_string(CallStatus s);

enum class ClientKind : uint8_t { Sync, Async, Azure, AsyncAzure };
const char* to_string(ClientKind k);  // "sync", "async", "azure", "async-azure" (config keys)

// One byte-range replacement on the original text of a file.
struct Edit {
  uint32_t start_byte = 0, end_byte = 0;
  std::string replacement;
};

// What a fix engine needs to rewrite a QG001/QG002 site without re-deriving the analysis.
struct FixSite {
  ClientKind kind = ClientKind::Sync;
  SourceRange callee;          // QG001: `OpenAI` / `openai.AsyncOpenAI`; QG002: the `openai` receiver
  SourceRange arguments;       // QG001: the argument list including parentheses
  std::string bound_name;      // the local name used at the site (`OpenAI`, `OA`, `openai`)
  // Frontends that compute their rewrite themselves (C++) put the edits here; the fix engine
  // then applies them as they are (identical edits from several findings are applied once).
  std::vector<Edit> edits;
  // A fix made by one statement where the application starts, for every such finding (QG009's
  // default client, QG010's `quotaguard.install()`): the scan fills in `file` and `anchor`.
  bool at_startup = false;
  // A fix made in another file than the finding's (the startup statement): that file, relative
  // to the root, and the statement there to put it before; without `anchor`, after the imports.
  std::string file;
  std::optional<SourceRange> anchor;
};

// Where a finding in a Jupyter notebook is, as the notebook shows it (core/notebook.h).
struct CellLocation {
  uint32_t cell = 0;    // 1-based, among all the notebook's cells
  uint32_t line = 0;    // 1-based line in the cell
  uint32_t column = 0;  // 1-based, code points
};

// A place in another file (or the same) that a finding refers to.
struct Location {
  std::string path;  // relative to the scan root, as Finding::path
  uint32_t line = 0;
  std::optional<CellLocation> cell;  // in a notebook (`line` is then the .ipynb file's)
  // ":12", or in a notebook ":cell 3:line 2" (what follows the path where a message names it).
  std::string position() const {
    return cell ? ":cell " + std::to_string(cell->cell) + ":line " + std::to_string(cell->line) : ":" + std::to_string(line);
  }
};

struct Finding {
  std::string rule;            // "QG001" (to_string(RuleId)): reports, baselines and fingerprints use the text
  std::string path;            // relative to the scan root, '/'-separated
  SourceRange range;
  std::string message;
  bool fixable = false;
  std::string api;             // "embeddings.create" where the finding is an API call
  Provenance provenance = Provenance::Unknown;
  Language language = Language::Python;
  MessageId message_id = MessageId::QG001;  // which wording in rules/rules.toml `message` holds
  std::vector<std::pair<const char*, std::string>> message_args;  // what filled it (core/message.h)
  // QG004: where the client was constructed. The message names it as `path:line` under the
  // "origin" placeholder; reports that show paths relative to the cwd show it the same way.
  std::optional<Location> origin;
  // In a notebook: the cell and the line in it (`range` then addresses the .ipynb file's lines).
  std::optional<CellLocation> cell;
  std::string code;            // source text of `range` (capped), for fingerprints and snippets
  std::optional<FixSite> fix;  // present on findings `quotaguard fix` can rewrite
  // Identity that survives edits elsewhere in the file (gate/fingerprint.h): set by run_scan,
  // matched by baselines, reported as SARIF partialFingerprints.
  std::string fingerprint;
};

// Every API call site, whatever its rule, feeds coverage.
struct CallSite {
  std::string path;
  SourceRange range;
  std::string api;             // "chat.completions.create"
  CallStatus status = CallStatus::Unresolved;
  Provenance provenance = Provenance::Unknown;
};

// Every place a client is obtained: a factory call or a direct construction.
struct ClientSite {
  std::string path;
  SourceRange range;
  Provenance provenance = Provenance::Direct;  // Factory or Direct
  ClientKind kind = ClientKind::Sync;
};

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct FileResult {
  std::string path;
  std::vector<Finding> findings;
  std::vector<CallSite> call_sites;
  std::vector<ClientSite> client_sites;
  bool parsed = false;
  bool parse_error = false;
  bool vendored = false;
  std::size_t suppressed = 0;
};

}  // namespace qg
