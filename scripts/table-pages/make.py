#!/usr/bin/python3
"""Render the table test pages in fixtures/tables/ with known cells.

usage: scripts/table-pages/make.py [OUT [NAME...]]
       (default: fixtures/tables, every page)
       scripts/table-pages/make.py --held-out [OUT]
       (default: eval/tables-held-out)

--held-out makes the held-out pages instead: other content, other fonts and
sizes, another mix of kinds; they are for measuring only (nothing is tuned
on them) and stay out of the repository (eval/ is ignored).

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
HELD_OUT = []


def page(name, lang, parts, degrade=None, font="Liberation Sans", size=11, into=PAGES):
    into.append((name, lang, parts, degrade, font, size))


def held_out(name, lang, parts, degrade=None, font="Liberation Serif", size=11):
    page(name, lang, parts, degrade, font, size, HELD_OUT)


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


held_out("ho-ruled-timetable", "eng", [heading("Ferry timetable"), table([
    ["Route", "First", "Last", "Crossings", "Fare"],
    ["Harbour to Isle", "06:40", "22:10", ("18", 18), ("$6.50", 6.5)],
    ["Isle to Point", "07:15", "21:30", ("12", 12), ("$4.75", 4.75)],
    ["Point to Harbour", "06:55", "23:05", ("20", 20), ("$8.20", 8.2)],
    ["Night service", "23:30", "02:15", ("4", 4), ("$11.00", 11)],
], widths=[34, 15, 15, 18, 18])], size=10)

held_out("ho-merged-budget", "eng", [heading("Budget by department"), table([
    [{"t": "Department", "rs": 2}, {"t": "Planned", "cs": 2}, None, {"t": "Spent", "cs": 2}, None],
    [None, "Staff", "Other", "Staff", "Other"],
    ["Library", ("84,000", 84000), ("12,500", 12500), ("81,240", 81240), ("13,900", 13900)],
    ["Parks", ("120,000", 120000), ("45,000", 45000), ("118,700", 118700), ("41,350", 41350)],
    ["Roads", ("210,500", 210500), ("96,000", 96000), ("215,020", 215020), ("99,410", 99410)],
])], font="DejaVu Sans", size=9)

held_out("ho-booktabs-results", "eng", [heading("Race results"), para(
    "Times were taken by hand at the finish line and checked against the video record "
    "before the results were posted on the club board."), table([
    ["Runner", "Club", "Time", "Pace"],
    ["Jonas Berg", "Harriers", "38:12", ("3.82", 3.82)],
    ["Lena Ford", "City AC", "39:05", ("3.91", 3.91)],
    ["Omar Said", "Harriers", "40:47", ("4.08", 4.08)],
    ["Ines Roth", "Valley RC", "41:30", ("4.15", 4.15)],
    ["Paul Kerr", "City AC", "43:02", ("4.30", 4.30)],
], style="booktabs", widths=[34, 26, 20, 20])], size=12)

held_out("ho-borderless-grades", "eng", [heading("Course marks"), table([
    ["Student", "Essay", "Exam", "Final"],
    ["Anna Weiss", ("72", 72), ("81", 81), ("77", 77)],
    ["Ben Ortiz", ("65", 65), ("58", 58), ("61", 61)],
    ["Cleo Hart", ("88", 88), ("92", 92), ("90", 90)],
    ["Dev Patel", ("54", 54), ("70", 70), ("63", 63)],
], style="none", widths=[40, 20, 20, 20])], font="DejaVu Sans", size=10)

held_out("ho-german-invoice", "deu", [heading("Rechnung 2026-118"), para(
    "Vielen Dank für Ihren Auftrag. Wir berechnen Ihnen die folgenden Leistungen."), table([
    ["Leistung", "Stunden", "Satz", "Betrag"],
    ["Beratung", ("6", 6), ("95,00 €", 95), ("570,00 €", 570)],
    ["Programmierung", ("24", 24), ("85,00 €", 85), ("2.040,00 €", 2040)],
    ["Schulung", ("4", 4), ("110,00 €", 110), ("440,00 €", 440)],
    ["Gesamt", "", "", ("3.050,00 €", 3050)],
], widths=[40, 18, 20, 22]), para("Zahlbar innerhalb von 14 Tagen ohne Abzug.")], size=10)

held_out("ho-two-kinds-noisy", "eng", [heading("Warehouse report"), table([
    ["Aisle", "Pallets", "Free"],
    ["A", ("42", 42), ("8", 8)],
    ["B", ("37", 37), ("13", 13)],
    ["C", ("50", 50), ("0", 0)],
], widths=[40, 30, 30], width="60%"), para(
    "Aisle C is full until the next shipment leaves on Thursday."), table([
    ["Carrier", "Trucks", "Late"],
    ["Northline", ("14", 14), ("2", 2)],
    ["Speedway", ("9", 9), ("0", 0)],
    ["Bluebird", ("11", 11), ("1", 1)],
], style="booktabs", widths=[40, 30, 30], width="60%")], degrade="noise")

held_out("ho-turned-multiline", "eng", [heading("Maintenance log"), table([
    ["Date", "Work done", "Hours"],
    ["3 March", "Replaced the pump seal and cleaned the intake filter", ("2.5", 2.5)],
    ["17 March", "Checked the wiring of the control panel after the storm", ("1.5", 1.5)],
    ["2 April", "Painted the railings on the north side of the tank", ("6", 6)],
], widths=[20, 65, 15])], degrade="turn", font="Liberation Sans", size=12)

held_out("ho-one-bit-receipt", "eng", [heading("Garden Centre"), para("Sale 88213"), table([
    ["Compost 40 l", ("6.99", 6.99)],
    ["Rose bush", ("14.50", 14.5)],
    ["Seed tray", ("2.25", 2.25)],
    ["Gloves", ("4.80", 4.8)],
    ["Total", ("28.54", 28.54)],
], style="none", width="45%", widths=[70, 30])], degrade="bits", size=12)


def render(name, lang, parts, degrade, font, size, out, tmp):
    body = "\n".join(p if isinstance(p, str) else p[0] for p in parts)
    tables = [p[1] for p in parts if not isinstance(p, str)]
    src = tmp / f"{name}.html"
    src.write_text(
        '<html><head><meta charset="utf-8"></head>'
        f'<body style="font-family:\'{font}\';font-size:{size}pt" lang="{lang[:2]}">'
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
    args = sys.argv[1:]
    pages, default = PAGES, ROOT / "fixtures" / "tables"
    if args[:1] == ["--held-out"]:
        pages, default = HELD_OUT, ROOT / "eval" / "tables-held-out"
        args = args[1:]
    out = Path(args[0]) if args else default
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, lang, parts, degrade, font, size in pages:
            if args[1:] and name not in args[1:]:
                continue
            render(name, lang, parts, degrade, font, size, out, Path(tmp))
            print(name, file=sys.stderr)


if __name__ == "__main__":
    main()
