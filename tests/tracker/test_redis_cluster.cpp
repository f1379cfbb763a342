// Redis Cluster for the fleet (src/tracker/redis_cluster.h, docs/shared-state.md#cluster): the
// redis+cluster:// URL forms, the fleet's hash tag and its slot, and the replies that steer a
// client in a cluster (MOVED, ASK, CLUSTER SLOTS), parsed from the bytes a node sends.
#include <doctest/doctest.h>
#include <hiredis/hiredis.h>

#include <string>

#include "redis_client.h"
#include "redis_cluster.h"
#include "redis_url_check.h"

using namespace qg::tracker;
using namespace redis_url_check;

namespace {
// One reply as hiredis reads it off the wire (RESP bytes).
struct Wire {
  redisReply* r = nullptr;
  explicit Wire(const std::string& resp) {
    redisReader* reader = redisReaderCreate();
    redisReaderFeed(reader, resp.data(), resp.size());
    void* raw = nullptr;
    REQUIRE(redisReaderGetReply(reader, &raw) == REDIS_OK);
    redisReaderFree(reader);
    r = static_cast<redisReply*>(raw);
    REQUIRE(r);
  }
  ~Wire() { freeReplyObject(r); }
};
}  // namespace

TEST_CASE("redis url: a cluster's seed nodes, its credentials, TLS") {
  const RedisUrl u = parsed("redis+cluster://alice:pw@10.0.0.1:7000,node-b,[::1]:7002");
  REQUIRE(u.cluster_nodes.size() == 3);
  CHECK(u.cluster_nodes[0] == std::pair<std::string, int>{"10.0.0.1", 7000});
  CHECK(u.cluster_nodes[1] == std::pair<std::string, int>{"node-b", 6379});
  CHECK(u.cluster_nodes[2] == std::pair<std::string, int>{"::1", 7002});
  CHECK(u.user == "alice");
  CHECK(u.password == "pw");
  CHECK(u.sentinels.empty());
  CHECK(u.db == 0);
  CHECK(u.wait_replicas == 1);  // a push counts once a replica has it, as with sentinels
  CHECK_FALSE(u.tls);
  CHECK(redis_follows_master(u));
  CHECK(redis_address(u) == "redis+cluster://10.0.0.1:7000,node-b:6379,[::1]:7002");
  for (const char* text : {"redis-cluster://:pw@h1:1,h2:2", "redis+cluster://:pw@h1:1,h2:2/", "redis+cluster://:pw@h1:1,h2:2/0",
                           "redis+cluster://:pw@h1:1,h2:2/?wait_replicas=1"}) {
    const RedisUrl o = parsed(text);
    CHECK(o.cluster_nodes.size() == 2);
    CHECK(o.password == "pw");
  }
  CHECK(parsed("redis+cluster://h?wait_replicas=0").wait_replicas == 0);
  const RedisUrl t = parsed("rediss+cluster://h:7000?ssl_ca_certs=/ca.pem&ssl_cert_reqs=none");
  CHECK(t.tls);
  CHECK(t.tls_options.ca_file == "/ca.pem");
  CHECK_FALSE(t.tls_options.verify);
  CHECK(parsed("rediss-cluster://h").tls);
  CHECK(redis_address(t) == "rediss+cluster://h:7000");
  CHECK_FALSE(redis_follows_master(parsed("redis://h:7000/2")));  // the plain forms are as they were
}

TEST_CASE("redis url: a bad cluster URL says what is wrong") {
  CHECK(has(refused("redis+cluster://"), "needs cluster nodes"));
  CHECK(has(refused("redis+cluster://h1,,h2"), "needs cluster nodes"));
  CHECK(has(refused("redis+cluster://h1:port"), "cluster node port 'port' is not a port number"));
  CHECK(has(refused("redis+cluster://[::1"), "lacks its ']'"));
  CHECK(has(refused("redis+cluster://h/3"), "a cluster has database 0 only"));
  CHECK(has(refused("redis+cluster://h?master_name=m"), "a sentinel's option"));
  CHECK(has(refused("redis+cluster://h?wait=1"), "unknown option 'wait' (redis+cluster:// takes wait_replicas)"));
  CHECK(has(refused("redis+cluster://h?ssl_ca_certs=/ca.pem"), "needs rediss+cluster://"));
  CHECK(has(refused("redis+clustr://h"), "redis+cluster://)"));
}

