// An alert is a fixed-size value so that the caller's thread can emit one without allocating.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "types.h"
#include "utf8.h"

namespace qg::tracker {

struct Alert {
  int64_t ts_ms = 0;           // wall clock when raised
  int64_t mono_ns = 0;         // steady clock when raised (for latency measurement)
  Status status = Status::normal, previous = Status::normal;
  char kind[24] = {};          // status | forecast | unpriced_model | budget | dropped
  char workspace[64] = {};     // "*" = global
  char code[48] = {};          // the API's error code/type, a budget name, a model...
  char message[320] = {};

  // Valid UTF-8, cut on a code point: the JSON sinks and Python callbacks never see bad bytes.
  static void set(char* dst, std::size_t cap, std::string_view s) { utf8_copy(s, dst, cap); }
  void set_kind(std::string_view s) { set(kind, sizeof kind, s); }
  void set_workspace(std::string_view s) { set(workspace, sizeof workspace, s); }
  void set_code(std::string_view s) { set(code, sizeof code, s); }
  void set_message(std::string_view s) { set(message, sizeof message, s); }
};

// {"ts":..., "kind":..., "workspace":..., "status":..., "previous":..., "code":..., "message":...,
//  "text": "<Slack-compatible one-liner>"}
std::string alert_json(const Alert& a);
std::string json_escape(std::string_view s);

}  // namespace qg::tracker
