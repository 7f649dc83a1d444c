#!/usr/bin/env python3
"""Side-by-side speed and accuracy: ocrloom vs OCRmyPDF vs the Tesseract CLI.

usage: scripts/compare.py GT_DIR [--pages 12] [--runs 3] [--jobs 2] [--keep DIR]

Builds a scanned PDF from the first N ground-truth page images of GT_DIR
(every set in turn, lossless via img2pdf), then runs, interleaved, RUNS times:
  ocrloom    ocrloom ocr in.pdf -o out.pdf            (its own language per page: eng)
  ocrmypdf   ocrmypdf --jobs J --output-type pdf in.pdf out.pdf
  tesseract  tesseract IMG OUT --psm 3 -l eng, J processes at a time,
             OMP_THREAD_LIMIT=1 (the recognition-only bound)
and prints medians of wall time, CPU time and peak RSS, the ratios to
OCRmyPDF and to the Tesseract bound (of the medians, and the median of the
ratios within each round), and each tool's CER on those pages
(text from pdftotext for the PDFs; the definitions of tools/ocr-score).

OCRmyPDF, img2pdf and rapidfuzz are installed into target/compare-venv from
PyPI when missing; ghostscript (needed by OCRmyPDF) and ImageMagick from Debian.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "compare-venv"
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def ensure_tools():
    py = VENV / "bin" / "python"
    if not (VENV / "bin" / "ocrmypdf").exists():
        print("installing OCRmyPDF, img2pdf, rapidfuzz into", VENV, file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "ocrmypdf", "img2pdf", "rapidfuzz"], check=True)
    # ghostscript for OCRmyPDF, ImageMagick to flatten pages with alpha.
    for tool, package in (("gs", "ghostscript"), ("/usr/bin/convert", "imagemagick")):
        if shutil.which(tool) is None:
            subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True)
    binary = ROOT / "target" / "release" / "ocrloom"
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "ocrloom-cli"], cwd=ROOT, check=True)
    return py, binary


def pick_pages(gt_dir: Path, n: int):
    """The first page of every set, then the second of every set, ... (n in all)."""
    sets = {}
    for gt in sorted(gt_dir.glob("*/*.gt.txt")):
        name = gt.name[: -len(".gt.txt")]
        image = next((gt.with_name(name + x) for x in IMAGE_EXTS if gt.with_name(name + x).exists()), None)
        if image:
            sets.setdefault(gt.parent.name, []).append((image, gt))
    pages, i = [], 0
    while len(pages) < n and any(i < len(v) for v in sets.values()):
        for s in sorted(sets):
            if i < len(sets[s]) and len(pages) < n:
                pages.append((s, *sets[s][i]))
        i += 1
    return pages


def normalize(text, setname, is_hyp):
    """As tools/ocr-score: NFC, de-hyphenation for old-books, folded spaces, sroie upper-case."""
    text = unicodedata.normalize("NFC", text)
    if setname == "old-books" and is_hyp:
        text = re.sub(r"(\w)[-\u00ad]\s*\n\s*(\w)", r"\1\2", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.upper() if setname == "sroie" else text


def cer(py, refs_hyps):
    """Micro-averaged CER over (set, ref, hyp) triples, computed in the venv's rapidfuzz."""
    import json
    payload = json.dumps([[normalize(r, s, False), normalize(h, s, True)] for s, r, h in refs_hyps])
    code = (
        "import json,sys\nfrom rapidfuzz.distance import Levenshtein\n"
        "d=json.load(sys.stdin); e=sum(Levenshtein.distance(r,h) for r,h in d); n=sum(len(r) for r,_ in d)\n"
        "print(100*e/max(n,1))"
    )
    out = subprocess.run([str(py), "-c", code], input=payload, capture_output=True, text=True, check=True)
    return float(out.stdout)


def run_measured(cmds, jobs, env=None):
    """Runs commands `jobs` at a time; wall seconds, CPU seconds, max peak RSS (MiB)."""
    start = time.monotonic()
    results = []

    def one(cmd):
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        err = p.stderr.read().decode(errors="replace") if p.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd[0]} failed: {err[-500:]}")
        return usage

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, cmds))
    wall = time.monotonic() - start
    cpu = sum(u.ru_utime + u.ru_stime for u in results)
    rss = max(u.ru_maxrss for u in results) / 1024
    return wall, cpu, rss


