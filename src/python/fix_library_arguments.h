// QG010's fix at the call, where the library takes a tracked client: the library's
// `fix-arguments` (rules/python/library-clients/) added at the end of the call's arguments,
// laid out as the list is (on the same line, or one per line before a `)` on its own line), the
// names they call imported as the file already does or by a new `import module`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/finding.h"
#include "python/fix_import_editor.h"
#include "python/library_clients.h"

namespace qg::python {

struct LibraryArgumentsFix {
  std::vector<Edit> edits;
  std::vector<ImportRequest> imports;
  std::string added;  // the arguments, as written: "http_client=quotaguard.instrument_http_client(...), ..."
};

// `why` says what is wrong when there is no fix (the argument list is no longer where it was).
std::optional<LibraryArgumentsFix> plan_library_arguments(const Tree& tree, const ImportEditor& editor,
                                                          uint32_t bom_length, std::string_view eol,
                                                          const FixSite& site, const ClientBuildingLibrary& library,
                                                          std::string* why);

}  // namespace qg::python
