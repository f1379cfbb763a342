// Import edits for one file: how a rewritten site names the factory (an existing import, or a
// new one placed where a person would put it), and which imports became unused.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/finding.h"
#include "python/fix_imports.h"
#include "python/syntax.h"

namespace qg::python {

// One name to import at one place; requests at the same place merge into one statement per module.
struct ImportRequest {
  uint32_t at = 0;                 // file offset: the start of a line, or the end of the file
  bool break_before = false;       // at the end of a file without a final newline
  std::string indent, module, name;  // name: "f" or "f as _f"; `import module`: "" or "as _m"
  bool whole_module = false;       // `import module` rather than `from module import name`
};

struct FactoryRef {
  std::string expr;                      // what the site calls: "get_openai_client", "quotaguard.openai_client"
  std::optional<ImportRequest> import;   // when no import of the factory is visible from the site
};

class ImportEditor {
 public:
  // Offsets in and out are file offsets (BOM included); the tree addresses the text after it.
  ImportEditor(const Tree& tree, uint32_t bom_length, std::string_view eol);

  const std::vector<ImportBinding>& imports() const { return imports_; }

  // `site`: the rewritten expression's start; `used_root`: the name the site used (`OpenAI`,
  // `oa` in `oa.OpenAI`), whose function-local openai import the new import goes beside.
  FactoryRef reference(const FactoryFunction& factory, uint32_t site, std::string_view used_root) const;
  // The same, but a new import is `import module` and the name is `module.name` (for names that
  // read best qualified: `quotaguard.install()`, `httpx.Client()`).
  FactoryRef qualified_reference(const FactoryFunction& name, uint32_t site) const;

  // The requested imports as insertions: `from m import a, b` once per module and place.
  std::vector<Edit> import_edits(const std::vector<ImportRequest>& requests) const;

  // Edits removing openai imports of `names` that nothing references outside `rewritten`
  // (the byte ranges the site edits replace), and any import the rewrites made unused.
  std::vector<Edit> remove_unused(const std::set<std::string>& names, const std::vector<Edit>& rewritten) const;

  // Where a module-level import goes: after the docstring, `from __future__` and the leading imports.
  ImportRequest module_level_insert() const;

 private:
  bool visible(const ImportBinding& b, uint32_t site) const;
  bool runs_later(uint32_t site) const;  // inside a function or lambda: runs after the module's code
  // The name as an import the site can already see binds it; nullopt when none does.
  std::optional<std::string> imported_reference(const FactoryFunction& factory, uint32_t site) const;
  bool referenced(const std::string& name, const std::vector<Edit>& rewritten) const;
  // Whether `name` occurs in `rewritten` and nowhere else (nor in the text replacing it).
  bool used_only_in(const std::string& name, const std::vector<Edit>& rewritten) const;
  ImportRequest insert_after(TSNode statement, std::string_view indent, uint32_t limit) const;
  std::vector<Edit> remove_items(TSNode statement, const std::vector<TSNode>& items) const;
  Edit remove_statement(TSNode statement) const;
  uint32_t line_start(uint32_t code_offset) const;

  const Tree& tree_;
  uint32_t bom_;
  std::string eol_;
  std::vector<ImportBinding> imports_;
  std::unordered_map<std::string, std::vector<uint32_t>> identifiers_;  // text -> start offsets
  std::vector<std::string_view> annotation_strings_;  // string annotations, __all__ entries, cast()
};

}  // namespace qg::python
