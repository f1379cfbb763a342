#include "redis_client.h"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>

namespace qg::tracker {

namespace {
// ssl_ca_certs=...&ssl_cert_reqs=none...: what redis-py accepts in a rediss:// URL (no
// %-escapes: file paths as they are).
bool tls_options(std::string_view query, RedisTls& tls, std::string& error) {
  while (!query.empty()) {
    const std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string value(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1));
    if (key == "ssl_ca_certs") tls.ca_file = value;
    else if (key == "ssl_certfile") tls.cert_file = value;
    else if (key == "ssl_keyfile") tls.key_file = value;
    else if (key == "ssl_server_name") tls.server_name = value;
    else if (key == "ssl_cert_reqs" && (value == "required" || value == "none")) tls.verify = value == "required";
    else if (key == "ssl_cert_reqs")
      return error = "redis: ssl_cert_reqs is 'required' or 'none', not '" + value + "'", false;
    else
      return error = "redis: unknown option '" + std::string(key) +
                     "' (rediss:// takes ssl_ca_certs, ssl_certfile, ssl_keyfile, ssl_cert_reqs, ssl_server_name)", false;
  }
  return true;
}

// The tunnel under each TLS connection, freed with it (redis_free). Never destroyed: at exit a
// connection nobody freed still has its pump running, and destroying its tunnel would wait for it.
std::mutex& g_tunnels_mu = *new std::mutex;
std::map<redisContext*, std::unique_ptr<TlsTunnel>>& g_tunnels = *new std::map<redisContext*, std::unique_ptr<TlsTunnel>>;
}  // namespace

bool parse_redis_url(std::string_view url, RedisUrl& out, std::string& error) {
  RedisUrl u;
  if (url.rfind("unix://", 0) == 0) {
    u.unix_path = std::string(url.substr(7));
    if (u.unix_path.empty()) return error = "redis: unix:// needs a socket path", false;
    out = u;
    return true;
  }
  if (url.rfind("rediss://", 0) == 0) {
    u.tls = true;
    std::string_view rest = url.substr(9);
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      if (!tls_options(rest.substr(q + 1), u.tls_options, error)) return false;
      rest = rest.substr(0, q);
    }
    std::string plain = "redis://" + std::string(rest);
    RedisUrl p;
    if (!parse_redis_url(plain, p, error)) return false;
    p.tls = true;
    p.tls_options = u.tls_options;
    out = p;
    return true;
  }
  if (url.rfind("redis://", 0) != 0) return error = "redis: '" + std::string(url) + "' is not a redis:// URL", false;
  std::string_view rest = url.substr(8);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = cred.find(':');
    if (colon == std::string_view::npos) {
      u.password = std::string(cred);  // redis://secret@host: a bare password
    } else {
      u.user = std::string(cred.substr(0, colon));
      u.password = std::string(cred.substr(colon + 1));
    }
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty() && (std::from_chars(db.data(), db.data() + db.size(), u.db).ec != std::errc() || u.db < 0))
      return error = "redis: the database '" + std::string(db) + "' is not a number", false;
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    if (std::from_chars(port.data(), port.data() + port.size(), u.port).ec != std::errc() || u.port <= 0 || u.port > 65535)
      return error = "redis: the port '" + std::string(port) + "' is not a port number", false;
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) u.host = std::string(rest);
  out = u;
  return true;
}

std::string redis_address(const RedisUrl& u) {
  if (!u.unix_path.empty()) return "unix://" + u.unix_path;
  return (u.tls ? "rediss://" : "redis://") + u.host + ":" + std::to_string(u.port) + "/" + std::to_string(u.db);
}

RedisReply::~RedisReply() {
  if (r) freeReplyObject(r);
}

bool RedisReply::ok() const { return r && r->type != REDIS_REPLY_ERROR; }

RedisReply redis_command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return RedisReply(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
}

int64_t redis_int(const redisReply* r) {
  if (!r) return 0;
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type != REDIS_REPLY_STRING) return 0;
  int64_t v = 0;
  std::from_chars(r->str, r->str + r->len, v);
  return v;
}

void redis_free(redisContext* c) {
  if (!c) return;
  redisFree(c);  // closes the tunnel's plain end: its pump ends, and the tunnel can go
  std::unique_ptr<TlsTunnel> tunnel;
  {
    std::lock_guard lock(g_tunnels_mu);
    if (auto it = g_tunnels.find(c); it != g_tunnels.end()) {
      tunnel = std::move(it->second);
      g_tunnels.erase(it);
    }
  }
}

redisContext* redis_connect(const RedisUrl& url, std::string& why) {
  const timeval timeout{0, 500000};
  redisContext* c = nullptr;
  if (url.tls) {
    std::unique_ptr<TlsTunnel> tunnel = TlsTunnel::open(url.host, url.port, url.tls_options, 500, why);
    if (!tunnel) return nullptr;
    c = redisConnectFd(tunnel->plain_fd());
    if (c) {  // (registered even when c->err: redis_free below closes the plain end first)
      std::lock_guard lock(g_tunnels_mu);
      g_tunnels[c] = std::move(tunnel);
    } else {
      close(tunnel->plain_fd());  // the pump ends on it before the tunnel waits for the pump
    }
  } else {
    c = url.unix_path.empty() ? redisConnectWithTimeout(url.host.c_str(), url.port, timeout)
                              : redisConnectUnixWithTimeout(url.unix_path.c_str(), timeout);
  }
  if (!c || c->err) {
    why = c ? c->errstr : "cannot allocate a connection";
    redis_free(c);
    return nullptr;
  }
  redisSetTimeout(c, timeval{1, 0});
  if (!url.password.empty()) {
    RedisReply r = url.user.empty() ? redis_command(c, {"AUTH", url.password}) : redis_command(c, {"AUTH", url.user, url.password});
    if (!r.ok()) {
      why = std::string("AUTH failed: ") + (r.r ? std::string(r.r->str, r.r->len) : c->errstr);
      redis_free(c);
      return nullptr;
    }
  }
  if (url.db) {
    RedisReply r = redis_command(c, {"SELECT", std::to_string(url.db)});
    if (!r.ok()) {
      why = "SELECT " + std::to_string(url.db) + " failed";
      redis_free(c);
      return nullptr;
    }
  }
  return c;
}

}  // namespace qg::tracker
