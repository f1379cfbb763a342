#include "pending.h"

#include <cstring>
#include <string_view>

namespace qg::tracker {

namespace {

using quotaguard::Exchange;

constexpr uint32_t kWrap = UINT32_MAX;  // the rest of the ring is empty: go on at its start
constexpr std::size_t kViews = 8;

// An entry: this, then the views' bytes back to back; each entry starts 8-byte aligned.
struct Fixed {
  uint32_t size;  // the whole entry, padded
  uint32_t len[kViews];
  int32_t http_status;
  uint32_t retry_count;
  uint8_t account;
  uint8_t complete;
  uint64_t request_bytes, response_bytes, latency_ns;
  int64_t sent_ns, ts_ms;
  int64_t rl[7];
};

std::string_view Exchange::*const kViewFields[kViews] = {
    &Exchange::workspace,    &Exchange::method,       &Exchange::url,
    &Exchange::request_content_type, &Exchange::request_body, &Exchange::response_content_type,
    &Exchange::response_body, &Exchange::api_key};
int64_t Exchange::*const kRateFields[7] = {&Exchange::rl_limit_requests, &Exchange::rl_remaining_requests,
                                           &Exchange::rl_reset_requests_ms, &Exchange::rl_limit_tokens,
                                           &Exchange::rl_remaining_tokens, &Exchange::rl_reset_tokens_ms,
                                           &Exchange::retry_after_ms};

constexpr std::size_t align8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

}  // namespace

bool PendingExchanges::push(const Exchange& x, int64_t ts_ms) {
  if (x.response_usage) return false;  // a stream's reader: it lives with the caller
  std::size_t size = sizeof(Fixed);
  for (auto field : kViewFields) size += (x.*field).size();
  size = align8(size);
  if (size > kMaxEntry) return false;
  if (!ring_) ring_ = std::make_unique<char[]>(kBytes);  // once per thread's shard
  uint64_t head = head_.load(std::memory_order_relaxed);
  const uint64_t tail = tail_.load(std::memory_order_acquire);
  const std::size_t at = head % kBytes;
  const std::size_t pad = kBytes - at < size ? kBytes - at : 0;  // to the ring's start first
  if (head + pad + size - tail > kBytes) return false;             // full: the caller records it
  if (pad) {
    const uint32_t wrap = kWrap;
    std::memcpy(ring_.get() + at, &wrap, sizeof wrap);  // (at is 8-aligned: 4 bytes fit)
    head += pad;
  }
  char* p = ring_.get() + head % kBytes;
  Fixed f{};
  f.size = static_cast<uint32_t>(size);
  for (std::size_t i = 0; i < kViews; ++i) f.len[i] = static_cast<uint32_t>((x.*kViewFields[i]).size());
  f.http_status = x.http_status;
  f.retry_count = x.retry_count;
  f.account = x.account;
  f.complete = x.response_complete;
  f.request_bytes = x.request_bytes;
  f.response_bytes = x.response_bytes;
  f.latency_ns = x.latency_ns;
  f.sent_ns = x.sent_ns;
  f.ts_ms = ts_ms;
  for (std::size_t i = 0; i < 7; ++i) f.rl[i] = x.*kRateFields[i];
  std::memcpy(p, &f, sizeof f);
  char* out = p + sizeof f;
  for (auto field : kViewFields) {
    const std::string_view v = x.*field;
    if (!v.empty()) std::memcpy(out, v.data(), v.size());
    out += v.size();
  }
  head_.store(head + size, std::memory_order_release);
  return true;
}

uint64_t PendingExchanges::read(uint64_t at, Exchange& x) const {
  uint32_t first;
  std::memcpy(&first, ring_.get() + at % kBytes, sizeof first);
  if (first == kWrap) at += kBytes - at % kBytes;
  const char* p = ring_.get() + at % kBytes;
  Fixed f;
  std::memcpy(&f, p, sizeof f);
  const char* in = p + sizeof f;
  for (std::size_t i = 0; i < kViews; ++i) {
    x.*kViewFields[i] = std::string_view(in, f.len[i]);
    in += f.len[i];
  }
  x.http_status = f.http_status;
  x.retry_count = f.retry_count;
  x.account = f.account;
  x.response_complete = f.complete != 0;
  x.request_bytes = f.request_bytes;
  x.response_bytes = f.response_bytes;
  x.latency_ns = f.latency_ns;
  x.sent_ns = f.sent_ns;
  x.ts_ms = f.ts_ms;
  for (std::size_t i = 0; i < 7; ++i) x.*kRateFields[i] = f.rl[i];
  return at + f.size;
}

}  // namespace qg::tracker
