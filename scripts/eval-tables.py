#!/usr/bin/python3
"""Score ocrloom's tables in XLSX against ground truth cells.

usage: scripts/eval-tables.py [--binary PATH] [--out DIR] [DIR]
       scripts/eval-tables.py --prose [--binary PATH] [--out DIR] GT_DIR
       (DIR default fixtures/tables; binary default target/release/ocrloom)

For each DIR/NAME.png with NAME.json beside it (see
scripts/table-pages/make.py), runs `ocrloom ocr NAME.png -l LANG -o
NAME.xlsx`, reads the workbook back (the tables are the ranges the writer
names PageN_TableM, merged cells from the sheet) and reports per page and
overall:
- cells: ground-truth cells whose text is in the aligned output cell
  (whitespace folded; a cell with a value may hold that number instead),
  out of all ground-truth cells that have text;
- numbers: ground-truth cells with a value stored as a number of that
  value, out of all cells with a value;
- adjacency F1: ICDAR 2013 adjacency relations (each non-empty cell and
  its nearest non-empty neighbour to the right and below), precision and
  recall over the page's tables.
With --prose, GT_DIR is a corpus of running-text pages
(<set>/<name>.{png,jpg,tif} + <name>.gt.txt; a set named sroie, receipts,
is left out): each page is read once to .txt, .json and .xlsx (OUT/txt,
OUT/json, OUT/xlsx), the pages where tables were found are listed, and the
workbook's text (every sheet's cells row by row) goes to OUT/xlsxtext, for
a scorer to compare with OUT/txt against the ground truth.
A ground-truth table is aligned with the output table and the row/column
offset that match the most cells. Only the Python standard library is used.
"""
import argparse
import json
import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "pr": "http://schemas.openxmlformats.org/package/2006/relationships"}
ROOT = Path(__file__).resolve().parents[1]


def ref(a1):
    """'B3' -> (row 2, col 1)."""
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", a1)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def read_xlsx(path):
    """{sheet name: (cells {(r, c): (kind, value)}, merges [(r0, c0, r1, c1)])},
    and the defined names {name: (sheet, r0, c0, r1, c1)}."""
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = {r.get("Id"): r.get("Target") for r in
            ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).findall("pr:Relationship", NS)}
    sheets = {}
    for s in wb.find("m:sheets", NS):
        target = rels[s.get(f"{{{NS['r']}}}id")]
        x = ET.fromstring(z.read("xl/" + target.lstrip("/").removeprefix("xl/")))
        cells = {}
        for c in x.iter(f"{{{NS['m']}}}c"):
            kind = c.get("t", "n")
            v = c.find("m:v", NS)
            if kind == "s" and v is not None:
                cells[ref(c.get("r"))] = ("s", shared[int(v.text)])
            elif kind == "inlineStr":
                cells[ref(c.get("r"))] = ("s", "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t")))
            elif kind == "n" and v is not None:
                cells[ref(c.get("r"))] = ("n", float(v.text))
            elif v is not None:
                cells[ref(c.get("r"))] = ("s", v.text or "")
        merges = []
        for m in x.iter(f"{{{NS['m']}}}mergeCell"):
            a, b = m.get("ref").split(":")
            merges.append(ref(a) + ref(b))
        sheets[s.get("name")] = (cells, merges)
    names = {}
    dn = wb.find("m:definedNames", NS)
    for d in (dn if dn is not None else []):
        m = re.fullmatch(r"'?(.*?)'?!(\S+):(\S+)", d.text or "")
        if m:
            names[d.get("name")] = (m.group(1),) + ref(m.group(2)) + ref(m.group(3))
    return sheets, names


def fold(t):
    return " ".join(str(t).split())


def plain_number(text):
    """A text that is a plain number ("2025", "3.5") as its value."""
    t = fold(text)
    return float(t) if re.fullmatch(r"-?\d+(\.\d+)?", t) else None


def canon(kind, v):
    """A cell's content for comparing relations: numbers (and text that is
    a plain number, as a spreadsheet stores it) by value."""
    if kind == "s" and plain_number(v) is not None:
        kind, v = "n", plain_number(v)
    if kind == "n":
        return f"n:{v:.9g}"
    return "s:" + fold(v)


