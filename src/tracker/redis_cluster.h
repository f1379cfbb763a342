// Redis Cluster for the fleet (docs/shared-state.md#cluster): a fleet's keys all carry one hash
// tag, `{<namespace>}`, so they live in one hash slot and its scripts and pipelines run unchanged
// on the slot's master. Connecting asks the URL's nodes in turn for the slot map (CLUSTER SLOTS),
// connects to the slot's master and checks it serves the slot (a MOVED is followed); a push
// answered ASK (the slot migrating) is sent again, once, after ASKING, to the node named.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "redis_client.h"

struct redisContext;
struct redisReply;

namespace qg::tracker {

// The key's hash slot as Redis Cluster computes it: CRC16 (XMODEM) of the key, or of its hash tag
// (what is between the first '{' and the next '}', if not empty), mod 16384.
int redis_key_slot(std::string_view key);
// A fleet namespace as a cluster's key prefix: "{ns}", or ns itself when it has a hash tag already.
std::string cluster_namespace(const std::string& ns);
// The fleet's key prefix: cluster_namespace(ns) on a cluster, ns itself otherwise (a single
// Redis's or a sentinel's keys stay as they were); and the URL on the fleet's slot (cluster_key).
std::string fleet_key_prefix(const RedisUrl& url, const std::string& ns);
RedisUrl on_fleet_slot(RedisUrl url, const std::string& ns);

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" (an empty host: the node that answered).
struct RedisRedirect {
  bool ask = false;
  int slot = -1;
  std::string host;
  int port = 0;
};
bool parse_redirect(std::string_view error, RedisRedirect& out);
bool redirect_of(const redisReply* r, RedisRedirect& out);  // an error reply that is a redirection
bool redis_moved(const redisReply* r);                      // ... that is a MOVED
// The master of `slot` in a CLUSTER SLOTS reply; false when no range holds it. `asked`: the node
// that answered (an empty host in the reply is that node's).
bool cluster_slots_owner(const redisReply* slots, int slot, const std::string& asked, std::string& host, int& port);

// What the URL's nodes say the master of url.cluster_key's slot is now ("host:port"), asking them
// in turn from `first` (updated to the one that answered); false and `why` when none knows.
bool redis_cluster_owner(const RedisUrl& url, std::string& owner, std::string& why, std::size_t* first = nullptr);
// A connection to the master of url.cluster_key's slot (redis_connect's cluster case); `master`
// gets its "host:port".
redisContext* redis_cluster_connect(const RedisUrl& url, std::string& why, std::string* master);
// The command again on the node an ASK named, after ASKING, on a connection of its own (freed).
RedisReply redis_ask(const RedisUrl& url, const RedisRedirect& to, const std::vector<std::string>& args);

}  // namespace qg::tracker
