#!/usr/bin/env bash
# Reads every page of a Japanese/Chinese evaluation folder
# (<set>/<name>.png + <name>.gt.txt) with `ocrloom ocr` and writes the text
# to OUT/<set>/<name>.txt, for a CER scorer to compare (for example one that
# removes whitespace and normalises with NFKC, as Japanese text needs), and
# the wall time of each page to OUT/times.tsv (<set>/<name> TAB seconds).
#   scripts/eval-ja.sh DIR OUT LANG [ocrloom binary] [engine]
# ENGINE is `default` (Tesseract, PP-OCRv5 for horizontal Chinese and
# Japanese pages), `tesseract` (alone) or `ppocr` (PP-OCRv5 alone, which
# does not use LANG).
set -euo pipefail
dir=$1 out=$2 lang=$3
bin=${4:-target/release/ocrloom}
engine=${5:-default}
export OMP_THREAD_LIMIT=1
mkdir -p "$out"
: > "$out/times.tsv"
find "$dir" -name '*.gt.txt' | sort | while read -r gt; do
  rel=${gt#"$dir"/}
  stem=${rel%.gt.txt}
  img=
  for ext in png jpg tif; do [ -e "$dir/$stem.$ext" ] && img=$dir/$stem.$ext && break; done
  mkdir -p "$out/$(dirname "$stem")"
  start=$(date +%s.%N)
  "$bin" ocr -j 1 --engine "$engine" -l "$lang" -q -f txt -o "$out/$stem.txt" "$img"
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  printf '%s\t%.2f\n' "$stem" "$secs" >> "$out/times.tsv"
  printf '%s\t%.2f s\n' "$stem" "$secs" >&2
done
