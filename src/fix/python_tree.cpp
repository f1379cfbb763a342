#include "fix/python_tree.h"

namespace qg::fix {

namespace {

// TSParser is not thread-safe and costs to create: one per worker thread.
TSParser* thread_parser() {
  struct Holder {
    TSParser* p = ts_parser_new();
    Holder() { ts_parser_set_language(p, python::Syntax::get().language); }
    ~Holder() { ts_parser_delete(p); }
  };
  thread_local Holder holder;
  return holder.p;
}

}  // namespace

PythonTree::PythonTree(std::string_view code) : code_(code) {
  tree_ = ts_parser_parse_string(thread_parser(), nullptr, code.data(), static_cast<uint32_t>(code.size()));
}

PythonTree::~PythonTree() {
  if (tree_) ts_tree_delete(tree_);
}

TSNode PythonTree::node_at(uint32_t start, uint32_t end, python::Kind kind) const {
  TSNode n = ts_node_named_descendant_for_byte_range(root(), start, end);
  while (!ts_node_is_null(n) && python::start_byte(n) == start && python::end_byte(n) == end) {
    if (python::sym(n) == kind) return n;
    n = ts_node_parent(n);
  }
  return TSNode{};
}

std::size_t PythonTree::error_count() const {
  if (!ts_node_has_error(root())) return 0;
  std::size_t count = 0;
  walk(root(), [&](TSNode n) {
    if (ts_node_is_error(n) || ts_node_is_missing(n)) ++count;
    return ts_node_has_error(n);  // only subtrees holding an error are worth entering
  });
  return count;
}

}  // namespace qg::fix
