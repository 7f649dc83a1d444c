#!/usr/bin/env bash
# Runs ocrloom on the bundled sample scan, installing what is missing first:
# fixtures/sample/scan.pdf in, out/scan.pdf (searchable) and out/scan.txt out.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet -p ocrloom-cli
mkdir -p out
target/release/ocrloom ocr fixtures/sample/scan.pdf -o out/scan.pdf -o out/scan.txt
echo "wrote out/scan.pdf and out/scan.txt ($(wc -w <out/scan.txt) words)"
