// Grammar-independent tree-sitter helpers shared by the language frontends: node kinds resolved
// once by name into symbol ids, pooled cursor iteration over named children, node text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <tree_sitter/api.h>

namespace qg::ts {

// A node kind; some kinds exist under several symbol ids (aliases: tree-sitter-cpp has four
// `qualified_identifier`s), so all are kept.
struct Kind {
  static constexpr int kMax = 6;
  TSSymbol ids[kMax] = {};
  friend bool operator==(TSSymbol s, const Kind& k) {
    for (TSSymbol id : k.ids)
      if (id == s && id != 0) return true;
    return false;
  }
};

// Throws std::logic_error when the grammar lacks the kind or field: a grammar upgrade that
// renames one must fail loudly at start-up, not silently find nothing.
Kind resolve_kind(const TSLanguage* lang, const char* name);
TSFieldId resolve_field(const TSLanguage* lang, const char* name);

inline bool is_null(TSNode n) { return ts_node_is_null(n); }
inline TSSymbol sym(TSNode n) { return ts_node_symbol(n); }
inline TSNode field(TSNode n, TSFieldId f) { return ts_node_child_by_field_id(n, f); }
inline uint32_t start_byte(TSNode n) { return ts_node_start_byte(n); }
inline uint32_t end_byte(TSNode n) { return ts_node_end_byte(n); }

inline std::string_view text(TSNode n, std::string_view code) {
  return code.substr(ts_node_start_byte(n), ts_node_end_byte(n) - ts_node_start_byte(n));
}

// The i-th named child that is code (see CodeChildren), or a null node; and how many there are.
TSNode code_child(TSNode n, uint32_t i);
inline TSNode first_code_child(TSNode n) { return code_child(n, 0); }
uint32_t code_child_count(TSNode n);

// Strips parentheses (`(x)` -> `x`, also `(  # why\n  x)`); `paren` is the grammar's parenthesized_expression.
inline TSNode unparenthesize(TSNode n, const Kind& paren) {
  while (!ts_node_is_null(n) && ts_node_symbol(n) == paren && code_child_count(n) == 1) n = first_code_child(n);
  return n;
}

// This thread's parser for `language`: TSParser is not thread-safe, and creating one per file
// costs. Kept until the thread ends.
TSParser* thread_parser(const TSLanguage* language);

// Iterates named children: for (TSNode c : NamedChildren(n)). Walks siblings with a tree
// cursor: ts_node_named_child(n, i) restarts from the first child, which is quadratic on wide
// nodes (a module with a thousand statements). Cursors come from a per-thread pool, so nested
// loops never allocate after warm-up. Comments are named children too (a walk reads
// suppressions from them); CodeChildren skips them.
class NamedChildren {
 public:
  explicit NamedChildren(TSNode n) : NamedChildren(n, false) {}
  ~NamedChildren();
  NamedChildren(const NamedChildren&) = delete;
  NamedChildren& operator=(const NamedChildren&) = delete;

  struct It {
    TSTreeCursor* cursor;  // null at the end
    bool code_only;
    TSNode operator*() const { return ts_tree_cursor_current_node(cursor); }
    It& operator++() {
      do {
        if (!ts_tree_cursor_goto_next_sibling(cursor)) { cursor = nullptr; break; }
      } while (!wanted(ts_tree_cursor_current_node(cursor)));
      return *this;
    }
    bool wanted(TSNode n) const { return ts_node_is_named(n) && !(code_only && ts_node_is_extra(n)); }
    bool operator!=(const It& o) const { return cursor != o.cursor; }
  };
  It begin() const {
    if (!cursor_ || !ts_tree_cursor_goto_first_child(cursor_)) return {nullptr, code_only_};
    It it{cursor_, code_only_};
    if (!it.wanted(ts_tree_cursor_current_node(cursor_))) ++it;
    return it;
  }
  It end() const { return {nullptr, code_only_}; }

 protected:
  NamedChildren(TSNode n, bool code_only);

 private:
  TSTreeCursor* cursor_ = nullptr;
  bool code_only_ = false;
};

// The named children that are code, comments (tree-sitter's extras) skipped: the arguments of
// an argument list, the parameters of a def, the elements of a list or dict. A `# comment` line
// between two arguments is a named child of the list, and counted as an argument it would shift
// every position after it (`f(\n  # why\n  model=M)` read as a positional argument).
class CodeChildren : public NamedChildren {
 public:
  explicit CodeChildren(TSNode n) : NamedChildren(n, true) {}
};

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

// A tree parsed from `code` (which must outlive it), freed with it.
class ParsedTree {
 public:
  ParsedTree(const TSLanguage* language, std::string_view code);
  ~ParsedTree();
  ParsedTree(const ParsedTree&) = delete;
  ParsedTree& operator=(const ParsedTree&) = delete;

  bool ok() const { return tree_ != nullptr; }
  TSNode root() const { return ts_tree_root_node(tree_); }
  std::string_view code() const { return code_; }
  std::string_view text(TSNode n) const { return ts::text(n, code_); }

  // The smallest node of kind `kind` spanning exactly [start, end), or a null node.
  TSNode node_at(uint32_t start, uint32_t end, const Kind& kind) const;
  // ERROR and MISSING nodes (a fix may not add any).
  std::size_t error_count() const;
  // Byte ranges [start, end) of every node of kind `kind` (comments, say), in order.
  std::vector<std::pair<uint32_t, uint32_t>> ranges_of(const Kind& kind) const;

 private:
  std::string_view code_;
  TSTree* tree_ = nullptr;
};

}  // namespace qg::ts
