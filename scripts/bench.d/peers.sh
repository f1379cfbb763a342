# Sourced by scripts/bench. The tracked layer beside what users pick instead (bench/peers/run.py):
# plain openai (the floor), LiteLLM's cost tracking, OpenLLMetry's OpenAI instrumentation and
# quotaguard, one process each, interleaved on one loopback fake API; per-request overhead and
# whether each recorded what the fake billed. The README's table comes from this section.
echo "== peers: per-request overhead and what each recorded (bench/peers) =="
peer_rounds=20
[ "$RUNS" -lt 10 ] && peer_rounds=5
QG_PYTHONPATH="$QG_BUILD/python" "$QG_ROOT/.venv-peers/bin/python" "$QG_ROOT/bench/peers/run.py" \
  --rounds "$peer_rounds" --json "$BENCH_DIR/peers.json" 2>"$BENCH_DIR/peers.stderr"
