#include "redis_client.h"

#include "redis_cluster.h"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>

namespace qg::tracker {

namespace {
// key=value&key=value: f(key, value, "key=value") for each, until it returns false.
template <class F>
bool each_option(std::string_view query, F&& f) {
  while (!query.empty()) {
    const std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    const auto eq = item.find('=');
    if (!f(item.substr(0, eq), std::string(eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1)), item))
      return false;
  }
  return true;
}

// ssl_ca_certs=...&ssl_cert_reqs=none...: what redis-py accepts in a rediss:// URL (no
// %-escapes: file paths as they are).
bool tls_options(std::string_view query, RedisTls& tls, std::string& error) {
  return each_option(query, [&](std::string_view key, const std::string& value, std::string_view) {
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
    return true;
  });
}

// The tunnel under each TLS connection, freed with it (redis_free). Never destroyed: at exit a
// connection nobody freed still has its pump running, and destroying its tunnel would wait for it.
std::mutex& g_tunnels_mu = *new std::mutex;
std::map<redisContext*, std::unique_ptr<TlsTunnel>>& g_tunnels = *new std::map<redisContext*, std::unique_ptr<TlsTunnel>>;
}  // namespace

namespace {
constexpr std::string_view kSentinelSchemes[] = {"redis+sentinel://", "redis-sentinel://", "sentinel://",
                                                  "rediss+sentinel://", "rediss-sentinel://"};
constexpr std::string_view kClusterSchemes[] = {"redis+cluster://", "redis-cluster://", "rediss+cluster://", "rediss-cluster://"};

bool parse_port(std::string_view text, int& port) {
  return std::from_chars(text.data(), text.data() + text.size(), port).ec == std::errc() && port > 0 && port <= 65535 &&
         std::to_string(port) == text;
}

// redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/name[/db][?options][#name]
// redis+cluster://[[user]:password@]host[:port][,host[:port]...][/0][?options] (cluster: true)
bool parse_sentinel_url(std::string_view url, std::string_view scheme, RedisUrl& u, std::string& error, bool cluster = false) {
  const std::string shown(url.substr(0, scheme.size()));
  const std::string node = cluster ? "cluster node" : "sentinel";
  u.tls = scheme.rfind("rediss", 0) == 0;
  u.wait_replicas = 1;
  std::string_view rest = url.substr(scheme.size());
  if (auto hash = rest.find('#'); hash != std::string_view::npos && !cluster) {
    u.master_name = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  std::string ssl;  // the ssl_* options, checked as rediss:// checks them
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    const std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    const bool ok = each_option(query, [&](std::string_view key, const std::string& value, std::string_view item) {
      const bool of_sentinel = key == "sentinel_password" || key == "sentinel_username" || key == "sentinelMasterId" ||
                               key == "master_name" || key == "service_name";
      if (of_sentinel && cluster) return error = "redis: " + std::string(key) + " is a sentinel's option, not " + shown + "'s", false;
      if (key == "sentinel_password") u.sentinel_password = value;
      else if (key == "sentinel_username") u.sentinel_user = value;
      else if (of_sentinel) u.master_name = value;
      else if (key == "wait_replicas") {
        if (std::from_chars(value.data(), value.data() + value.size(), u.wait_replicas).ec != std::errc() ||
            u.wait_replicas < 0 || std::to_string(u.wait_replicas) != value)
          return error = "redis: wait_replicas is a number of replicas (0: none), not '" + value + "'", false;
      } else if (key.rfind("ssl_", 0) == 0 && u.tls) {
        ssl += (ssl.empty() ? "" : "&") + std::string(item);
      } else if (key.rfind("ssl_", 0) == 0) {
        return error = "redis: " + std::string(key) + " needs rediss+" + (cluster ? "cluster" : "sentinel") +
                       ":// (TLS), not " + shown, false;
      } else {
        return error = "redis: unknown option '" + std::string(key) + "' (" + shown +
                       (cluster ? " takes wait_replicas" : " takes sentinel_password, sentinel_username, wait_replicas, master_name") +
                       (u.tls ? " and rediss://'s ssl_* options)" : ")"), false;
      }
      return true;
    });
    if (!ok) return false;
  }
  if (!ssl.empty() && !tls_options(ssl, u.tls_options, error)) return false;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = cred.find(':'); colon == std::string_view::npos) {
      u.password = std::string(cred);
    } else {
      u.user = std::string(cred.substr(0, colon));
      u.password = std::string(cred.substr(colon + 1));
    }
  }
  std::string_view hosts = rest.substr(0, rest.find('/'));
  std::string_view path = hosts.size() < rest.size() ? rest.substr(hosts.size() + 1) : std::string_view{};
  // The path: name[/db], or just [db] when the name came as #name or an option.
  std::string_view db = path;
  if (cluster) {  // a cluster has database 0 only
    if (!db.empty() && db != "0") return error = "redis: a cluster has database 0 only, not '" + std::string(db) + "'", false;
    db = {};
  } else if (u.master_name.empty()) {
    const auto slash = path.find('/');
    u.master_name = std::string(path.substr(0, slash));
    db = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  }
  if (u.master_name.empty() && !cluster)
    return error = "redis: " + shown + " needs the master's name: " + shown + "host:26379,host:26379/mymaster[/db]", false;
  if (!db.empty() && (std::from_chars(db.data(), db.data() + db.size(), u.db).ec != std::errc() || u.db < 0 ||
                      std::to_string(u.db) != db))
    return error = "redis: the database '" + std::string(db) + "' is not a number", false;
  auto& nodes = cluster ? u.cluster_nodes : u.sentinels;
  while (!hosts.empty() || nodes.empty()) {
    std::string_view h = hosts.substr(0, hosts.find(','));
    hosts.remove_prefix(std::min(hosts.size(), h.size() + 1));
    if (h.empty()) return error = "redis: " + shown + " needs " + node + "s, host[:port] separated by commas", false;
    int port = cluster ? 6379 : 26379;
    std::string_view name = h;
    if (h.front() == '[') {  // [v6]:port
      const auto close = h.find(']');
      if (close == std::string_view::npos) return error = "redis: the " + node + " '" + std::string(h) + "' lacks its ']'", false;
      name = h.substr(1, close - 1);
      const std::string_view after = h.substr(close + 1);
      if (!after.empty() && (after.front() != ':' || !parse_port(after.substr(1), port)))
        return error = "redis: the " + node + " port in '" + std::string(h) + "' is not a port number", false;
    } else if (auto colon = h.rfind(':'); colon != std::string_view::npos) {
      name = h.substr(0, colon);
      if (!parse_port(h.substr(colon + 1), port))
        return error = "redis: the " + node + " port '" + std::string(h.substr(colon + 1)) + "' is not a port number", false;
    }
    if (name.empty()) return error = "redis: the " + node + " '" + std::string(h) + "' has no host", false;
    nodes.emplace_back(std::string(name), port);
  }
  return true;
}
}  // namespace

