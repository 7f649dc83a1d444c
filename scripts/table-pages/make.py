#!/usr/bin/python3
"""Render the table test pages in fixtures/tables/ with known cells.

usage: scripts/table-pages/make.py [OUT [NAME...]]
       (default: fixtures/tables, every page)

Each page is written here as HTML (tables with CSS borders: ruled,
booktabs-style horizontal rules, or none), LibreOffice Writer (headless)
converts it to PDF and pdftoppm rasterises it at 300 DPI; some pages are then
degraded like scans (turned by 1 degree, noise, 1-bit), seeded, so the same
run gives the same pixels. Pages are stored as 16-level grey or 1-bit PNG.
Beside each NAME.png, NAME.json holds the ground truth: the page's OCR
language and every table's cells (row, column, spans, text, and the value of
numeric cells, written here by hand, not parsed).
"""
import html
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
RULE = "1px solid #000000"
THICK = "2px solid #000000"

# A cell: "text", (text, value) for a number, or a dict with keys t, v
# (value), cs (columns spanned), rs (rows spanned). None marks a grid
# position covered by a span.


def norm(cell):
    if isinstance(cell, dict):
        return cell
    if isinstance(cell, tuple):
        return {"t": cell[0], "v": cell[1]}
    return {"t": cell}


def table(rows, style="ruled", widths=None, width="90%"):
    """HTML of a table and its ground-truth cells."""
    cells = []
    out = [f'<table cellspacing="0" cellpadding="7" width="{width}">']
    last = len(rows) - 1
    for r, row in enumerate(rows):
        out.append("<tr>")
        c = 0
        for cell in row:
            if cell is None:
                c += 1
                continue
            cell = norm(cell)
            cs, rs = cell.get("cs", 1), cell.get("rs", 1)
            gt = {"row": r, "col": c, "rowspan": rs, "colspan": cs, "text": cell["t"]}
            if "v" in cell:
                gt["value"] = cell["v"]
            cells.append(gt)
            css = []
            if style == "ruled":
                css.append(f"border:{RULE}")
            elif style == "booktabs":
                if r == 0:
                    css.append(f"border-top:{THICK};border-bottom:{RULE}")
                if r + rs - 1 == last:
                    css.append(f"border-bottom:{THICK}")
            attrs = ""
            if cs > 1:
                attrs += f' colspan="{cs}"'
            if rs > 1:
                attrs += f' rowspan="{rs}"'
            if widths and cs == 1 and r == 0:
                attrs += f' width="{widths[c]}%"'
            num = "v" in cell
            align = ' align="right"' if num else ""
            tag = "th" if r == 0 else "td"
            text = html.escape(cell["t"]).replace("\n", "<br/>")
            out.append(f'<{tag}{attrs}{align} style="{";".join(css)}">{text}</{tag}>')
            c += cs
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out), {"cells": cells}


def para(text):
    return f"<p>{html.escape(text)}</p>"


def heading(text):
    return f"<h2>{html.escape(text)}</h2>"


PARA = [
    "The figures below were collected at the end of each quarter from the regional offices "
    "and checked against the ledger before they were published in this report.",
    "Prices include delivery within the city. Orders placed before noon are shipped on the "
    "same working day; larger orders may need two or three days.",
    "All amounts are rounded to the nearest cent. Please contact the accounts office if any "
    "line of this statement does not agree with your own records.",
]

PAGES = []


def page(name, lang, parts, degrade=None):
    PAGES.append((name, lang, parts, degrade))


page("ruled-prices", "eng", [heading("Price list"), table([
    ["Item", "Qty", "Unit price", "Amount"],
    ["Paper A4, 500 sheets", ("12", 12), ("$4.50", 4.5), ("$54.00", 54)],
    ["Toner cartridge", ("3", 3), ("$89.90", 89.9), ("$269.70", 269.7)],
    ["Stapler", ("5", 5), ("$7.25", 7.25), ("$36.25", 36.25)],
    ["Envelopes C5", ("1,000", 1000), ("$0.08", 0.08), ("$80.00", 80)],
    ["Total", "", "", ("$439.95", 439.95)],
], widths=[40, 15, 20, 25])])

