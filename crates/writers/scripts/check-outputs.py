#!/usr/bin/env python3
"""Checks ocrloom's writers on real files with tools ocrloom did not write.

usage: check-outputs.py WORKDIR FILE [FILE ...]

For each input (PDF or image): renders up to MAX_OCR pages with pdftoppm
(images: converted to PNG as they are), detects the orientation with
Tesseract OSD and turns the page upright as the engine does, runs the
Tesseract CLI for hOCR, converts it to a DocumentResult (tess2result.py,
boxes mapped back to the unturned page), writes every format with the
`write` example, then measures:
  pdf inputs : pixel-identical rendering (pdftoppm -r 72, 0 differing
               pixels), `qpdf --check` errors, page count and boxes (pdfinfo)
  all inputs : CER of `pdftotext -raw` and of PDFium (pypdfium2) text
               against the engine's text (`cer_pdftotext_raw`, the
               acceptance figure: -raw keeps content-stream order, which is
               the reading order the text layer defines; default pdftotext
               re-orders by physical layout, reported as `cer_pdftotext`), IoU of `pdftotext -bbox` word boxes with the
               JSON's boxes, bytes added, hOCR (hocr-check), PDF write time.
REUSE_OCR=1 keeps the OCR results (WORKDIR/NAME.result.json) of an earlier
run, to re-check the writers alone after a change. OCRLOOM_ENGINE=PATH (the
`ocrloom` binary) takes the results from the engine itself (`ocrloom ocr`,
every page, its JSON output converted back) instead of the Tesseract CLI.
Needs: poppler-utils, qpdf, tesseract; python: rapidfuzz, pypdfium2, lxml, Pillow, hocr-tools.
Prints one JSON line per input.
"""
import html, json, os, re, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
WRITE = os.environ.get("OCRLOOM_WRITE", os.path.join(HERE, "../../../target/debug/examples/write"))
MAX_OCR = int(os.environ.get("MAX_OCR", "4"))
ENGINE = os.environ.get("OCRLOOM_ENGINE")
DPI = int(os.environ.get("OCR_DPI", "150"))

def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)

def norm(s):
    return " ".join(s.split())

def cer(ref, hyp):
    from rapidfuzz.distance import Levenshtein
    ref, hyp = norm(ref), norm(hyp)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)

def page_count(pdf):
    out = run("pdfinfo", pdf).stdout.decode("latin-1")
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0

def boxes(pdf):
    out = run("pdfinfo", "-box", "-f", "1", "-l", "100000", pdf).stdout.decode("latin-1")
    return [l for l in out.splitlines() if re.match(r"Page\s+\d+\s+(size|rot|MediaBox|CropBox)", l)]

def bbox_words(pdf, page):
    out = run("pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), pdf, "-").stdout.decode()
    words = []
    for m in re.finditer(r'<word xMin="([\d.\-]+)" yMin="([\d.\-]+)" xMax="([\d.\-]+)" yMax="([\d.\-]+)">(.*?)</word>', out):
        words.append((html.unescape(m.group(5)), tuple(map(float, m.group(1, 2, 3, 4)))))
    return words

def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / ua if ua > 0 else 0.0

def ious(pdf, page, engine_words):
    # Order-independent: each engine word against the best-overlapping
    # extracted word with the same text (reading orders may differ).
    found = {}
    for text, box in bbox_words(pdf, page):
        found.setdefault(text, []).append(box)
    return [max(iou(box, b) for b in found[text]) for text, box in engine_words if text in found]

def pdfium_text(pdf, page):
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(pdf)
    try:
        # PDFium joins a word hyphenated at a line's end and marks the
        # hyphen it removed with U+FFFE: put the hyphen and the break back.
        return doc[page].get_textpage().get_text_range().replace("\ufffe", "-\n")
    finally:
        doc.close()

OSD_MIN_CONFIDENCE = float(os.environ.get("OSD_MIN_CONFIDENCE", "5"))

def tesseract_page(png, index):
    """OCRs one page image; returns the tess2result argument for it."""
    from PIL import Image
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    osd = run("tesseract", png + ".png", "-", "--psm", "0", env=env).stdout.decode("latin-1")
    rot = re.search(r"^Rotate: (\d+)", osd, re.M)
    conf = re.search(r"^Orientation confidence: ([\d.]+)", osd, re.M)
    rotation = int(rot.group(1)) if rot and conf and float(conf.group(1)) >= OSD_MIN_CONFIDENCE else 0
    src = png + ".png"
    if rotation:
        # Clockwise by `rotation`, as the engine turns the page before reading.
        turn = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}[rotation]
        src = png + ".upright.png"
        Image.open(png + ".png").transpose(turn).save(src)
    run("tesseract", src, png, "--psm", "3", "-l", "eng", "hocr", env=env)
    return f"{index}:{png}.hocr:{rotation}"

