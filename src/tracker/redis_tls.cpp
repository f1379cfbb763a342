#include "redis_tls.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace qg::tracker {

namespace {

std::string ssl_error(const char* what) {
  std::string s(what);
  if (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  ERR_clear_error();
  return s;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A TCP connection to host:port within timeout_ms (non-blocking from then on); -1 and `why`.
int tcp_connect(const std::string& host, int port, int timeout_ms, std::string& why) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    why = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  why = "cannot connect to " + host + ":" + std::to_string(port);
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    set_nonblocking(fd);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      why += std::string(": ") + std::strerror(errno);
      close(fd);
      fd = -1;
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      why += err ? std::string(": ") + std::strerror(err) : std::string(": timed out");
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

// Waits until `ssl`'s socket is ready for what the last SSL call wanted; false on timeout.
bool wait_for(SSL* ssl, int rc, int fd, int timeout_ms) {
  const int e = SSL_get_error(ssl, rc);
  if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return false;
  pollfd p{fd, static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
  return poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

struct TlsTunnel::State {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int tls_fd = -1;   // the TCP socket under the TLS session
  int pump_fd = -1;  // our end of the socket pair
  int plain_fd = -1; // hiredis's end
  std::thread pump;

  ~State() {
    if (pump.joinable()) pump.join();
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
    if (tls_fd >= 0) close(tls_fd);
    if (pump_fd >= 0) close(pump_fd);
  }

  // Carries bytes both ways until either side closes: hiredis's end (redisFree) or the server.
  void run() {
    std::string to_tls, to_plain;
    char buf[16384];
    bool plain_open = true;
    for (;;) {
      bool progress = false, tls_wants_write = false;
      if (plain_open && to_tls.empty()) {
        ssize_t n = recv(pump_fd, buf, sizeof buf, 0);
        if (n > 0) to_tls.assign(buf, static_cast<std::size_t>(n)), progress = true;
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) plain_open = false;
      }
      if (!plain_open) break;  // hiredis closed its end: the connection is over
      if (!to_tls.empty()) {
        int n = SSL_write(ssl, to_tls.data(), static_cast<int>(to_tls.size()));
        if (n > 0) to_tls.erase(0, static_cast<std::size_t>(n)), progress = true;
        else if (int e = SSL_get_error(ssl, n); e == SSL_ERROR_WANT_WRITE) tls_wants_write = true;
        else if (e != SSL_ERROR_WANT_READ) break;
      }
      if (to_plain.empty()) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) to_plain.assign(buf, static_cast<std::size_t>(n)), progress = true;
        else if (int e = SSL_get_error(ssl, n); e == SSL_ERROR_WANT_WRITE) tls_wants_write = true;
        else if (e != SSL_ERROR_WANT_READ) break;  // the server closed, or the session failed
      }
      if (!to_plain.empty()) {
        ssize_t n = send(pump_fd, to_plain.data(), to_plain.size(), MSG_NOSIGNAL);
        if (n > 0) to_plain.erase(0, static_cast<std::size_t>(n)), progress = true;
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;
      }
      if (progress || (SSL_pending(ssl) > 0 && to_plain.empty())) continue;  // (else wait for hiredis to read)
      pollfd p[2] = {{pump_fd, static_cast<short>((to_tls.empty() ? POLLIN : 0) | (to_plain.empty() ? 0 : POLLOUT)), 0},
                     {tls_fd, static_cast<short>(POLLIN | (tls_wants_write ? POLLOUT : 0)), 0}};
      poll(p, 2, 1000);
    }
    // Either side gone: close ours, so the other sees the end too.
    shutdown(pump_fd, SHUT_RDWR);
    SSL_shutdown(ssl);
  }
};

TlsTunnel::TlsTunnel(std::unique_ptr<State> s) : s_(std::move(s)) {}
TlsTunnel::~TlsTunnel() = default;
int TlsTunnel::plain_fd() const { return s_->plain_fd; }

std::unique_ptr<TlsTunnel> TlsTunnel::open(const std::string& host, int port, const RedisTls& tls, int timeout_ms,
                                           std::string& why) {
  // No OpenSSL clean-up at exit: a pump still running then (a connection nobody freed) must not
  // find OpenSSL torn down under it.
  static const bool initialised = OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;
  (void)initialised;
  auto s = std::make_unique<State>();
  s->ctx = SSL_CTX_new(TLS_client_method());
  if (!s->ctx) return why = ssl_error("TLS: cannot create a context"), nullptr;
  SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
  if (tls.verify) {
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, nullptr);
    const bool loaded = tls.ca_file.empty() ? SSL_CTX_set_default_verify_paths(s->ctx) == 1
                                            : SSL_CTX_load_verify_locations(s->ctx, tls.ca_file.c_str(), nullptr) == 1;
    if (!loaded) return why = ssl_error(("TLS: cannot read the CA file '" + tls.ca_file + "'").c_str()), nullptr;
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(s->ctx, tls.cert_file.c_str()) != 1)
      return why = ssl_error(("TLS: cannot read the certificate '" + tls.cert_file + "'").c_str()), nullptr;
    const std::string& key = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (SSL_CTX_use_PrivateKey_file(s->ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
      return why = ssl_error(("TLS: cannot read the key '" + key + "'").c_str()), nullptr;
  }
  s->tls_fd = tcp_connect(host, port, timeout_ms, why);
  if (s->tls_fd < 0) return nullptr;
  s->ssl = SSL_new(s->ctx);
  SSL_set_fd(s->ssl, s->tls_fd);
  const std::string& name = tls.server_name.empty() ? host : tls.server_name;
  SSL_set_tlsext_host_name(s->ssl, name.c_str());
  if (tls.verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl);
    // An address is checked against the certificate's IP entries, a name against its DNS ones.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int rc = SSL_connect(s->ssl);
    if (rc == 1) break;
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0 || !wait_for(s->ssl, rc, s->tls_fd, left)) {
      const long verified = SSL_get_verify_result(s->ssl);
      why = verified != X509_V_OK ? std::string("TLS: the server's certificate is not trusted: ") +
                                        X509_verify_cert_error_string(verified)
                                  : ssl_error(left <= 0 ? "TLS: the handshake timed out" : "TLS: the handshake failed");
      return nullptr;
    }
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return why = std::string("TLS: socketpair: ") + std::strerror(errno), nullptr;
  s->pump_fd = pair[0];
  s->plain_fd = pair[1];
  set_nonblocking(s->pump_fd);
  State* raw = s.get();
  s->pump = std::thread([raw] { raw->run(); });
  return std::unique_ptr<TlsTunnel>(new TlsTunnel(std::move(s)));
}

}  // namespace qg::tracker
