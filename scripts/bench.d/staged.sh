# Sourced by scripts/bench. The pre-commit case: `quotaguard scan --staged` on a commit that touches
# 5 files of a 5,000-file git repository (built once under $BENCH_DIR/staged-repo). Target: under
# 50 ms median. For scale, the same tree's full scan is timed beside it.
staged_repo="$BENCH_DIR/staged-repo"
if [ ! -f "$BENCH_DIR/.staged-repo-complete" ]; then
  rm -rf "$staged_repo" && mkdir -p "$staged_repo"
  "$QG_PYTHON" - "$staged_repo" <<'PY'
import sys
from pathlib import Path
root = Path(sys.argv[1])
body = "".join(
    f"\n\ndef helper_{k}(items, limit={k}):\n    \"\"\"Filter and count items.\"\"\"\n"
    f"    kept = [x for x in items if len(str(x)) < limit]\n    return len(kept), kept[:{k}]\n"
    for k in range(12))
for i in range(5000):
    p = root / f"pkg{i // 100:02d}" / f"module_{i:04d}.py"
    p.parent.mkdir(parents=True, exist_ok=True)
    head = "import logging\nimport os\n"
    if i % 25 == 0:  # one module in 25 talks to the API, through the factory
        head += ("from quotaguard import openai_client\n\n\ndef summarize(text):\n"
                 "    return openai_client().chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n")
    p.write_text(head + body)
(root / "quotaguard.toml").write_text("")
PY
  (cd "$staged_repo" && git init -q -b main && git add -A &&
   git -c user.name=bench -c user.email=bench@example.com commit -q -m corpus)
  touch "$BENCH_DIR/.staged-repo-complete"
fi
(
  cd "$staged_repo"
  git reset -q --hard HEAD
  # The commit under test: 5 files changed, one of them adding a bypass.
  for i in 0100 0725 1350 2975 4400; do
    f="pkg${i:0:2}/module_$i.py"
    printf '\n\ndef added_%s():\n    return %s\n' "$i" "$i" >> "$f"
  done
  printf '\nfrom openai import OpenAI\nrogue = OpenAI()\n' >> pkg44/module_4400.py
  git add -A
  staged_files=$(git diff --cached --name-only | wc -l)
  tracked_files=$(git ls-files | wc -l)
  json="$BENCH_DIR/staged.json"
  hyperfine -N --warmup 3 --runs $((RUNS * 3)) --export-json "$json" \
    -n "scan --staged" "$QG scan --staged --quiet --exit-zero" \
    -n "scan (whole tree)" "$QG scan --quiet --exit-zero ." >/dev/null
  findings=$("$QG" scan --staged --format json --exit-zero | "$QG_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')
  git reset -q --hard HEAD
  "$QG_PYTHON" - "$json" "$staged_files" "$tracked_files" "$findings" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
staged, full = r["scan --staged"], r["scan (whole tree)"]
print(f"pre-commit: {sys.argv[2]} staged files in a {sys.argv[3]}-file git repository ({sys.argv[4]} finding)")
print(f"scan --staged:     median {staged['median']*1000:8.1f} ms, min {staged['min']*1000:6.1f} ms   (target: median < 50 ms)")
print(f"scan (whole tree): median {full['median']*1000:8.1f} ms, min {full['min']*1000:6.1f} ms")
PY
)
