// A Redis connection as the fleet uses it (hiredis): the URL, connecting with AUTH and SELECT,
// and a reply that frees itself. Shared by the tracker's fleet sync (fleet.cpp) and the
// server's fleet reader (src/serve/fleet_reader.cpp), so both reach the same Redis the same way.
#pragma once
#include <cstdint>
#include <string>

#include "redis_tls.h"
#include <string_view>
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
  bool tls = false;            // rediss://
  RedisTls tls_options;
};
// redis://[[user]:password@]host[:port][/db], rediss://... (TLS; the options as redis-py names
// them: ?ssl_ca_certs=FILE&ssl_certfile=FILE&ssl_keyfile=FILE&ssl_cert_reqs=required|none
// &ssl_server_name=NAME) and unix:///path.
bool parse_redis_url(std::string_view url, RedisUrl& out, std::string& error);
// The address without the credentials, for logs and answers.
std::string redis_address(const RedisUrl& url);

// Connects (0.5 s to connect and, for TLS, to verify the server; 1 s per command), then AUTH
// and SELECT as the URL says. nullptr and `why` when it cannot. Free with redis_free only.
redisContext* redis_connect(const RedisUrl& url, std::string& why);
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
