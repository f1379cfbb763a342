// Receiver frames: an expression in a method evaluated on an instance of exactly one class. The
// evaluator reads a method's `self` as an instance of its class *or of any project subclass*
// (Value::subclasses), so `self.m()` in a base runs every override of `m` in the family, and
// what a base stores from it (`self._lc_class = self._get_lc_class()`) holds every subclass's
// result at once. In a frame, the `self` of each method the receiver class has (its own and its
// project bases') is an instance of exactly that class: `self.m()` runs its own `m`. What a
// computation read `self` for is memoised as such (Memoised::self_read): a frame computes it
// again, and keeps nothing it computed so.
#include <algorithm>

#include "python/evaluator.h"
#include "python/evaluator_detail.h"

namespace qg::python {

using namespace evaluator_detail;

std::optional<Value> Evaluator::receiver_self(const Scope* method) {
  const ClassInfo* cls = method->method_of;
  if (!receiver_ || !cls) return std::nullopt;
  if (cls != receiver_) {
    const auto& family = class_family(cls);
    if (std::find(family.begin(), family.end(), receiver_) == family.end()) return std::nullopt;
  }
  Value self = make(method->is_classmethod ? Value::Kind::Class : Value::Kind::Instance);
  self.cls = receiver_;
  return self;
}

std::optional<Values> Evaluator::eval_on_receiver(TSNode expr, const Scope* scope, const ClassInfo* receiver) {
  const ClassInfo* outer = receiver_;
  const int cuts = cuts_;
  receiver_ = receiver;
  Values out = eval(expr, scope);
  receiver_ = outer;
  if (cuts_ != cuts) return std::nullopt;
  return out;
}

std::vector<const ClassInfo*> Evaluator::method_receivers(const Scope* scope) {
  const Scope* method = enclosing_method(scope);
  if (!method || !method->method_of) return {};
  return class_family(method->method_of);
}

}  // namespace qg::python
