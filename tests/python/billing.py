"""What the tracker counted against what the fake API billed, as (requests, input, output)."""


def tracked(qg) -> tuple:
    t = qg.usage()["total"]
    return t["requests"], t["input_tokens"], t["output_tokens"]


def billed(server) -> tuple:
    return server.bill.requests, server.bill.input, server.bill.output
