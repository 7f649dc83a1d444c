#!/usr/bin/env bash
# Peak memory while streaming pages: a 10-page and a 200-page PDF made from
# the bundled sample scan, each rendered at 300 DPI by `ocrloom render`.
# The target is a 200-page peak of at most 1.5x the 10-page one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet -p ocrloom-cli
bin=target/release/ocrloom
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make_pdf() { # pages out
  local args=() n=0
  while ((n < $1)); do args+=(fixtures/sample/scan.pdf); n=$((n + 3)); done
  qpdf --empty --pages "${args[@]}" -- "$tmp/all.pdf"
  qpdf --empty --pages "$tmp/all.pdf" "1-$1" -- "$2"
}
peak_kib() { /usr/bin/time -f %M "$bin" render --dpi 300 "$1" 2>&1 >/dev/null | tail -1; }
make_pdf 10 "$tmp/10.pdf"
make_pdf 200 "$tmp/200.pdf"
a=$(peak_kib "$tmp/10.pdf")
b=$(peak_kib "$tmp/200.pdf")
echo "peak RSS: 10 pages ${a} KiB, 200 pages ${b} KiB, ratio $(echo "scale=2; $b / $a" | bc)"
