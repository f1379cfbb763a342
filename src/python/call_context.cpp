// Call-site-sensitive returns: a function that calls one of its parameters (`def _build_client(
// self, cls): return cls(api_key=k)`) returns, at a call passing a known argument for it, what its
// return expressions evaluate to with that argument, not with the union of every caller's (which
// gave a test's `_build_client(_RecordingClient)` the `AzureOpenAI` that `load()` passes).
// A function that only hands the parameter on (`def via(k): return build(k)`) is evaluated so
// too, its frame carrying the argument down to `build`'s (at most kMaxFrames nested).
// The function's body, its findings and calls whose argument is unresolved keep the union.
#include <algorithm>
#include <optional>

#include "python/evaluator.h"
#include "python/evaluator_detail.h"
#include "python/syntax.h"

namespace qg::python {

using namespace evaluator_detail;

namespace {
const Binding* parameter_binding(const Scope* fn, int index) {
  for (const auto& [name, bindings] : fn->bindings)
    for (const Binding& b : bindings)
      if (b.kind == Binding::Kind::Param && b.index == index && !b.variadic && !b.self_param) return &b;
  return nullptr;
}

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

// Pass-through: `def via(k): return build(k)` hands `build` what `via`'s call passes, so a frame
// for `via` must carry it down (else `via(Stub)` returns whatever any caller of `via` passes).
// Only a parameter handed, as a plain name, to a returned call whose callee takes it into a frame
// in turn; the callee is evaluated outside any frame (what it is does not depend on one).
const std::vector<Evaluator::ContextParameter>& Evaluator::context_parameters(const Scope* fn) {
  if (const auto it = context_params_memo_.find(fn); it != context_params_memo_.end()) return it->second;
  auto& found = context_params_memo_[fn];
  for (const auto& [index, name] : called_parameters(fn)) found.push_back({index, name, 1});
  for (const auto& [index, name] : tested_parameters(fn)) {
    auto it = std::find_if(found.begin(), found.end(), [&](const ContextParameter& p) { return p.index == index; });
    if (it != found.end()) it->by_constant = true;
    else found.push_back({index, name, 1, false, true});
  }
  auto frames_of = [](const std::vector<ContextParameter>& list, int index) {
    for (const auto& p : list)
      if (p.index == index) return p.frames;
    return 0;
  };
  // `name` as one of fn's own parameters (not self, not *args): its index, else -1.
  auto parameter = [](const Scope* f, std::string_view name) {
    const auto it = f->bindings.find(std::string(name));
    if (it == f->bindings.end()) return -1;
    for (const Binding& b : it->second)
      if (b.kind == Binding::Kind::Param && !b.self_param && !b.variadic && b.index >= 0) return b.index;
    return -1;
  };
  const auto& S = Syntax::get();
  const std::string_view code = owner(fn).code();
  const int cuts = cuts_;
  // Returned calls, and calls whose result a name a return reads keeps (`cls = infer_class(name);
  // return cls()`).
  std::vector<TSNode> handing(fn->returns.begin(), fn->returns.end());
  std::vector<std::string_view> returned;  // the names the return expressions read
  for (std::vector<TSNode> stack(fn->returns.begin(), fn->returns.end()); !stack.empty();) {
    TSNode n = stack.back();
    stack.pop_back();
    if (sym(n) == S.identifier) returned.push_back(text(n, code));
    for (TSNode c : NamedChildren(n)) stack.push_back(c);
  }
  for (const auto& [bound, bindings] : fn->bindings)
    if (std::find(returned.begin(), returned.end(), bound) != returned.end())
      for (const Binding& b : bindings)
        if (b.kind == Binding::Kind::Expr && b.scope == fn && !is_null(b.node) && sym(unparenthesize(b.node)) == S.call) handing.push_back(b.node);
  for (TSNode r : handing) {
    TSNode call = unparenthesize(r);
    if (sym(call) != S.call) continue;
    TSNode args = field(call, S.f_arguments);
    if (is_null(args) || sym(args) != S.argument_list) continue;
    std::optional<Values> callees;
    int position = 0;  // -1 past a `*splat`: positions unknown
    for (TSNode a : CodeChildren(args)) {
      std::string_view keyword;
      TSNode value = a;
      if (sym(a) == S.keyword_argument) {
        keyword = text(field(a, S.f_name), code);
        value = field(a, S.f_value);
      } else if (sym(a) == S.list_splat || sym(a) == S.dictionary_splat) {
        position = -1;
        continue;
      }
      const int at = keyword.empty() && position >= 0 ? position++ : -1;
      if ((keyword.empty() && at < 0) || is_null(value) || sym(value) != S.identifier) continue;
      const std::string_view name = text(value, code);
      const int mine = parameter(fn, name);
      if (mine < 0 || frames_of(found, mine) || defining_scope(fn, name) != fn) continue;
      if (!callees) {
        std::vector<ContextFrame> frames;
        frames.swap(contexts_);
        callees = eval(field(call, S.f_function), fn);
        frames.swap(contexts_);
      }
      int fewest = 0;
      bool by_value = false, by_constant = false;
      for (const Value& v : *callees) {
        const Scope* g = v.function;
        if (v.kind != Value::Kind::Function || !g || g == fn || g->kind != Scope::Kind::Function) continue;
        const int theirs = keyword.empty() ? at + (v.bound ? 1 : 0) : parameter(g, keyword);
        if (theirs < 0) continue;
        const auto& params = context_parameters(g);
        const auto p = std::find_if(params.begin(), params.end(), [&](const ContextParameter& c) { return c.index == theirs; });
        const int frames = p == params.end() ? 0 : p->frames;
        if (frames > 0 && frames < static_cast<int>(kMaxFrames) && (!fewest || frames + 1 < fewest)) fewest = frames + 1;
        if (frames > 0 && frames < static_cast<int>(kMaxFrames)) {
          by_value |= p->by_value;
          by_constant |= p->by_constant;
        }
      }
      if (fewest) found.push_back({mine, std::string(name), fewest, by_value, by_constant});
    }
  }
  if (cuts_ != cuts) {  // the depth bound cut a callee short: asked again with more room
    const auto& kept = context_params_cut_.emplace_back(std::move(found));
    context_params_memo_.erase(fn);
    return kept;
  }
  return found;
}

bool Evaluator::called_parameter(const Scope* fn, int index) {
  const auto& params = context_parameters(fn);
  return std::any_of(params.begin(), params.end(), [&](const ContextParameter& p) { return p.index == index; });
}

std::optional<Values> Evaluator::returns_at(const Value& callee, TSNode call, const Scope* scope) {
  // Not before the program's calls are indexed (the scan's rounds choosing which modules to
  // parse): parameters take nothing there, and neither do the calls' arguments.
  const Scope* fn = callee.function;
  if (!project_.call_sites() || !fn || fn->kind != Scope::Kind::Function || fn->returns.empty() || contexts_.size() >= kMaxFrames) return std::nullopt;
  const auto& called = context_parameters(fn);
  // (what a frame could not carry to the call of it within the nesting's frames would keep the union)
  const int room = static_cast<int>(kMaxFrames - contexts_.size());
  if (std::none_of(called.begin(), called.end(), [&](const ContextParameter& p) { return p.frames <= room; })) return std::nullopt;
  if (std::any_of(contexts_.begin(), contexts_.end(), [&](const ContextFrame& f) { return f.fn == fn; })) return std::nullopt;
  const auto key = std::make_pair(reinterpret_cast<uintptr_t>(call.id), fn);
  // (a call inside a frame's function may pass what the frame gives: evaluated again there)
  if (const auto* hit = memo_hit(returns_at_memo_, key, !contexts_.empty() && in_context(scope))) return *hit;
  const MemoStamp st = stamp();
  ContextFrame frame;
  frame.fn = fn;
  const int shift = callee.bound ? 1 : 0;
  bool carries = false;  // strings handed on to a callee's frame
  for (const auto& [index, name, frames, by_value, by_constant] : called) {
    if (index - shift < 0 || frames > room) continue;
    TSNode arg = argument_node(call, scope, index - shift, name);
    if (by_constant) {
      // The strings the argument may be; none passed: the default's (`def f(name="groq")`).
      std::optional<Strings> strings;
      if (!is_null(arg)) strings = string_constants(arg, scope);
      else if (!passes_splat(call))
        if (const Binding* p = parameter_binding(fn, index); p && !is_null(p->node)) strings = string_constants(p->node, p->scope);
      if (strings) {
        frame.constants.emplace_back(index, std::move(*strings));
        carries |= frames > 1;
      }
    }
    if (!by_value || is_null(arg)) continue;
    Values passed;
    for (const Value& v : eval(arg, scope)) add_all(passed, through_parameters(v));  // a caller's parameter: its callers'
    if (!unresolved(passed)) frame.arguments.emplace_back(index, std::move(passed));
  }
  if (frame.arguments.empty() && frame.constants.empty()) return std::nullopt;
  Guard guard(depth_, cuts_, in_progress_, nullptr);
  if (!guard.ok()) return std::nullopt;
  frame.reads_before = context_reads_;
  contexts_.push_back(std::move(frame));
  // Strings that rule out no branch of fn's (and go no further) change nothing: the union,
  // memoised, serves (a frame costs an evaluation of every return).
  if (contexts_.back().arguments.empty() && !carries && !prunes(fn)) {
    context_reads_ = contexts_.back().reads_before + (contexts_.back().outer_read ? 1 : 0);
    contexts_.pop_back();
    return std::nullopt;
  }
  Values out;
  const bool prune = !contexts_.back().constants.empty();
  for (TSNode r : fn->returns)
    if (!prune || !dead_branch(r, fn)) add_all(out, eval(r, fn));
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
