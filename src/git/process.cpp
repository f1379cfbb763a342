#include "git/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

extern char** environ;

namespace qg::git {

namespace {

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct Pipe {
  Fd read, write;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw SpawnError(std::string("pipe: ") + std::strerror(errno));
    read.fd = fds[0];
    write.fd = fds[1];
  }
};

// Writing to a pipe whose reader has exited must give EPIPE here, not kill the process.
struct IgnoreSigpipe {
  struct sigaction old {};
  IgnoreSigpipe() {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ::sigaction(SIGPIPE, &ign, &old);
  }
  ~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old, nullptr); }
};

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input) {
  if (argv.empty()) throw SpawnError("empty command");
  Pipe in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write.fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw SpawnError(rc == ENOENT ? "`" + argv[0] + "` not found on PATH"
                                  : "cannot run `" + argv[0] + "`: " + std::strerror(rc));
  }
  in.read.reset();
  out.write.reset();
  err.write.reset();

  IgnoreSigpipe guard;
  ProcessResult result;
  std::size_t written = 0;
  if (input.empty()) in.write.reset();
  else ::fcntl(in.write.fd, F_SETFL, O_NONBLOCK);  // partial writes, never a block on a full pipe
  char buf[65536];
  while (in.write.fd >= 0 || out.read.fd >= 0 || err.read.fd >= 0) {
    pollfd fds[3];
    nfds_t n = 0;
    if (in.write.fd >= 0) fds[n++] = {in.write.fd, POLLOUT, 0};
    if (out.read.fd >= 0) fds[n++] = {out.read.fd, POLLIN, 0};
    if (err.read.fd >= 0) fds[n++] = {err.read.fd, POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in.write.fd) {
        const ssize_t w = ::write(in.write.fd, input.data() + written, std::min<std::size_t>(input.size() - written, 65536));
        if (w > 0) written += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EINTR && errno != EAGAIN) || written == input.size()) in.write.reset();
        continue;
      }
      Fd& fd = fds[i].fd == out.read.fd ? out.read : err.read;
      std::string& sink = fds[i].fd == out.read.fd ? result.out : result.err;
      const ssize_t r = ::read(fd.fd, buf, sizeof buf);
      if (r > 0) sink.append(buf, static_cast<std::size_t>(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) fd.reset();
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  return result;
}

}  // namespace qg::git
