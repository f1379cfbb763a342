// Which of a name's bindings reach a read of it (evaluator_detail.h: reaching). No control-flow
// graph: the syntax tree's blocks are enough for the two shapes that name a wrong client when
// every earlier binding is kept,
//
//     if provider == "openai":               client = OpenAI()
//         client = OpenAI() ...              if azure:
//     else:                                      client = AzureOpenAI()   # replaces it on
//         client = Groq()                        client.models.list()     # every path here
//         client.chat.completions.create()
//
// a binding on another branch of an `if` / `match` than the read, and one that a later plain
// assignment, on every path to the read, replaces.
#include <algorithm>

#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

namespace {

bool inside(TSNode n, uint32_t pos) { return start_byte(n) <= pos && pos < end_byte(n); }

bool ends_scope(TSSymbol k) {
  const auto& S = Syntax::get();
  return k == S.function_definition || k == S.class_definition || k == S.lambda || k == S.module;
}

// Whether a loop inside the same scope encloses `n`: a binding on one branch may then reach a
// read on another in the next iteration.
bool in_loop(TSNode n) {
  const auto& S = Syntax::get();
  for (TSNode p = ts_node_parent(n); !is_null(p) && !ends_scope(sym(p)); p = ts_node_parent(p))
    if (sym(p) == S.for_statement || sym(p) == S.while_statement) return true;
  return false;
}

// Whether the binding made at `node` sits on a branch of an `if` / `match` that also holds the
// read at `use_pos` on another of its branches (or an `elif` condition after it).
bool on_other_branch(TSNode node, uint32_t use_pos) {
  const auto& S = Syntax::get();
  TSNode below{}, c = node;
  for (TSNode p = ts_node_parent(c); !is_null(p) && !ends_scope(sym(p)); below = c, c = p, p = ts_node_parent(p)) {
    bool branch = false;
    if (sym(p) == S.if_statement) {
      // The `if` body, or an `elif` / `else` whose body (not its condition) holds the binding.
      branch = ts_node_eq(field(p, S.f_consequence), c) ||
               (sym(c) == S.elif_clause && ts_node_eq(field(c, S.f_consequence), below)) || sym(c) == S.else_clause;
    } else if (sym(p) == S.block && sym(c) == S.case_clause) {
      branch = !is_null(ts_node_parent(p)) && sym(ts_node_parent(p)) == S.match_statement;
    }
    if (branch && inside(p, use_pos)) return !inside(c, use_pos) && !in_loop(p);
  }
  return false;
}

// The block in which the binding made at `node` is a statement of its own, run whenever the
// block runs up to it: `name = value` or `with value as name`, not a loop header, a walrus or an
// `import` inside a branch. Null otherwise.
TSNode unconditional_block(const Binding& b) {
  const auto& S = Syntax::get();
  if ((b.kind != Binding::Kind::Expr && b.kind != Binding::Kind::Element && b.kind != Binding::Kind::Context) ||
      is_null(b.node))
    return {};
  TSNode c = b.node, p = ts_node_parent(c);
  if (b.kind == Binding::Kind::Context) {
    while (!is_null(p) && (sym(p) == S.as_pattern || sym(p) == S.with_item || sym(p) == S.with_clause)) c = p, p = ts_node_parent(p);
    if (is_null(p) || sym(p) != S.with_statement) return {};
  } else {
    if (is_null(p) || sym(p) != S.assignment || !ts_node_eq(field(p, S.f_right), c)) return {};
    while (!is_null(p) && sym(p) == S.assignment) c = p, p = ts_node_parent(p);  // a = b = value
    if (is_null(p) || sym(p) != S.expression_statement) return {};
  }
  TSNode block = ts_node_parent(p);
  if (is_null(block) || (sym(block) != S.block && sym(block) != S.module)) return {};
  return block;
}

}  // namespace

std::vector<const Binding*> evaluator_detail::reaching(const std::vector<Binding>& all, uint32_t use_pos) {
  std::vector<const Binding*> before;
  for (const auto& b : all)
    if (b.position <= use_pos) before.push_back(&b);
  if (before.empty()) {
    for (const auto& b : all) before.push_back(&b);
    return before;
  }
  std::stable_sort(before.begin(), before.end(), [](auto* a, auto* b) { return a->position < b->position; });
  std::size_t first = 0;
  for (std::size_t i = 0; i < before.size(); ++i)
    if (!before[i]->conditional) first = i;
  before.erase(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(first));
  if (before.size() < 2 || use_pos == UINT32_MAX) return before;

  // The last binding that is a statement of a block holding the read replaces all before it.
  for (std::size_t i = before.size(); i-- > 1;) {
    if (TSNode block = unconditional_block(*before[i]); !is_null(block) && inside(block, use_pos)) {
      before.erase(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  // A binding on another branch than the read does not reach it. (If none is left, the read is
  // one this reading cannot place: keep them all.)
  std::vector<const Binding*> kept;
  for (const Binding* b : before)
    if (!b->conditional || is_null(b->node) || !on_other_branch(b->node, use_pos)) kept.push_back(b);
  return kept.empty() ? before : kept;
}

}  // namespace qg::python
