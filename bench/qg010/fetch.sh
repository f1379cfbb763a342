#!/usr/bin/env bash
# Fetch the .py files of each codebase in codebases.txt, at its commit, into OUT/owner+name/.
#   bench/qg010/fetch.sh OUT [MIRRORS [LIST]]
# MIRRORS: a directory of bare clones named owner+name/<anything>/ (what an agent's `fetch`
# tool leaves in /work/.mirror); a codebase not found there is cloned from GitHub (blobless).
# LIST: "owner/name commit" lines (default: codebases.txt beside this script).
# OUT must be outside the repository: fetched code is never committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: fetch.sh OUT [MIRRORS [LIST]]} mirrors=${2:-} list=${3:-$here/codebases.txt}
mkdir -p "$out"
grep -v '^#' "$list" | while read -r repo commit; do
  [[ -n "$repo" ]] || continue
  name=${repo/\//+} dest=$out/${repo/\//+}
  gitdir=""
  if [[ -n "$mirrors" && -d "$mirrors/$name" ]]; then
    gitdir=$(find "$mirrors/$name" -maxdepth 2 -name HEAD -printf '%h\n' | head -1)
  fi
  if [[ -z "$gitdir" ]]; then
    gitdir=$out/.git-$name
    [[ -d "$gitdir" ]] || git clone --quiet --bare --filter=blob:none "https://github.com/$repo" "$gitdir"
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  git --git-dir="$gitdir" archive "$commit" -- ':(glob)**/*.py' | tar -x -C "$dest"
  echo "$repo @ ${commit:0:10}: $(find "$dest" -name '*.py' | wc -l) .py files"
done
