#!/usr/bin/env bash
# Fuzzes ocrloom's input parsers with cargo-fuzz (libFuzzer + AddressSanitizer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Runs each target (default: all of detect pdf graft tiff png jpeg bmp json
# headers)
# for SECONDS (default 60), one after the other, one process at a time. Seeds are
# the fixtures of the target's format (fuzz/seeds/<target> for json and
# headers), copied into the working corpus fuzz/corpus/<target>/; crash inputs land in
# fuzz/artifacts/<target>/, full logs in fuzz/logs/<target>.log (all three
# gitignored). Prints one line per target (executions, exec/s) and exits 1 if
# any target crashed, leaked, hung past -timeout or went over -rss_limit_mb.
#
# FUZZ_RUNS=N and FUZZ_SEED=S make a run reproducible: N inputs per target
# instead of SECONDS, from random seed S (CI uses this: a check of the seeds
# and a fixed stretch of mutations, not exploration, which depends on speed).
#
# Stable Rust only: cargo-fuzz passes nightly flags (-Zsanitizer=address), so
# the build runs with RUSTC_BOOTSTRAP=1. FUZZ_SANITIZER=none builds without
# ASan. Reproduce a crash with
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(detect pdf graft tiff png jpeg bmp json headers)
CARGO_FUZZ_VERSION=0.13.2
SANITIZER=${FUZZ_SANITIZER:-address}
# Largest fixture used as a seed (bigger ones only slow the mutations down).
MAX_SEED_KB=300

secs=60
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
  secs=$1
  shift
fi
targets=("$@")
((${#targets[@]})) || targets=("${ALL[@]}")
for t in "${targets[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || {
    echo "fuzz: unknown target '$t' (targets: ${ALL[*]})" >&2
    exit 2
  }
done

# Leptonica, libclang and PDFium (into vendor/pdfium/): quiet when present.
scripts/setup.sh
export OCRLOOM_PDFIUM="$PWD/vendor/pdfium/libpdfium.so"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION" >&2
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --quiet
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# cargo-fuzz builds into fuzz/target/ unless CARGO_TARGET_DIR says otherwise.
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-fuzz/target}")
# One target: build only it; several: build them all at once (one cargo run).
build_target=()
((${#targets[@]} == 1)) && build_target=("${targets[0]}")
echo "fuzz: building (sanitizer: $SANITIZER)" >&2
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer "$SANITIZER" --target-dir "$target_dir" \
  "${build_target[@]}"

# The seeds of a target: fixtures of its format and the fuzzer's regression
# files (fixtures/malformed/fuzz-*, any format: each target skips the others).
seeds() {
  case $1 in json | headers) ;; *) find fixtures/malformed -type f -name 'fuzz-*' ;; esac
  case $1 in
    detect) find fixtures/raster fixtures/malformed fuzz/seeds -type f ;;
    # Not pdfium-hang/: PDFium never finishes it in-process (fixtures/README.md).
    pdf) find fixtures -type f -name '*.pdf' -not -path 'fixtures/pdfium-hang/*' ;;
    # lopdf, not PDFium: the file PDFium hangs on is a seed like any other.
    graft) find fixtures -type f -name '*.pdf' ;;
    tiff) find fixtures -type f \( -name '*.tif' -o -name '*.tiff' \) ;;
    png) find fixtures -type f -name '*.png' ;;
    jpeg) find fixtures -type f \( -name '*.jpg' -o -name '*.jpeg' \) ;;
    bmp) find fixtures -type f -name '*.bmp' ;;
    json) find fuzz/seeds/json -type f ;;
    headers) find fuzz/seeds/headers -type f ;;
  esac
}

# One of libFuzzer's final statistics (-print_final_stats=1) from log $2.
final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

failed=()
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus" "fuzz/artifacts/$t" fuzz/logs
  # Seeds are copied in, named by content like libFuzzer's own corpus files
  # (so a file found twice counts once).
  while IFS= read -r f; do
    [ "$(stat -c %s "$f")" -le $((MAX_SEED_KB * 1024)) ] || continue
    sum=$(sha1sum "$f" | cut -d' ' -f1)
    [ -e "$corpus/$sum" ] || cp "$f" "$corpus/$sum"
  done < <(seeds "$t")
  args=(
    -timeout=20 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/"
  )
  if [ -n "${FUZZ_RUNS:-}" ]; then args+=(-runs="$FUZZ_RUNS"); else args+=(-max_total_time="$secs"); fi
  [ -n "${FUZZ_SEED:-}" ] && args+=(-seed="$FUZZ_SEED")
  [ "$t" = json ] && args+=(-dict=fuzz/json.dict)
  log=fuzz/logs/$t.log
  rc=0
  start=$(date +%s)
  "$target_dir/$host/release/$t" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  # No corpus line when the target failed on a seed: not a reason to stop.
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  status=ok
  if [ "$rc" != 0 ]; then
    status="FAILED (exit $rc)"
    failed+=("$t")
  fi
  printf 'fuzz: %-6s %5ss %12s execs %8s exec/s  corpus %-12s %s\n' \
    "$t" "$took" "$(final_stat number_of_executed_units "$log")" \
    "$(final_stat average_exec_per_sec "$log")" \
    "${corp:-?}" "$status"
  if [ "$rc" != 0 ]; then
    tail -n 60 "$log" | sed "s/^/  $t| /" >&2
    grep -o 'Test unit written to .*' "$log" | sed "s/^/  $t| /" >&2 || true
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]} (logs in fuzz/logs/, inputs in fuzz/artifacts/)" >&2
  exit 1
fi
