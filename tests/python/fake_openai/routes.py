"""The fake's answers, endpoint by endpoint: real-shaped bodies and SSE streams, each billed."""
from __future__ import annotations

import json
import re

from . import agent_turns

# Bodies that go wrong in ways a proxy or a bad gateway produces (see the package docstring).
_ABSURD = {"prompt_tokens": "18446744073709551615", "completion_tokens": "1e30",
           "input_tokens": "18446744073709551615", "output_tokens": "1e30"}
_NEGATIVE = {"prompt_tokens": "-5", "completion_tokens": "-7", "input_tokens": "-5", "output_tokens": "-7"}
HTML = b"<!DOCTYPE html><html><head><title>502</title></head><body>upstream answered; proxy page</body></html>"
BAD_MODEL = b"gpt-4o-mini\xff\xfe"  # not UTF-8


def _usage_json(x, body: dict) -> bytes:
    """The JSON of a token-usage body, with its usage numbers or model broken as the mode asks."""
    if x.mode == "no_usage":
        body = {k: v for k, v in body.items() if k != "usage"}
    text = json.dumps(body).encode()
    bad = _ABSURD if x.mode == "absurd" else _NEGATIVE if x.mode == "negative" else None
    if bad and body.get("usage"):
        for key, value in bad.items():
            text = re.sub(rb'("%s": )\d+' % key.encode(), rb"\g<1>" + value.encode(), text, count=1)
    if x.mode == "bad_model" and isinstance(body.get("model"), str):
        text = text.replace(b'"model": "%s"' % body["model"].encode(), b'"model": "%s"' % BAD_MODEL, 1)
    return text


def _send_usage(x, body: dict) -> int:
    if x.mode == "html":
        x.send(200, HTML, ctype="text/html; charset=utf-8")
    else:
        x.send(200, _usage_json(x, body))
    return 200


def _events(x, events: list[str]) -> int:
    """An SSE stream; ``bad_event`` slips an event that is not JSON into the middle, ``cut``
    drops the connection after four events."""
    if x.mode == "bad_event":
        events = events[:2] + ['data: {"id": "chatcmpl-1", "object": broken\n\n'] + events[2:]
    if x.mode == "bad_model":
        events = [e.replace('"model": "', '"model": "\udcff', 1) for e in events]
        events = [e.encode("utf-8", "surrogateescape") for e in events]
    x.stream(events, cut_after=4 if x.mode == "cut" else None)
    return 200


def _sse(name: str | None, data: dict) -> str:
    return (f"event: {name}\n" if name else "") + "data: " + json.dumps(data) + "\n\n"


def answer(api, x) -> int:
    """Answers one request; returns the HTTP status sent."""
    p = x.path[3:] if x.path.startswith("/v1") else x.path
    method, body, bill = x.method, x.body, api.bill
    model = body.get("model", "gpt-4o-mini")
    if method == "POST" and (turn := _tool_turn(api, p, body, model)):  # an agent loop's tool call
        reply, (inp, out) = turn
        bill.add(p, inp, out)
        return _events(x, reply) if isinstance(reply, list) else _send_usage(x, reply)
    if p == "/chat/completions" and method == "POST":
        return _chat(x, body, bill, model)
    if p == "/responses" and method == "POST":
        return _responses(api, x, body, bill, model)
    if p == "/embeddings":
        inputs = body.get("input")
        k = len(inputs) if isinstance(inputs, list) else 1
        bill.add(p, 8 * k)
        return _send_usage(x, {"object": "list", "model": model,
                               "data": [{"object": "embedding", "index": i, "embedding": [0.1, -0.2, 0.3]} for i in range(k)],
                               "usage": {"prompt_tokens": 8 * k, "total_tokens": 8 * k}})
    if p == "/images/generations":
        return _images(x, body, bill, model)
    if p == "/audio/transcriptions":
        return _transcription(x, bill)
    if p == "/audio/speech":
        bill.add(characters=len(body.get("input", "")))
        x.send(200, b"ID3" + b"\x00" * 2048, ctype="audio/mpeg")
        return 200
    if p == "/moderations":
        x.send(200, {"id": "modr-1", "model": "omni-moderation-latest",
                     "results": [{"flagged": False, "categories": {}, "category_scores": {}}]})
        return 200
    if p == "/files" and method == "POST":
        x.send(200, {"id": api.new_id("file"), "object": "file", "bytes": len(x.raw), "created_at": 1,
                     "filename": "data.jsonl", "purpose": "assistants", "status": "processed"})
        return 200
    if p == "/files" and method == "GET":
        x.send(200, {"object": "list", "data": [], "has_more": False})
        return 200
    if p == "/vector_stores" and method == "POST":
        x.send(200, {"id": api.new_id("vs"), "object": "vector_store", "created_at": 1, "name": body.get("name", ""),
                     "usage_bytes": 0, "file_counts": {"in_progress": 0, "completed": 0, "failed": 0,
                                                       "cancelled": 0, "total": 0},
                     "status": "completed", "last_active_at": 1, "metadata": {}})
        return 200
    if re.fullmatch(r"/vector_stores/[^/]+/search", p):
        x.send(200, {"object": "vector_store.search_results.page", "search_query": ["q"], "data": [],
                     "has_more": False, "next_page": None})
        return 200
    if p == "/assistants" and method == "POST":
        x.send(200, {"id": api.new_id("asst"), "object": "assistant", "created_at": 1, "name": body.get("name"),
                     "description": None, "model": model, "instructions": None, "tools": [], "metadata": {},
                     "top_p": 1.0, "temperature": 1.0, "response_format": "auto"})
        return 200
    if p == "/threads" and method == "POST":
        x.send(200, {"id": api.new_id("thread"), "object": "thread", "created_at": 1, "metadata": {},
                     "tool_resources": {}})
        return 200
    m = re.fullmatch(r"/threads/([^/]+)/runs(?:/([^/]+))?", p)
    if m:
        return _runs(api, x, body, bill, m.group(1), m.group(2))
    if p == "/batches" and method == "POST":
        x.send(200, {"id": api.new_id("batch"), "object": "batch", "endpoint": "/v1/chat/completions",
                     "input_file_id": "file-1", "completion_window": "24h", "status": "validating", "created_at": 1})
        return 200
    if p == "/models":
        x.send(200, {"object": "list", "data": [{"id": "gpt-4o", "object": "model", "created": 1, "owned_by": "openai"}]})
        return 200
    x.send(404, {"error": {"message": f"no route {method} {p}", "type": "invalid_request_error", "param": None,
                           "code": None}})
    return 404


