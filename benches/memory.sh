#!/usr/bin/env bash
# Peak memory (/usr/bin/time %M) on a short and a 200-page document made by
# repeating the pages of one PDF:
#
#   benches/memory.sh                 render: the bundled 3-page sample, 10
#                                     vs 200 pages at 300 DPI (`ocrloom render`)
#   benches/memory.sh ocr [PDF]       ocr: PDF as it is vs 200 pages, to a
#                                     searchable PDF (`ocrloom ocr`, 2 workers)
#
# For `ocr` the PDF defaults to the bundled sample; the issue's figure uses the
# 12-page corpus scan `scripts/compare.py --keep DIR` leaves in DIR/scan.pdf.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-render}
src=${2:-fixtures/sample/scan.pdf}
scripts/setup.sh
cargo build --release --quiet -p ocrloom-cli
bin=target/release/ocrloom
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make_pdf() { # pages out
  local args=() n=0 per
  per=$(qpdf --show-npages "$src")
  while ((n < $1)); do args+=("$src"); n=$((n + per)); done
  qpdf --empty --pages "${args[@]}" -- "$tmp/all.pdf"
  qpdf --empty --pages "$tmp/all.pdf" "1-$1" -- "$2"
}
case $mode in
  render)
    peak_kib() { /usr/bin/time -f %M "$bin" render --dpi 300 "$1" 2>&1 >/dev/null | tail -1; }
    short=10
    ;;
  ocr)
    export OMP_THREAD_LIMIT=1
    peak_kib() { /usr/bin/time -f %M "$bin" ocr "$1" -o "$tmp/out.pdf" --jobs 2 2>&1 >/dev/null | tail -1; }
    short=$(qpdf --show-npages "$src")
    ;;
  *) echo "usage: benches/memory.sh [render|ocr [PDF]]" >&2; exit 2 ;;
esac
make_pdf "$short" "$tmp/short.pdf"
make_pdf 200 "$tmp/200.pdf"
a=$(peak_kib "$tmp/short.pdf")
b=$(peak_kib "$tmp/200.pdf")
echo "$mode peak RSS: $short pages $((a / 1024)) MiB, 200 pages $((b / 1024)) MiB, ratio $(echo "scale=2; $b / $a" | bc)"
