// Statuses from the host's live shared state (src/tracker/shared_state.h, beside the history):
// what every tracked process sees now, not what the last one to flush wrote a flush ago.
// Everything else, and the statuses of a history written per process, from the history.
#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "shared_state.h"
#include "state_source.h"

namespace qg::serve {

class LiveSource final : public ForwardingSource {
 public:
  // state_path: Config::shared_state_path() (empty: per-process trackers, none to read).
  LiveSource(std::string state_path, StateSource& history) : ForwardingSource(history), path_(std::move(state_path)) {}

  std::vector<WorkspaceStatus> statuses() override;
  SourceHealth health() override;

 private:
  tracker::SharedState* shared_locked();  // nullptr while there is none (opened when it appears)
  const std::string path_;
  std::mutex mu_;
  std::unique_ptr<tracker::SharedState> shared_;
  std::string error_;
};

}  // namespace qg::serve
