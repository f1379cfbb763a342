// The fleet's Redis URL tests' helpers (test_redis_url.cpp, test_redis_cluster.cpp): a URL that
// parses, a URL refused (and why), text that holds a part.
#pragma once
#include <doctest/doctest.h>

#include <string>

#include "redis_client.h"

namespace redis_url_check {
inline qg::tracker::RedisUrl parsed(const std::string& text) {
  qg::tracker::RedisUrl u;
  std::string error;
  INFO(text);
  REQUIRE(qg::tracker::parse_redis_url(text, u, error));
  CHECK(error.empty());
  return u;
}
inline std::string refused(const std::string& text) {
  qg::tracker::RedisUrl u;
  std::string error;
  INFO(text);
  CHECK_FALSE(qg::tracker::parse_redis_url(text, u, error));
  return error;
}
inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace redis_url_check
