// Jupyter notebooks (.ipynb): their code cells as one Python text for the analysis, and the way
// back from a place in that text to the cell, the line in the cell, and the line of the .ipynb
// file that holds it (what SARIF regions and GitHub annotations address).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"

namespace qg {

inline bool is_notebook_path(std::string_view path) { return path.ends_with(".ipynb"); }

class Notebook {
 public:
  // Parses nbformat 4 JSON. Returns nullopt and sets `error` when it is not a notebook. Markdown and
  // raw cells, cell magics (`%%bash`) and line magics / shell escapes (`%pip`, `!ls`) become blank
  // lines, so each code line keeps its own line in `python()`.
  static std::optional<Notebook> parse(std::string_view json, std::string& error);

  const std::string& python() const { return python_; }

  // `f` found in python(): its line and columns move to the .ipynb file's, and `cell` says where
  // it is in the notebook. Its byte offsets and its fix keep addressing python(): only the
  // notebook fixer (fix/notebook_fixer.h) splices with them, into the cells' sources.
  void place(Finding& f) const;

  struct Line {
    uint32_t cell = 0, line_in_cell = 0;  // 1-based: the cell among all cells, the line in it
    uint32_t file_line = 0;                // 1-based line of the .ipynb holding this source line
    uint32_t file_column = 0;              // code points before the line's text on that line
  };
  struct CodeCell {
    uint32_t number = 0;             // 1-based, among all cells
    std::vector<std::string> lines;  // as written (magics too), without their "\n"
    bool trailing_newline = false;   // the source's last line ends with "\n"
  };
  const std::vector<Line>& lines() const { return lines_; }  // one per line of python()
  const std::vector<CodeCell>& code_cells() const { return code_cells_; }

 private:
  std::string python_;
  std::vector<Line> lines_;
  std::vector<CodeCell> code_cells_;
};

}  // namespace qg
