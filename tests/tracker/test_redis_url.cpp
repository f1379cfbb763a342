// The fleet's Redis URLs (src/tracker/redis_client.h): the Sentinel forms, as redis-py's
// redis+sentinel://, Lettuce's redis-sentinel://...#name and ?sentinelMasterId= spell them, and
// a clear error for each way one can be wrong.
#include <doctest/doctest.h>

#include <string>

#include "redis_client.h"
#include "redis_url_check.h"

using namespace qg::tracker;
using namespace redis_url_check;

TEST_CASE("redis url: sentinels, the master's name and database, its credentials") {
  const RedisUrl u = parsed("redis+sentinel://alice:pw@10.0.0.1:26380,sentinel-b,[::1]:26381/mymaster/3");
  REQUIRE(u.sentinels.size() == 3);
  CHECK(u.sentinels[0] == std::pair<std::string, int>{"10.0.0.1", 26380});
  CHECK(u.sentinels[1] == std::pair<std::string, int>{"sentinel-b", 26379});
  CHECK(u.sentinels[2] == std::pair<std::string, int>{"::1", 26381});
  CHECK(u.master_name == "mymaster");
  CHECK(u.db == 3);
  CHECK(u.user == "alice");
  CHECK(u.password == "pw");  // the master's; the sentinels are asked without unless told
  CHECK(u.sentinel_password.empty());
  CHECK(u.wait_replicas == 1);  // a push counts once a replica has it
  CHECK_FALSE(u.tls);
  CHECK(redis_address(u) == "redis+sentinel://10.0.0.1:26380,sentinel-b:26379,[::1]:26381/mymaster/3");
}

TEST_CASE("redis url: the other spellings of a sentinel URL") {
  for (const char* text : {"sentinel://:pw@h1:1,h2:2/m", "redis-sentinel://:pw@h1:1,h2:2#m", "redis-sentinel://:pw@h1:1,h2:2?sentinelMasterId=m",
                           "redis+sentinel://:pw@h1:1,h2:2?master_name=m", "redis+sentinel://:pw@h1:1,h2:2/?service_name=m"}) {
    const RedisUrl u = parsed(text);
    CHECK(u.sentinels.size() == 2);
    CHECK(u.master_name == "m");
    CHECK(u.password == "pw");
    CHECK(u.db == 0);
  }
  CHECK(parsed("redis-sentinel://h1/5#m").db == 5);  // Lettuce: the database is the path then
  const RedisUrl o = parsed("redis+sentinel://h/m?sentinel_password=sp&sentinel_username=su&wait_replicas=0");
  CHECK(o.sentinel_password == "sp");
  CHECK(o.sentinel_user == "su");
  CHECK(o.wait_replicas == 0);
  const RedisUrl t = parsed("rediss+sentinel://h/m?ssl_ca_certs=/ca.pem&ssl_cert_reqs=none");
  CHECK(t.tls);
  CHECK(t.tls_options.ca_file == "/ca.pem");
  CHECK_FALSE(t.tls_options.verify);
  CHECK(parsed("rediss-sentinel://h/m").tls);
  CHECK(parsed("redis://h:7000/2").sentinels.empty());  // the plain forms are as they were
}

TEST_CASE("redis url: a bad sentinel URL says what is wrong") {
  CHECK(has(refused("redis+sentinel://h1:26379,h2:26379"), "needs the master's name"));
  CHECK(has(refused("redis+sentinel://h1:26379/"), "needs the master's name"));
  CHECK(has(refused("redis+sentinel:///mymaster"), "needs sentinels"));
  CHECK(has(refused("redis+sentinel://h1,,h2/mymaster"), "needs sentinels"));
  CHECK(has(refused("redis+sentinel://h1:port/mymaster"), "sentinel port 'port' is not a port number"));
  CHECK(has(refused("redis+sentinel://h1:70000/mymaster"), "not a port number"));
  CHECK(has(refused("redis+sentinel://[::1/mymaster"), "lacks its ']'"));
  CHECK(has(refused("redis+sentinel://:26379/mymaster"), "has no host"));
  CHECK(has(refused("redis+sentinel://h/mymaster/zero"), "database 'zero' is not a number"));
  CHECK(has(refused("redis+sentinel://h/mymaster?wait_replicas=-1"), "wait_replicas is a number"));
  CHECK(has(refused("redis+sentinel://h/mymaster?sentinel_pass=x"), "unknown option 'sentinel_pass'"));
  CHECK(has(refused("redis+sentinel://h/mymaster?ssl_ca_certs=/ca.pem"), "needs rediss+sentinel://"));
  CHECK(has(refused("rediss+sentinel://h/mymaster?ssl_cert_reqs=maybe"), "ssl_cert_reqs is 'required' or 'none'"));
  CHECK(has(refused("redis+sentinal://h/mymaster"), "nor rediss://, unix://, redis+sentinel://"));
}

TEST_CASE("redis url: no sentinel answering is said, sentinel by sentinel") {
  RedisUrl u = parsed("redis+sentinel://127.0.0.1:1,127.0.0.1:2/mymaster");
  std::string why, master;
  CHECK(redis_connect(u, why) == nullptr);
  CHECK(has(why, "sentinel 127.0.0.1:1: "));
  CHECK(has(why, "; sentinel 127.0.0.1:2: "));
  CHECK_FALSE(redis_sentinel_master(u, master, why));
}
