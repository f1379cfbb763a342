#!/usr/bin/env bash
# run.sh [--fresh] BINARY TARGET SECONDS WORK [libFuzzer options...]
# Runs one libFuzzer target for SECONDS under ASan+UBSan on top of its checked-in corpus and
# regression inputs (tests/fuzz/corpus/TARGET, tests/fuzz/regressions/TARGET; both read-only)
# with its dictionary; new inputs go to WORK/corpus/TARGET, never into the source tree (WORK must
# lie outside tests/fuzz, and a run that changes a checked-in input fails). Adding inputs to the
# corpus is a separate, explicit step: scripts/fuzz TARGET --merge, then --add.
# --fresh (the ctest): new inputs go to WORK/fresh/TARGET, emptied first, so every run starts from
# the checked-in inputs alone and takes the same time however many runs came before; it also
# fixes libFuzzer's seed (QG_FUZZ_SEED, default 1), so CI walks the same mutations each run and a
# red CI names a defect rather than a lucky draw (scripts/fuzz, unseeded, is for exploring).
# Fails on a crash, a sanitizer report, a leak, a slow input (-timeout) or a broken invariant,
# leaving the reproducer in WORK/artifacts/TARGET/ and printing it (base64) in the log.
set -uo pipefail
fresh=0
[ "${1:-}" = --fresh ] && fresh=1 && shift
binary="$1" target="$2" seconds="$3" work="$4"
shift 4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpus="$here/corpus/$target" scratch="$work/corpus/$target" artifacts="$work/artifacts/$target"
[ $fresh = 1 ] && scratch="$work/fresh/$target"
regressions=()
[ -d "$here/regressions/$target" ] && regressions=("$here/regressions/$target")
case "$(realpath -m "$work")/" in
  "$here"/*) echo "run.sh: WORK ($work) is inside $here; new inputs must go outside the source tree" >&2; exit 2 ;;
esac
[ $fresh = 1 ] && rm -rf "$scratch"
mkdir -p "$scratch" "$artifacts" "$work/logs" "$work/stats"
# The checked-in inputs, names and bytes: libFuzzer writes into its first corpus directory only,
# and this proves it did not write into the others.
fingerprint() { (cd "$here" && find "corpus/$target" "${regressions[@]#"$here/"}" -type f -print0 | sort -z | xargs -0 sha1sum | sha1sum); }
checked_in=$(fingerprint)
log="$work/logs/$target.log"
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$artifacts/" -close_fd_mask=1)
[ $fresh = 1 ] && options+=(-seed="${QG_FUZZ_SEED:-1}")
[ -f "$here/dict/$target.dict" ] && options+=(-dict="$here/dict/$target.dict")
[ -f "$here/options/$target" ] && mapfile -t extra < <(grep -v '^#' "$here/options/$target") && options+=("${extra[@]}")

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$here/../lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
command -v llvm-symbolizer-16 >/dev/null && export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer-16)"

before=$(ls "$artifacts" | wc -l)
"$binary" "${options[@]}" "$@" "$scratch" "$corpus" "${regressions[@]}" >"$log" 2>&1
status=$?
if [ "$(fingerprint)" != "$checked_in" ]; then
  echo "fuzz $target FAILED: the run changed tests/fuzz/corpus/$target or its regressions (git status shows what);"
  echo "new inputs belong in $scratch, and only scripts/fuzz $target --add writes to the corpus"
  exit 1
fi
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" >"$work/stats/$target.txt"
if [ $status -eq 0 ] && [ "$(ls "$artifacts" | wc -l)" -eq "$before" ]; then
  echo "fuzz $target: $(tr '\n' ' ' <"$work/stats/$target.txt")"
  exit 0
fi
echo "fuzz $target FAILED (exit $status); the end of $log:"
tail -n 80 "$log"
for f in $(ls -t "$artifacts"/* 2>/dev/null | head -n 3); do
  echo "reproducer: $f ($(stat -c %s "$f") bytes); replay with: scripts/fuzz $target --replay $f"
  [ "$(stat -c %s "$f")" -le 65536 ] && { echo "base64:"; base64 -w 100 "$f"; }
done
exit 1
