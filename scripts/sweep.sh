#!/usr/bin/env bash
# Robustness sweep: runs `ocrloom COMMAND FILE ...` on every file under a
# folder, each under a time and a memory cap, and prints one row per file
# (exit code, error code, seconds, peak RSS; for `ocr` the words of text it
# produced) and a summary. Exit status 1 if
# any file exits other than 0 or 3, takes longer than the cap, or is killed.
#
#   scripts/sweep.sh DIR [info|render|ocr] [--seconds 60] [--memory-mib 1024]
#
# `ocr` writes the text to a temporary file. Set OCRLOOM to the binary to use
# (default: target/release/ocrloom, built if missing).
set -euo pipefail
dir=${1:?usage: sweep.sh DIR [info|render|ocr] [--seconds N] [--memory-mib N]}
cmd=${2:-info}
shift $(( $# >= 2 ? 2 : 1 ))
seconds=60 memory=1024
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --memory-mib) memory=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=${OCRLOOM:-target/release/ocrloom}
if [ ! -x "$bin" ]; then
  (cd "$(dirname "$0")/.." && cargo build --release --quiet -p ocrloom-cli)
fi
export OMP_THREAD_LIMIT=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-60s %4s %-20s %8s %9s %6s\n' file exit error seconds peak_MiB words
bad=0 n=0 worst_s=0 worst_m=0 textless=0
declare -A exits=()
while IFS= read -r -d '' f; do
  n=$((n + 1))
  case $cmd in
    ocr) args=(ocr "$f" -o "$tmp/out.txt") ;;
    *) args=("$cmd" "$f") ;;
  esac
  rm -f "$tmp/out.txt"
  start=$(date +%s.%N)
  set +e
  # The memory cap is on address space (the kernel kills or allocation fails
  # past it); time's %M reports the peak resident set.
  /usr/bin/time -f '%M' -o "$tmp/rss" timeout -s KILL "$seconds" \
    prlimit --as=$((memory * 1024 * 1024 * 4)) "$bin" "${args[@]}" >/dev/null 2>"$tmp/err"
  rc=$?
  set -e
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  rss_kib=$(tail -1 "$tmp/rss" 2>/dev/null | grep -E '^[0-9]+$' || echo 0)
  rss=$((rss_kib / 1024))
  code=$(grep -o '^error: [a-z_]*' "$tmp/err" | tail -1 | cut -d' ' -f2 || true)
  exits[$rc]=$(( ${exits[$rc]:-0} + 1 ))
  words=-
  if [[ $cmd == ocr && $rc == 0 ]]; then
    words=$(wc -w < "$tmp/out.txt" 2>/dev/null || echo 0)
    ((words > 0)) || textless=$((textless + 1))
  fi
  flag=""
  if [[ $rc != 0 && $rc != 3 ]] || (( rss > memory )); then bad=$((bad + 1)); flag=" <-- FAIL"; fi
  (( $(echo "$secs > $worst_s" | bc) )) && worst_s=$secs
  (( rss > worst_m )) && worst_m=$rss
  printf '%-60s %4s %-20s %8.2f %9s %6s%s\n' "${f#"$dir"/}" "$rc" "${code:--}" "$secs" "$rss" "$words" "$flag"
done < <(find "$dir" -type f ! -name '*.gt.txt' ! -name '*.md' ! -name '*.uzn' -print0 | sort -z)
summary=""
for k in "${!exits[@]}"; do summary+="exit $k: ${exits[$k]}  "; done
[[ $cmd == ocr ]] && summary+="exit 0 without text: $textless  "
echo "files: $n  $summary slowest: ${worst_s}s  peak RSS max: ${worst_m} MiB  failures: $bad"
((bad == 0))
