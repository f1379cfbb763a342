"""A loopback fake of the OpenAI API that answers like the real one (usage bodies, SSE streams,
429 bodies of both kinds, x-ratelimit-* headers) and keeps its own bill to compare with."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fake_agent_turns

QUOTA_BODY = {"error": {"message": "You exceeded your current quota, please check your plan and billing details. "
                                   "For more information on this error, read the docs: "
                                   "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                        "type": "insufficient_quota", "param": None, "code": "insufficient_quota"}}
QUOTA_BODY_2023 = {"error": {"message": "You exceeded your current quota, please check your plan and billing details.",
                             "type": "insufficient_quota", "param": None, "code": None}}
RATE_BODY = {"error": {"message": "Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): "
                                  "Limit 10000, Used 9348, Requested 5086. Please try again in 26.604s.",
                       "type": "tokens", "param": None, "code": "rate_limit_exceeded"}}


class Bill:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.by_path: dict[str, int] = {}
        self.input = self.output = self.cached = self.reasoning = 0
        self.images = 0
        self.audio_ms = 0
        self.characters = 0
        self.models: list[str] = []

    def add(self, path, inp=0, out=0, cached=0, reasoning=0):
        with self.lock:
            self.input += inp
            self.output += out
            self.cached += cached
            self.reasoning += reasoning


class FakeOpenAI:
    def __init__(self):
        self.bill = Bill()
        self.mode = "ok"            # ok | quota | quota2023 | rate_limit
        self.rate_limit_times = 0   # answer this many requests with a rate-limit 429 first
        self.remaining_requests = 100
        self.runs: dict[str, int] = {}
        self._ids = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

            def do_DELETE(self):
                server._handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _id(self, prefix):
        with self.bill.lock:
            self._ids += 1
            return f"{prefix}_{self._ids:06d}"

    # -- plumbing -------------------------------------------------------------------------
    def _headers(self):
        with self.bill.lock:
            self.remaining_requests = max(0, self.remaining_requests - 1)
            rem = self.remaining_requests
        return {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": str(rem),
                "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-limit-tokens": "30000",
                "x-ratelimit-remaining-tokens": "29000", "x-ratelimit-reset-tokens": "2s",
                "x-request-id": "req_" + str(time.monotonic_ns()), "openai-processing-ms": "12",
                "openai-poll-after-ms": "5"}

    def _send(self, h, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(data)))
        for k, v in {**self._headers(), **(extra or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _sse(self, h, events, cut_after=None):
        h.send_response(200)
        h.send_header("content-type", "text/event-stream; charset=utf-8")
        h.send_header("transfer-encoding", "chunked")
        for k, v in self._headers().items():
            h.send_header(k, v)
        h.end_headers()
        for i, ev in enumerate(events):
            if cut_after is not None and i >= cut_after:
                break
            chunk = ev.encode()
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            h.wfile.flush()
        if cut_after is None:
            h.wfile.write(b"0\r\n\r\n")
        else:
            h.close_connection = True

    def _handle(self, h, method):
        n = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(n) if n else b""
        path = h.path.split("?")[0]
        path = re.sub(r"^/openai/deployments/[^/]+", "/v1", path)
        with self.bill.lock:
            self.bill.requests += 1
            key = f"{method} {re.sub(r'/(?:[a-z]+_|file-)[0-9a-z]+', '/{id}', path)}"
            self.bill.by_path[key] = self.bill.by_path.get(key, 0) + 1
            limited = self.rate_limit_times > 0
            if limited:
                self.rate_limit_times -= 1
        if self.mode in ("quota", "quota2023"):
            return self._send(h, 429, QUOTA_BODY if self.mode == "quota" else QUOTA_BODY_2023)
        if limited or self.mode == "rate_limit":
            return self._send(h, 429, RATE_BODY, extra={"retry-after-ms": "20"})
        ctype = h.headers.get("content-type", "")
        body = json.loads(raw) if raw and "json" in ctype else {}
        if "model" in body:
            with self.bill.lock:
                self.bill.models.append(body["model"])
        p = path[3:] if path.startswith("/v1") else path
        try:
            return self._route(h, method, p, body, raw, ctype)
        except BrokenPipeError:
            pass

    def _route(self, h, method, p, body, raw, ctype):
        model = body.get("model", "gpt-4o-mini")
        if method == "POST" and (turn := self._tool_turn(p, body, model)):  # an agent loop's tool call
            answer, (inp, out) = turn
            self.bill.add(p, inp, out)
            return self._sse(h, answer) if isinstance(answer, list) else self._send(h, 200, answer)
        if p == "/chat/completions" and method == "POST":
            inp = 11 + len(json.dumps(body.get("messages", []))) // 10
            out, cached, reasoning = 7, 4, 2
            if body.get("stream"):
                include = (body.get("stream_options") or {}).get("include_usage")
                evs = []
                for tok in ["Hel", "lo", " there", "!", " How", " can", " I", " help", "?"]:
                    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": model,
                             "choices": [{"index": 0, "delta": {"content": tok}, "finish_reason": None}]}
                    if include:
                        chunk["usage"] = None
                    evs.append("data: " + json.dumps(chunk) + "\n\n")
                out = 9
                if include:
                    evs.append("data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": model, "choices": [],
                                                      "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
                                                                "prompt_tokens_details": {"cached_tokens": 0},
                                                                "completion_tokens_details": {"reasoning_tokens": 0}}}) + "\n\n")
                    self.bill.add(p, inp, out)
                evs.append("data: [DONE]\n\n")
                cut = 4 if (body.get("metadata") or {}).get("cut") else None
                return self._sse(h, evs, cut)
            self.bill.add(p, inp, out, cached, reasoning)
            return self._send(h, 200, {
                "id": "chatcmpl-same-id", "object": "chat.completion", "created": 1741570283, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?", "refusal": None},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
                          "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                                        "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
                "service_tier": "default", "system_fingerprint": "fp_1"})
        if p == "/responses" and method == "POST":
            inp, out = 21, 13
            rid = self._id("resp")
            resp = {"id": rid, "object": "response", "created_at": 1741476542, "status": "completed", "model": model,
                    "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                                "content": [{"type": "output_text", "text": "Hi there", "annotations": []}]}],
                    "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "text": {"format": {"type": "text"}},
                    "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 3}, "output_tokens": out,
                              "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": inp + out}}
            self.bill.add(p, inp, out, 3, 5)
            if body.get("stream"):
                created = dict(resp, status="in_progress", usage=None, output=[])
                evs = [f"event: response.created\ndata: {json.dumps({'type': 'response.created', 'sequence_number': 0, 'response': created})}\n\n"]
                for i, t in enumerate(["Hi", " there"]):
                    evs.append(f"event: response.output_text.delta\ndata: {json.dumps({'type': 'response.output_text.delta', 'sequence_number': i + 1, 'item_id': 'msg_1', 'output_index': 0, 'content_index': 0, 'delta': t, 'logprobs': []})}\n\n")
                evs.append(f"event: response.completed\ndata: {json.dumps({'type': 'response.completed', 'sequence_number': 3, 'response': resp})}\n\n")
                return self._sse(h, evs)
            return self._send(h, 200, resp)
        if p == "/embeddings":
            inputs = body.get("input")
            k = len(inputs) if isinstance(inputs, list) else 1
            self.bill.add(p, 8 * k)
            return self._send(h, 200, {"object": "list", "model": model,
                                       "data": [{"object": "embedding", "index": i, "embedding": [0.1, -0.2, 0.3]} for i in range(k)],
                                       "usage": {"prompt_tokens": 8 * k, "total_tokens": 8 * k}})
        if p == "/images/generations":
            k = int(body.get("n") or 1)
            with self.bill.lock:
                self.bill.images += k
            if model == "gpt-image-1":
                self.bill.add(p, 50, 4160 * k)
                return self._send(h, 200, {"created": 1, "data": [{"b64_json": "aGVsbG8="}] * k,
                                           "usage": {"input_tokens": 50, "output_tokens": 4160 * k, "total_tokens": 50 + 4160 * k,
                                                     "input_tokens_details": {"text_tokens": 50, "image_tokens": 0}}})
            return self._send(h, 200, {"created": 1, "data": [{"url": "https://x/y.png", "revised_prompt": "p"}] * k})
        if p == "/audio/transcriptions":
            m = re.search(rb'name="model"\r\n\r\n([^\r]+)', raw)
            tmodel = m.group(1).decode() if m else "whisper-1"
            if tmodel == "whisper-1":
                with self.bill.lock:
                    self.bill.audio_ms += 9000
                return self._send(h, 200, {"text": "hello world", "usage": {"type": "duration", "seconds": 9}})
            self.bill.add(p, 14, 45)
            return self._send(h, 200, {"text": "hello world", "usage": {"type": "tokens", "input_tokens": 14,
                                                                         "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
                                                                         "output_tokens": 45, "total_tokens": 59}})
        if p == "/audio/speech":
            with self.bill.lock:
                self.bill.characters += len(body.get("input", ""))
            return self._send(h, 200, b"ID3" + b"\x00" * 2048, ctype="audio/mpeg")
        if p == "/moderations":
            return self._send(h, 200, {"id": "modr-1", "model": "omni-moderation-latest",
                                       "results": [{"flagged": False, "categories": {}, "category_scores": {}}]})
        if p == "/files" and method == "POST":
            return self._send(h, 200, {"id": self._id("file"), "object": "file", "bytes": len(raw), "created_at": 1,
                                       "filename": "data.jsonl", "purpose": "assistants", "status": "processed"})
        if p == "/files" and method == "GET":
            return self._send(h, 200, {"object": "list", "data": [], "has_more": False})
        if p == "/vector_stores" and method == "POST":
            return self._send(h, 200, {"id": self._id("vs"), "object": "vector_store", "created_at": 1, "name": body.get("name", ""),
                                       "usage_bytes": 0, "file_counts": {"in_progress": 0, "completed": 0, "failed": 0,
                                                                         "cancelled": 0, "total": 0},
                                       "status": "completed", "last_active_at": 1, "metadata": {}})
        if re.fullmatch(r"/vector_stores/[^/]+/search", p):
            return self._send(h, 200, {"object": "vector_store.search_results.page", "search_query": ["q"], "data": [],
                                       "has_more": False, "next_page": None})
        if p == "/assistants" and method == "POST":
            return self._send(h, 200, {"id": self._id("asst"), "object": "assistant", "created_at": 1, "name": body.get("name"),
                                       "description": None, "model": model, "instructions": None, "tools": [], "metadata": {},
                                       "top_p": 1.0, "temperature": 1.0, "response_format": "auto"})
        if p == "/threads" and method == "POST":
            return self._send(h, 200, {"id": self._id("thread"), "object": "thread", "created_at": 1, "metadata": {},
                                       "tool_resources": {}})
        m = re.fullmatch(r"/threads/([^/]+)/runs(?:/([^/]+))?", p)
        if m:
            thread_id, run_id = m.group(1), m.group(2)
            if method == "POST" and not run_id:
                run_id = self._id("run")
                with self.bill.lock:
                    self.runs[run_id] = 0
                return self._send(h, 200, self._run(thread_id, run_id, "queued", None))
            with self.bill.lock:
                self.runs[run_id] = self.runs.get(run_id, 0) + 1
                polls = self.runs[run_id]
            if polls < 2:
                return self._send(h, 200, self._run(thread_id, run_id, "in_progress", None))
            usage = {"prompt_tokens": 123, "completion_tokens": 45, "total_tokens": 168}
            if polls == 2:
                self.bill.add(p, 123, 45)
            return self._send(h, 200, self._run(thread_id, run_id, "completed", usage))
        if p == "/batches" and method == "POST":
            return self._send(h, 200, {"id": self._id("batch"), "object": "batch", "endpoint": "/v1/chat/completions",
                                       "input_file_id": "file-1", "completion_window": "24h", "status": "validating",
                                       "created_at": 1})
        if p == "/models":
            return self._send(h, 200, {"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"}]})
        return self._send(h, 404, {"error": {"message": f"no route {method} {p}", "type": "invalid_request_error",
                                             "param": None, "code": None}})

    def _tool_turn(self, p, body, model):
        if p == "/chat/completions" and (name := fake_agent_turns.chat_wants_tool(body)):
            return fake_agent_turns.chat_tool_call(body, model, name, 11 + len(json.dumps(body.get("messages", []))) // 10)
        if p == "/responses" and (name := fake_agent_turns.responses_wants_tool(body)):
            return fake_agent_turns.responses_tool_call(body, self._id("resp"), model, name)
        return None

    def _run(self, thread_id, run_id, status, usage):
        return {"id": run_id, "object": "thread.run", "created_at": 1, "assistant_id": "asst_1", "thread_id": thread_id,
                "status": status, "model": "gpt-4o", "instructions": "", "tools": [], "metadata": {}, "usage": usage,
                "parallel_tool_calls": True, "truncation_strategy": {"type": "auto", "last_messages": None},
                "tool_choice": "auto", "response_format": "auto", "temperature": 1.0, "top_p": 1.0,
                "incomplete_details": None, "last_error": None, "required_action": None, "started_at": None,
                "expires_at": None, "cancelled_at": None, "failed_at": None, "completed_at": None,
                "max_completion_tokens": None, "max_prompt_tokens": None}