def out_tables(sheets, names):
    """Each named table as {(r, c): (rowspan, colspan, kind, value)}."""
    tables = []
    for name in sorted(names, key=lambda n: [int(x) for x in re.findall(r"\d+", n)]):
        sheet, r0, c0, r1, c1 = names[name]
        cells, merges = sheets[sheet]
        grid = {}
        covered = set()
        for (a, b, c, d) in merges:
            if r0 <= a <= r1 and c0 <= b <= c1:
                for rr in range(a, c + 1):
                    for cc in range(b, d + 1):
                        covered.add((rr, cc))
                kind, v = cells.get((a, b), ("s", ""))
                grid[(a - r0, b - c0)] = (c - a + 1, d - b + 1, kind, v)
        for rr in range(r0, r1 + 1):
            for cc in range(c0, c1 + 1):
                if (rr, cc) not in covered:
                    kind, v = cells.get((rr, cc), ("s", ""))
                    grid[(rr - r0, cc - c0)] = (1, 1, kind, v)
        tables.append(grid)
    return tables


def gt_table(t):
    grid = {}
    for c in t["cells"]:
        kind, v = ("n", c["value"]) if "value" in c else ("s", c["text"])
        grid[(c["row"], c["col"])] = (c["rowspan"], c["colspan"], kind, v, c["text"])
    return grid


def relations(grid, gt):
    """ICDAR 2013 adjacency relations of a table grid."""
    owner = {}
    for (r, c), cell in grid.items():
        for rr in range(r, r + cell[0]):
            for cc in range(c, c + cell[1]):
                owner[(rr, cc)] = (r, c)

    def content(pos):
        cell = grid[pos]
        text = cell[4] if gt else (cell[3] if cell[2] == "s" else "x")
        if not fold(text):
            return None
        return canon(cell[2], cell[3])

    rows = max((r for r, _ in owner), default=-1) + 1
    cols = max((c for _, c in owner), default=-1) + 1
    rel = Counter()
    for (r, c), cell in grid.items():
        a = content((r, c))
        if a is None:
            continue
        for dr, dc, span_rows in ((0, 1, True), (1, 0, False)):
            lanes = range(r, r + cell[0]) if span_rows else range(c, c + cell[1])
            for lane in lanes:
                if span_rows:
                    pos = [(lane, cc) for cc in range(c + cell[1], cols)]
                else:
                    pos = [(rr, lane) for rr in range(r + cell[0], rows)]
                for p in pos:
                    o = owner.get(p)
                    if o is None or o == (r, c):
                        continue
                    b = content(o)
                    if b is not None:
                        rel[(a, b, "h" if dc else "v")] += 1
                        break
    # A merged cell's relation to one neighbour counts once.
    return Counter({k: 1 for k in rel})


def cell_ok(g, o):
    """Whether output cell o holds ground-truth cell g."""
    if o is None:
        return False
    _, _, kind, v, text = g
    okind, ov = o[2], o[3]
    if okind == "s" and fold(ov) == fold(text):
        return True
    if okind == "n" and plain_number(text) == ov:
        return True
    return kind == "n" and okind == "n" and abs(ov - v) <= 1e-9 * max(1.0, abs(v))


def number_ok(g, o):
    return o is not None and o[2] == "n" and abs(o[3] - g[3]) <= 1e-9 * max(1.0, abs(g[3]))


