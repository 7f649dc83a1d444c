#!/usr/bin/env bash
# DOCX against the text output and the ground truth, over an evaluation
# folder (<set>/<name>.{png,jpg,tif} + <name>.gt.txt):
#   1. every page to OUT/txt/<set>/<name>.txt and OUT/docx/<set>/<name>.docx;
#   2. each DOCX through LibreOffice (headless, a private profile) to PDF,
#      its page count and its text in the order LibreOffice wrote it
#      (pdftotext -raw, OUT/docxtext/...);
#   3. per page, the CER between the .txt and the DOCX's text after
#      whitespace is folded, and whether the PDF has one page;
#   4. with a scorer (GT_DIR HYP_DIR, e.g. one printing CER/WER/BoW per set),
#      the .txt and the DOCX text against the ground truth.
#   scripts/eval-docx.sh GT_DIR OUT [ocrloom binary] [scorer]
set -euo pipefail
dir=$1 out=$2
bin=${3:-target/release/ocrloom}
scorer=${4:-}
export OMP_THREAD_LIMIT=1
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

find "$dir" -name '*.gt.txt' | sort >"$out/pages"
while read -r gt; do
  rel=${gt#"$dir"/}
  stem=${rel%.gt.txt}
  img=
  for ext in png jpg tif; do [ -e "$dir/$stem.$ext" ] && img=$dir/$stem.$ext && break; done
  mkdir -p "$out/txt/$(dirname "$stem")" "$out/docx/$(dirname "$stem")"
  "$bin" ocr -j 1 -o "$out/txt/$stem.txt" "$img"
  "$bin" ocr -j 1 -o "$out/docx/$stem.docx" "$img"
done <"$out/pages"

for set in "$out"/docx/*/; do
  name=$(basename "$set")
  mkdir -p "$out/pdf/$name" "$out/docxtext/$name"
  soffice "-env:UserInstallation=file://$profile" --headless --convert-to pdf \
    --outdir "$out/pdf/$name" "$set"*.docx >/dev/null 2>&1
  for pdf in "$out/pdf/$name"/*.pdf; do
    base=$(basename "$pdf" .pdf)
    pdftotext -raw "$pdf" "$out/docxtext/$name/$base.txt"
    printf '%s/%s\t%s\n' "$name" "$base" "$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
  done
done >"$out/pagecounts"

python3 - "$out" <<'EOF'
import sys
from pathlib import Path

out = Path(sys.argv[1])

def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]

counts = dict(l.split("\t") for l in (out / "pagecounts").read_text().splitlines())
rows = []
for txt in sorted((out / "txt").glob("*/*.txt")):
    key = f"{txt.parent.name}/{txt.stem}"
    own = " ".join(txt.read_text().split())
    d = out / "docxtext" / txt.parent.name / txt.name
    docx = " ".join(d.read_text().split()) if d.exists() else ""
    cer = lev(own, docx) / max(1, len(own))
    rows.append((key, cer, counts.get(key, "0").strip()))
for key, cer, pages in rows:
    print(f"{key}\tCER {cer * 100:.2f}%\tpages {pages}")
over = [r for r in rows if r[1] > 0.01]
bad_pages = [r for r in rows if r[2] != "1"]
cers = sorted(r[1] for r in rows)
print(f"pages: {len(rows)}; CER .txt vs DOCX text: median {cers[len(cers) // 2] * 100:.2f}%, "
      f"max {cers[-1] * 100:.2f}%, over 1%: {len(over)}; PDFs without exactly one page: {len(bad_pages)}")
EOF

if [ -n "$scorer" ]; then
  echo "== .txt against the ground truth"
  "$scorer" "$dir" "$out/txt"
  echo "== DOCX text (LibreOffice -> PDF -> pdftotext) against the ground truth"
  "$scorer" "$dir" "$out/docxtext"
fi
