// A parsed Python file for the fix engine: owns the tree, knows the text it was parsed from.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "python/syntax.h"

namespace qg::fix {

// Python identifiers: ASCII letters, digits, `_`, and any non-ASCII byte (UTF-8 letters).
inline bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Depth-first, pre-order, with a cursor (no quadratic child indexing); `visit(node)` returns
// whether to enter the node's children.
template <class Visit>
void walk(TSNode root, Visit&& visit) {
  TSTreeCursor cursor = ts_tree_cursor_new(root);
  for (bool more = true; more;) {
    if (visit(ts_tree_cursor_current_node(&cursor)) && ts_tree_cursor_goto_first_child(&cursor)) continue;
    while (!(more = ts_tree_cursor_goto_next_sibling(&cursor)))
      if (!ts_tree_cursor_goto_parent(&cursor)) break;
  }
  ts_tree_cursor_delete(&cursor);
}

class PythonTree {
 public:
  // `code` is the text after any BOM; it must outlive the tree.
  explicit PythonTree(std::string_view code);
  ~PythonTree();
  PythonTree(const PythonTree&) = delete;
  PythonTree& operator=(const PythonTree&) = delete;

  bool ok() const { return tree_ != nullptr; }
  TSNode root() const { return ts_tree_root_node(tree_); }
  std::string_view code() const { return code_; }
  std::string_view text(TSNode n) const { return python::text(n, code_); }

  // The smallest node of kind `kind` spanning exactly [start, end), or a null node.
  TSNode node_at(uint32_t start, uint32_t end, python::Kind kind) const;
  // ERROR and MISSING nodes: a fix may not add any.
  std::size_t error_count() const;

 private:
  std::string_view code_;
  TSTree* tree_ = nullptr;
};

}  // namespace qg::fix
