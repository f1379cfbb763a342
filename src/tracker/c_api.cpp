// The C ABI over one process-wide Tracker.
#include <cstring>
#include <memory>
#include <mutex>

#include "quotaguard/quotaguard.h"
#include "report_json.h"
#include "tracker.h"

namespace {
std::mutex g_mu;
std::shared_ptr<qg::tracker::Tracker> g_tracker;

std::shared_ptr<qg::tracker::Tracker> current() {
  std::lock_guard lock(g_mu);
  if (!g_tracker) g_tracker = std::make_shared<qg::tracker::Tracker>(qg::tracker::Config{});
  return g_tracker;
}
// Hot path: the tracker pointer is read without the registry lock once it exists.
thread_local qg::tracker::Tracker* t_fast = nullptr;
std::atomic<uint64_t> g_generation{0};
thread_local uint64_t t_generation = ~0ULL;

qg::tracker::Tracker& fast() {
  if (t_generation != g_generation.load(std::memory_order_acquire) || !t_fast) {
    auto t = current();
    t_fast = t.get();
    t_generation = g_generation.load(std::memory_order_acquire);
  }
  return *t_fast;
}

std::string_view sv(const char* p, size_t n) { return p ? std::string_view(p, n) : std::string_view(); }
}  // namespace

extern "C" {

int qg_init(const char* config_path, char* err, size_t err_len) {
  qg::tracker::Config cfg;
  std::string error;
  if (config_path && !qg::tracker::load_config_file(config_path, cfg, error)) {
    if (err && err_len) std::snprintf(err, err_len, "%s", error.c_str());
    return -1;
  }
  try {
    auto t = std::make_shared<qg::tracker::Tracker>(std::move(cfg));
    std::lock_guard lock(g_mu);
    if (g_tracker) g_tracker->shutdown();
    g_tracker = t;
    g_generation.fetch_add(1, std::memory_order_release);
  } catch (const std::exception& e) {
    if (err && err_len) std::snprintf(err, err_len, "%s", e.what());
    return -1;
  }
  return 0;
}

void qg_record(const qg_call* c) {
  qg::tracker::Call call;
  call.workspace = sv(c->workspace, c->workspace_len);
  call.method = sv(c->method, c->method_len);
  call.path = sv(c->url, c->url_len);
  call.model = sv(c->model, c->model_len);
  call.error_type = sv(c->error_type, c->error_type_len);
  call.error_code = sv(c->error_code, c->error_code_len);
  call.http_status = c->http_status;
  call.retry_count = c->retry_count;
  call.input_tokens = c->input_tokens;
  call.cached_tokens = c->cached_tokens;
  call.output_tokens = c->output_tokens;
  call.reasoning_tokens = c->reasoning_tokens;
  call.images = c->images;
  call.audio_ms = c->audio_ms;
  call.characters = c->characters;
  call.request_bytes = c->request_bytes;
  call.response_bytes = c->response_bytes;
  call.latency_ns = c->latency_ns;
  fast().record(call);
}

qg_status qg_record_exchange(const qg_exchange* x) {
  qg::tracker::Exchange e;
  e.workspace = sv(x->workspace, x->workspace_len);
  e.method = sv(x->method, x->method_len);
  e.url = sv(x->url, x->url_len);
  e.request_content_type = sv(x->request_content_type, x->request_content_type_len);
  e.request_body = sv(x->request_body, x->request_body_len);
  e.http_status = x->http_status;
  e.response_content_type = sv(x->response_content_type, x->response_content_type_len);
  e.response_body = sv(x->response_body, x->response_body_len);
  e.retry_count = x->retry_count;
  e.latency_ns = x->latency_ns;
  return static_cast<qg_status>(fast().record_exchange(e));
}

qg_status qg_status_of(const char* workspace, size_t len) {
  return static_cast<qg_status>(current()->status(sv(workspace, len)));
}

size_t qg_usage_json(const char* workspace, size_t len, char* buf, size_t buf_len) {
  std::string json = qg::tracker::usage_json(current()->usage(sv(workspace, len)));
  if (buf && buf_len) {
    size_t n = json.size() < buf_len - 1 ? json.size() : buf_len - 1;
    std::memcpy(buf, json.data(), n);
    buf[n] = '\0';
  }
  return json.size();
}

const char* qg_status_name(qg_status s) { return qg::tracker::status_name(static_cast<qg::tracker::Status>(s)); }

void qg_flush(void) { current()->flush(); }

void qg_shutdown(void) {
  std::lock_guard lock(g_mu);
  if (g_tracker) g_tracker->shutdown();
}

}  // extern "C"
