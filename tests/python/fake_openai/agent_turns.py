"""Tool-calling turns for the fake API, as an agent loop (the OpenAI Agents SDK) meets them.

A request that offers tools and carries no tool result yet is answered with a call of its first
tool (the real API does so for a prompt that needs the tool); the request that brings the
tool's result back gets the ordinary text answer from fake_openai. Chat Completions and
Responses, plain and streamed, shaped as the real API sends them. Requests without tools are
not touched, so every other test sees the fake as before.

Each answer here returns (body or SSE events, usage billed): routes.py adds the usage to the bill.
"""
from __future__ import annotations

import json

ARGUMENTS = json.dumps({"city": "Paris"})
RESPONSES_USAGE = (17, 9)  # input, output tokens of a tool-call turn (Responses API)
CHAT_COMPLETION_TOKENS = 9  # output tokens of a tool-call turn (Chat Completions)


def _first_tool_name(tools: list) -> str | None:
    for tool in tools or []:
        if tool.get("type") == "function":
            return (tool.get("function") or {}).get("name") or tool.get("name")
    return None


def chat_wants_tool(body: dict) -> str | None:
    """The tool to call, when the conversation offers one and has no tool result yet."""
    if any(m.get("role") == "tool" for m in body.get("messages", [])):
        return None
    return _first_tool_name(body.get("tools"))


def responses_wants_tool(body: dict) -> str | None:
    items = body.get("input")
    if isinstance(items, list) and any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items):
        return None
    return _first_tool_name(body.get("tools"))


def chat_tool_call(body: dict, model: str, name: str, prompt_tokens: int):
    """(JSON body or SSE events, (input, output)) for a Chat Completions tool-call turn."""
    out = CHAT_COMPLETION_TOKENS
    call = {"id": "call_fake_1", "type": "function", "function": {"name": name, "arguments": ARGUMENTS}}
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": out, "total_tokens": prompt_tokens + out,
             "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}
    if not body.get("stream"):
        return ({"id": "chatcmpl-tool", "object": "chat.completion", "created": 1741570283, "model": model,
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": None,
                                                      "tool_calls": [call]},
                              "logprobs": None, "finish_reason": "tool_calls"}],
                 "usage": usage, "service_tier": "default", "system_fingerprint": "fp_1"},
                (prompt_tokens, out))
    include = (body.get("stream_options") or {}).get("include_usage")

    def chunk(delta, finish=None):
        c = {"id": "chatcmpl-tool", "object": "chat.completion.chunk", "created": 1741570283, "model": model,
             "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if include:
            c["usage"] = None
        return "data: " + json.dumps(c) + "\n\n"

    events = [chunk({"role": "assistant", "content": None,
                     "tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                                     "function": {"name": name, "arguments": ""}}]}),
              chunk({"tool_calls": [{"index": 0, "function": {"arguments": ARGUMENTS}}]}),
              chunk({}, "tool_calls")]
    if include:
        events.append("data: " + json.dumps({"id": "chatcmpl-tool", "object": "chat.completion.chunk",
                                             "created": 1741570283, "model": model, "choices": [],
                                             "usage": usage}) + "\n\n")
    events.append("data: [DONE]\n\n")
    return events, (prompt_tokens, out)


def _sse(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def responses_tool_call(body: dict, response_id: str, model: str, name: str):
    """(JSON body or SSE events, (input, output)) for a Responses API tool-call turn."""
    inp, out = RESPONSES_USAGE
    item = {"type": "function_call", "id": "fc_fake_1", "call_id": "call_fake_1", "name": name,
            "arguments": ARGUMENTS, "status": "completed"}
    resp = {"id": response_id, "object": "response", "created_at": 1741476542, "status": "completed", "model": model,
            "output": [item], "parallel_tool_calls": True, "tool_choice": "auto", "tools": body.get("tools", []),
            "text": {"format": {"type": "text"}},
            "usage": {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": out,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": inp + out}}
    if not body.get("stream"):
        return resp, (inp, out)
    created = dict(resp, status="in_progress", usage=None, output=[])
    events = [
        _sse("response.created", {"type": "response.created", "sequence_number": 0, "response": created}),
        _sse("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1,
                                            "output_index": 0, "item": dict(item, arguments="", status="in_progress")}),
        _sse("response.function_call_arguments.delta", {"type": "response.function_call_arguments.delta",
                                                        "sequence_number": 2, "item_id": item["id"],
                                                        "output_index": 0, "delta": ARGUMENTS}),
        _sse("response.function_call_arguments.done", {"type": "response.function_call_arguments.done",
                                                       "sequence_number": 3, "item_id": item["id"], "name": name,
                                                       "output_index": 0, "arguments": ARGUMENTS}),
        _sse("response.output_item.done", {"type": "response.output_item.done", "sequence_number": 4,
                                           "output_index": 0, "item": item}),
        _sse("response.completed", {"type": "response.completed", "sequence_number": 5, "response": resp}),
    ]
    return events, (inp, out)
