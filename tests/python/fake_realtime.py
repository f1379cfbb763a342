"""A loopback fake of the OpenAI WebSocket APIs: Realtime (``/v1/realtime``, what
``client.realtime.connect()`` and ``client.beta.realtime.connect()`` open) and Responses
WebSocket mode (``/v1/responses``, ``client.responses.connect()``).

It answers as the real API does, event for event (session.created first; audio deltas of
base64 PCM; usage only on ``response.done`` / ``response.completed`` and on a finished input
transcription), and keeps its own bill (fake_openai.Bill) to compare with."""
from __future__ import annotations

import base64
import itertools
import json
import threading

from websockets.sync.server import serve

from fake_openai import Bill

AUDIO_CHUNK = base64.b64encode(b"\x01\x00" * 2400).decode()  # 100 ms of 24 kHz PCM16


class FakeRealtime:
    def __init__(self):
        self.bill = Bill()
        self.connections = 0
        self._ids = itertools.count(1)
        self.server = serve(self._session, "127.0.0.1", 0, max_size=None)
        self.port = self.server.socket.getsockname()[1]
        self.ws_base_url = f"ws://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()

    def _id(self, prefix):
        return f"{prefix}_{next(self._ids):06d}"

    def _charge(self, path, inp, out, cached=0, reasoning=0):
        """Each billed event (a response, a transcription) is one billed request."""
        self.bill.add(path, inp, out, cached, reasoning)
        with self.bill.lock:
            self.bill.requests += 1

    def _session(self, ws):
        with self.bill.lock:
            self.connections += 1
        path = ws.request.path.split("?")[0]
        send = lambda event: ws.send(json.dumps({"event_id": self._id("event"), **event}))  # noqa: E731
        if path.endswith("/realtime"):
            query = dict(p.split("=", 1) for p in ws.request.path.partition("?")[2].split("&") if "=" in p)
            self._realtime(ws, send, query.get("model", "gpt-realtime"))
        elif path.endswith("/responses"):
            self._responses(ws, send)
        else:
            ws.close(1008, "no such endpoint")

    def _realtime(self, ws, send, model):
        session = {"id": self._id("sess"), "object": "realtime.session", "model": model, "modalities": ["audio", "text"]}
        send({"type": "session.created", "session": session})
        audio_bytes = 0
        for message in ws:
            event = json.loads(message)
            kind = event.get("type")
            if kind == "session.update":
                send({"type": "session.updated", "session": {**session, **event.get("session", {})}})
            elif kind == "input_audio_buffer.append":
                audio_bytes += len(base64.b64decode(event["audio"]))
            elif kind == "input_audio_buffer.commit":
                item = self._id("item")
                send({"type": "input_audio_buffer.committed", "item_id": item, "previous_item_id": None})
                # Input transcription is billed on its own (gpt-4o-transcribe tokens).
                audio_tokens = max(1, audio_bytes // 960)
                self._charge("/realtime", audio_tokens, 5)
                send({"type": "conversation.item.input_audio_transcription.completed", "item_id": item,
                      "content_index": 0, "transcript": "hello there",
                      "usage": {"type": "tokens", "input_tokens": audio_tokens, "output_tokens": 5,
                                "total_tokens": audio_tokens + 5,
                                "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens}}})
                audio_bytes = 0
            elif kind == "response.create":
                self._realtime_response(send)
        return

    def _realtime_response(self, send):
        rid = self._id("resp")
        base = {"id": rid, "object": "realtime.response", "status": "in_progress", "output": [], "usage": None}
        send({"type": "response.created", "response": base})
        for _ in range(3):
            send({"type": "response.output_audio.delta", "response_id": rid, "item_id": "item_1",
                  "output_index": 0, "content_index": 0, "delta": AUDIO_CHUNK})
        send({"type": "response.output_audio_transcript.delta", "response_id": rid, "item_id": "item_1",
              "output_index": 0, "content_index": 0, "delta": "Hi!"})
        inp, cached, out = 412, 256, 187
        self._charge("/realtime", inp, out, cached)
        usage = {"total_tokens": inp + out, "input_tokens": inp, "output_tokens": out,
                 "input_token_details": {"cached_tokens": cached, "text_tokens": 112, "audio_tokens": 300,
                                         "cached_tokens_details": {"text_tokens": 56, "audio_tokens": 200}},
                 "output_token_details": {"text_tokens": 37, "audio_tokens": 150}}
        send({"type": "response.done", "response": {**base, "status": "completed", "usage": usage}})

    def _responses(self, ws, send):
        for message in ws:
            event = json.loads(message)
            if event.get("type") != "response.create":
                continue
            rid = self._id("resp")
            model = event.get("model", "gpt-4.1")
            base = {"id": rid, "object": "response", "created_at": 1, "model": model, "status": "in_progress",
                    "output": [], "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "usage": None}
            send({"type": "response.created", "sequence_number": 0, "response": base})
            for i, text in enumerate(["Hi", " there"]):
                send({"type": "response.output_text.delta", "sequence_number": i + 1, "item_id": "msg_1",
                      "output_index": 0, "content_index": 0, "delta": text, "logprobs": []})
            inp, cached, out, reasoning = 33, 16, 12, 4
            self._charge("/responses", inp, out, cached, reasoning)
            usage = {"input_tokens": inp, "input_tokens_details": {"cached_tokens": cached}, "output_tokens": out,
                     "output_tokens_details": {"reasoning_tokens": reasoning}, "total_tokens": inp + out}
            send({"type": "response.completed", "sequence_number": 3,
                  "response": {**base, "status": "completed", "usage": usage}})
