#include "fix/notebook_fixer.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "fix/edits.h"

namespace qg::fix {

namespace {

// Where each cell's `source` value is in the .ipynb text: a minimal walk of the JSON (already
// known valid: the notebook parsed) that keeps byte offsets, which nlohmann does not report.
class SourceLocator {
 public:
  explicit SourceLocator(std::string_view text) : t_(text) {}

  // One entry per element of the top-level `cells` list: [begin, end) of its `source`, or {0, 0}.
  std::optional<std::vector<std::pair<std::size_t, std::size_t>>> run() {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    ws();
    if (!eat('{')) return std::nullopt;
    while (true) {
      ws();
      if (eat('}')) return out;
      std::string_view key;
      if (!string(&key) || (ws(), !eat(':'))) return std::nullopt;
      ws();
      if (key == "cells" && peek() == '[') {
        if (!cells(out)) return std::nullopt;
      } else if (!value()) {
        return std::nullopt;
      }
      ws();
      eat(',');
    }
  }

 private:
  bool cells(std::vector<std::pair<std::size_t, std::size_t>>& out) {
    eat('[');
    while (true) {
      ws();
      if (eat(']')) return true;
      std::pair<std::size_t, std::size_t> source{0, 0};
      if (peek() == '{') {
        eat('{');
        while (true) {
          ws();
          if (eat('}')) break;
          std::string_view key;
          if (!string(&key) || (ws(), !eat(':'))) return false;
          ws();
          const std::size_t begin = at_;
          if (!value()) return false;
          if (key == "source") source = {begin, at_};
          ws();
          eat(',');
        }
      } else if (!value()) {
        return false;
      }
      out.push_back(source);
      ws();
      eat(',');
    }
  }

  bool value() {
    switch (peek()) {
      case '"': return string(nullptr);
      case '{':
      case '[': {
        const char close = peek() == '{' ? '}' : ']';
        ++at_;
        while (true) {
          ws();
          if (eat(close)) return true;
          if (!value()) return false;
          ws();
          if (eat(':')) continue;  // (an object's key was just read as a value)
          eat(',');
        }
      }
      default: {
        const std::size_t begin = at_;
        while (at_ < t_.size() && std::string_view(",]} \t\r\n").find(t_[at_]) == std::string_view::npos) ++at_;
        return at_ > begin;
      }
    }
  }

  bool string(std::string_view* raw) {
    if (!eat('"')) return false;
    const std::size_t begin = at_;
    while (at_ < t_.size() && t_[at_] != '"') at_ += t_[at_] == '\\' ? 2 : 1;
    if (at_ >= t_.size()) return false;
    if (raw) *raw = t_.substr(begin, at_ - begin);
    ++at_;
    return true;
  }

  void ws() {
    while (at_ < t_.size() && std::string_view(" \t\r\n").find(t_[at_]) != std::string_view::npos) ++at_;
  }
  char peek() const { return at_ < t_.size() ? t_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }

  std::string_view t_;
  std::size_t at_ = 0;
};

// A cell's source as nbformat writes it, in the shape the file already uses: one string, or a
// list of lines (each with its "\n") indented as the old list was.
std::string source_json(const std::string& text, std::string_view old_value) {
  auto quoted = [](const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  if (!old_value.starts_with('[')) return quoted(text);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  if (lines.empty()) return "[]";
  // The whitespace the old list had: after "[", after each ",", before "]".
  std::string_view item_ws = "\n    ", sep_ws = item_ws, close_ws = "\n   ";
  const std::size_t first = old_value.find_first_not_of(" \t\r\n", 1);
  if (first != std::string_view::npos && old_value[first] == '"') {
    item_ws = old_value.substr(1, first - 1);
    std::size_t end = first + 1;
    while (end < old_value.size() && old_value[end] != '"') end += old_value[end] == '\\' ? 2 : 1;
    const std::size_t next = old_value.find_first_not_of(" \t\r\n", end + 1);
    if (next != std::string_view::npos && old_value[next] == ',') {
      const std::size_t after = old_value.find_first_not_of(" \t\r\n", next + 1);
      sep_ws = old_value.substr(next + 1, after - next - 1);
    } else {
      sep_ws = item_ws.find('\n') != std::string_view::npos ? item_ws : " ";
    }
    const std::size_t last = old_value.find_last_not_of(" \t\r\n", old_value.size() - 2);
    close_ws = old_value.substr(last + 1, old_value.size() - 2 - last);
  }
  std::string out = "[";
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "," + std::string(sep_ws) : std::string(item_ws)) + quoted(lines[i]);
  return out + std::string(close_ws) + "]";
}

}  // namespace

std::optional<std::string> rewrite_notebook(std::string_view ipynb, const Notebook& notebook,
                                            const std::vector<Edit>& edits, std::string& error) {
  const std::string& python = notebook.python();
  const auto& lines = notebook.lines();
  std::vector<std::size_t> line_start{0};  // of each line of python(), and its end
  for (std::size_t i = 0; i < python.size(); ++i)
    if (python[i] == '\n') line_start.push_back(i + 1);

  std::map<uint32_t, std::size_t> cell_index;  // cell number -> index in code_cells()
  for (std::size_t i = 0; i < notebook.code_cells().size(); ++i) cell_index[notebook.code_cells()[i].number] = i;

  // Each edit, moved into one cell's text: its lines joined, with the "\n" python() gives the last.
  struct CellEdits {
    std::vector<std::size_t> starts;  // of the cell's lines in that text
    std::string text;
    std::vector<Edit> edits;
  };
  std::map<std::size_t, CellEdits> touched;
  auto cell_text = [&](std::size_t index) -> CellEdits& {
    auto [it, fresh] = touched.try_emplace(index);
    if (fresh)
      for (const std::string& l : notebook.code_cells()[index].lines) {
        it->second.starts.push_back(it->second.text.size());
        it->second.text += l + '\n';
      }
    return it->second;
  };
  // A python() offset as (cell, offset in that cell's text). `end_of` places an offset at the
  // start of the next cell's first line (or past the text) at the end of that cell instead.
  auto place = [&](std::size_t offset, std::optional<uint32_t> end_of, bool insertion, std::size_t* cell, uint32_t* at) {
    const std::size_t line = static_cast<std::size_t>(std::upper_bound(line_start.begin(), line_start.end(), offset) - line_start.begin()) - 1;
    const std::size_t column = offset - line_start[line];
    if (end_of && (line >= lines.size() || (lines[line].cell != *end_of && column == 0 && lines[line].line_in_cell == 1 &&
                                            lines[line - 1].cell == *end_of))) {
      *cell = cell_index.at(*end_of);
      *at = static_cast<uint32_t>(cell_text(*cell).text.size());
      return true;
    }
    // An insertion before a cell's first line goes to the end of the cell before it, which runs
    // just before: what fix puts after the imports stays with them.
    const bool cell_start = line < lines.size() && column == 0 && lines[line].line_in_cell == 1 && line > 0;
    if (!end_of && cell_start && insertion) {
      *cell = cell_index.at(lines[line - 1].cell);
      *at = static_cast<uint32_t>(cell_text(*cell).text.size());
      return true;
    }
    if (line >= lines.size()) {  // the very end: the end of the last code cell
      if (lines.empty()) return false;
      *cell = cell_index.at(lines.back().cell);
      *at = static_cast<uint32_t>(cell_text(*cell).text.size());
      return true;
    }
    *cell = cell_index.at(lines[line].cell);
    CellEdits& c = cell_text(*cell);
    const std::size_t in_cell = lines[line].line_in_cell - 1;
    const std::size_t own_length = (in_cell + 1 < c.starts.size() ? c.starts[in_cell + 1] : c.text.size()) - c.starts[in_cell];
    const std::size_t python_length = line_start[line + 1 < line_start.size() ? line + 1 : line] - line_start[line];
    // Inside a line the analysis blanked (a magic, a shell escape) nothing can be addressed.
    if (column > 0 && python_length != own_length) return false;
    *at = static_cast<uint32_t>(c.starts[in_cell] + column);
    return true;
  };
  for (const Edit& e : edits) {
    std::size_t start_cell = 0, end_cell = 0;
    uint32_t start = 0, end = 0;
    const bool insertion = e.start_byte == e.end_byte;
    if (!place(e.start_byte, std::nullopt, insertion, &start_cell, &start)) {
      error = "a fix falls inside IPython syntax (a magic or shell escape)";
      return std::nullopt;
    }
    const uint32_t cell_number = notebook.code_cells()[start_cell].number;
    if (!place(e.end_byte, insertion ? std::nullopt : std::optional(cell_number), insertion, &end_cell, &end) ||
        end_cell != start_cell) {
      error = "a fix spans two cells";
      return std::nullopt;
    }
    touched[start_cell].edits.push_back({start, end, e.replacement});
  }

  const auto ranges = SourceLocator(ipynb).run();
  if (!ranges) {
    error = "its cells could not be found again in the file";
    return std::nullopt;
  }
  std::vector<Edit> file_edits;
  for (auto& [index, c] : touched) {
    const Notebook::CodeCell& cell = notebook.code_cells()[index];
    std::string text = apply_edits(c.text, std::move(c.edits));
    if (!cell.trailing_newline && text.ends_with('\n')) text.pop_back();
    if (cell.number > ranges->size() || (*ranges)[cell.number - 1].second == 0) {
      error = "its cells could not be found again in the file";
      return std::nullopt;
    }
    const auto [begin, end] = (*ranges)[cell.number - 1];
    file_edits.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end), source_json(text, ipynb.substr(begin, end - begin))});
  }
  return apply_edits(ipynb, std::move(file_edits));
}

}  // namespace qg::fix