def engine_result(json_out, result_path):
    """Converts the engine's JSON output back into a DocumentResult."""
    box = lambda b: dict(zip(("x0", "y0", "x1", "y1"), b))
    def union(boxes):
        return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
    pages = []
    for p in json.load(open(json_out))["pages"]:
        if not p["ocr"]:
            continue
        blocks = []
        for b in p["blocks"]:
            paragraphs = {}
            for l in b["lines"]:
                paragraphs.setdefault(l["paragraph"], []).append({
                    "bbox": box(l["bbox_px"]),
                    "baseline": box(l["baseline_px"]) if l.get("baseline_px") else None,
                    "font_size": l["font_size"],
                    "words": [{"text": w["text"], "bbox": box(w["bbox_px"]), "confidence": w["confidence"]} for w in l["words"]],
                })
            blocks.append({"bbox": box(b["bbox_px"]), "paragraphs": [
                {"bbox": box(union([[l["bbox"][k] for k in ("x0", "y0", "x1", "y1")] for l in lines])), "lines": lines}
                for _, lines in sorted(paragraphs.items())]})
        pages.append({k: p[k] for k in ("index", "dpi", "orientation", "skew", "language", "mean_confidence")}
                     | {"width": p["width_px"], "height": p["height_px"], "blocks": blocks})
    json.dump({"pages": pages}, open(result_path, "w"))

