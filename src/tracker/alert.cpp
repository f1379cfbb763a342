#include "alert.h"

#include <cstdio>

namespace qg::tracker {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string alert_json(const Alert& a) {
  std::string text = std::string("[quotaguard] ") + a.workspace + ": " + a.message;
  std::string out = "{\"ts_ms\":" + std::to_string(a.ts_ms);
  out += ",\"kind\":\"" + json_escape(a.kind) + "\"";
  out += ",\"workspace\":\"" + json_escape(a.workspace) + "\"";
  out += ",\"status\":\"" + std::string(status_name(a.status)) + "\"";
  out += ",\"previous\":\"" + std::string(status_name(a.previous)) + "\"";
  out += ",\"code\":\"" + json_escape(a.code) + "\"";
  out += ",\"message\":\"" + json_escape(a.message) + "\"";
  out += ",\"text\":\"" + json_escape(text) + "\"}";
  return out;
}

}  // namespace qg::tracker
