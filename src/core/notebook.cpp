#include "core/notebook.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/message.h"

namespace qg {

namespace {

using nlohmann::json;

uint32_t code_points(std::string_view s) {
  return static_cast<uint32_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A cell's source as nbformat stores it: a list of lines (each with its "\n") or one string.
std::vector<std::string> source_lines(const json& source) {
  std::vector<std::string> out;
  auto split = [&](const std::string& text) {
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t nl = text.find('\n', start);
      out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  };
  if (source.is_string()) split(source.get<std::string>());
  else if (source.is_array())
    for (const json& piece : source)
      if (piece.is_string()) split(piece.get<std::string>());
  return out;
}

// IPython syntax that is not Python: `%magic`, `!shell`, `help?`.
bool is_ipython_only(std::string_view line) {
  const std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  const char c = line[first];
  if (c == '%' || c == '!') return true;
  const std::size_t last = line.find_last_not_of(" \t\r");
  return line[last] == '?' && line.find('#') == std::string_view::npos;
}

bool runs_python_body(std::string_view magic_line) {
  const std::string_view name = magic_line.substr(2, magic_line.find_first_of(" \t", 2) - 2);
  for (std::string_view python : {"time", "timeit", "capture", "prun", "debug"})
    if (name == python) return true;
  return false;
}

}  // namespace

std::optional<Notebook> Notebook::parse(std::string_view text, std::string& error) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("cells") || !doc["cells"].is_array()) {
    error = "not a Jupyter notebook (no `cells` list in valid JSON)";
    return std::nullopt;
  }
  Notebook nb;
  std::size_t cursor = 0;  // where the search for the next source line's JSON text starts
  uint32_t cell_number = 0;
  for (const json& cell : doc["cells"]) {
    ++cell_number;
    if (!cell.is_object() || cell.value("cell_type", "") != "code" || !cell.contains("source")) continue;
    const json& source = cell["source"];
    const std::vector<std::string> lines = source_lines(source);
    const std::string last = source.is_string() ? source.get<std::string>()
                             : source.is_array() && !source.empty() && source.back().is_string() ? source.back().get<std::string>()
                                                                                                 : std::string();
    nb.code_cells_.push_back({cell_number, lines, last.ends_with('\n')});
    // A cell magic makes the cell another language (%%bash, %%sql), except those that run their
    // body as Python (%%time, %%capture): then only the magic's own line is not Python.
    const bool cell_magic = !lines.empty() && lines.front().starts_with("%%") && !runs_python_body(lines.front());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      Line where{cell_number, static_cast<uint32_t>(i + 1), 1, 0};
      // The line as nbformat writes it (one JSON string per line): its place in the file.
      const std::string quoted = json(lines[i] + (i + 1 < lines.size() ? "\n" : "")).dump();
      std::size_t at = text.find(quoted, cursor);
      if (at == std::string_view::npos) at = text.find(json(lines[i]).dump().substr(0, quoted.size() - 1), cursor);
      if (at != std::string_view::npos) {
        cursor = at + 1;
        where.file_line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
        const std::size_t line_start = text.rfind('\n', at) == std::string_view::npos ? 0 : text.rfind('\n', at) + 1;
        where.file_column = code_points(text.substr(line_start, at + 1 - line_start));
      }
      nb.python_ += (cell_magic || is_ipython_only(lines[i])) ? std::string() : lines[i];
      nb.python_ += '\n';
      nb.lines_.push_back(where);
    }
  }
  return nb;
}

void Notebook::place(Finding& f) const {
  if (f.range.line == 0 || f.range.line > lines_.size()) return;
  const Line& start = lines_[f.range.line - 1];
  const Line& end = lines_[std::min<std::size_t>(std::max(f.range.end_line, f.range.line), lines_.size()) - 1];
  f.cell = CellLocation{start.cell, start.line_in_cell, f.range.column};
  f.range.line = start.file_line;
  f.range.column += start.file_column;
  f.range.end_line = end.file_line;
  f.range.end_column += end.file_column;
  // QG004's origin, when the client was made in the notebook too: named by its cell.
  if (f.origin && f.origin->path == f.path && f.origin->line >= 1 && f.origin->line <= lines_.size()) {
    const Line& origin = lines_[f.origin->line - 1];
    f.origin->cell = CellLocation{origin.cell, origin.line_in_cell, 1};
    f.origin->line = origin.file_line;
    for (auto& [name, value] : f.message_args)
      if (std::string_view(name) == "origin") value = f.path + f.origin->position();
    f.message = render(Message{f.message_id, f.message_args});
  }
}

}  // namespace qg
