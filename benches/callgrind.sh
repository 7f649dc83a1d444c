#!/usr/bin/env bash
# Library vs Tesseract CLI on the same page, counted in instructions
# (valgrind's callgrind), which do not depend on what else the machine does:
# page 1 of the bundled sample at 300 DPI, grey, PSM 3, English, no
# preprocessing in the library (the pixels, DPI and mode the CLI gets). Both
# counts include process start and model loading. Takes a few minutes.
#
#   benches/callgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
cargo build --release --quiet -p ocrloom-cli -p ocrloom-ocr --example orient
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/gt/page"
target/release/ocrloom render fixtures/sample/scan.pdf --dpi 300 -o "$tmp/render" >/dev/null
# The orient example reads a ground-truth folder (any text will do: only
# the recognition is counted here).
# The render has no DPI tag: add 300 DPI (a pHYs chunk after IHDR), which
# both sides then read.
python3 - "$tmp/render/page-0001.png" "$tmp/gt/page/p1.png" <<'PY'
import struct, sys, zlib
png = open(sys.argv[1], "rb").read()
body = b"pHYs" + struct.pack(">IIB", 11811, 11811, 1)  # 300 DPI in pixels/metre
chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
open(sys.argv[2], "wb").write(png[:33] + chunk + png[33:])
PY
echo - >"$tmp/gt/page/p1.gt.txt"
export OMP_THREAD_LIMIT=1
count() { valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$@" >/dev/null 2>"$tmp/log"; sed -n 's/.*Collected : //p' "$tmp/log"; }
# No time limit: under valgrind a page takes minutes.
lib=$(count target/release/examples/orient "$tmp/gt" page --turns 0 \
  --settings '{"page_timeout_secs":null,"preprocess":{"normalize_resolution":false,"orientation":false}}')
cli=$(count tesseract "$tmp/gt/page/p1.png" "$tmp/cli" --psm 3 -l eng --dpi 300)
echo "instructions: library $lib, Tesseract CLI $cli, ratio $(echo "scale=4; $lib / $cli" | bc)"