def _tool_turn(api, p, body, model):
    if p == "/chat/completions" and (name := agent_turns.chat_wants_tool(body)):
        return agent_turns.chat_tool_call(body, model, name, 11 + len(json.dumps(body.get("messages", []))) // 10)
    if p == "/responses" and (name := agent_turns.responses_wants_tool(body)):
        return agent_turns.responses_tool_call(body, api.new_id("resp"), model, name)
    return None


def _chat(x, body, bill, model) -> int:
    inp = 11 + len(json.dumps(body.get("messages", []))) // 10
    if body.get("stream"):
        # Real streams: "usage": null on every chunk and a last chunk with the usage, only with
        # stream_options.include_usage; billed either way.
        include = (body.get("stream_options") or {}).get("include_usage")
        tokens = ["Hel", "lo", " there", "!", " How", " can", " I", " help", "?"]
        wanted = int((body.get("metadata") or {}).get("tokens") or 0)  # a long stream: this many deltas
        if wanted:
            tokens = [" word"] * wanted
        # Framed as the API frames them: a first chunk with the role and empty content, a chunk
        # per token, a last chunk with an empty delta and the finish reason (then the usage).
        deltas = [{"role": "assistant", "content": "", "refusal": None}] + [{"content": t} for t in tokens] + [{}]
        evs = []
        for i, delta in enumerate(deltas):
            chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if i == len(deltas) - 1 else None}]}
            if include:
                chunk["usage"] = None
            evs.append("data: " + json.dumps(chunk) + "\n\n")
        out = len(tokens)
        if include:
            evs.append("data: " + json.dumps({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": model,
                                              "choices": [],
                                              "usage": {"prompt_tokens": inp, "completion_tokens": out,
                                                        "total_tokens": inp + out,
                                                        "prompt_tokens_details": {"cached_tokens": 0},
                                                        "completion_tokens_details": {"reasoning_tokens": 0}}}) + "\n\n")
        evs.append("data: [DONE]\n\n")
        bill.add("/chat/completions", inp, out)
        return _events(x, evs)
    out, cached, reasoning = 7, 4, 2
    bill.add("/chat/completions", inp, out, cached, reasoning)
    return _send_usage(x, {
        "id": "chatcmpl-same-id", "object": "chat.completion", "created": 1741570283, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?", "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
                  "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0,
                                                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
        "service_tier": "default", "system_fingerprint": "fp_1"})


def _responses(api, x, body, bill, model) -> int:
    inp, out = 21, 13
    rid = api.new_id("resp")
    failed = (body.get("metadata") or {}).get("fail")  # a response that fails mid-way (still billed)
    resp = {"id": rid, "object": "response", "created_at": 1741476542, "status": "completed", "model": model,
            "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hi there", "annotations": []}]}],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "text": {"format": {"type": "text"}},
            "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 3}, "output_tokens": out,
                      "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": inp + out}}
    bill.add("/responses", inp, out, 3, 5)
    if not body.get("stream"):
        return _send_usage(x, resp)
    created = dict(resp, status="in_progress", usage=None, output=[])
    evs = [_sse("response.created", {"type": "response.created", "sequence_number": 0, "response": created})]
    for i, t in enumerate(["Hi", " there"]):
        evs.append(_sse("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": i + 1,
                                                        "item_id": "msg_1", "output_index": 0, "content_index": 0,
                                                        "delta": t, "logprobs": []}))
    if failed:
        done = dict(resp, status="failed", error={"code": "server_error", "message": "The model failed."})
        evs.append(_sse("response.failed", {"type": "response.failed", "sequence_number": 3, "response": done}))
    else:
        evs.append(_sse("response.completed", {"type": "response.completed", "sequence_number": 3, "response": resp}))
    return _events(x, evs)