bool parse_redis_url(std::string_view url, RedisUrl& out, std::string& error) {
  RedisUrl u;
  for (std::string_view scheme : kSentinelSchemes)
    if (url.rfind(scheme, 0) == 0) {
      if (!parse_sentinel_url(url, scheme, u, error)) return false;
      out = u;
      return true;
    }
  for (std::string_view scheme : kClusterSchemes)
    if (url.rfind(scheme, 0) == 0) {
      if (!parse_sentinel_url(url, scheme, u, error, true)) return false;
      out = u;
      return true;
    }
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
  if (url.rfind("redis://", 0) != 0)
    return error = "redis: '" + std::string(url) +
                   "' is not a redis:// URL (nor rediss://, unix://, redis+sentinel://, redis+cluster://)", false;
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
  if (!u.sentinels.empty() || !u.cluster_nodes.empty()) {
    const bool cluster = !u.cluster_nodes.empty();
    std::string s = std::string(u.tls ? "rediss+" : "redis+") + (cluster ? "cluster://" : "sentinel://");
    const auto& nodes = cluster ? u.cluster_nodes : u.sentinels;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const auto& [h, p] = nodes[i];
      s += (i ? "," : "") + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(p);
    }
    return cluster ? s : s + "/" + u.master_name + "/" + std::to_string(u.db);
  }
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

