#!/usr/bin/env python3
"""Converts Tesseract hOCR (one file per page) into an ocrloom DocumentResult JSON.

usage: tess2result.py OUT.json PAGE_INDEX:HOCR[:ROTATION] [...]

ROTATION (0, 90, 180, 270) is how far the page image was turned clockwise
before Tesseract read it (from OSD, as the engine does): boxes are mapped
back to the unturned image and the page's `orientation` is set to it, which
is what ocrloom's engine reports.
"""
import json, re, sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/1999/xhtml}"

def title(el):
    out = {}
    for part in (el.get("title") or "").split(";"):
        part = part.strip()
        if part:
            k, _, v = part.partition(" ")
            out[k] = v
    return out

class Frame:
    """Maps points of the turned image (rw x rh) back to the original."""
    def __init__(self, rotation, rw, rh):
        self.rotation, self.rw, self.rh = rotation, rw, rh
        # The original's size.
        self.w, self.h = (rh, rw) if rotation in (90, 270) else (rw, rh)

    def point(self, x, y):
        r = self.rotation
        if r == 90:
            return y, self.h - x
        if r == 180:
            return self.w - x, self.h - y
        if r == 270:
            return self.w - y, x
        return x, y

    def box(self, x0, y0, x1, y1):
        (ax, ay), (bx, by) = self.point(x0, y0), self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

FRAME = Frame(0, 0, 0)

def bbox(t):
    x0, y0, x1, y1 = FRAME.box(*map(int, t["bbox"].split()))
    return {"x0": x0, "y0": y0, "x1": max(x1, x0 + 1), "y1": max(y1, y0 + 1)}

def page_result(index, path, rotation=0):
    global FRAME
    root = ET.parse(path).getroot()
    page = root.find(f".//{NS}div[@class='ocr_page']")
    t = title(page)
    _, _, rw, rh = map(int, t["bbox"].split())
    FRAME = Frame(rotation, rw, rh)
    b = {"x1": FRAME.w, "y1": FRAME.h}
    dpi = float(t.get("scan_res", "300 300").split()[0])
    blocks = []
    for carea in page.iter(f"{NS}div"):
        if carea.get("class") != "ocr_carea":
            continue
        paras = []
        for par in carea.iter(f"{NS}p"):
            lines = []
            for line in par:
                if line.get("class") not in ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"):
                    continue
                lt = title(line)
                lb = bbox(lt)
                baseline = None
                if "baseline" in lt:
                    slope, off = map(float, lt["baseline"].split())
                    # In the turned image's frame, then mapped back.
                    lx0, _, lx1, ly1 = map(int, lt["bbox"].split())
                    y0 = ly1 + off
                    (ax, ay), (bx, by) = FRAME.point(lx0, y0), FRAME.point(lx1, y0 + slope * (lx1 - lx0))
                    baseline = {"x0": ax, "y0": ay, "x1": bx, "y1": by}
                words = []
                for w in line.iter(f"{NS}span"):
                    if w.get("class") != "ocrx_word":
                        continue
                    text = "".join(w.itertext()).strip()
                    if not text:
                        continue
                    wt = title(w)
                    words.append({"text": text, "bbox": bbox(wt), "confidence": float(wt.get("x_wconf", 0))})
                if words:
                    size = float(lt.get("x_size", lb["y1"] - lb["y0"])) * 72.0 / dpi
                    lines.append({"bbox": lb, "baseline": baseline, "font_size": size, "words": words})
            if lines:
                paras.append({"bbox": bbox(title(par)), "lines": lines})
        if paras:
            blocks.append({"bbox": bbox(title(carea)), "paragraphs": paras})
    words = [w for bl in blocks for p in bl["paragraphs"] for l in p["lines"] for w in l["words"]]
    mean = sum(w["confidence"] for w in words) / len(words) if words else 0.0
    return {"index": index, "width": b["x1"], "height": b["y1"], "dpi": dpi, "orientation": rotation,
            "skew": 0.0, "language": "eng", "mean_confidence": mean, "blocks": blocks}

def main():
    out = sys.argv[1]
    pages = []
    for arg in sys.argv[2:]:
        index, path, *rest = arg.split(":")
        pages.append(page_result(int(index), path, int(rest[0]) if rest else 0))
    with open(out, "w") as f:
        json.dump({"pages": pages}, f)

if __name__ == "__main__":
    main()
