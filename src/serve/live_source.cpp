#include "live_source.h"

#include <chrono>

namespace qg::serve {

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

tracker::SharedState* LiveSource::shared_locked() {
  if (shared_ || path_.empty()) return shared_.get();
  try {
    shared_ = tracker::SharedState::open_read(path_);
    error_.clear();
  } catch (const std::exception& e) {
    error_ = e.what();  // not a segment: the history's statuses, and health says why
  }
  return shared_.get();
}

std::vector<WorkspaceStatus> LiveSource::statuses() {
  std::lock_guard lock(mu_);
  tracker::SharedState* shared = shared_locked();
  if (!shared) return inner_.statuses();
  const int64_t now = now_ms();
  std::vector<WorkspaceStatus> out;
  for (const tracker::SharedEntity& e : shared->snapshot(now).entities) {
    // An account has no announced status of its own: what the API said of it is its status.
    const bool account = e.name.rfind("account:", 0) == 0;
    tracker::Status st = account ? e.api.status : e.status;
    if (account && st == tracker::Status::rate_limited && now >= e.api.rate_limited_until_ms) st = tracker::Status::normal;
    WorkspaceStatus w{e.name, tracker::status_name(st), account ? e.api.since_ms : e.since_ms, now, {}, {}};
    if (st != tracker::Status::normal) {
      const bool api_said = e.api.status != tracker::Status::normal;
      const bool budget_said = e.budget == tracker::Status::exhausted && !e.budget_name.empty();
      w.error_code = api_said ? e.api.code : budget_said ? e.budget_name : e.reason;
      w.reason = api_said && !e.api.message.empty() ? e.api.message : "status " + w.status + " (" + e.reason + ")";
    }
    out.push_back(std::move(w));
  }
  // A status derived from another ("evaluation": every workspace exhausted by the account's
  // insufficient_quota) shows the cause of the one it came from: "*" first, then an account.
  auto derived = [](const WorkspaceStatus& w) { return w.error_code.empty() || w.error_code == "evaluation"; };
  for (WorkspaceStatus& w : out) {
    if (w.status == "normal" || !derived(w)) continue;
    for (const WorkspaceStatus& cause : out)
      if (cause.status == w.status && !derived(cause) && (cause.workspace == "*" || cause.workspace.rfind("account:", 0) == 0)) {
        w.error_code = cause.error_code;
        w.reason = cause.reason;
        if (cause.workspace == "*") break;
      }
  }
  return out;
}

SourceHealth LiveSource::health() {
  SourceHealth h = inner_.health();
  std::lock_guard lock(mu_);
  if (shared_locked()) h.live_state = path_;
  else if (!error_.empty()) h.detail = (h.detail.empty() ? "" : h.detail + "; ") + error_;
  return h;
}

}  // namespace qg::serve