namespace {
redisContext* connect_direct(const RedisUrl& url, std::string& why) {
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

std::string reply_text(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
             ? std::string(r->str, r->len) : std::string();
}

// One sentinel's answer: the master's host and port, or false and `why`.
bool ask_sentinel(const RedisUrl& url, const std::string& host, int port, std::string& master_host, int& master_port,
                  std::string& why) {
  RedisUrl s;
  s.host = host, s.port = port, s.tls = url.tls, s.tls_options = url.tls_options;
  s.user = url.sentinel_user, s.password = url.sentinel_password;
  const std::string where = "sentinel " + host + ":" + std::to_string(port);
  redisContext* c = connect_direct(s, why);
  if (!c) return why = where + ": " + why, false;
  RedisReply r = redis_command(c, {"SENTINEL", "get-master-addr-by-name", url.master_name});
  bool ok = false;
  if (!r.r) why = where + ": " + c->errstr;
  else if (r.r->type == REDIS_REPLY_ERROR) why = where + ": " + reply_text(r.r);
  else if (r.r->type != REDIS_REPLY_ARRAY || r.r->elements != 2) why = where + " knows no master named '" + url.master_name + "'";
  else {
    master_host = reply_text(r.r->element[0]);
    ok = parse_port(reply_text(r.r->element[1]), master_port) && !master_host.empty();
    if (!ok) why = where + " answered an address that is not one";
  }
  redis_free(c);
  return ok;
}
}  // namespace

redisContext* redis_connect_node(const RedisUrl& url, const std::string& host, int port, std::string& why) {
  RedisUrl n = url;
  n.sentinels.clear(), n.cluster_nodes.clear(), n.unix_path.clear();
  n.host = host, n.port = port;
  return connect_direct(n, why);
}

bool redis_master_now(const RedisUrl& url, std::string& master, std::string& why, std::size_t* first) {
  return url.cluster_nodes.empty() ? redis_sentinel_master(url, master, why, first) : redis_cluster_owner(url, master, why, first);
}

bool redis_ask_in_turn(const std::vector<std::pair<std::string, int>>& nodes, std::size_t* first, std::string& master,
                       std::string& why, const RedisAskNode& ask) {
  std::string reasons;
  const std::size_t n = nodes.size(), from = first && *first < n ? *first : 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& [host, port] = nodes[(from + i) % n];
    std::string h, one;
    int p = 0;
    if (ask(host, port, h, p, one)) {
      master = h + ":" + std::to_string(p);
      if (first) *first = (from + i) % n;
      return true;
    }
    reasons += (reasons.empty() ? "" : "; ") + one;
  }
  why = reasons;
  return false;
}

bool redis_sentinel_master(const RedisUrl& url, std::string& master, std::string& why, std::size_t* first) {
  return redis_ask_in_turn(url.sentinels, first, master, why,
                           [&](const std::string& host, int port, std::string& h, int& p, std::string& one) {
                             return ask_sentinel(url, host, port, h, p, one);
                           });
}

redisContext* redis_connect(const RedisUrl& url, std::string& why, std::string* master) {
  if (!url.cluster_nodes.empty()) return redis_cluster_connect(url, why, master);
  if (url.sentinels.empty()) return connect_direct(url, why);
  std::string reasons;
  for (const auto& [host, port] : url.sentinels) {
    RedisUrl m = url;
    m.sentinels.clear();
    std::string one;
    if (!ask_sentinel(url, host, port, m.host, m.port, one)) {
      reasons += (reasons.empty() ? "" : "; ") + one;
      continue;
    }
    const std::string addr = m.host + ":" + std::to_string(m.port);
    redisContext* c = connect_direct(m, one);
    if (!c) {
      reasons += std::string(reasons.empty() ? "" : "; ") + "master " + addr + " (from sentinel " + host + "): " + one;
      continue;
    }
    // A master demoted by a failover the sentinel has not finished telling is a replica now.
    RedisReply role = redis_command(c, {"ROLE"});
    const std::string said = role.ok() && role.r->type == REDIS_REPLY_ARRAY && role.r->elements ? reply_text(role.r->element[0]) : "";
    if (said == "master") {
      if (master) *master = addr;
      return c;
    }
    reasons += std::string(reasons.empty() ? "" : "; ") + "master " + addr + " (from sentinel " + host + ") says ROLE " +
               (said.empty() ? reply_text(role.r) : said);
    redis_free(c);
  }
  why = reasons;
  return nullptr;
}

}  // namespace qg::tracker
