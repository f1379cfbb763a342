// cpp-httplib's server, with the WebSocket route (`GET /api/v1/ws`) on the same port: a UI that
// polls the API and subscribes to the events needs one origin. cpp-httplib 0.11 (Debian 12) has
// no WebSocket and no way to hand a connection on, but it lets a subclass process each accepted
// socket: this one reads (peeks) the request line of every request on a connection, hands the
// socket to the WebSocket server (Boost.Beast) when it asks for /api/v1/ws, and otherwise serves
// it as httplib::Server::process_and_close_socket would (keep-alive, timeouts, shutdown).
#pragma once
#include <httplib.h>

#include <functional>

namespace qg::serve {

class HttpServer : public httplib::Server {
 public:
  // Takes over an accepted socket whose next request is the WebSocket route (still unread).
  using Adopt = std::function<void(int socket)>;
  explicit HttpServer(Adopt adopt) : adopt_(std::move(adopt)) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
  Adopt adopt_;
};

// Whether an HTTP/1 request that starts with `head` (its first bytes) is a GET of the WebSocket
// route; `complete` is false while too few bytes have arrived to tell.
bool asks_for_websocket(std::string_view head, bool& complete);

}  // namespace qg::serve