page("ruled-merged-header", "eng", [heading("Sales by region"), table([
    [{"t": "Region", "rs": 2}, {"t": "2025", "cs": 2}, None, {"t": "2026", "cs": 2}, None],
    [None, "Q1", "Q2", "Q1", "Q2"],
    ["North", ("1,250", 1250), ("1,410", 1410), ("1,380", 1380), ("1,522", 1522)],
    ["South", ("980", 980), ("1,045", 1045), ("1,102", 1102), ("1,190", 1190)],
    ["East", ("2,310", 2310), ("2,205", 2205), ("2,460", 2460), ("2,588", 2588)],
    ["West", ("705", 705), ("760", 760), ("812", 812), ("845", 845)],
])])

page("booktabs", "eng", [heading("Survey results"), para(PARA[0]), table([
    ["Question", "Agree", "Neutral", "Disagree"],
    ["The service was fast", ("62%", 0.62), ("21%", 0.21), ("17%", 0.17)],
    ["Staff were helpful", ("74%", 0.74), ("15%", 0.15), ("11%", 0.11)],
    ["Prices are fair", ("48%", 0.48), ("30%", 0.30), ("22%", 0.22)],
    ["I would come back", ("81%", 0.81), ("12%", 0.12), ("7%", 0.07)],
], style="booktabs", widths=[46, 18, 18, 18])])

page("borderless", "eng", [heading("Staff directory"), table([
    ["Name", "Department", "Room", "Extension"],
    ["Alice Morgan", "Accounts", "B12", ("4711", 4711)],
    ["David Chen", "Purchasing", "B14", ("4720", 4720)],
    ["Maria Lopez", "Legal", "C03", ("4802", 4802)],
    ["Tom Becker", "Warehouse", "D01", ("4915", 4915)],
    ["Sara Novak", "Reception", "A01", ("4000", 4000)],
], style="none", widths=[30, 30, 20, 20])])

page("receipt", "eng", [heading("Corner Shop"), para("Receipt 20417, till 2"), table([
    ["Bread", ("2.49", 2.49)],
    ["Milk 1 l", ("1.15", 1.15)],
    ["Apples", ("3.20", 3.20)],
    ["Coffee beans", ("8.99", 8.99)],
    ["Butter", ("2.35", 2.35)],
    ["Total", ("18.18", 18.18)],
], style="none", width="45%", widths=[70, 30]), para("Thank you for shopping with us.")])

page("two-tables", "eng", [heading("Opening hours and fees"), table([
    ["Day", "Opens", "Closes"],
    ["Monday", "8:00", "18:00"],
    ["Saturday", "9:00", "14:00"],
    ["Sunday", "closed", "closed"],
], widths=[40, 30, 30], width="70%"), para(PARA[1]), table([
    ["Service", "Fee"],
    ["Copy, black and white", ("0.10", 0.10)],
    ["Copy, colour", ("0.50", 0.50)],
    ["Binding", ("3.00", 3.00)],
], style="booktabs", widths=[70, 30], width="70%")])

page("between-paragraphs", "eng", [heading("Quarterly statement"), para(PARA[0]), table([
    ["Account", "Opening", "Closing"],
    ["Current", ("12,450.00", 12450), ("13,020.50", 13020.5)],
    ["Savings", ("30,000.00", 30000), ("30,310.75", 30310.75)],
    ["Loan", ("-8,200.00", -8200), ("-7,950.00", -7950)],
], widths=[40, 30, 30]), para(PARA[2])])

page("multiline-cells", "eng", [heading("Project plan"), table([
    ["Task", "Description", "Days"],
    ["Survey", "Visit every site and record the state of the roofs and the gutters", ("12", 12)],
    ["Design", "Draw the new drainage and have it approved by the city", ("20", 20)],
    ["Build", "Replace the gutters, then repair the roofs where the survey found damage", ("45", 45)],
    ["Handover", "Inspection with the owner and the final report", ("3", 3)],
], widths=[20, 65, 15])])

page("german-prices", "deu", [heading("Preisliste"), table([
    ["Artikel", "Menge", "Preis", "Summe"],
    ["Schreibtisch", ("2", 2), ("1.249,00 €", 1249), ("2.498,00 €", 2498)],
    ["Bürostuhl", ("4", 4), ("389,50 €", 389.5), ("1.558,00 €", 1558)],
    ["Regal", ("3", 3), ("129,90 €", 129.9), ("389,70 €", 389.7)],
    ["Lampe", ("6", 6), ("45,25 €", 45.25), ("271,50 €", 271.5)],
    ["Mehrwertsteuer", "", ("19 %", 0.19), ("894,82 €", 894.82)],
], widths=[40, 15, 22, 23])])

