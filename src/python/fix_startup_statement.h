// Fixes made by one statement in the module where the application starts (python/startup.h
// chose it): QG009's `set_default_openai_client(<async factory>(), use_for_tracing=False)` (the
// library's `fix-setter` and `fix-keywords`, rules/python/libraries.toml) and QG010's
// `quotaguard.install()`. It goes before the statement the scan chose (the app's construction,
// the `__main__` block's first statement), or after the imports; the names it calls are imported
// as QG001's fix imports the factory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "python/fix_import_editor.h"
#include "python/library_model.h"

namespace qg::python {

struct StartupStatement {
  uint32_t at = 0;             // file offset: a line start, or the end of a file without a final newline
  bool break_before = false;
  std::string text;            // the statement's line(s)
  std::vector<ImportRequest> imports;
};

// The names a startup statement calls, spelled as seen from where it goes.
class StartupNames {
 public:
  StartupNames(const ImportEditor& editor, uint32_t at, std::vector<ImportRequest>& imports)
      : editor_(editor), at_(at), imports_(imports) {}
  std::string from_import(const FactoryFunction& name) { return take(editor_.reference(name, at_, "")); }
  std::string qualified(const FactoryFunction& name) { return take(editor_.qualified_reference(name, at_)); }

 private:
  std::string take(FactoryRef ref) {
    if (ref.import) imports_.push_back(std::move(*ref.import));
    return std::move(ref.expr);
  }
  const ImportEditor& editor_;
  uint32_t at_;
  std::vector<ImportRequest>& imports_;
};

using StartupCall = std::function<std::string(StartupNames&)>;

// The statement `call` writes, at the place `site` names. `why` says what is wrong when there is
// none (the anchor no longer fits the file).
std::optional<StartupStatement> plan_startup_statement(const Tree& tree, const ImportEditor& editor,
                                                       uint32_t bom_length, std::string_view eol, const FixSite& site,
                                                       const StartupCall& call, std::string* why);

// QG009's call: the library's setter given a client from the async factory.
StartupCall default_client_call(const ClientLibrary& library, const FactoryFunction& factory);
// QG010's call: `quotaguard.install()`.
StartupCall install_call();

// The statement as an edit among the import edits: after the imports added at the same place.
void add_statement(std::vector<Edit>& edits, const StartupStatement& statement);

}  // namespace qg::python