def _images(x, body, bill, model) -> int:
    k = int(body.get("n") or 1)
    if model != "gpt-image-1":
        bill.add(images=k)
        x.send(200, {"created": 1, "data": [{"url": "https://x/y.png", "revised_prompt": "p"}] * k})
        return 200
    usage = {"input_tokens": 50, "output_tokens": 4160 * k, "total_tokens": 50 + 4160 * k,
             "input_tokens_details": {"text_tokens": 50, "image_tokens": 0}}
    bill.add("/images/generations", 50, 4160 * k, images=k)
    if body.get("stream"):
        evs = [_sse("image_generation.partial_image", {"type": "image_generation.partial_image", "b64_json": "aGk=",
                                                       "partial_image_index": 0, "created_at": 1, "size": "1024x1024",
                                                       "quality": "low", "background": "opaque", "output_format": "png"})]
        evs.append(_sse("image_generation.completed", {"type": "image_generation.completed", "b64_json": "aGVsbG8=",
                                                       "created_at": 1, "size": "1024x1024", "quality": "low",
                                                       "background": "opaque", "output_format": "png",
                                                       "usage": {**usage, "output_tokens": 4160, "total_tokens": 4210}}))
        return _events(x, evs)
    x.send(200, {"created": 1, "data": [{"b64_json": "aGVsbG8="}] * k, "usage": usage})
    return 200


def _transcription(x, bill) -> int:
    m = re.search(rb'name="model"\r\n\r\n([^\r]+)', x.raw)
    model = m.group(1).decode() if m else "whisper-1"
    stream = re.search(rb'name="stream"\r\n\r\ntrue', x.raw) is not None
    if model == "whisper-1":
        bill.add(audio_ms=9000)
        x.send(200, {"text": "hello world", "usage": {"type": "duration", "seconds": 9}})
        return 200
    usage = {"type": "tokens", "input_tokens": 14, "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
             "output_tokens": 45, "total_tokens": 59}
    bill.add("/audio/transcriptions", 14, 45)
    if stream:
        evs = [_sse(None, {"type": "transcript.text.delta", "delta": "hello"}),
               _sse(None, {"type": "transcript.text.delta", "delta": " world"}),
               _sse(None, {"type": "transcript.text.done", "text": "hello world", "usage": usage})]
        return _events(x, evs)
    x.send(200, {"text": "hello world", "usage": usage})
    return 200


def _run(thread_id, run_id, status, usage):
    return {"id": run_id, "object": "thread.run", "created_at": 1, "assistant_id": "asst_1", "thread_id": thread_id,
            "status": status, "model": "gpt-4o", "instructions": "", "tools": [], "metadata": {}, "usage": usage,
            "parallel_tool_calls": True, "truncation_strategy": {"type": "auto", "last_messages": None},
            "tool_choice": "auto", "response_format": "auto", "temperature": 1.0, "top_p": 1.0,
            "incomplete_details": None, "last_error": None, "required_action": None, "started_at": None,
            "expires_at": None, "cancelled_at": None, "failed_at": None, "completed_at": None,
            "max_completion_tokens": None, "max_prompt_tokens": None}


def _runs(api, x, body, bill, thread_id, run_id) -> int:
    usage = {"prompt_tokens": 123, "completion_tokens": 45, "total_tokens": 168}
    if x.method == "POST" and not run_id:
        run_id = api.new_id("run")
        if body.get("stream"):  # thread.run.* events; usage on the terminal one
            bill.add("/threads/runs", 123, 45)
            final = "thread.run.failed" if (body.get("metadata") or {}).get("fail") else "thread.run.completed"
            evs = [_sse("thread.run.created", _run(thread_id, run_id, "queued", None)),
                   _sse("thread.run.in_progress", _run(thread_id, run_id, "in_progress", None)),
                   _sse(final, _run(thread_id, run_id, final.rsplit(".", 1)[1], usage)),
                   "event: done\ndata: [DONE]\n\n"]
            return _events(x, evs)
        with bill.lock:
            api.runs[run_id] = 0
        x.send(200, _run(thread_id, run_id, "queued", None))
        return 200
    with bill.lock:
        api.runs[run_id] = api.runs.get(run_id, 0) + 1
        polls = api.runs[run_id]
    if polls < 2:
        x.send(200, _run(thread_id, run_id, "in_progress", None))
        return 200
    if polls == 2:
        bill.add("/threads/runs", 123, 45)
    x.send(200, _run(thread_id, run_id, "completed", usage))
    return 200
