// A syntactic view of a Python file's imports: which statement binds which local name to what.
#pragma once

#include <string>
#include <vector>

#include "python/syntax.h"

namespace qg::python {

struct ImportBinding {
  TSNode statement{};   // import_statement / import_from_statement
  TSNode item{};        // the dotted_name or aliased_import naming this binding
  TSNode function{};    // innermost enclosing function_definition; null at module level
  bool from = false;    // `from module import name`
  std::string module;   // "openai", "os.path", ".factory" (relative keeps its dots)
  std::string name;     // from-imports: the imported name ("OpenAI")
  std::string bound;    // the local name: alias, imported name, or first segment of `import a.b`
  bool type_checking = false;  // under `if TYPE_CHECKING:`: not there at run time
};

// Every import in the file, in source order (future imports excluded).
std::vector<ImportBinding> collect_imports(const Tree& tree);

// `openai` and `openai.lib.azure` are the openai package; `openai_helpers` is not.
bool in_package(std::string_view module, std::string_view package);

}  // namespace qg::python
