"""Per-request overhead of the instrumented transport, in µs: the same in-process mock
transport (a canned ~2 KB chat completion) with and without quotaguard around it."""
import statistics
import sys
import time

import httpx

import quotaguard

BODY = (b'{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"' + b"The boardwalk path leads through tall grass. " * 34 +
        b'"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,'
        b'"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}')
HEADERS = [(b"content-type", b"application/json"), (b"x-ratelimit-remaining-requests", b"9999"),
           (b"x-ratelimit-reset-requests", b"6m0s"), (b"x-request-id", b"req_1")]


class Canned(httpx.BaseTransport):
    """Answers like a transport does: a fresh, unread response stream per request."""

    def handle_request(self, request):
        return httpx.Response(200, headers=HEADERS, stream=httpx.ByteStream(BODY))


def run(client, n):
    req = dict(json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Describe the picture."}]},
               headers={"authorization": "Bearer sk-x", "x-stainless-retry-count": "0"})
    url = "https://api.openai.com/v1/chat/completions"
    for _ in range(200):
        client.post(url, **req)
    # CPU time of this thread: the whole request path runs here (mock transport), and it is
    # not inflated when other processes compete for the 2 cores.
    t0 = time.thread_time_ns()
    for _ in range(n):
        client.post(url, **req).read()
    return (time.thread_time_ns() - t0) / n / 1000


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    quotaguard.configure()
    plain = httpx.Client(transport=Canned())
    tracked = quotaguard.instrument_http_client(httpx.Client(transport=Canned()))
    base, inst = [], []
    rounds = 21
    for _ in range(rounds):  # short interleaved rounds: the machine is shared, load drifts
        base.append(run(plain, n))
        inst.append(run(tracked, n))
    b, i = statistics.median(base), statistics.median(inst)
    diffs = sorted(x - y for x, y in zip(inst, base))
    assert quotaguard.usage()["total"]["input_tokens"] == 1117 * (n + 200) * rounds
    print(f"httpx request, uninstrumented:  {b:8.2f} us")
    print(f"httpx request, instrumented:    {i:8.2f} us")
    print(f"transport overhead:             {statistics.median(diffs):8.2f} us per request (thread CPU time; "
          f"median of {rounds} paired rounds of {n}, quartiles {diffs[rounds // 4]:.2f}..{diffs[3 * rounds // 4]:.2f})")
    # The transport alone (no httpx Client around it): handle_request, read the body, close.
    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions",
                            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Describe."}]},
                            headers={"authorization": "Bearer sk-x", "x-stainless-retry-count": "0"})

    def exchange(transport, k):
        t0 = time.thread_time_ns()
        for _ in range(k):
            r = transport.handle_request(request)
            for _chunk in r.stream:
                pass
            r.stream.close()
        return (time.thread_time_ns() - t0) / k / 1000

    bare, wrapped = Canned(), quotaguard.instrument_transport(Canned())
    pairs = sorted(exchange(wrapped, 2000) - exchange(bare, 2000) for _ in range(rounds))
    print(f"transport alone, overhead:      {statistics.median(pairs):8.2f} us per exchange (median of {rounds})")
    # Alert latency to a Python callback: status flip on this thread -> callback ran.
    got = []
    quotaguard.on_alert(lambda a: got.append(time.perf_counter_ns()))
    lat = []
    for _ in range(50):
        quotaguard.reset()
        got.clear()
        time.sleep(0.005)
        got.clear()
        t0 = time.perf_counter_ns()
        quotaguard._core.record("w", "POST", b"/v1/chat/completions", [], None, 429,
                                [(b"content-type", b"application/json")],
                                b'{"error":{"type":"insufficient_quota","code":"insufficient_quota"}}', 60, True, 1000)
        while not got:
            time.sleep(0.0001)
        lat.append((got[0] - t0) / 1e6)
    print(f"alert to Python callback:       {statistics.median(lat):8.3f} ms median, {max(lat):.3f} ms max (50 flips)")
    quotaguard.shutdown()


if __name__ == "__main__":
    main()