def score_page(gt, xlsx):
    sheets, names = read_xlsx(xlsx)
    outs = out_tables(sheets, names)
    cells = cells_ok = nums = nums_ok = 0
    gt_rel, out_rel = Counter(), Counter()
    for o in outs:
        out_rel += relations(o, False)
    for t in gt["tables"]:
        g = gt_table(t)
        gt_rel += relations(g, True)
        best = (0, 0, None)
        for o in outs:
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    n = sum(cell_ok(gc, o.get((r + dr, c + dc))) for (r, c), gc in g.items())
                    if n > best[0]:
                        best = (n, 0, (o, dr, dc))
        for (r, c), gc in g.items():
            o = None
            if best[2]:
                ot, dr, dc = best[2]
                o = ot.get((r + dr, c + dc))
            if fold(gc[4]):
                cells += 1
                cells_ok += cell_ok(gc, o)
            if gc[2] == "n":
                nums += 1
                nums_ok += number_ok(gc, o)
    hit = sum((gt_rel & out_rel).values())
    return {"tables": len(gt["tables"]), "found": len(outs), "cells": cells,
            "cells_ok": cells_ok, "nums": nums, "nums_ok": nums_ok,
            "rel_gt": sum(gt_rel.values()), "rel_out": sum(out_rel.values()), "rel_hit": hit}


def f1(s):
    p = s["rel_hit"] / s["rel_out"] if s["rel_out"] else 0.0
    r = s["rel_hit"] / s["rel_gt"] if s["rel_gt"] else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def line(name, s):
    ratio = lambda a, b: a / b if b else 1.0
    return (f"{name:24} {s['found']:>2}/{s['tables']:<2} {ratio(s['cells_ok'], s['cells']):8.3f}"
            f" {ratio(s['nums_ok'], s['nums']):8.3f} {f1(s):8.3f}")


def xlsx_text(path):
    """Every sheet's cells, row by row, as lines of text."""
    sheets, _ = read_xlsx(path)
    lines = []
    for cells, _ in sheets.values():
        rows = {}
        for (r, c), (kind, v) in cells.items():
            rows.setdefault(r, []).append((c, f"{v:g}" if kind == "n" else v))
        for r in sorted(rows):
            lines.append(" ".join(t for _, t in sorted(rows[r])))
    return "\n".join(lines) + "\n"


def prose(a):
    src, out = Path(a.dir), Path(a.out)
    pages = [p for p in sorted(src.rglob("*.gt.txt")) if p.parent.name != "sroie"]
    with_tables = []
    for gt in pages:
        stem = gt.relative_to(src).as_posix()[:-len(".gt.txt")]
        img = next(gt.parent / (gt.name[:-len(".gt.txt")] + e) for e in (".png", ".jpg", ".tif")
                   if (gt.parent / (gt.name[:-len(".gt.txt")] + e)).exists())
        outs = {k: out / k / (stem + "." + k) for k in ("txt", "json", "xlsx")}
        for o in outs.values():
            o.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([a.binary, "ocr", str(img), "-j", "1", "--quiet"]
                       + [x for o in outs.values() for x in ("-o", str(o))], check=True)
        tables = sum(len(p.get("tables", [])) for p in
                     json.loads(outs["json"].read_text(encoding="utf-8"))["pages"])
        if tables:
            with_tables.append((stem, tables))
        t = out / "xlsxtext" / (stem + ".txt")
        t.parent.mkdir(parents=True, exist_ok=True)
        t.write_text(xlsx_text(outs["xlsx"]), encoding="utf-8")
    print(f"{len(pages)} pages, {len(with_tables)} with tables")
    for stem, n in with_tables:
        print(f"  {stem}: {n} table(s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prose", action="store_true")
    ap.add_argument("dir", nargs="?", default=str(ROOT / "fixtures" / "tables"))
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "ocrloom"))
    ap.add_argument("--out", default="/tmp/ocrloom-eval-tables")
    a = ap.parse_args()
    if a.prose:
        return prose(a)
    src, out = Path(a.dir), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    total = Counter()
    print(f"{'page':24} {'tables':5} {'cells':>8} {'numbers':>8} {'adj F1':>8}")
    pages = sorted(src.glob("*.json"))
    for gt_path in pages:
        png = gt_path.with_suffix(".png")
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        xlsx = out / (gt_path.stem + ".xlsx")
        subprocess.run([a.binary, "ocr", str(png), "-l", gt["language"], "-o", str(xlsx),
                        "--quiet"], check=True)
        s = score_page(gt, xlsx)
        total.update(s)
        print(line(gt_path.stem, s))
    print(line(f"overall ({len(pages)} pages)", total))


if __name__ == "__main__":
    sys.exit(main())
