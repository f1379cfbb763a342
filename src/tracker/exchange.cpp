// From an HTTP exchange to a Call: endpoint, model, usage, estimates, retries, de-duplication.
#include <cstdio>

#include "extract.h"
#include "key_label.h"
#include "shared_state.h"
#include "tracker.h"

namespace qg::tracker {

namespace {
// Endpoints whose calls bill tokens that the response reports: a call that ran and reported
// no usable usage is estimated, never recorded as zero.
bool token_kind(UsageKind k) {
  return k == UsageKind::chat || k == UsageKind::completions || k == UsageKind::responses ||
         k == UsageKind::embeddings || k == UsageKind::runs;
}

// Work accepted but not done yet (a queued run, a background response): its usage arrives
// later, on a poll, a stream or a webhook, and is counted there.
bool deferred(const ResponseUsage& rs) { return rs.status == "queued" || rs.status == "in_progress"; }

// ~4 characters of prompt text per input token plus a few tokens of framing per message (as
// the tokenizer counts a chat), else ~4 bytes of request; one token per streamed text delta,
// else ~4 bytes of body per output token. Never zero for a call that ran.
void estimate(Call& c, const RequestInfo& rq, const ResponseUsage& rs, UsageKind kind) {
  const uint64_t framing = rq.messages ? 4 * rq.messages + 3 : 0;
  const uint64_t input = rq.text_chars ? (rq.text_chars + 3) / 4 + framing : c.request_bytes / 4;
  c.input_tokens = input ? input : 1;
  c.cached_tokens = c.reasoning_tokens = 0;
  if (kind == UsageKind::embeddings) c.output_tokens = 0;
  else if (rs.deltas) c.output_tokens = rs.deltas;
  else c.output_tokens = c.response_bytes / 4 ? c.response_bytes / 4 : 1;
  c.flags |= kFlagEstimated;
}
}  // namespace

Status Tracker::record_exchange(const Exchange& x) {
  uint32_t ep_id;
  Endpoint ep = endpoint(x.method, x.url, &ep_id);
  // The request body is read only when the response leaves something to it (no model, an
  // estimate, images, speech, uploads): a chat completion that reports its usage skips it.
  RequestInfo rq_parsed;
  bool rq_read = false;
  auto request = [&]() -> const RequestInfo& {
    if (!rq_read) {
      rq_parsed = extract_request(ep.kind, x.request_content_type, x.request_body);
      rq_read = true;
    }
    return rq_parsed;
  };
  ResponseUsage parsed;
  if (!x.response_usage) parsed = extract_response(ep.kind, x.response_content_type, x.response_body);
  const ResponseUsage& rs = x.response_usage ? *x.response_usage : parsed;

  Call c;
  c.workspace = x.workspace;
  c.method = x.method;
  c.path = x.url;
  c.http_status = x.http_status;
  c.retry_count = x.retry_count;
  c.latency_ns = x.latency_ns;
  c.sent_ns = x.sent_ns;
  c.ts_ms = x.ts_ms;
  c.account = x.account;
  char key_label[kKeyLabelMax];
  c.api_key_label = api_key_label(x.api_key, key_label);
  c.request_bytes = x.request_bytes ? x.request_bytes : x.request_body.size();
  c.response_bytes = x.response_bytes ? x.response_bytes : x.response_body.size();
  c.rl_limit_requests = x.rl_limit_requests;
  c.rl_remaining_requests = x.rl_remaining_requests;
  c.rl_reset_requests_ms = x.rl_reset_requests_ms;
  c.rl_limit_tokens = x.rl_limit_tokens;
  c.rl_remaining_tokens = x.rl_remaining_tokens;
  c.rl_reset_tokens_ms = x.rl_reset_tokens_ms;
  c.retry_after_ms = x.retry_after_ms;
  if (x.http_status == 0) c.flags |= kFlagTransportError;
  // The model that actually ran, else the one asked for, else Azure's deployment name.
  c.model = !rs.model.empty() ? rs.model.view() : !request().model.empty() ? request().model.view() : ep.deployment;
  c.error_type = rs.error_type.view();
  c.error_code = rs.error_code.view();
  c.error_message = rs.error_message.view();

  const bool ok = x.http_status >= 200 && x.http_status < 300;
  bool count_usage = ok;
  if (ok && !rs.id.empty()) {
    // Usage also shows on reads (retrieve, poll): count it once per object. A write that
    // returns the id without usage (a run or response just queued) starts it afresh, so even
    // a server that reuses ids across objects is counted once per object.
    if (ep.is_get) {
      if (rs.has_usage && seen_before(rs.id.view(), 0)) count_usage = false;
    } else {
      seen_before(rs.id.view(), rs.has_usage ? 1 : 2);
    }
  }
  if (count_usage) {
    const bool usable = rs.has_usage && !rs.absurd;
    if (usable) {
      c.input_tokens = rs.input;
      c.cached_tokens = rs.cached;
      c.output_tokens = rs.output;
      c.reasoning_tokens = rs.reasoning;
    }
    c.audio_ms = rs.audio_ms;
    c.images = rs.images;
    if (ep.kind == UsageKind::images && !c.images && !rs.has_usage && request().n && x.response_complete) c.images = request().n;
    if (ep.kind == UsageKind::audio_speech) c.characters = request().characters;
    const bool stream = rs.events > 0;
    if (stream) c.flags |= kFlagStream;
    // A stream is whole when its own terminal event or [DONE] arrived, even if the reader then
    // closed it before the last transport bytes; a JSON body when it was read to its end.
    const bool cut = stream ? !rs.complete : !x.response_complete || rs.malformed;
    if (!usable && token_kind(ep.kind) && !ep.is_get && !deferred(rs)) {
      estimate(c, request(), rs, ep.kind);
    } else if (ep.kind == UsageKind::audio_transcriptions || ep.kind == UsageKind::audio_translations) {
      if (!c.audio_ms && !rs.has_usage && request().upload_bytes) {
        c.flags |= kFlagEstimated;  // text formats carry no usage: ~16 kB/s of compressed audio
        c.audio_ms = request().upload_bytes / 16;
      }
    } else if (cut && token_kind(ep.kind)) {
      c.flags |= kFlagEstimated;
    }
    // Numbers that are not counts, or a 200 whose body is not the JSON it promised: flagged
    // and announced once per endpoint, so a person looks at the gateway that sends them.
    if (rs.absurd || (rs.malformed && x.response_complete)) {
      c.flags |= kFlagAnomaly;
      if (!anomaly_alerted_[ep_id & (InternTable::kCapacity - 1)].exchange(true, std::memory_order_relaxed) &&
          (!shared_ || shared_->claim_once("usage_anomaly|" + std::string(ep.name())))) {
        char msg[256];
        std::snprintf(msg, sizeof msg, "%.*s: %s; recorded as an estimate (%llu in, %llu out)",
                      static_cast<int>(ep.name().size()), ep.name().data(),
                      rs.absurd ? "the usage numbers are not counts (negative, fractional or absurdly large)"
                                : "a 2xx body that is not the JSON the endpoint returns",
                      static_cast<unsigned long long>(c.input_tokens), static_cast<unsigned long long>(c.output_tokens));
        Status st = effective_for(workspace_id(x.workspace), now_ms());
        emit("usage_anomaly", x.workspace, st, st, ep.name(), msg);
      }
    }
  }
  uint32_t ws = workspace_id(x.workspace);
  record_ids(ws, ep_id, model_id(c.model), c);
  return effective_for(ws, now_ms());
}

}  // namespace qg::tracker
