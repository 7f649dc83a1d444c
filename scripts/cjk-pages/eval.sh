#!/usr/bin/env bash
# Reads the rendered CJK pages (scripts/cjk-pages/make_pages.py) with ocrloom
# in every language setting and prints CER per set, per layout and in total.
#   scripts/cjk-pages/eval.sh SCORER [PAGES] [OUT] [ocrloom binary]
# SCORER: a Japanese CER scorer taking GT_DIR HYP_DIR --json FILE (NFKC,
# whitespace removed), e.g. the project's shared ocr-score-ja.
set -euo pipefail
scorer=$1 pages=${2:-eval/cjk} out=${3:-out/cjk} bin=${4:-target/release/ocrloom}
here=$(dirname "$0")
mkdir -p "$out"
run() { # folder, language
  local hyp=$out/$1-$2
  "$here/../eval-ja.sh" "$pages/$1" "$hyp" "$2" "$bin" 2> "$hyp.log"
  "$scorer" "$pages/$1" "$hyp" --json "$hyp.json" --pages > "$hyp.score.txt"
  "$here/summarize.py" "$pages/$1" "$hyp.json" "$hyp/times.tsv" "$1 $2" | tail -n +3
}
echo "| run | group | pages | chars | CER % | spaces/100 | s/page (median) |"
echo "|---|---|---|---|---|---|---|"
for lang in jpn auto; do run ja "$lang"; done
for lang in chi_sim chi_tra auto; do run zh "$lang"; done
