// Running a program with an argument vector (posix_spawnp, no shell), feeding it stdin and
// collecting stdout and stderr without deadlocking on full pipes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace qg::git {

struct ProcessResult {
  int exit_code = -1;  // 128 + N when killed by signal N
  std::string out, err;
};

// The program could not be started at all (not found, not executable, out of resources).
class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// argv[0] is looked up on PATH. The child inherits the environment (a hook's GIT_INDEX_FILE and
// GIT_DIR stay in force) and gets the default SIGPIPE disposition.
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input = {});

}  // namespace qg::git
