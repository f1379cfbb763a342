// Call-site-sensitive returns: a function that calls one of its parameters (`def _build_client(
// self, cls): return cls(api_key=k)`) returns, at a call passing a known argument for it, what its
// return expressions evaluate to with that argument, not with the union of every caller's (which
// gave a test's `_build_client(_RecordingClient)` the `AzureOpenAI` that `load()` passes).
// The function's body, its findings and calls whose argument is unresolved keep the union.
#include <algorithm>

#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

namespace {
constexpr std::size_t kMaxFrames = 3;  // nested call contexts (a caller's, evaluated in another's)

// An argument that may be anything (a caller's parameter whose callers are not found, an
// unknown attribute): a call passing it keeps the union.
bool unresolved(const Values& values) {
  return values.empty() || std::any_of(values.begin(), values.end(), [](const Value& v) { return v.kind == Value::Kind::Unknown; });
}
}  // namespace

const std::vector<std::pair<int, std::string>>& Evaluator::called_parameters(const Scope* fn) {
  static const std::vector<std::pair<int, std::string>> none;
  const ModuleInfo& m = owner(fn);
  if (called_indexed_.insert(&m).second) {  // every function of the module at once: one pass
    const auto& S = Syntax::get();
    const std::string_view code = m.code();
    for (const auto& [call, scope] : m.calls) {
      TSNode callee = unparenthesize(field(call, S.f_function));
      if (is_null(callee) || sym(callee) != S.identifier) continue;
      const std::string name(text(callee, code));
      const Scope* home = defining_scope(scope, name);
      if (!home || home->kind != Scope::Kind::Function) continue;
      auto& called = called_memo_[home];
      for (const Binding& b : home->bindings.at(name))
        if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic && b.index >= 0 &&
            std::none_of(called.begin(), called.end(), [&](const auto& c) { return c.first == b.index; }))
          called.emplace_back(b.index, name);
    }
  }
  const auto it = called_memo_.find(fn);
  return it == called_memo_.end() ? none : it->second;
}

bool Evaluator::called_parameter(const Scope* fn, int index) {
  const auto& called = called_parameters(fn);
  return std::any_of(called.begin(), called.end(), [&](const auto& c) { return c.first == index; });
}

std::optional<Values> Evaluator::returns_at(const Value& callee, TSNode call, const Scope* scope) {
  // Not before the program's calls are indexed (the scan's rounds choosing which modules to
  // parse): parameters take nothing there, and neither do the calls' arguments.
  const Scope* fn = callee.function;
  if (!project_.call_sites() || !fn || fn->kind != Scope::Kind::Function || fn->returns.empty() || contexts_.size() >= kMaxFrames) return std::nullopt;
  const auto& called = called_parameters(fn);
  if (called.empty()) return std::nullopt;
  if (std::any_of(contexts_.begin(), contexts_.end(), [&](const ContextFrame& f) { return f.fn == fn; })) return std::nullopt;
  const auto key = std::make_pair(reinterpret_cast<uintptr_t>(call.id), fn);
  // (a call inside a frame's function may pass what the frame gives: evaluated again there)
  if (const auto* hit = memo_hit(returns_at_memo_, key, !contexts_.empty() && in_context(scope))) return *hit;
  const MemoStamp st = stamp();
  ContextFrame frame;
  frame.fn = fn;
  const int shift = callee.bound ? 1 : 0;
  for (const auto& [index, name] : called) {
    if (index - shift < 0) continue;
    TSNode arg = argument_node(call, scope, index - shift, name);
    if (is_null(arg)) continue;
    Values passed;
    for (const Value& v : eval(arg, scope)) add_all(passed, through_parameters(v));  // a caller's parameter: its callers'
    if (!unresolved(passed)) frame.arguments.emplace_back(index, std::move(passed));
  }
  if (frame.arguments.empty()) return std::nullopt;
  Guard guard(depth_, cuts_, in_progress_, nullptr);
  if (!guard.ok()) return std::nullopt;
  frame.reads_before = context_reads_;
  contexts_.push_back(std::move(frame));
  Values out;
  for (TSNode r : fn->returns) add_all(out, eval(r, fn));
  if (out.empty()) out.push_back(opaque());  // returns None
  // What read only this frame's arguments is this call's; a read of an outer frame's stays.
  context_reads_ = contexts_.back().reads_before + (contexts_.back().outer_read ? 1 : 0);
  contexts_.pop_back();
  remember(returns_at_memo_, key, out, st);
  return out;
}

const Values* Evaluator::context_argument(const Scope* fn, int index) {
  for (std::size_t i = contexts_.size(); i-- > 0;) {
    if (contexts_[i].fn != fn) continue;
    for (const auto& [at, passed] : contexts_[i].arguments)
      if (at == index) {
        ++context_reads_;
        for (std::size_t j = i + 1; j < contexts_.size(); ++j) contexts_[j].outer_read = true;
        return &passed;
      }
    return nullptr;
  }
  return nullptr;
}

bool Evaluator::in_context(const Scope* s) const {
  for (; s; s = s->parent)
    for (const ContextFrame& f : contexts_)
      if (f.fn == s) return true;
  return false;
}

}  // namespace qg::python
