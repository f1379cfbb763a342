"""One peer in its own process (instrumentations patch openai process-wide): answers the
driver's commands on stdin, one JSON line each.

  {"op": "time", "n": N}     N chat completions; per-request wall and process-CPU ns
  {"op": "case", "name": C}  one call of case C; what this peer recorded for it (a delta)

Peers: plain (the openai SDK alone: the floor), litellm (its cost tracking, a success
callback), openllmetry (opentelemetry-instrumentation-openai, spans to memory), quotaguard."""
from __future__ import annotations

import io
import json
import os
import sys
import threading
import time

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # the bundled price map: no download
os.environ.setdefault("OTEL_SDK_DISABLED", "false")

CHAT = [{"role": "user", "content": "Describe the picture in one line."}]
AUDIO = ("a.mp3", b"\xff\xfb" * 500)
UNITS = ("requests", "input", "output", "images", "audio_s", "characters", "cost_usd")


class Plain:
    name = "plain openai"

    def __init__(self, base_url, compressed_url):
        import openai

        self.client = openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0)
        self.zclient = openai.OpenAI(api_key="sk-test", base_url=compressed_url, max_retries=0)

    def chat(self, client=None):
        (client or self.client).chat.completions.create(model="gpt-4o", messages=CHAT)

    def run(self, case, include_usage=False):
        """One call of the case. include_usage: the stream as billed (bench/peers/run.py's truth)."""
        c = self.client
        if case == "chat":
            self.chat()
        elif case == "stream_no_usage":
            extra = {"stream_options": {"include_usage": True}} if include_usage else {}
            for _ in c.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True, **extra):
                pass
        elif case == "embeddings":
            c.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        elif case == "images":
            c.images.generate(model="dall-e-3", prompt="a cat")
        elif case == "audio_in":
            c.audio.transcriptions.create(model="whisper-1", file=AUDIO)
        elif case == "audio_out":
            c.audio.speech.create(model="tts-1", voice="alloy", input="Hello there").read()
        elif case == "compressed":
            self.chat(self.zclient)

    def recorded(self):
        return {k: 0 for k in UNITS}


class Quotaguard(Plain):
    name = "quotaguard"

    def __init__(self, base_url, compressed_url):
        import quotaguard

        self.qg = quotaguard
        self.client = quotaguard.openai_client(api_key="sk-test", base_url=base_url, max_retries=0)
        self.zclient = quotaguard.openai_client(api_key="sk-test", base_url=compressed_url, max_retries=0)

    def recorded(self):
        t = self.qg.usage()["total"]
        return {"requests": t["requests"], "input": t["input_tokens"], "output": t["output_tokens"],
                "images": t["images"], "audio_s": t["audio_seconds"], "characters": t["characters"],
                "cost_usd": t["cost_usd"]}


class LiteLLM(Plain):
    """LiteLLM's own calls (what its users write), its cost tracking through a callback."""
    name = "LiteLLM"

    def __init__(self, base_url, compressed_url):
        import litellm
        from litellm.integrations.custom_logger import CustomLogger

        self.litellm, self.base_url, self.compressed_url = litellm, base_url, compressed_url
        self.events, self.lock = [], threading.Lock()
        outer = self

        class Tally(CustomLogger):
            def log_success_event(self, kwargs, response_obj, start_time, end_time):
                slo = kwargs.get("standard_logging_object") or {}
                with outer.lock:
                    outer.events.append({"input": slo.get("prompt_tokens") or 0, "output": slo.get("completion_tokens") or 0,
                                         "cost_usd": kwargs.get("response_cost") or slo.get("response_cost") or 0})

        litellm.callbacks = [Tally()]
        litellm.telemetry = False
        self.kw = dict(api_base=base_url, api_key="sk-test", num_retries=0)

    def chat(self, client=None):
        kw = dict(self.kw, api_base=self.compressed_url) if client == "z" else self.kw
        self.litellm.completion(model="openai/gpt-4o", messages=CHAT, **kw)

    def run(self, case):
        lm, kw = self.litellm, self.kw
        if case == "chat":
            self.chat()
        elif case == "stream_no_usage":
            for _ in lm.completion(model="openai/gpt-4o-mini", messages=CHAT, stream=True, **kw):
                pass
        elif case == "embeddings":
            lm.embedding(model="openai/text-embedding-3-small", input=["a", "b"], **kw)
        elif case == "images":
            lm.image_generation(model="openai/dall-e-3", prompt="a cat", **kw)
        elif case == "audio_in":
            lm.transcription(model="openai/whisper-1", file=AUDIO, **kw)
        elif case == "audio_out":
            lm.speech(model="openai/tts-1", voice="alloy", input="Hello there", **kw).read()
        elif case == "compressed":
            self.chat("z")

    def recorded(self):
        time.sleep(0.3)  # success callbacks of sync calls run on LiteLLM's logging thread
        with self.lock:
            ev = list(self.events)
        return {"requests": len(ev), "input": sum(e["input"] for e in ev), "output": sum(e["output"] for e in ev),
                "images": 0, "audio_s": 0, "characters": 0, "cost_usd": sum(e["cost_usd"] for e in ev)}


class OpenLLMetry(Plain):
    """opentelemetry-instrumentation-openai with the SDK's batch processor, spans kept in memory."""
    name = "OpenLLMetry"

    def __init__(self, base_url, compressed_url):
        from opentelemetry import trace
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(BatchSpanProcessor(self.exporter))
        trace.set_tracer_provider(self.provider)
        OpenAIInstrumentor().instrument()
        super().__init__(base_url, compressed_url)

    def recorded(self):
        self.provider.force_flush()
        spans = self.exporter.get_finished_spans()

        def attr(s, *names):
            return next((s.attributes[n] for n in names if n in s.attributes), 0) or 0
        return {"requests": len(spans),
                "input": sum(attr(s, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens") for s in spans),
                "output": sum(attr(s, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens") for s in spans),
                "images": 0, "audio_s": 0, "characters": 0, "cost_usd": 0}


PEERS = {"plain": Plain, "litellm": LiteLLM, "openllmetry": OpenLLMetry, "quotaguard": Quotaguard}


def main():
    peer = PEERS[sys.argv[1]](sys.argv[2], sys.argv[3])
    out = sys.stdout
    sys.stdout = sys.stderr  # libraries that print must not break the protocol
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "time":
            wall, cpu = [], []
            for _ in range(cmd["n"]):
                w0, c0 = time.perf_counter_ns(), time.process_time_ns()
                peer.chat()
                wall.append(time.perf_counter_ns() - w0)
                cpu.append(time.process_time_ns() - c0)
            reply = {"wall": wall, "cpu": cpu}
        elif cmd["op"] == "case":
            before = peer.recorded()
            try:
                peer.run(cmd["name"])
                after = peer.recorded()
                reply = {"recorded": {k: after[k] - before[k] for k in UNITS}}
            except Exception as e:  # a peer that cannot make the call: reported, not fatal
                reply = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"}
        else:
            break
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
