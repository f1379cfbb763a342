// TLS to Redis for a hiredis without TLS (Debian 12 ships hiredis 0.14): the connection is
// made and verified here with OpenSSL, and hiredis talks plain RESP over one end of a local
// socket pair whose other end a pump thread carries over the TLS session. The same design as
// stunnel or spiped, inside the process: no tunnel for the user to run, no key on disk but the
// ones the URL names.
#pragma once
#include <memory>
#include <string>

namespace qg::tracker {

struct RedisTls {
  std::string ca_file;    // ssl_ca_certs: the CAs that may sign the server (default: the system's)
  std::string cert_file;  // ssl_certfile / ssl_keyfile: a client certificate (tls-auth-clients)
  std::string key_file;
  bool verify = true;     // ssl_cert_reqs=none turns verification off (said in the address)
  std::string server_name;  // ssl_server_name: SNI and the name checked (default: the host)
};

class TlsTunnel {
 public:
  // Connects to host:port within timeout_ms, completes the handshake and starts the pump.
  // nullptr and `why` (the verification or connection error) when it cannot.
  static std::unique_ptr<TlsTunnel> open(const std::string& host, int port, const RedisTls& tls, int timeout_ms,
                                         std::string& why);
  ~TlsTunnel();  // waits for the pump, which ends when hiredis closes its end
  TlsTunnel(const TlsTunnel&) = delete;
  TlsTunnel& operator=(const TlsTunnel&) = delete;

  // The plain end for redisConnectFd (hiredis owns and closes it from then on).
  int plain_fd() const;

 private:
  struct State;
  explicit TlsTunnel(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace qg::tracker