def pdf_pages_text(pdf):
    # -raw: the text layer's own order (the default re-flows columns, which
    # scores reading-order differences, not recognition).
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gt_dir", type=Path)
    ap.add_argument("--pages", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    py, ocrloom = ensure_tools()
    work = Path(args.keep or tempfile.mkdtemp(prefix="ocrloom-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    pages = pick_pages(args.gt_dir, args.pages)
    # img2pdf refuses alpha channels; flatten those pages (same pixels otherwise).
    images = []
    for i, (s, image, gt) in enumerate(pages):
        dst = work / f"p{i:02d}{image.suffix}"
        shutil.copy(image, dst)
        if image.suffix == ".png":
            subprocess.run(["/usr/bin/convert", str(image), "-background", "white", "-alpha", "remove", "-alpha", "off", str(dst)], check=True)
        images.append(dst)
    scan = work / "scan.pdf"
    subprocess.run([str(VENV / "bin" / "img2pdf"), *map(str, images), "-o", str(scan)], check=True)
    env1 = dict(os.environ, OMP_THREAD_LIMIT="1")
    tools = {
        "ocrloom": lambda r: ([[str(ocrloom), "ocr", str(scan), "-o", str(work / f"ocrloom{r}.pdf"), "--jobs", str(args.jobs)]], 1),
        "ocrmypdf": lambda r: ([[str(VENV / "bin" / "ocrmypdf"), "--jobs", str(args.jobs), "--output-type", "pdf", "--force-ocr", str(scan), str(work / f"ocrmypdf{r}.pdf")]], 1),
        "tesseract": lambda r: ([["tesseract", str(img), str(work / f"tess{r}_{i:02d}"), "--psm", "3", "-l", "eng"] for i, img in enumerate(images)], args.jobs),
    }
    stats = {t: [] for t in tools}
    for r in range(args.runs):
        for name, make in tools.items():
            cmds, jobs = make(r)
            stats[name].append(run_measured(cmds, jobs, env=env1 if name == "tesseract" else None))
    refs = [(s, gt.read_text(encoding="utf-8")) for s, _, gt in pages]
    last = args.runs - 1
    hyps = {
        "ocrloom": pdf_pages_text(work / f"ocrloom{last}.pdf"),
        "ocrmypdf": pdf_pages_text(work / f"ocrmypdf{last}.pdf"),
        "tesseract": [(work / f"tess{last}_{i:02d}.txt").read_text(encoding="utf-8") for i in range(len(images))],
    }
    med = {t: [statistics.median(x[k] for x in v) for k in range(3)] for t, v in stats.items()}
    print(f"{len(pages)} pages, {args.runs} interleaved runs, {args.jobs} jobs; medians")
    print(f"{'tool':10} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'vs ocrmypdf':>12} {'vs tesseract':>13} {'CER %':>7}")
    for t in tools:
        w, c, m = med[t]
        e = cer(py, [(s, ref, hyps[t][i] if i < len(hyps[t]) else "") for i, (s, ref) in enumerate(refs)])
        print(f"{t:10} {w:8.2f} {c:8.2f} {m:9.0f} {w / med['ocrmypdf'][0]:12.2f} {w / med['tesseract'][0]:13.2f} {e:7.2f}")
    # This VM's speed drifts between rounds: the ratio within each round
    # (tools run back to back) is steadier than the ratio of medians.
    print("per round, wall s: " + "; ".join(
        " / ".join(f"{stats[t][r][0]:.2f}" for t in tools) for r in range(args.runs)) + f"  ({' / '.join(tools)})")
    for ref in ("ocrmypdf", "tesseract"):
        ratios = [stats["ocrloom"][r][0] / stats[ref][r][0] for r in range(args.runs)]
        print(f"ocrloom vs {ref}, median of per-round ratios: {statistics.median(ratios):.2f}"
              f" (range {min(ratios):.2f}-{max(ratios):.2f})")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
