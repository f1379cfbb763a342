#include "http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace qg::serve {

namespace {

// Waits for `sock` to be readable (or writable), up to sec/usec; >0 ready, 0 timeout, <0 error.
int wait_for(int sock, short events, time_t sec, time_t usec) {
  pollfd p{sock, events, 0};
  int ms = static_cast<int>(sec * 1000 + usec / 1000);
  int r;
  do r = ::poll(&p, 1, ms);
  while (r < 0 && errno == EINTR);
  if (r > 0 && (p.revents & (POLLERR | POLLNVAL))) return -1;
  return r;
}

void endpoint(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t n = sizeof a;
  if ((peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&a), &n) : ::getsockname(sock, reinterpret_cast<sockaddr*>(&a), &n)) != 0)
    return;
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

// What httplib's (unexported) SocketStream is: a socket with read and write timeouts, read
// through a buffer (httplib reads request lines a byte at a time).
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int sock, time_t rsec, time_t rusec, time_t wsec, time_t wusec)
      : sock_(sock), rsec_(rsec), rusec_(rusec), wsec_(wsec), wusec_(wusec) {}

  bool is_readable() const override { return wait_for(sock_, POLLIN, rsec_, rusec_) > 0; }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, wsec_, wusec_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (at_ < end_) {
      const size_t n = std::min(size, end_ - at_);
      std::memcpy(ptr, buffer_ + at_, n);
      at_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    if (size >= sizeof buffer_) return recv_some(ptr, size);
    const ssize_t n = recv_some(buffer_, sizeof buffer_);
    if (n <= 0) return n;
    at_ = 0;
    end_ = static_cast<size_t>(n);
    return read(ptr, size);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { endpoint(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { endpoint(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

  bool buffered() const { return at_ < end_; }

 private:
  ssize_t recv_some(char* ptr, size_t size) {
    ssize_t n;
    do n = ::recv(sock_, ptr, size, 0);
    while (n < 0 && errno == EINTR);
    return n;
  }

  int sock_;
  time_t rsec_, rusec_, wsec_, wusec_;
  char buffer_[4096];
  size_t at_ = 0, end_ = 0;
};

}  // namespace

bool asks_for_websocket(std::string_view head, bool& complete) {
  constexpr std::string_view kGet = "GET /api/v1/ws";
  const std::size_t n = std::min(head.size(), kGet.size());
  const bool differs = head.substr(0, n) != kGet.substr(0, n);
  complete = differs || head.size() > kGet.size();  // decided: differs, or seen past the route
  if (!complete || differs) return false;
  const char after = head[kGet.size()];
  return after == ' ' || after == '?';
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  // The loop of httplib's own: up to keep_alive_max_count_ requests, each awaited for at most
  // the keep-alive timeout, while the server runs.
  SocketStream strm(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_);
  bool ret = false;
  for (size_t count = keep_alive_max_count_; svr_sock_ != INVALID_SOCKET && count > 0; --count) {
    const auto start = std::chrono::steady_clock::now();
    bool ready = strm.buffered();
    while (!ready && svr_sock_ != INVALID_SOCKET) {
      const int r = wait_for(sock, POLLIN, 0, 10000);
      if (r < 0) break;
      ready = r > 0;
      if (!ready && std::chrono::steady_clock::now() - start > std::chrono::seconds(keep_alive_timeout_sec_)) break;
    }
    if (!ready) break;
    // The WebSocket route: handed on with its request unread (nothing was taken from the socket
    // but whole earlier requests; a pipelined request behind one is not a WebSocket client's).
    if (!strm.buffered()) {
      char head[16];  // "GET /api/v1/ws" and the byte after it decide
      bool complete = false, websocket = false;
      for (int tries = 0; !complete && tries < 500; ++tries) {
        const ssize_t n = ::recv(sock, head, sizeof head, MSG_PEEK);
        if (n <= 0) break;
        websocket = asks_for_websocket(std::string_view(head, static_cast<size_t>(n)), complete);
        if (!complete) ::usleep(1000);  // the rest of the line is on its way (else httplib waits for it)
      }
      if (websocket) {
        adopt_(sock);
        return true;  // (the socket is the WebSocket server's now: not closed here)
      }
    }
    bool closed = false;
    ret = process_request(strm, count == 1, closed, nullptr);
    if (!ret || closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace qg::serve
