/* libquotaguard C ABI: record OpenAI API calls, read usage and status.
 * All functions are thread-safe. qg_record() is the hot path: no lock, no allocation, no I/O. */
#ifndef QUOTAGUARD_QUOTAGUARD_H
#define QUOTAGUARD_QUOTAGUARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum qg_status {
  QG_NORMAL = 0, QG_WARNING = 1, QG_DEGRADED = 2, QG_CRITICAL = 3, QG_RATE_LIMITED = 4, QG_EXHAUSTED = 5
} qg_status;

/* Strings are (pointer, length) pairs and need not be NUL-terminated; NULL/0 = absent. */
typedef struct qg_call {
  const char* workspace; size_t workspace_len;
  const char* method; size_t method_len;      /* "POST" */
  const char* url; size_t url_len;            /* full URL or path; /v1, Azure prefixes stripped */
  const char* model; size_t model_len;
  const char* error_type; size_t error_type_len;
  const char* error_code; size_t error_code_len;
  int32_t http_status;                        /* 0 = no response */
  uint32_t retry_count;                       /* x-stainless-retry-count */
  uint64_t input_tokens, cached_tokens, output_tokens, reasoning_tokens;
  uint64_t images, audio_ms, characters, request_bytes, response_bytes, latency_ns;
} qg_call;

typedef struct qg_exchange {
  const char* workspace; size_t workspace_len;
  const char* method; size_t method_len;
  const char* url; size_t url_len;
  const char* request_content_type; size_t request_content_type_len;
  const char* request_body; size_t request_body_len;
  int32_t http_status;
  const char* response_content_type; size_t response_content_type_len;
  const char* response_body; size_t response_body_len;
  uint32_t retry_count;
  uint64_t latency_ns;
} qg_exchange;

/* Starts (or restarts) the process-wide tracker. config_path: a quotaguard-tracker.toml, or
 * NULL for defaults (in memory, no sinks). Returns 0, or -1 with a message in err. */
int qg_init(const char* config_path, char* err, size_t err_len);
void qg_record(const qg_call* call);
/* Extracts usage from the bodies (JSON or SSE) and records; returns the workspace status. */
qg_status qg_record_exchange(const qg_exchange* x);
qg_status qg_status_of(const char* workspace, size_t workspace_len); /* NULL: everything */
/* Writes the usage report as JSON into buf; returns the length needed (excluding NUL). */
size_t qg_usage_json(const char* workspace, size_t workspace_len, char* buf, size_t buf_len);
const char* qg_status_name(qg_status s);
void qg_flush(void);
void qg_shutdown(void);

#ifdef __cplusplus
}
#endif
#endif