page("statistics", "eng", [heading("Population change"), table([
    ["Town", "2020", "2025", "Change"],
    ["Ashford", ("12,408", 12408), ("13,115", 13115), ("5.7%", 0.057)],
    ["Brampton", ("8,950", 8950), ("8,702", 8702), ("-2.8%", -0.028)],
    ["Colby", ("21,300", 21300), ("22,870", 22870), ("7.4%", 0.074)],
    ["Dunmore", ("4,115", 4115), ("4,090", 4090), ("-0.6%", -0.006)],
], widths=[34, 22, 22, 22])])

page("turned-1deg", "eng", [heading("Train times"), table([
    ["Station", "Dep.", "Arr.", "Platform"],
    ["Kingsbridge", "07:12", "07:58", ("4", 4)],
    ["Millford", "08:05", "08:41", ("2", 2)],
    ["Oakham", "09:30", "10:22", ("7", 7)],
    ["Riverton", "11:15", "12:02", ("1", 1)],
], widths=[40, 20, 20, 20])], degrade="turn")

page("noisy", "eng", [heading("Inventory"), table([
    ["Part", "In stock", "Reorder at"],
    ["Bolt M8", ("1,250", 1250), ("500", 500)],
    ["Nut M8", ("2,400", 2400), ("800", 800)],
    ["Washer", ("3,100", 3100), ("1,000", 1000)],
    ["Hinge", ("140", 140), ("50", 50)],
], widths=[40, 30, 30])], degrade="noise")

# LibreOffice drops the padding of cells with a border of their own: no
# right-aligned figure stands before a left-aligned text column.
page("one-bit", "eng", [heading("Meeting rooms"), table([
    ["Room", "Screen", "Seats", "Rate per hour"],
    ["Atlas", "yes", ("12", 12), ("$25.00", 25)],
    ["Borealis", "no", ("6", 6), ("$15.00", 15)],
    ["Cygnus", "yes", ("20", 20), ("$40.00", 40)],
], style="booktabs", widths=[30, 20, 20, 30])], degrade="bits")


def render(name, lang, parts, degrade, out, tmp):
    body = "\n".join(p if isinstance(p, str) else p[0] for p in parts)
    tables = [p[1] for p in parts if not isinstance(p, str)]
    src = tmp / f"{name}.html"
    src.write_text(
        '<html><head><meta charset="utf-8"></head>'
        f'<body style="font-family:\'Liberation Sans\';font-size:11pt" lang="{lang[:2]}">'
        f"{body}</body></html>", encoding="utf-8")
    subprocess.run(["soffice", "--headless", "--infilter=HTML (StarWriter)",
                    "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(tmp), str(src)],
                   check=True, capture_output=True)
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile",
                    str(tmp / f"{name}.pdf"), str(tmp / name)], check=True)
    img = Image.open(tmp / f"{name}.png").convert("L")
    # The top half of the page holds every table: crop the empty rest.
    bbox = Image.eval(img, lambda v: 255 - v).getbbox()
    bottom = min(img.height, (bbox[3] if bbox else img.height) + 300)
    img = img.crop((0, 0, img.width, bottom))
    rng = random.Random(name)
    if degrade == "turn":
        img = img.rotate(1.0, resample=Image.BICUBIC, expand=True, fillcolor=255)
    elif degrade == "noise":
        img = img.filter(ImageFilter.GaussianBlur(0.8))
        px = img.load()
        for _ in range(img.width * img.height // 150):
            x, y = rng.randrange(img.width), rng.randrange(img.height)
            px[x, y] = rng.choice((0, 60, 255)) if rng.random() < 0.5 else rng.randrange(256)
    if degrade == "bits":
        img = img.point(lambda v: 255 if v > 150 else 0).convert("1")
    else:
        # 16 grey levels: a quarter of the bytes of 8-bit grey.
        img = img.point(lambda v: (v // 17) * 17).quantize(16, dither=Image.Dither.NONE)
    img.save(out / f"{name}.png", optimize=True, bits=4 if img.mode == "P" else 8,
             dpi=(300, 300))
    (out / f"{name}.json").write_text(json.dumps(
        {"language": lang, "tables": tables}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fixtures" / "tables"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, lang, parts, degrade in PAGES:
            if sys.argv[2:] and name not in sys.argv[2:]:
                continue
            render(name, lang, parts, degrade, out, Path(tmp))
            print(name, file=sys.stderr)


if __name__ == "__main__":
    main()
