#!/usr/bin/env bash
# Reads the pages of make_pages.py with ocrloom's text output (the reading
# order every writer shares) and scores each part (tune, held) separately;
# any other ground-truth folder (<set>/<name>.<image> + .gt.txt) as a whole.
#   scripts/noise-pages/eval.sh SCORER PAGES OUT [BINARY] [-- OCR FLAGS...]
# SCORER: the reference scorer (ocr-score: GT_DIR HYP_DIR --json FILE).
# Two pages are read at a time (OMP_THREAD_LIMIT=1 each).
set -euo pipefail
scorer=$1 pages=$2 out=$3 bin=${4:-target/release/ocrloom}
shift $(( $# < 4 ? $# : 4 ))
[ "${1:-}" = "--" ] && shift
here=$(dirname "$0")
mkdir -p "$out"
export OMP_THREAD_LIMIT=1 bin out pages
find "$pages" \( -name '*.png' -o -name '*.jpg' -o -name '*.tif' \) | sort | sed "s|^$pages/||" |
  xargs -P 2 -I{} sh -c 'p={}; mkdir -p "$out/$(dirname "$p")";
    # The set'"'"'s language from its name, as `ocrloom eval` takes it.
    case "/$(basename "$(dirname "$p")")-" in
      *-de-*) lang=deu ;; *-fr-*) lang=fra ;; *-es-*) lang=spa ;; *) lang=eng ;;
    esac
    "$bin" ocr "$pages/$p" -o "$out/${p%.*}.txt" --lang $lang --jobs 1 --quiet "$@" ||
      echo "failed: $p" >&2' sh "$@"
parts="tune held"
[ -d "$pages/tune" ] || parts=.  # another ground-truth folder (the corpus)
for part in $parts; do
  echo "== $part"
  "$scorer" "$pages/$part" "$out/$part" --json "$out/${part/./all}.score.json"
  "$here/score.py" "$pages/$part" "$out/$part"
done
