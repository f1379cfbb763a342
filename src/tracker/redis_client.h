// A Redis connection as the fleet uses it (hiredis): the URL, connecting with AUTH and SELECT,
// and a reply that frees itself. Shared by the tracker's fleet sync (fleet.cpp) and the
// server's fleet reader (src/serve/fleet_reader.cpp), so both reach the same Redis the same way.
#pragma once
#include <cstdint>
#include <string>

#include "redis_tls.h"
#include <string_view>
#include <utility>
#include <vector>

struct redisContext;
struct redisReply;

namespace qg::tracker {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_path;       // unix:///path/to/redis.sock
  std::string user, password;  // AUTH [user] password
  int db = 0;                  // SELECT
  bool tls = false;            // rediss:// (and rediss+sentinel://: sentinels and master alike)
  RedisTls tls_options;
  // redis+sentinel://: the master is whatever these sentinels name `master_name` (asked in turn
  // on every connect), and must say ROLE master. host/port above are unused then.
  std::vector<std::pair<std::string, int>> sentinels;
  std::string master_name;
  std::string sentinel_user, sentinel_password;  // ?sentinel_username=&sentinel_password=
  // A pushed batch is kept (and pushed again on a new connection) until this many replicas
  // confirm it (WAIT): 1 by default with sentinels, so that a batch a master took survives its
  // failover; ?wait_replicas=N (0: never kept). docs/shared-state.md#sentinel
  int wait_replicas = 0;
};
// redis://[[user]:password@]host[:port][/db], rediss://... (TLS; the options as redis-py names
// them: ?ssl_ca_certs=FILE&ssl_certfile=FILE&ssl_keyfile=FILE&ssl_cert_reqs=required|none
// &ssl_server_name=NAME) and unix:///path.
// Sentinel (docs/shared-state.md#sentinel):
//   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master_name[/db][?options]
// also spelt sentinel:// and redis-sentinel://, the master's name also as #name (Lettuce) or
// ?sentinelMasterId= / ?master_name= / ?service_name=; rediss+sentinel:// (rediss-sentinel://)
// for TLS. Sentinel port default 26379. The URL's credentials are the master's; options:
// sentinel_username, sentinel_password, wait_replicas and the rediss:// ssl_* ones.
bool parse_redis_url(std::string_view url, RedisUrl& out, std::string& error);
// The address without the credentials, for logs and answers.
std::string redis_address(const RedisUrl& url);

// Connects (0.5 s to connect and, for TLS, to verify the server; 1 s per command), then AUTH
// and SELECT as the URL says. nullptr and `why` when it cannot. Free with redis_free only.
// With sentinels: asks them in turn for the master, connects to it and checks ROLE (a server
// that is not the master is dropped and the next sentinel asked); `master`, if given, gets the
// "host:port" it connected to.
redisContext* redis_connect(const RedisUrl& url, std::string& why, std::string* master = nullptr);
// What the sentinels say the master is now ("host:port"), asking them in turn; false and `why`
// when none answers. Asked often, keep the one that answered first (`first`, the index in
// url.sentinels: updated), so that a sentinel that is down costs its timeout once, not each time.
bool redis_sentinel_master(const RedisUrl& url, std::string& master, std::string& why, std::size_t* first = nullptr);
void redis_free(redisContext* c);

struct RedisReply {
  redisReply* r;
  explicit RedisReply(void* p) : r(static_cast<redisReply*>(p)) {}
  RedisReply(const RedisReply&) = delete;
  RedisReply& operator=(const RedisReply&) = delete;
  ~RedisReply();
  bool ok() const;  // a reply, and not an error
};

// One command, its arguments binary-safe.
RedisReply redis_command(redisContext* c, const std::vector<std::string>& args);
// An integer reply, or a string holding one (HMGET's fields); 0 for anything else.
int64_t redis_int(const redisReply* r);

}  // namespace qg::tracker
