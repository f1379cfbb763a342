// From an HTTP exchange to a Call: endpoint, model, usage, estimates, retries, de-duplication.
#include "extract.h"
#include "tracker.h"

namespace qg::tracker {

namespace {
bool token_family(Family f) {
  return f == Family::chat || f == Family::completions || f == Family::responses ||
         f == Family::embeddings || f == Family::runs;
}
}  // namespace

Status Tracker::record_exchange(const Exchange& x) {
  uint32_t ep_id;
  Endpoint ep = endpoint(x.method, x.url, &ep_id);
  RequestInfo rq = extract_request(ep.family, x.request_content_type, x.request_body);
  ResponseUsage rs = extract_response(ep.family, x.response_content_type, x.response_body);

  Call c;
  c.workspace = x.workspace;
  c.method = x.method;
  c.path = x.url;
  c.http_status = x.http_status;
  c.retry_count = x.retry_count;
  c.latency_ns = x.latency_ns;
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
  c.model = !rs.model.empty() ? rs.model : !rq.model.empty() ? rq.model : ep.deployment;
  c.error_type = rs.error_type;
  c.error_code = rs.error_code;
  c.error_message = rs.error_message;

  const bool ok = x.http_status >= 200 && x.http_status < 300;
  bool count_usage = ok;
  if (ok && !rs.id.empty()) {
    // Usage also shows on reads (retrieve, poll): count it once per object. A write that
    // returns the id without usage (a run or response just queued) starts it afresh, so even
    // a server that reuses ids across objects is counted once per object.
    if (ep.is_get) {
      if (rs.has_usage && seen_before(rs.id, 0)) count_usage = false;
    } else {
      seen_before(rs.id, rs.has_usage ? 1 : 2);
    }
  }
  if (count_usage) {
    if (rs.has_usage) {
      c.input_tokens = rs.input;
      c.cached_tokens = rs.cached;
      c.output_tokens = rs.output;
      c.reasoning_tokens = rs.reasoning;
    }
    c.audio_ms = rs.audio_ms;
    c.images = rs.images;
    if (ep.family == Family::images && !c.images && !rs.has_usage && rq.n && x.response_complete)
      c.images = rq.n;
    if (ep.family == Family::audio_speech) c.characters = rq.characters;
    const bool stream = rs.events > 0;
    if (stream) c.flags |= kFlagStream;
    const bool cut = !x.response_complete || (stream && !rs.complete) || rs.malformed;
    if (!rs.has_usage && token_family(ep.family) && (stream || cut) && !ep.is_get) {
      // Never zero for a call that ran: ~4 bytes of request per input token, one token per
      // streamed delta (or ~4 bytes of body per token without deltas).
      c.flags |= kFlagEstimated;
      c.input_tokens = c.request_bytes / 4;
      c.output_tokens = rs.deltas ? rs.deltas : c.response_bytes / 4;
    } else if (ep.family == Family::audio_transcriptions || ep.family == Family::audio_translations) {
      if (!c.audio_ms && !rs.has_usage && rq.upload_bytes) {
        c.flags |= kFlagEstimated;  // text formats carry no usage: ~16 kB/s of compressed audio
        c.audio_ms = rq.upload_bytes / 16;
      }
    } else if (cut && token_family(ep.family)) {
      c.flags |= kFlagEstimated;
    }
  }
  uint32_t ws = workspace_id(x.workspace);
  record_ids(ws, ep_id, model_id(c.model), c);
  return effective_for(ws, now_ms());
}

}  // namespace qg::tracker
