// Fixing a Jupyter notebook: the fix engine edits the Python of its code cells (Notebook::python()),
// and this carries those edits back into the cells' `source` values of the .ipynb, leaving every
// other byte of the file as it was (outputs, metadata, key order, indentation).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "core/notebook.h"

namespace qg::fix {

// `edits` address `notebook.python()` (the notebook parsed from `ipynb`). Returns the new .ipynb
// text, or nullopt with `error` set when an edit cannot be placed in one cell (it spans two cells,
// or falls inside IPython syntax the analysis blanked) or the file's cells cannot be found again.
std::optional<std::string> rewrite_notebook(std::string_view ipynb, const Notebook& notebook,
                                            const std::vector<Edit>& edits, std::string& error);

}  // namespace qg::fix
