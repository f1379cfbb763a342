"""/metrics read by Prometheus's own parser (prometheus_client): the GenAI client histograms add
up to the tokens the workers were sent, the counters to the requests, the gauges to the state."""
from prometheus_client.parser import text_string_to_metric_families


def _families(s):
    code, headers, body = s.get("/metrics")
    assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(body.decode())}


def _value(family, name, **labels):
    got = [smp.value for smp in family.samples if smp.name == name and all(smp.labels.get(k) == v for k, v in labels.items())]
    assert len(got) == 1, (name, labels, family.samples[:5])
    return got[0]


def test_genai_histograms_and_counters_match_the_traffic(fake, workers, serve):
    a = workers.run(workspace="acme", model="gpt-4o", calls=3)
    b = workers.run(workspace="beta", model="gpt-4o-mini", calls=2)
    s = serve("--db", workers.db)
    m = _families(s)
    tokens = m["gen_ai_client_token_usage"]
    assert tokens.type == "histogram"
    for model, sent in (("gpt-4o", a), ("gpt-4o-mini", b)):
        common = dict(gen_ai_operation_name="chat", gen_ai_request_model=model, gen_ai_provider_name="openai")
        assert _value(tokens, "gen_ai_client_token_usage_sum", gen_ai_token_type="input", **common) == sent["input_tokens"]
        assert _value(tokens, "gen_ai_client_token_usage_sum", gen_ai_token_type="output", **common) == sent["output_tokens"]
        assert _value(tokens, "gen_ai_client_token_usage_count", gen_ai_token_type="input", **common) == sent["ok"]
        assert _value(tokens, "gen_ai_client_token_usage_bucket", gen_ai_token_type="input", le="+Inf", **common) == sent["ok"]
        duration = m["gen_ai_client_operation_duration_seconds"]
        assert _value(duration, "gen_ai_client_operation_duration_seconds_count", **common) == sent["ok"]
    # Cumulative buckets: never decreasing, ending at the count.
    for labels in {tuple(sorted((k, v) for k, v in smp.labels.items() if k != "le")) for smp in tokens.samples}:
        buckets = [smp.value for smp in tokens.samples if smp.name.endswith("_bucket")
                   and tuple(sorted((k, v) for k, v in smp.labels.items() if k != "le")) == labels]
        assert buckets == sorted(buckets)
    requests = m["quotaguard_requests"]  # (the parser names a counter family without _total)
    assert requests.type == "counter"
    assert _value(requests, "quotaguard_requests_total", workspace="acme") == 3
    assert _value(requests, "quotaguard_requests_total", workspace="beta") == 2
    assert _value(m["quotaguard_input_tokens"], "quotaguard_input_tokens_total", workspace="acme") == a["input_tokens"]
    status = m["quotaguard_status"]
    assert _value(status, "quotaguard_status", workspace="*", status="normal") == 1
    assert _value(status, "quotaguard_status", workspace="*", status="exhausted") == 0

    fake.set(mode="quota")
    workers.run(workspace="acme", calls=2)
    m = _families(s)  # a second scrape adds only the new calls
    status = m["quotaguard_status"]
    assert _value(status, "quotaguard_status", workspace="*", status="exhausted") == 1
    assert _value(status, "quotaguard_status", workspace="*", status="normal") == 0
    failed = _value(m["gen_ai_client_operation_duration_seconds"], "gen_ai_client_operation_duration_seconds_count",
                    gen_ai_request_model="gpt-4o", error_type="insufficient_quota")
    assert failed == 1  # the 429; the call blocked after it never left
    tokens = m["gen_ai_client_token_usage"]
    assert _value(tokens, "gen_ai_client_token_usage_count", gen_ai_token_type="input", gen_ai_request_model="gpt-4o") == 3