TEST_CASE("redis cluster: key slots and the fleet's hash tag") {
  CHECK(redis_key_slot("foo") == 12182);  // CLUSTER KEYSLOT's answers
  CHECK(redis_key_slot("123456789") == 12739);
  CHECK(redis_key_slot("{foo}:use:*:day:1") == 12182);
  CHECK(redis_key_slot("a{}b") == redis_key_slot("a{}b"));
  CHECK(redis_key_slot("{}foo") != redis_key_slot("foo"));  // an empty tag: the whole key
  CHECK(redis_key_slot("x{foo}{bar}") == 12182);          // the first tag
  CHECK(cluster_namespace("qg") == "{qg}");
  CHECK(cluster_namespace("team:{qg}") == "team:{qg}");  // a tag of the user's own is kept
  CHECK(cluster_namespace("a{}b") == "{a{}b}");
  const RedisUrl c = parsed("redis+cluster://h"), single = parsed("redis://h");
  CHECK(fleet_key_prefix(c, "qg") == "{qg}");
  CHECK(fleet_key_prefix(single, "qg") == "qg");  // a single Redis's keys are as they were
  CHECK(on_fleet_slot(c, "qg").cluster_key == "{qg}");
  CHECK(on_fleet_slot(single, "qg").cluster_key.empty());
}

TEST_CASE("redis cluster: MOVED and ASK") {
  RedisRedirect to;
  REQUIRE(parse_redirect("MOVED 3999 127.0.0.1:6381", to));
  CHECK_FALSE(to.ask);
  CHECK(to.slot == 3999);
  CHECK(to.host == "127.0.0.1");
  CHECK(to.port == 6381);
  REQUIRE(parse_redirect("ASK 12182 ::1:7002", to));
  CHECK(to.ask);
  CHECK(to.host == "::1");
  CHECK(to.port == 7002);
  REQUIRE(parse_redirect("MOVED 1 :7000", to));  // an endpoint the node does not know: the one asked
  CHECK(to.host.empty());
  for (const char* e : {"MOVED", "MOVED 3999", "MOVED x 127.0.0.1:1", "MOVED 16384 h:1", "MOVED 1 h:0", "MOVED 1 h", "READONLY You can't",
                        "ERR moved"})
    CHECK_FALSE(parse_redirect(e, to));
  Wire moved("-MOVED 5650 127.0.0.1:30002\r\n"), ask("-ASK 5650 127.0.0.1:30003\r\n"), other("-READONLY no\r\n"), ok("+OK\r\n");
  CHECK(redis_moved(moved.r));
  CHECK_FALSE(redis_moved(ask.r));
  CHECK(redirect_of(ask.r, to));
  CHECK(to.ask);
  CHECK_FALSE(redis_moved(other.r));
  CHECK_FALSE(redirect_of(ok.r, to));
  CHECK_FALSE(redis_moved(nullptr));
}

TEST_CASE("redis cluster: the slot's master in CLUSTER SLOTS") {
  // Two ranges, each a master and its replica (host, port, id), as redis-server 7 answers.
  const std::string slots =
      "*2\r\n"
      "*4\r\n:0\r\n:8191\r\n*3\r\n$9\r\n127.0.0.1\r\n:30001\r\n$2\r\nm1\r\n*3\r\n$9\r\n127.0.0.1\r\n:30004\r\n$2\r\nr1\r\n"
      "*4\r\n:8192\r\n:16383\r\n*3\r\n$0\r\n\r\n:30002\r\n$2\r\nm2\r\n*3\r\n$9\r\n127.0.0.1\r\n:30005\r\n$2\r\nr2\r\n";
  Wire w(slots);
  std::string host;
  int port = 0;
  REQUIRE(cluster_slots_owner(w.r, 5650, "seed", host, port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 30001);
  REQUIRE(cluster_slots_owner(w.r, 12182, "seed", host, port));
  CHECK(host == "seed");  // no endpoint: the node that answered
  CHECK(port == 30002);
  Wire partial("*1\r\n*3\r\n:0\r\n:10\r\n*2\r\n$1\r\nh\r\n:1\r\n");
  CHECK_FALSE(cluster_slots_owner(partial.r, 5650, "seed", host, port));  // no master serves it
  Wire error("-ERR This instance has cluster support disabled\r\n");
  CHECK_FALSE(cluster_slots_owner(error.r, 0, "seed", host, port));
}

TEST_CASE("redis cluster: no node answering is said, node by node") {
  RedisUrl u = on_fleet_slot(parsed("redis+cluster://127.0.0.1:1,127.0.0.1:2"), "qg");
  std::string why, owner;
  CHECK(redis_connect(u, why) == nullptr);
  CHECK(has(why, "cluster node 127.0.0.1:1: "));
  CHECK(has(why, "; cluster node 127.0.0.1:2: "));
  CHECK_FALSE(redis_master_now(u, owner, why));
}
