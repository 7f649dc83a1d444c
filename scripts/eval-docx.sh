#!/usr/bin/env bash
# DOCX and PPTX against the text output and the ground truth, over an
# evaluation folder (<set>/<name>.{png,jpg,tif} + <name>.gt.txt):
#   1. every page read once to OUT/txt/<set>/<name>.txt,
#      OUT/docx/<set>/<name>.docx and OUT/pptx/<set>/<name>.pptx;
#   2. each DOCX and PPTX through LibreOffice (headless, a private profile)
#      to PDF, its page count and its text in the order LibreOffice wrote
#      it (pdftotext -raw, OUT/docxtext/... and OUT/pptxtext/...);
#   3. per page and format, the CER between the .txt and the document's
#      text after whitespace is folded, and whether the PDF has one page;
#   4. with a scorer (GT_DIR HYP_DIR, e.g. one printing CER/WER/BoW per set),
#      the .txt, the DOCX text and the PPTX text against the ground truth.
#   scripts/eval-docx.sh GT_DIR OUT [ocrloom binary] [scorer]
set -euo pipefail
dir=$1 out=$2
bin=${3:-target/release/ocrloom}
scorer=${4:-}
export OMP_THREAD_LIMIT=1
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
formats="docx pptx"

find "$dir" -name '*.gt.txt' | sort >"$out/pages"
while read -r gt; do
  rel=${gt#"$dir"/}
  stem=${rel%.gt.txt}
  img=
  for ext in png jpg tif; do [ -e "$dir/$stem.$ext" ] && img=$dir/$stem.$ext && break; done
  args=(-o "$out/txt/$stem.txt")
  mkdir -p "$out/txt/$(dirname "$stem")"
  for f in $formats; do
    mkdir -p "$out/$f/$(dirname "$stem")"
    args+=(-o "$out/$f/$stem.$f")
  done
  "$bin" ocr -q -j 1 "${args[@]}" "$img"
done <"$out/pages"

for f in $formats; do
  for set in "$out/$f"/*/; do
    name=$(basename "$set")
    mkdir -p "$out/pdf-$f/$name" "$out/${f}text/$name"
    soffice "-env:UserInstallation=file://$profile" --headless --convert-to pdf \
      --outdir "$out/pdf-$f/$name" "$set"*."$f" >/dev/null 2>&1
    for pdf in "$out/pdf-$f/$name"/*.pdf; do
      base=$(basename "$pdf" .pdf)
      pdftotext -raw "$pdf" "$out/${f}text/$name/$base.txt"
      printf '%s\t%s/%s\t%s\n' "$f" "$name" "$base" "$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')"
    done
  done
done >"$out/pagecounts"

python3 - "$dir" "$out" $formats <<'PY'
import re
import sys
from pathlib import Path

gt, out, formats = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]

def lev(a, b):
    try:
        from rapidfuzz.distance import Levenshtein
        return Levenshtein.distance(a, b)
    except ImportError:
        pass
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]

# The documents flow their paragraphs: a word hyphenated at a line end
# (`gentle-` + `men`) is rejoined, and the renderer may break a line after
# a hyphen (`W3-` + `113`). The second figure counts what remains when
# both texts are treated alike on these two points: line-end hyphens
# joined as the layout joins them (a letter, `-`, a line end, a lowercase
# letter), and no whitespace after a hyphen.
hyphen = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_A-Z])")
after_hyphen = re.compile(r"-\s+")

def fold(text):
    return " ".join(text.split())

def joined(text):
    return after_hyphen.sub("-", fold(hyphen.sub("", text)))

# The same words again with such hyphens joined in the ground truth and
# every output (OUT/joined/), for a scorer: what is then counted is what
# the layout step loses or doubles.
for src, dst, pattern in [(gt, out / "joined" / "gt", "*/*.gt.txt")] + [
    (out / d, out / "joined" / d, "*/*.txt") for d in ["txt"] + [f"{f}text" for f in formats]
]:
    for path in src.glob(pattern):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(hyphen.sub("", path.read_text()))

counts = {}
for line in (out / "pagecounts").read_text().splitlines():
    f, key, n = line.split("\t")
    counts[(f, key)] = n.strip()
for f in formats:
    rows = []
    for txt in sorted((out / "txt").glob("*/*.txt")):
        key = f"{txt.parent.name}/{txt.stem}"
        own = txt.read_text()
        d = out / f"{f}text" / txt.parent.name / txt.name
        doc = d.read_text() if d.exists() else ""
        cer = lev(fold(own), fold(doc)) / max(1, len(fold(own)))
        cer_joined = lev(joined(own), joined(doc)) / max(1, len(joined(own)))
        rows.append((key, cer, counts.get((f, key), "0"), cer_joined))
    for key, cer, pages, cer_joined in rows:
        print(f"{f}\t{key}\tCER {cer * 100:.2f}%\tjoined {cer_joined * 100:.2f}%\tpages {pages}")
    over = [r for r in rows if r[1] > 0.01]
    over_joined = [r for r in rows if r[3] > 0.01]
    bad_pages = [r for r in rows if r[2] != "1"]
    cers = sorted(r[1] for r in rows)
    joined_cers = sorted(r[3] for r in rows)
    print(f"{f}: pages: {len(rows)}; CER .txt vs {f} text: median {cers[len(cers) // 2] * 100:.2f}%, "
          f"max {cers[-1] * 100:.2f}%, over 1%: {len(over)}; hyphens joined: max "
          f"{joined_cers[-1] * 100:.2f}%, over 1%: {len(over_joined)}; "
          f"PDFs without exactly one page: {len(bad_pages)}")
PY

if [ -n "$scorer" ]; then
  echo "== .txt against the ground truth"
  "$scorer" "$dir" "$out/txt"
  for f in $formats; do
    echo "== $f text (LibreOffice -> PDF -> pdftotext) against the ground truth"
    "$scorer" "$dir" "$out/${f}text"
  done
  for hyp in txt $(for f in $formats; do echo "${f}text"; done); do
    echo "== $hyp against the ground truth, line-end hyphens joined in both"
    "$scorer" "$out/joined/gt" "$out/joined/$hyp"
  done
fi
