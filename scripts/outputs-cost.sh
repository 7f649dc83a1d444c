#!/usr/bin/env bash
# One reading, several outputs: the time of `-o X.pdf -o X.txt -o X.docx`
# against `-o X.pdf` alone on one input, run side by side (alternating,
# RUNS rounds), and whether each file of the several-output run equals the
# one a single-output run writes (cmp).
#   scripts/outputs-cost.sh INPUT [RUNS] [ocrloom binary]
# Prints each round's wall and CPU (user + system) seconds, and the ratios
# (several / one) of the medians and the median of each round's ratios, for
# both: on a shared machine the wall time follows the other loads, the CPU
# time much less.
set -euo pipefail
input=$1
runs=${2:-5}
bin=${3:-target/release/ocrloom}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# "wall cpu" seconds of a command.
seconds() {
  /usr/bin/time -f '%e %U %S' -o "$out/time" "$@" >/dev/null 2>&1
  awk '{print $1, $2 + $3}' "$out/time"
}

for i in $(seq "$runs"); do
  one=$(seconds "$bin" ocr -q "$input" -o "$out/one.pdf")
  several=$(seconds "$bin" ocr -q "$input" -o "$out/all.pdf" -o "$out/all.txt" -o "$out/all.docx")
  echo "round $i: pdf ${one} s (wall cpu), pdf+txt+docx ${several} s"
  echo "$one $several" >>"$out/times"
done
"$bin" ocr -q "$input" -o "$out/one.txt"
"$bin" ocr -q "$input" -o "$out/one.docx"
for ext in pdf txt docx; do
  if cmp -s "$out/one.$ext" "$out/all.$ext"; then
    echo "$ext: the same bytes as a single-output run"
  else
    echo "$ext: DIFFERS from a single-output run"
    status=1
  fi
done
python3 - "$out/times" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
for name, a, b in (("wall", 0, 2), ("cpu", 1, 3)):
    one = statistics.median(r[a] for r in rows)
    several = statistics.median(r[b] for r in rows)
    ratio = statistics.median(r[b] / r[a] for r in rows)
    print(f"{name}: median pdf {one:.2f} s, pdf+txt+docx {several:.2f} s; "
          f"ratio of medians {several / one:.3f}, median ratio {ratio:.3f}")
PY
exit "${status:-0}"
