#include "websocket.h"

#include <utility>  // before Boost 1.74's asio, which uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api_json.h"

namespace qg::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kMaxQueued = 10000;  // messages a slow client may fall behind by, then dropped

std::string message(const std::string& id, const std::string& event, const std::string& data) {
  return "{\"id\":" + (id.empty() ? std::string("null") : "\"" + id + "\"") + ",\"event\":\"" + event + "\",\"data\":" + data + "}";
}

// One client: its own io_context on its own thread; a pump thread turns the event log into
// messages and posts them here, where they are written one at a time.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<net::io_context> ioc, tcp::socket socket, const WebSocketOptions& o, EventLog& log,
          RateLimit& limiter, std::atomic<int>& clients)
      : ioc_holder_(std::move(ioc)), ioc_(*ioc_holder_), socket_(std::move(socket)), o_(o), log_(log), limiter_(limiter),
        clients_(clients) {}

  void start() {
    thread_ = std::thread([self = shared_from_this()] { self->run(); });
  }
  void close() {  // any thread
    net::post(ioc_, [self = shared_from_this()] {
      self->done_ = true;
      if (self->ws_) self->ws_->async_close(websocket::close_code::going_away, [self](beast::error_code) { self->ioc_.stop(); });
      else self->ioc_.stop();
    });
  }
  bool finished() const { return finished_.load(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void refuse(beast::tcp_stream& stream, const http::request<http::string_body>& req, http::status status,
              const std::string& code, const std::string& text, const std::string& parameter = {}) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    if (status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
    if (status == http::status::upgrade_required) res.set(http::field::upgrade, "websocket");
    res.body() = error_body(code, text, parameter).dump();
    res.prepare_payload();
    beast::error_code ec;
    http::write(stream, res, ec);
  }

  // The upgrade request, checked as the HTTP API checks its requests; the id to start after.
  std::optional<int64_t> admit(beast::tcp_stream& stream, const http::request<http::string_body>& req, bool& resumed) {
    const std::string target(req.target());
    const std::size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    if (path != "/api/v1/ws") {
      refuse(stream, req, http::status::not_found, "not_found", "no such route: " + path + " (the WebSocket is /api/v1/ws)");
      return std::nullopt;
    }
    if (!limiter_.allow(remote_)) {
      refuse(stream, req, http::status::too_many_requests, "rate_limited", "too many requests from this address; slow down");
      return std::nullopt;
    }
    if (!o_.token.empty()) {
      const bool bearer = req[http::field::authorization] == "Bearer " + o_.token;
      const bool cookie = std::string(req[http::field::cookie]).find("qg_token=" + o_.token) != std::string::npos;
      if (!bearer && !cookie) {
        refuse(stream, req, http::status::unauthorized, "unauthorized", "this server needs its token: Authorization: Bearer TOKEN");
        return std::nullopt;
      }
    }
    if (!websocket::is_upgrade(req)) {
      refuse(stream, req, http::status::upgrade_required, "upgrade_required",
             "/api/v1/ws is a WebSocket (the same events as Server-Sent Events: /api/v1/events)");
      return std::nullopt;
    }
    int64_t after = log_.last_id();
    resumed = false;
    if (q != std::string::npos) {
      for (std::string_view rest = std::string_view(target).substr(q + 1); !rest.empty();) {
        const std::string_view pair = rest.substr(0, rest.find('&'));
        rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
        const std::string_view name = pair.substr(0, pair.find('=')),
                               value = pair.find('=') == std::string_view::npos ? "" : pair.substr(pair.find('=') + 1);
        if (name != "last_event_id") {
          refuse(stream, req, http::status::bad_request, "bad_parameter",
                 "unknown parameter '" + std::string(name) + "'; this route takes: last_event_id", std::string(name));
          return std::nullopt;
        }
        if (!parse_event_id(value, after)) {
          refuse(stream, req, http::status::bad_request, "bad_parameter",
                 "last_event_id '" + std::string(value) + "' is not an event id (digits)", "last_event_id");
          return std::nullopt;
        }
        resumed = true;
      }
    }
    if (clients_.fetch_add(1) >= o_.max_clients) {
      clients_.fetch_sub(1);
      refuse(stream, req, http::status::service_unavailable, "too_many_streams", "too many open event streams; retry later");
      return std::nullopt;
    }
    return after;
  }

  // All on this session's io_context: the request (within 5 s), the checks, the handshake, then
  // reads and writes until either end closes; the pump thread feeds the writes.
  void run() {
    beast::error_code ec;
    remote_ = socket_.remote_endpoint(ec).address().to_string();
    stream_.emplace(std::move(socket_));
    stream_->expires_after(std::chrono::seconds(5));
    http::async_read(*stream_, buffer_, req_, [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (!e) self->on_request();
    });
    ioc_.run();
    done_ = true;
    if (pump_.joinable()) pump_.join();
    if (admitted_) clients_.fetch_sub(1);
    ws_.reset();
    stream_.reset();
    finished_ = true;
  }

  void on_request() {
    bool resumed = false;
    const std::optional<int64_t> after = admit(*stream_, req_, resumed);
    if (!after) return;
    admitted_ = true;
    stream_->expires_never();  // the websocket's own timeouts from here
    ws_.emplace(std::move(*stream_));
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(5);
    t.idle_timeout = std::chrono::milliseconds(std::max(2000, 3 * o_.heartbeat_ms));  // pinged at half of it
    t.keep_alive_pings = true;
    ws_->set_option(t);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "quotaguard serve"); }));
    ws_->text(true);
    ws_->async_accept(req_, [self = shared_from_this(), start = *after, resumed](beast::error_code ec) {
      if (ec) return;
      self->read_next();
      self->pump_ = std::thread([self, start, resumed] { self->pump(start, resumed); });
    });
  }

  // What the client sends is read (and dropped) so that pings and the closing handshake are
  // answered; a read that fails ends the session.
  void read_next() {
    ws_->async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->done_ = true;
        self->ioc_.stop();
        return;
      }
      self->in_.consume(self->in_.size());
      self->read_next();
    });
  }

  void pump(int64_t after, bool resumed) {
    EventCursor cursor(log_, after, resumed);
    while (!done_) {
      std::vector<std::string> batch;
      for (const Event& e : cursor.next(std::chrono::milliseconds(o_.heartbeat_ms)))
        batch.push_back(message(e.id >= 0 ? std::to_string(e.id) : "", e.type, e.data));
      if (done_) break;
      net::post(ioc_, [self = shared_from_this(), batch = std::move(batch)]() mutable {
        for (std::string& m : batch) self->queue_.push_back(std::move(m));
        if (self->queue_.size() > kMaxQueued) {  // fallen too far behind: it reconnects and resumes
          self->done_ = true;
          self->ioc_.stop();
          return;
        }
        if (!self->writing_) self->write_next();
      });
    }
  }

  void write_next() {
    if (queue_.empty() || done_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_->async_write(net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->done_ = true;
        self->ioc_.stop();
        return;
      }
      self->queue_.pop_front();
      self->write_next();
    });
  }

  std::shared_ptr<net::io_context> ioc_holder_;  // the socket's: this session's thread runs it
  net::io_context& ioc_;
  tcp::socket socket_;
  const WebSocketOptions& o_;
  EventLog& log_;
  RateLimit& limiter_;
  std::atomic<int>& clients_;
  std::string remote_;
  std::optional<beast::tcp_stream> stream_;  // until the handshake
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  bool admitted_ = false;                    // counted in clients_
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  std::thread pump_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;  // the io_context's thread only
  bool writing_ = false;
  std::atomic<bool> done_{false}, finished_{false};
  std::thread thread_;
};

}  // namespace

