#include "redis_cluster.h"

#include <hiredis/hiredis.h>

#include <charconv>

namespace qg::tracker {

namespace {
uint16_t crc16(std::string_view s) {  // CRC-16/XMODEM, as the cluster specification gives it
  uint16_t crc = 0;
  for (const char ch : s) {
    crc ^= static_cast<uint16_t>(static_cast<unsigned char>(ch) << 8);
    for (int i = 0; i < 8; ++i) crc = static_cast<uint16_t>(crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

std::string text(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
             ? std::string(r->str, r->len) : std::string();
}

// host:port, the host possibly an IPv6 address (split at the last colon).
bool split_address(std::string_view a, std::string& host, int& port) {
  const auto colon = a.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view p = a.substr(colon + 1);
  host = std::string(a.substr(0, colon));
  return std::from_chars(p.data(), p.data() + p.size(), port).ec == std::errc() && port > 0 && port <= 65535;
}

// CLUSTER SLOTS on one node: the slot's master.
bool ask_node(const RedisUrl& url, const std::string& node, int node_port, std::string& host, int& port, std::string& why) {
  const std::string where = "cluster node " + node + ":" + std::to_string(node_port);
  redisContext* c = redis_connect_node(url, node, node_port, why);
  if (!c) return why = where + ": " + why, false;
  RedisReply r = redis_command(c, {"CLUSTER", "SLOTS"});
  bool ok = false;
  if (!r.r) why = where + ": " + c->errstr;
  else if (r.r->type == REDIS_REPLY_ERROR) why = where + ": " + text(r.r);
  else if (!(ok = cluster_slots_owner(r.r, redis_key_slot(url.cluster_key), node, host, port)))
    why = where + ": no master serves slot " + std::to_string(redis_key_slot(url.cluster_key));
  redis_free(c);
  return ok;
}
}  // namespace

int redis_key_slot(std::string_view key) {
  if (const auto open = key.find('{'); open != std::string_view::npos)
    if (const auto close = key.find('}', open + 1); close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  return crc16(key) & 16383;
}

std::string cluster_namespace(const std::string& ns) {
  const auto open = ns.find('{');
  const auto close = open == std::string::npos ? std::string::npos : ns.find('}', open + 1);
  return close != std::string::npos && close > open + 1 ? ns : "{" + ns + "}";
}

std::string fleet_key_prefix(const RedisUrl& url, const std::string& ns) {
  return url.cluster_nodes.empty() ? ns : cluster_namespace(ns);
}

RedisUrl on_fleet_slot(RedisUrl url, const std::string& ns) {
  if (!url.cluster_nodes.empty()) url.cluster_key = cluster_namespace(ns);
  return url;
}

bool parse_redirect(std::string_view e, RedisRedirect& out) {
  RedisRedirect r;
  if (e.rfind("MOVED ", 0) == 0) e.remove_prefix(6);
  else if (e.rfind("ASK ", 0) == 0) e.remove_prefix(4), r.ask = true;
  else return false;
  const auto space = e.find(' ');
  if (space == std::string_view::npos) return false;
  if (std::from_chars(e.data(), e.data() + space, r.slot).ec != std::errc() || r.slot < 0 || r.slot > 16383) return false;
  if (!split_address(e.substr(space + 1), r.host, r.port)) return false;
  out = r;
  return true;
}

bool redirect_of(const redisReply* r, RedisRedirect& out) {
  return r && r->type == REDIS_REPLY_ERROR && parse_redirect(std::string_view(r->str, r->len), out);
}

bool redis_moved(const redisReply* r) {
  RedisRedirect to;
  return redirect_of(r, to) && !to.ask;
}

bool cluster_slots_owner(const redisReply* slots, int slot, const std::string& asked, std::string& host, int& port) {
  if (!slots || slots->type != REDIS_REPLY_ARRAY) return false;
  for (std::size_t i = 0; i < slots->elements; ++i) {
    const redisReply* range = slots->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 || range->element[0]->type != REDIS_REPLY_INTEGER ||
        range->element[1]->type != REDIS_REPLY_INTEGER || range->element[2]->type != REDIS_REPLY_ARRAY ||
        range->element[2]->elements < 2 || range->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
      continue;
    if (slot < range->element[0]->integer || slot > range->element[1]->integer) continue;
    const redisReply* master = range->element[2];
    host = text(master->element[0]);
    if (host.empty() || host == "?") host = asked;  // an endpoint the node does not know: its own
    port = static_cast<int>(master->element[1]->integer);
    return port > 0;
  }
  return false;
}

bool redis_cluster_owner(const RedisUrl& url, std::string& owner, std::string& why, std::size_t* first) {
  return redis_ask_in_turn(url.cluster_nodes, first, owner, why,
                           [&](const std::string& node, int port, std::string& h, int& p, std::string& one) {
                             return ask_node(url, node, port, h, p, one);
                           });
}

redisContext* redis_cluster_connect(const RedisUrl& url, std::string& why, std::string* master) {
  std::string reasons;
  auto fail = [&](const std::string& one) { reasons += (reasons.empty() ? "" : "; ") + one; };
  for (const auto& [node, node_port] : url.cluster_nodes) {
    std::string host, one;
    int port = 0;
    if (!ask_node(url, node, node_port, host, port, one)) {
      fail(one);
      continue;
    }
    // The node the map names, and the one its MOVED names if the map was already old (a failover
    // the node asked had not heard of): a key of the slot says whether it serves it.
    for (int hop = 0; hop < 3; ++hop) {
      const std::string addr = host + ":" + std::to_string(port);
      redisContext* c = redis_connect_node(url, host, port, one);
      if (!c) {
        fail("master " + addr + " (from cluster node " + node + "): " + one);
        break;
      }
      RedisReply r = redis_command(c, {"EXISTS", url.cluster_key});
      RedisRedirect to;
      if (r.ok() || (redirect_of(r.r, to) && to.ask)) {  // ASK: it serves the slot, migrating
        if (master) *master = addr;
        return c;
      }
      const bool moved = redirect_of(r.r, to) && !to.ask;
      fail("master " + addr + ": " + (r.r ? text(r.r) : std::string(c->errstr)));
      redis_free(c);
      if (!moved) break;
      host = to.host.empty() ? host : to.host, port = to.port;
    }
  }
  why = reasons;
  return nullptr;
}

RedisReply redis_ask(const RedisUrl& url, const RedisRedirect& to, const std::vector<std::string>& args) {
  std::string why;
  redisContext* c = redis_connect_node(url, to.host, to.port, why);
  if (!c) return RedisReply(nullptr);
  RedisReply asking = redis_command(c, {"ASKING"});
  RedisReply r = asking.ok() ? redis_command(c, args) : RedisReply(nullptr);
  redis_free(c);
  return r;
}

}  // namespace qg::tracker