def check(work, path):
    name = os.path.basename(path)
    base = os.path.join(work, name)
    is_pdf = path.lower().endswith(".pdf")
    rec = {"file": name}
    hocrs = []
    reuse = os.environ.get("REUSE_OCR") == "1" and os.path.exists(base + ".result.json")
    if ENGINE and not reuse:
        r = run(ENGINE, "ocr", path, "-o", base + ".engine.json")
        if r.returncode != 0:
            rec["ocr_error"] = r.stderr.decode()[-300:]
            return rec
        engine_result(base + ".engine.json", base + ".result.json")
        reuse = True
    if is_pdf:
        n = page_count(path)
        rec["pages"] = n
        if n == 0:
            rec["skip"] = "unreadable by poppler"
            return rec
        for p in range(0 if reuse else min(n, MAX_OCR)):
            png = f"{base}.p{p}"
            run("pdftoppm", "-r", str(DPI), "-f", str(p + 1), "-l", str(p + 1), "-singlefile", "-png", path, png)
            hocrs.append(tesseract_page(png, p))
    else:
        from PIL import Image, ImageOps
        im = Image.open(path)
        n = getattr(im, "n_frames", 1)
        for p in range(0 if reuse else min(n, MAX_OCR)):
            im.seek(p)
            png = f"{base}.p{p}"
            page = ImageOps.exif_transpose(im.convert("L") if im.mode not in ("L", "RGB", "1") else im.copy())
            if im.format == "TIFF":
                o = im.tag_v2.get(274, 1)
                page = ImageOps.exif_transpose(im.copy()) if o == 1 else page
            page.save(png + ".png")
            hocrs.append(tesseract_page(png, p))
    if not reuse:
        run(sys.executable, os.path.join(HERE, "tess2result.py"), base + ".result.json", *hocrs)
    r = run(WRITE, path, base + ".result.json", base + ".out")
    if r.returncode != 0:
        rec["write_error"] = r.stderr.decode()[-300:]
        return rec
    m = re.search(r"pdf_write_seconds ([\d.]+)", r.stdout.decode())
    rec["pdf_write_s"] = float(m.group(1)) if m else None
    out_pdf = base + ".out.pdf"
    rec["bytes_in"] = os.path.getsize(path)
    rec["bytes_added"] = os.path.getsize(out_pdf) - rec["bytes_in"]
    q = run("qpdf", "--check", out_pdf)
    qin = run("qpdf", "--check", path) if is_pdf else None
    errs = [l for l in q.stdout.decode("latin-1").splitlines() + q.stderr.decode("latin-1").splitlines() if re.search(r"error|warning", l, re.I) and "No syntax or stream encoding errors" not in l and "errors that qpdf cannot detect" not in l]
    rec["qpdf_exit"] = q.returncode
    rec["qpdf_in_exit"] = qin.returncode if qin else None
    rec["qpdf_issues"] = errs[:3]
    if is_pdf:
        rec["same_boxes"] = boxes(path) == boxes(out_pdf) and page_count(out_pdf) == n
        a = run("pdftoppm", "-r", "72", path, base + ".in72")
        b = run("pdftoppm", "-r", "72", out_pdf, base + ".out72")
        ins = sorted(f for f in os.listdir(work) if f.startswith(name + ".in72"))
        outs = sorted(f for f in os.listdir(work) if f.startswith(name + ".out72"))
        diff = 0
        for fi, fo in zip(ins, outs):
            if open(os.path.join(work, fi), "rb").read() != open(os.path.join(work, fo), "rb").read():
                diff += 1
        rec["pages_differing_72dpi"] = diff + abs(len(ins) - len(outs))
        for f in ins + outs:
            os.remove(os.path.join(work, f))
    res = json.load(open(base + ".out.json"))
    cers, rcers, pcers, all_iou = [], [], [], []
    for page in res["pages"]:
        if not page["ocr"] or not page["text"].strip():
            continue
        i = page["index"]
        t = run("pdftotext", "-f", str(i + 1), "-l", str(i + 1), out_pdf, "-").stdout.decode()
        if is_pdf:
            # Text the page already had is not ours: only image-only pages count.
            orig = run("pdftotext", "-f", str(i + 1), "-l", str(i + 1), path, "-").stdout.decode()
            if orig.strip():
                continue
        cers.append(cer(page["text"], t))
        raw = run("pdftotext", "-raw", "-f", str(i + 1), "-l", str(i + 1), out_pdf, "-").stdout.decode()
        rcers.append(cer(page["text"], raw))
        pcers.append(cer(page["text"], pdfium_text(out_pdf, i)))
        words = [(w["text"], w["bbox_pt"]) for b in page["blocks"] for l in b["lines"] for w in l["words"]]
        all_iou += ious(out_pdf, i, words)
        rec.setdefault("engine_words", 0)
        rec["engine_words"] += len(words)
    if cers:
        rec["cer_pdftotext"] = round(max(cers), 5)
        rec["cer_pdftotext_raw"] = round(max(rcers), 5)
        rec["cer_pdfium"] = round(max(pcers), 5)
    if all_iou:
        all_iou.sort()
        rec["iou_matched"] = len(all_iou)
        rec["iou_median"] = round(statistics.median(all_iou), 3)
        rec["iou_p5"] = round(all_iou[int(0.05 * (len(all_iou) - 1))], 3)
    hc = run("hocr-check", base + ".out.hocr")
    rec["hocr_check"] = hc.returncode == 0 and not hc.stdout.strip()
    if not rec["hocr_check"]:
        rec["hocr_check_msg"] = (hc.stdout + hc.stderr).decode()[-200:]
    return rec

def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    for path in sys.argv[2:]:
        try:
            rec = check(work, path)
        except Exception as e:  # keep going over a folder
            rec = {"file": os.path.basename(path), "exception": repr(e)}
        print(json.dumps(rec), flush=True)

if __name__ == "__main__":
    main()
