// A successful chat completion as the tracker records it: the call most tests count.
#pragma once
#include <cstdint>
#include <string_view>

#include "types.h"

namespace qg::tracker::testing {

inline Call ok_call(std::string_view ws, uint64_t in, uint64_t out) {
  Call c;
  c.workspace = ws;
  c.method = "POST";
  c.path = "/v1/chat/completions";
  c.model = "gpt-4o";
  c.http_status = 200;
  c.input_tokens = in;
  c.output_tokens = out;
  return c;
}

}  // namespace qg::tracker::testing
