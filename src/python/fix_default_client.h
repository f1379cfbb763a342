// QG009's fix, in the module where the application starts: one statement
// `set_default_openai_client(<async factory>(), use_for_tracing=False)` (the library's
// `fix-setter` and `fix-keywords`, rules/python/libraries.toml) before the statement the scan
// chose (the app's construction, the `__main__` block's first statement), or after the imports;
// the setter and the factory imported as QG001's fix imports the factory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "python/fix_import_editor.h"
#include "python/library_model.h"

namespace qg::python {

struct DefaultClientStatement {
  uint32_t at = 0;             // file offset: a line start, or the end of a file without a final newline
  bool break_before = false;
  std::string text;            // the statement's line(s)
  std::vector<ImportRequest> imports;
};

// `why` says what is wrong when there is no statement (the anchor no longer fits the file).
std::optional<DefaultClientStatement> plan_default_client(const Tree& tree, const ImportEditor& editor,
                                                          uint32_t bom_length, std::string_view eol,
                                                          const FixSite& site, const ClientLibrary& library,
                                                          const FactoryFunction& factory, std::string* why);

// The statement as an edit among the import edits: after the imports added at the same place.
void add_statement(std::vector<Edit>& edits, const DefaultClientStatement& statement);

}  // namespace qg::python
