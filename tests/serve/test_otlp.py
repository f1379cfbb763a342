"""OTLP push: `quotaguard serve --otlp-endpoint` posts the metrics to a collector (here a loopback
receiver) as OTLP/HTTP JSON. Each body is read back as a collector reads it, parsed into
opentelemetry-proto's ExportMetricsServiceRequest by protobuf's json_format (which refuses unknown
fields and wrong types), and its numbers must be the tokens and calls the workers sent and the same
as /metrics says. A collector that refuses a push loses nothing (cumulative totals); the last push
happens at shutdown."""
import http.server
import os
import subprocess
import threading

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality
from prometheus_client.parser import text_string_to_metric_families

from conftest import wait_for


class Collector:
    """An OTLP/HTTP receiver on a free loopback port: keeps every POST; answers `statuses` in turn, then 200."""

    def __init__(self, statuses=()):
        self.posts, self.statuses, self.lock = [], list(statuses), threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with outer.lock:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    outer.posts.append({"path": self.path, "headers": dict(self.headers), "body": body, "status": status})
                reply = b"{}" if status == 200 else b'{"code": 14, "message": "collector overloaded"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1/metrics"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def accepted(self):
        with self.lock:
            return [p for p in self.posts if p["status"] == 200]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _request(post):
    return json_format.Parse(post["body"], ExportMetricsServiceRequest())  # strict: unknown fields raise


def _metrics(req):
    (rm,) = req.resource_metrics
    (sm,) = rm.scope_metrics
    return rm, {m.name: m for m in sm.metrics}


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(extra)
    return env


def test_the_push_is_otlp_and_counts_what_was_sent(workers, serve):
    sent = workers.run(model="gpt-4o", calls=3)
    collector = Collector()
    try:
        s = serve("--db", workers.db, "--otlp-endpoint", collector.url, "--otlp-every", "1",
                  env=_env(OTEL_EXPORTER_OTLP_HEADERS="x-api-key=collector%20secret, x-tenant = acme", OTEL_SERVICE_NAME="billing-api"))
        post = wait_for(lambda: collector.accepted())[0]
        assert post["path"] == "/v1/metrics" and post["headers"]["Content-Type"] == "application/json"
        assert post["headers"]["x-api-key"] == "collector secret" and post["headers"]["x-tenant"] == "acme"
        rm, metrics = _metrics(_request(post))
        assert {a.key: a.value.string_value for a in rm.resource.attributes} == {"service.name": "billing-api"}

        usage = metrics["gen_ai.client.token.usage"]
        assert usage.unit == "{token}" and usage.histogram.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
        by_type = {}
        for p in usage.histogram.data_points:
            attrs = {a.key: a.value.string_value for a in p.attributes}
            assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.request.model"] == "gpt-4o"
            assert attrs["gen_ai.provider.name"] == "openai"
            assert sum(p.bucket_counts) == p.count and len(p.bucket_counts) == len(p.explicit_bounds) + 1
            assert 0 < p.start_time_unix_nano <= p.time_unix_nano
            by_type[attrs["gen_ai.token.type"]] = (p.count, p.sum)
        assert by_type == {"input": (3, sent["input_tokens"]), "output": (3, sent["output_tokens"])}
        assert metrics["gen_ai.client.operation.duration"].unit == "s"
        requests = metrics["quotaguard.requests"].sum
        assert requests.is_monotonic and requests.aggregation_temporality == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
        assert [(a.value.string_value, p.as_double) for p in requests.data_points for a in p.attributes] == [("acme", 3)]
        status = {tuple(a.value.string_value for a in p.attributes): p.as_double for p in metrics["quotaguard.status"].gauge.data_points}
        assert status[("*", "normal")] == 1 and status[("*", "exhausted")] == 0

        # The same numbers as the Prometheus export (one model, two writers).
        prom = {f.name: f for f in text_string_to_metric_families(s.get("/metrics")[2].decode())}
        prom_sums = {smp.labels["gen_ai_token_type"]: smp.value for smp in prom["gen_ai_client_token_usage"].samples
                     if smp.name.endswith("_sum")}
        assert prom_sums == {t: float(v[1]) for t, v in by_type.items()}
        health = s.json("/api/v1/health")["otlp"]
        assert health["endpoint"] == collector.url and health["error"] is None and health["last_push_ms"]
        assert "collector secret" not in str(s.json("/api/v1/health"))
    finally:
        collector.close()


def test_a_refused_push_loses_nothing_and_is_reported(workers, serve):
    sent = workers.run(model="gpt-4o", calls=2)
    collector = Collector(statuses=[503, 503])
    try:
        s = serve("--db", workers.db, "--otlp-endpoint", collector.url, "--otlp-every", "1", env=_env())
        health = wait_for(lambda: (h := s.json("/api/v1/health")["otlp"])["failures"] >= 1 and h)
        assert "HTTP 503" in health["error"] and "collector overloaded" in health["error"]
        workers.run(model="gpt-4o", calls=1)  # more while the collector refuses
        post = wait_for(lambda: [p for p in collector.accepted() if _total_input(p) == sent["input_tokens"] * 3 // 2])[0]
        assert _total_input(post) == sent["input_tokens"] * 3 // 2  # all three calls: the totals are cumulative
        wait_for(lambda: s.json("/api/v1/health")["otlp"]["error"] is None)
    finally:
        collector.close()


def _total_input(post):
    _, metrics = _metrics(_request(post))
    return sum(p.sum for p in metrics["gen_ai.client.token.usage"].histogram.data_points
               if any(a.key == "gen_ai.token.type" and a.value.string_value == "input" for a in p.attributes))


def test_the_last_push_is_at_shutdown(workers, serve):
    sent = workers.run(model="gpt-4o", calls=2)
    collector = Collector()
    try:
        s = serve("--db", workers.db, "--otlp-endpoint", collector.url, "--otlp-every", "3600",
                  env=_env())
        s.json("/api/v1/health")
        assert collector.accepted() == []  # no push before the interval
        s.stop()
        (post,) = collector.accepted()
        assert _total_input(post) == sent["input_tokens"]
    finally:
        collector.close()


def test_the_endpoint_from_the_opentelemetry_environment(workers, serve):
    workers.run(calls=1)
    collector = Collector()
    try:
        base = collector.url.removesuffix("/v1/metrics")
        serve("--db", workers.db, "--otlp-every", "1", env=_env(OTEL_EXPORTER_OTLP_ENDPOINT=base + "/"))
        assert wait_for(lambda: collector.accepted())[0]["path"] == "/v1/metrics"
    finally:
        collector.close()


def test_malformed_headers_are_a_usage_error(workers, quotaguard_cli):
    workers.run(calls=1)
    p = subprocess.run([quotaguard_cli, "serve", "--db", str(workers.db), "--port", "0", "--otlp-endpoint", "http://127.0.0.1:9/v1/metrics"],
                       capture_output=True, text=True, timeout=30, env=_env(OTEL_EXPORTER_OTLP_HEADERS="x-api-key"))
    assert p.returncode == 2 and "OTEL_EXPORTER_OTLP_HEADERS" in p.stderr and "key=value" in p.stderr
