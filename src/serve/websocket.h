// The live events over a WebSocket (`/api/v1/ws`, on the HTTP port -- http_server.h hands each
// such connection here -- and on a port of its own with --ws-port): the same events as
// the SSE stream (/api/v1/events), one JSON text message each -- {"id", "event", "data"} --
// starting with `hello` (the id to resume from), `reset` when asked to resume from an id no longer
// kept, and a `heartbeat` message when there is nothing to say. `?last_event_id=N` resumes.
// Boost.Beast does the protocol (handshake, framing, pings: a peer that stops answering is
// dropped); cpp-httplib 0.11, which serves the rest, has no WebSocket.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "event_log.h"
#include "rate_limit.h"

namespace qg::serve {

struct WebSocketOptions {
  std::string host;
  int port = 0;                  // 0: any free one
  std::string token;             // as for the HTTP API: Authorization: Bearer, or the login cookie
  int heartbeat_ms = 2000;
  int max_clients = 64;          // shared with the SSE streams (clients)
};

class WebSocketServer {
 public:
  WebSocketServer(WebSocketOptions options, EventLog& log, RateLimit& limiter, std::atomic<int>& clients);
  ~WebSocketServer();
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  int listen(std::string& error);  // binds a port of its own (optional); the port, or -1 (error says why)
  void start();                    // accepts there on a thread of its own (if listening)
  void adopt(int socket);          // a connection accepted elsewhere, its upgrade request unread
  void stop();                     // closes every session, joins (a thread per session)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qg::serve