struct WebSocketServer::Impl {
  WebSocketOptions o;
  EventLog& log;
  RateLimit& limiter;
  std::atomic<int>& clients;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::mutex mu;
  std::list<std::shared_ptr<Session>> sessions;
  bool stopped = false;  // (under mu) no session starts after stop()

  void add(std::shared_ptr<net::io_context> session_ioc, tcp::socket socket) {
    std::lock_guard lock(mu);
    if (stopped) return;  // (the socket closes with it)
    sessions.remove_if([](const std::shared_ptr<Session>& s) {
      if (!s->finished()) return false;
      s->join();
      return true;
    });
    auto s = std::make_shared<Session>(std::move(session_ioc), std::move(socket), o, log, limiter, clients);
    sessions.push_back(s);
    s->start();
  }

  void accept() {
    // Each session gets a socket on its own io_context: it runs on its own thread.
    auto session_ioc = std::make_shared<net::io_context>();
    acceptor.async_accept(*session_ioc, [this, session_ioc](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed by stop()
      add(session_ioc, std::move(socket));
      accept();
    });
  }
};

WebSocketServer::WebSocketServer(WebSocketOptions options, EventLog& log, RateLimit& limiter, std::atomic<int>& clients)
    : impl_(new Impl{std::move(options), log, limiter, clients}) {}

WebSocketServer::~WebSocketServer() { stop(); }

int WebSocketServer::listen(std::string& error) {
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->o.host == "localhost" ? "127.0.0.1" : impl_->o.host, ec);
  if (ec) {
    error = "--host " + impl_->o.host + ": " + ec.message();
    return -1;
  }
  const tcp::endpoint at{address, static_cast<unsigned short>(impl_->o.port)};
  tcp::acceptor& a = impl_->acceptor;
  if (a.open(at.protocol(), ec); !ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(at, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + impl_->o.host + ":" + std::to_string(impl_->o.port) + ": " + ec.message();
    return -1;
  }
  return a.local_endpoint().port();
}

void WebSocketServer::start() {
  if (!impl_->acceptor.is_open()) return;
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void WebSocketServer::adopt(int socket) {
  auto session_ioc = std::make_shared<net::io_context>();
  sockaddr_storage at{};
  socklen_t size = sizeof at;
  beast::error_code ec;
  tcp::socket s(*session_ioc);
  if (::getsockname(socket, reinterpret_cast<sockaddr*>(&at), &size) != 0 ||
      s.assign(at.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), socket, ec)) {
    ::close(socket);
    return;
  }
  impl_->add(std::move(session_ioc), std::move(s));
}

void WebSocketServer::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    net::post(impl_->ioc, [this] { impl_->acceptor.close(); });
    impl_->thread.join();
  }
  std::lock_guard lock(impl_->mu);
  impl_->stopped = true;
  for (auto& s : impl_->sessions) s->close();
  for (auto& s : impl_->sessions) s->join();
  impl_->sessions.clear();
}

}  // namespace qg::serve
