// Fuzz target for usage extraction. With clang: -fsanitize=fuzzer,address (libFuzzer).
// With g++ (no libFuzzer): a driver that replays the files given as arguments, so a corpus
// or a crash reproducer can be checked in the normal build.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "endpoint.h"
#include "extract.h"

using namespace qg::tracker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // First byte picks the family and the content type; the rest is the body.
  auto family = static_cast<Family>(data[0] % (static_cast<int>(Family::organization) + 1));
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* ct = (data[0] & 0x80) ? "text/event-stream" : "application/json";
  ResponseUsage u = extract_response(family, ct, body);
  if (u.cached > u.input || u.reasoning > u.output) __builtin_trap();
  extract_request(family, (data[0] & 0x40) ? "multipart/form-data; boundary=xyz" : "application/json", body);
  classify("POST", body.substr(0, 256));
  parse_go_duration_ms(body.substr(0, 32));
  return 0;
}

#ifndef QG_LIBFUZZER
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  return 0;
}
#endif
