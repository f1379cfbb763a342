// What the evaluator's files (evaluator.cpp: expressions, evaluator_names.cpp: names and imports,
// evaluator_calls.cpp: calls, parameters.cpp and class_family.cpp: values across functions and
// classes) share and nothing else uses.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "python/evaluator.h"
#include "python/syntax.h"

namespace qg::python::evaluator_detail {

// Nested evaluations (a name's bindings, a call's returns, a parameter's callers, ...). A result
// past it is lost (unresolved), so the bound must exceed what the whole program's search reaches:
// 96 lost agno's inherited `get_client()` on its full tree only (bench/provenance/heldout.md).
constexpr int kMaxDepth = 192;

// RAII guard for the recursion depth and for cycles through one binding or function. A refusal
// at the depth bound counts in `cuts`: what is being computed above it is incomplete, and is
// memoised as such (evaluator.h Memoised).
class Guard {
 public:
  Guard(int& depth, int& cuts, std::unordered_set<const void*>& active, const void* key)
      : depth_(depth), active_(active), key_(key) {
    if (depth_ >= kMaxDepth) {
      ++cuts;
      ok_ = false;
      return;
    }
    ok_ = !key_ || active_.insert(key_).second;
    if (ok_) ++depth_;
  }
  ~Guard() {
    if (!ok_) return;
    --depth_;
    if (key_) active_.erase(key_);
  }
  bool ok() const { return ok_; }

 private:
  int& depth_;
  std::unordered_set<const void*>& active_;
  const void* key_;
  bool ok_;
};

// Container methods whose result is an element (`get`, `pop`, `setdefault`) or the elements
// again (`values()`, `items()`: iterated, or unpacked `for name, client in d.items()`).
inline bool is_element_method(std::string_view name) {
  return name == "get" || name == "pop" || name == "setdefault" || name == "values" || name == "items" || name == "copy";
}

// The bindings that can reach a read at `use_pos`: the last unconditional one before it and
// every conditional one after that, less those a later assignment on every path to the read
// replaces and those on another branch of an `if` / `match` than the read. A read before every
// binding (a loop, a hoisted use) sees all (reaching.cpp).
std::vector<const Binding*> reaching(const std::vector<Binding>& all, uint32_t use_pos);

// Whether a call passes a `*args` or `**kwargs` (then what it passes by name cannot be told).
inline bool passes_splat(TSNode call) {
  const auto& S = Syntax::get();
  TSNode args = field(call, S.f_arguments);
  if (is_null(args)) return false;
  for (TSNode a : CodeChildren(args))
    if (sym(a) == S.list_splat || sym(a) == S.dictionary_splat) return true;
  return false;
}

inline Value make(Value::Kind kind, std::string path = {}) {
  Value v;
  v.kind = kind;
  v.path = std::move(path);
  return v;
}

inline std::string join(std::string_view a, std::string_view b) { return join_dotted(a, b); }

inline const ModuleInfo& owner(const Scope* s) { return *s->owner; }

// The method a scope is in (itself, or a function nested in it): its class's `self`.
inline const Scope* enclosing_method(const Scope* s) {
  while (s && !(s->kind == Scope::Kind::Function && s->method_of)) s = s->parent;
  return s;
}

}  // namespace qg::python::evaluator_detail
