#include "core/ts_util.h"

#include <cstring>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace qg::ts {

Kind resolve_kind(const TSLanguage* lang, const char* name) {
  Kind k;
  int found = 0;
  const uint32_t n = ts_language_symbol_count(lang);
  for (uint32_t i = 1; i < n; ++i) {
    if (ts_language_symbol_type(lang, static_cast<TSSymbol>(i)) != TSSymbolTypeRegular) continue;
    if (std::strcmp(ts_language_symbol_name(lang, static_cast<TSSymbol>(i)), name) != 0) continue;
    if (found == Kind::kMax) throw std::logic_error(std::string("too many symbols for node kind ") + name);
    k.ids[found++] = static_cast<TSSymbol>(i);
  }
  if (found == 0) throw std::logic_error(std::string("tree-sitter grammar has no node kind ") + name);
  return k;
}

TSFieldId resolve_field(const TSLanguage* lang, const char* name) {
  TSFieldId f = ts_language_field_id_for_name(lang, name, static_cast<uint32_t>(std::strlen(name)));
  if (f == 0) throw std::logic_error(std::string("tree-sitter grammar has no field ") + name);
  return f;
}

TSParser* thread_parser(const TSLanguage* language) {
  struct Parsers {
    std::vector<std::pair<const TSLanguage*, TSParser*>> by_language;  // one or two entries
    ~Parsers() {
      for (auto& [lang, parser] : by_language) ts_parser_delete(parser);
    }
  };
  thread_local Parsers parsers;
  for (auto& [lang, parser] : parsers.by_language)
    if (lang == language) return parser;
  TSParser* parser = ts_parser_new();
  ts_parser_set_language(parser, language);
  parsers.by_language.emplace_back(language, parser);
  return parser;
}

namespace {
struct CursorPool {
  std::deque<TSTreeCursor> cursors;  // deque: growing never moves a cursor in use
  std::size_t depth = 0;
  ~CursorPool() {
    for (auto& c : cursors) ts_tree_cursor_delete(&c);
  }
};
thread_local CursorPool pool;
}  // namespace

NamedChildren::NamedChildren(TSNode n, bool code_only) : code_only_(code_only) {
  if (ts_node_is_null(n)) return;
  if (pool.depth == pool.cursors.size()) pool.cursors.push_back(ts_tree_cursor_new(n));
  else ts_tree_cursor_reset(&pool.cursors[pool.depth], n);
  cursor_ = &pool.cursors[pool.depth++];
}

NamedChildren::~NamedChildren() {
  if (cursor_) --pool.depth;
}

TSNode code_child(TSNode n, uint32_t i) {
  for (TSNode c : CodeChildren(n))
    if (i-- == 0) return c;
  return TSNode{};
}

uint32_t code_child_count(TSNode n) {
  uint32_t count = 0;
  for ([[maybe_unused]] TSNode c : CodeChildren(n)) ++count;
  return count;
}

ParsedTree::ParsedTree(const TSLanguage* language, std::string_view code) : code_(code) {
  tree_ = ts_parser_parse_string(thread_parser(language), nullptr, code.data(), static_cast<uint32_t>(code.size()));
}

ParsedTree::~ParsedTree() {
  if (tree_) ts_tree_delete(tree_);
}

TSNode ParsedTree::node_at(uint32_t start, uint32_t end, const Kind& kind) const {
  TSNode n = ts_node_named_descendant_for_byte_range(root(), start, end);
  while (!ts_node_is_null(n) && start_byte(n) == start && end_byte(n) == end) {
    if (sym(n) == kind) return n;
    n = ts_node_parent(n);
  }
  return TSNode{};
}

std::size_t ParsedTree::error_count() const {
  if (!ts_node_has_error(root())) return 0;
  std::size_t count = 0;
  walk(root(), [&](TSNode n) {
    if (ts_node_is_error(n) || ts_node_is_missing(n)) ++count;
    return ts_node_has_error(n);  // only subtrees holding an error are worth entering
  });
  return count;
}

std::vector<std::pair<uint32_t, uint32_t>> ParsedTree::ranges_of(const Kind& kind) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  if (!ok()) return out;
  walk(root(), [&](TSNode n) {
    if (sym(n) == kind) {
      out.emplace_back(start_byte(n), end_byte(n));
      return false;
    }
    return true;
  });
  return out;
}

}  // namespace qg::ts
