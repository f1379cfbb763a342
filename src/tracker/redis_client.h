// A Redis connection as the fleet uses it (hiredis): the URL, connecting with AUTH and SELECT,
// and a reply that frees itself. Shared by the tracker's fleet sync (fleet.cpp) and the
// server's fleet reader (src/serve/fleet_reader.cpp), so both reach the same Redis the same way.
#pragma once
#include <cstdint>
#include <functional>
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
  // redis+cluster://: the nodes asked in turn for the slot map; the fleet is on the master of
  // cluster_key's slot (the fleet's key prefix, set by the fleet: redis_cluster.h). host/port unused.
  std::vector<std::pair<std::string, int>> cluster_nodes;
  std::string cluster_key;
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
// Cluster (docs/shared-state.md#cluster):
//   redis+cluster://[[user]:password@]host[:port][,host[:port]...][/0][?options]
// also spelt redis-cluster://, rediss+cluster:// (rediss-cluster://) for TLS; port default 6379,
// the nodes' credentials alike; options: wait_replicas (1 by default) and rediss://'s ssl_* ones.
bool parse_redis_url(std::string_view url, RedisUrl& out, std::string& error);
// The address without the credentials, for logs and answers.
std::string redis_address(const RedisUrl& url);

// Connects (0.5 s to connect and, for TLS, to verify the server; 1 s per command), then AUTH
// and SELECT as the URL says. nullptr and `why` when it cannot. Free with redis_free only.
// With sentinels: asks them in turn for the master, connects to it and checks ROLE (a server
// that is not the master is dropped and the next sentinel asked); `master`, if given, gets the
// "host:port" it connected to. With a cluster: the master of url.cluster_key's slot (redis_cluster.h).
redisContext* redis_connect(const RedisUrl& url, std::string& why, std::string* master = nullptr);
// What the sentinels say the master is now ("host:port"), asking them in turn; false and `why`
// when none answers. Asked often, keep the one that answered first (`first`, the index in
// url.sentinels: updated), so that a sentinel that is down costs its timeout once, not each time.
bool redis_sentinel_master(const RedisUrl& url, std::string& master, std::string& why, std::size_t* first = nullptr);
// Sentinels or cluster: the master to be on now, as redis_sentinel_master or redis_cluster_owner says.
bool redis_master_now(const RedisUrl& url, std::string& master, std::string& why, std::size_t* first = nullptr);
inline bool redis_follows_master(const RedisUrl& url) { return !url.sentinels.empty() || !url.cluster_nodes.empty(); }
// The nodes (sentinels, a cluster's seeds) asked in turn, from *first (updated to the one that
// answered), for a master: ask(host, port, master host, master port, why). "host:port" in
// `master`, or false and each node's reason in `why`.
using RedisAskNode = std::function<bool(const std::string&, int, std::string&, int&, std::string&)>;
bool redis_ask_in_turn(const std::vector<std::pair<std::string, int>>& nodes, std::size_t* first, std::string& master,
                       std::string& why, const RedisAskNode& ask);
// One server at host:port with the URL's credentials and TLS (what a sentinel or the cluster named).
redisContext* redis_connect_node(const RedisUrl& url, const std::string& host, int port, std::string& why);
void redis_free(redisContext* c);

struct RedisReply {
  redisReply* r;
  explicit RedisReply(void* p) : r(static_cast<redisReply*>(p)) {}
  RedisReply(const RedisReply&) = delete;
  RedisReply& operator=(const RedisReply&) = delete;
  RedisReply(RedisReply&& o) noexcept : r(o.r) { o.r = nullptr; }
  ~RedisReply();
  bool ok() const;  // a reply, and not an error
};

// One command, its arguments binary-safe.
RedisReply redis_command(redisContext* c, const std::vector<std::string>& args);
// An integer reply, or a string holding one (HMGET's fields); 0 for anything else.
int64_t redis_int(const redisReply* r);

}  // namespace qg::tracker
