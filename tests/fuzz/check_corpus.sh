#!/usr/bin/env bash
# check_corpus.sh [TARGET...]   the checked-in fuzz inputs stay small enough to keep in git and
# to replay in seconds: each input at most 4 KiB, each target's corpus at most 256 KiB, all
# corpora together at most 768 KiB (bytes, not disk blocks). scripts/fuzz --add checks the same.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
max_input=4096 max_target=$((256 * 1024)) max_total=$((768 * 1024))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(ls "$here/corpus")
bytes() { find "$@" -type f -printf '%s\n' | awk '{n += $1} END {print n + 0}'; }
status=0
while IFS= read -r f; do
  echo "check_corpus: ${f#"$here/"} is $(stat -c %s "$f") bytes, over $max_input"; status=1
done < <(find "${targets[@]/#/$here/corpus/}" -type f -size +"$max_input"c)
for t in "${targets[@]}"; do
  n=$(bytes "$here/corpus/$t")
  [ "$n" -le "$max_target" ] || { echo "check_corpus: corpus/$t holds $n bytes, over $max_target"; status=1; }
done
total=$(bytes "$here/corpus")
[ "$total" -le "$max_total" ] || { echo "check_corpus: the corpora hold $total bytes, over $max_total"; status=1; }
[ $status -eq 0 ] && echo "check_corpus: ${targets[*]}: within limits ($total bytes in all)"
exit $status
