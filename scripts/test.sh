#!/usr/bin/env bash
# Runs ocrloom's tests, installing what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tesseract's OpenMP runtime reads this before main(): without it one page
# takes 5x longer (see docs/decisions.md).
export OMP_THREAD_LIMIT=1
cargo test --workspace --quiet "$@"
# The job manager's tests again, against the shared stores of a cluster: a
# throwaway PostgreSQL server (Debian's postgresql) and a throwaway S3 server
# (SeaweedFS), both started and removed by the tests.
OCRLOOM_TEST_BACKEND=postgres OCRLOOM_TEST_STORAGE=s3 cargo test --quiet -p ocrloom-jobs "$@"
# The server's tests too, on the same two stores (about 40 s).
OCRLOOM_TEST_BACKEND=postgres OCRLOOM_TEST_STORAGE=s3 cargo test --quiet -p ocrloom-server "$@"
# A cluster on this machine: 2 API nodes and 3 workers on one throwaway
# PostgreSQL and one S3 server, a worker and a node killed midway (real OCR,
# about a minute).
OCRLOOM_TEST_BACKEND=postgres OCRLOOM_TEST_STORAGE=s3 cargo test --quiet -p ocrloom-cli --test cluster "$@"
# The web console in headless Chromium, on the `ocrloom` binary the tests
# above built (tests/console/).
node --test tests/console/console.test.mjs
