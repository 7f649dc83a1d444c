#!/usr/bin/env python3
"""Pages with known text and marks that are not text, for measuring how much
text an OCR engine invents from stamps, handwriting and signatures.

usage: make_pages.py OUT_DIR [--letters N] [--receipts N]

Writes OUT_DIR/{tune,held}/{letters,receipts}/<name>.png + <name>.gt.txt
(+ <name>.items.tsv for receipts: item and price per line) and
OUT_DIR/pages.tsv. The split into tune and held-out pages is fixed by the
page number (odd pages are held out), decided before any page is read.
See README.md.
"""

import math
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).parent))
import texts  # noqa: E402

FONT_FILES = {
    "FreeMono": "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "Liberation Mono": "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    "Liberation Serif": "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "DejaVu Serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
}
STAMP_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
DPI = 300


def width_pt(font: str, size: float, text: str) -> float:
    return ImageFont.truetype(FONT_FILES[font], 100).getlength(text) * size / 100


def wrap(text: str, font: str, size: float, limit: float) -> list:
    lines, cur = [], ""
    for word in text.split():
        cand = f"{cur} {word}" if cur else word
        if cur and width_pt(font, size, cand) > limit:
            lines.append(cur)
            cur = word
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
<style:style style:name="Standard" style:family="paragraph">
<style:paragraph-properties fo:margin-top="0pt" fo:margin-bottom="0pt" fo:line-height="{pitch}pt"/>
<style:text-properties fo:font-family="'{font}'" fo:font-size="{size}pt" fo:language="en" fo:country="GB"/>
</style:style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{pw}pt"
 fo:page-height="{ph}pt" fo:margin-top="{mt}pt" fo:margin-bottom="20pt" fo:margin-left="{ml}pt"
 fo:margin-right="{mr}pt"/></style:page-layout>
<style:style style:name="R" style:family="paragraph" style:parent-style-name="Standard">
<style:paragraph-properties fo:text-align="end"/></style:style>
<style:style style:name="C" style:family="paragraph" style:parent-style-name="Standard">
<style:paragraph-properties fo:text-align="center"/></style:style>
<style:style style:name="H" style:family="paragraph" style:parent-style-name="Standard">
<style:paragraph-properties fo:text-align="center" fo:line-height="{hpitch}pt"/>
<style:text-properties fo:font-size="{hsize}pt" fo:font-weight="bold"/></style:style>
<style:style style:name="T" style:family="paragraph" style:parent-style-name="Standard">
<style:paragraph-properties><style:tab-stops><style:tab-stop style:position="{tab}pt"
 style:type="right"/></style:tab-stops></style:paragraph-properties></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/>
</office:master-styles>
<office:body><office:text>
{body}
</office:text></office:body></office:document>
"""


def para(style: str, text: str) -> str:
    return f'<text:p text:style-name="{style}">{escape(text)}</text:p>'


def tabbed(left: str, right: str) -> str:
    return f'<text:p text:style-name="T">{escape(left)}<text:tab/>{escape(right)}</text:p>'


def letter_doc(d: dict, rng: random.Random):
    """FODT text, ground truth lines, and where the signature goes (line no.)."""
    font = rng.choice(["FreeMono", "Liberation Mono", "Liberation Serif", "DejaVu Serif"])
    size = 11 if "Mono" in font else rng.choice([11, 12])
    pw, ph, ml, mr = 595, 842, 80, 90
    limit = (pw - ml - mr) * 0.96
    body, gt = [], []
    for style, text in (("H", d["firm"]), ("C", d["firm_address"])):
        body.append(para(style, text))
        gt.append(text)
    body += [para("Standard", "")] * 2
    body.append(para("R", d["date"]))
    gt.append(d["date"])
    body.append(para("Standard", ""))
    for a in d["address"]:
        body.append(para("Standard", a))
        gt.append(a)
    body.append(para("Standard", ""))
    for line in wrap(d["subject"], font, size, limit):
        body.append(para("Standard", line))
        gt.append(line)
    body.append(para("Standard", ""))
    body.append(para("Standard", d["salutation"]))
    gt.append(d["salutation"])
    body_start = len(body) + 1
    for p in d["paragraphs"]:
        body.append(para("Standard", ""))
        for line in wrap(p, font, size, limit):
            body.append(para("Standard", line))
            gt.append(line)
    body_end = len(body)
    body.append(para("Standard", ""))
    body.append(para("Standard", d["closing"]))
    gt.append(d["closing"])
    body += [para("Standard", "")] * 3
    signer = len(body)
    for t in (d["signer"], d["title"]):
        body.append(para("Standard", t))
        gt.append(t)
    pitch = round(size * 1.25, 1)
    hpitch = round(size * 2.2, 1)
    fodt = FODT.format(pitch=pitch, font=font, size=size, pw=pw, ph=ph, mt=60, ml=ml, mr=mr,
                       hpitch=hpitch, hsize=size + 7, tab=pw - ml - mr, body="\n".join(body))
    # Where paragraph k's top is, points (the letterhead's line is taller).
    hpitch = round(size * 2.2, 1)
    at = [60 + (hpitch + (k - 1) * pitch if k else 0) for k in range(len(body) + 1)]
    return fodt, gt, {"font": font, "size": size, "left": ml, "right": pw - mr, "page": (pw, ph),
                      "body": (at[body_start], at[body_end]), "signer": at[signer]}


def receipt_doc(d: dict, rng: random.Random):
    font = rng.choice(["FreeMono", "Liberation Mono"])
    size = rng.choice([8, 9])
    pw, ml, mr = 227, 14, 14
    body, gt, items = [], [], []
    body.append(para("C", d["shop"]))
    gt.append(d["shop"])
    for line in wrap(d["address"], font, size, (pw - ml - mr) * 0.95):
        body.append(para("C", line))
        gt.append(line)
    body.append(para("Standard", ""))
    for m in d["meta"]:
        body.append(para("Standard", m))
        gt.append(m)
    body.append(para("Standard", "-" * 30))
    gt.append("-" * 30)
    for name, price in d["items"]:
        body.append(tabbed(name, price))
        gt.append(f"{name} {price}")
        items.append((name, price))
    body.append(para("Standard", "-" * 30))
    gt.append("-" * 30)
    for name, price in d["totals"]:
        body.append(tabbed(name, price))
        gt.append(f"{name} {price}")
    body.append(para("Standard", ""))
    body.append(para("C", d["footer"]))
    gt.append(d["footer"])
    pitch = round(size * 1.35, 1)
    ph = int(40 + (len(body) + 2) * pitch + 150)
    fodt = FODT.format(pitch=pitch, font=font, size=size, pw=pw, ph=ph, mt=20, ml=ml, mr=mr,
                       hpitch=round(size * 1.6, 1), hsize=size + 2, tab=pw - ml - mr, body="\n".join(body))
    return fodt, gt, items, {"font": font, "size": size, "page": (pw, ph)}


# --- marks ---------------------------------------------------------------

INKS = [(40, 60, 160), (170, 30, 40), (110, 40, 130), (30, 30, 30), (60, 60, 70)]


def stamp(rng: random.Random, lines: list) -> Image.Image:
    """A rubber stamp: double border, bold lines, patchy ink; RGBA, turned."""
    size = rng.randint(34, 48)
    font = ImageFont.truetype(STAMP_FONT, size)
    w = int(max(font.getlength(t) for t in lines)) + 70
    h = len(lines) * int(size * 1.35) + 60
    ink = rng.choice(INKS[:3])
    img = Image.new("L", (w, h), 0)
    dr = ImageDraw.Draw(img)
    r = rng.choice([0, 20])
    dr.rounded_rectangle([4, 4, w - 5, h - 5], radius=r, outline=255, width=6)
    dr.rounded_rectangle([16, 16, w - 17, h - 17], radius=r, outline=255, width=2)
    y = 30
    for t in lines:
        dr.text(((w - font.getlength(t)) / 2, y), t, font=font, fill=255)
        y += int(size * 1.35)
    # Patchy ink: speckled holes.
    holes = Image.effect_noise((w, h), 90).point(lambda v: 0 if v > 185 else 255)
    img = ImageChops.multiply(img, holes)
    img = img.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, expand=True)
    alpha = img.point(lambda v: int(v * rng.uniform(0.75, 0.95)))
    out = Image.new("RGBA", img.size, ink + (0,))
    out.putalpha(alpha)
    return out


def scribble(rng: random.Random, width: int, height: int, loops: bool = True) -> Image.Image:
    """Handwriting-like strokes: a cursive line of loops and waves (RGBA)."""
    img = Image.new("L", (width, height), 0)
    dr = ImageDraw.Draw(img)
    pts = []
    x, t = 10.0, 0.0
    mid = height / 2
    amp = height * rng.uniform(0.2, 0.35)
    while x < width - 10:
        t += 0.35
        step = rng.uniform(1.5, 4.5)
        loop = math.sin(t * rng.uniform(0.9, 1.3)) * amp
        dx = step + (math.cos(t * 1.7) * 6 if loops else 0)
        x += dx
        if rng.random() < 0.02:
            pts.append(None)  # pen up: a gap between "words"
            x += rng.uniform(15, 40)
        pts.append((x, mid + loop + rng.uniform(-2, 2)))
    stroke = rng.randint(3, 6)
    seg = []
    for p in pts + [None]:
        if p is None:
            if len(seg) > 1:
                dr.line(seg, fill=255, width=stroke, joint="curve")
            seg = []
        else:
            seg.append(p)
    ink = rng.choice(INKS)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    out = Image.new("RGBA", img.size, ink + (0,))
    out.putalpha(img)
    return out.rotate(rng.uniform(-8, 8), resample=Image.BICUBIC, expand=True)


DIGITS = {  # strokes on a 2x4 grid, drawn with a wobbly pen
    "0": [[(0, 0), (2, 0), (2, 4), (0, 4), (0, 0)]], "1": [[(0, 1), (1, 0), (1, 4)]],
    "2": [[(0, 0.5), (1, 0), (2, 0.7), (0, 4), (2, 4)]], "3": [[(0, 0), (2, 0.8), (0.7, 2), (2, 3.2), (0, 4)]],
    "4": [[(1.5, 4), (1.5, 0), (0, 3), (2, 3)]], "5": [[(2, 0), (0, 0), (0, 1.8), (2, 2.5), (1.5, 4), (0, 3.6)]],
    "6": [[(2, 0), (0, 2.5), (0.5, 4), (2, 3.3), (1, 2), (0, 2.5)]], "7": [[(0, 0), (2, 0), (0.6, 4)]],
    "8": [[(1, 2), (0, 1), (1, 0), (2, 1), (0, 3), (1, 4), (2, 3), (1, 2)]],
    "9": [[(2, 1.5), (1, 2.2), (0, 1), (1, 0), (2, 1), (1.5, 4)]], "/": [[(2, 0), (0, 4)]],
}


def hand_number(rng: random.Random, text: str, height: int) -> Image.Image:
    """A number written by hand (wobbly strokes, slanted), RGBA."""
    cell = height / 4
    w = int(len(text) * cell * 3 + 40)
    img = Image.new("L", (w, height + 40), 0)
    dr = ImageDraw.Draw(img)
    stroke = rng.randint(3, 5)
    slant = rng.uniform(0.1, 0.3)
    for i, ch in enumerate(text):
        for path in DIGITS.get(ch, []):
            pts = [(20 + i * cell * 3 + (px + rng.uniform(-0.15, 0.15)) * cell + (4 - py) * cell * slant,
                    20 + (py + rng.uniform(-0.1, 0.1)) * cell) for px, py in path]
            dr.line(pts, fill=255, width=stroke, joint="curve")
    ink = rng.choice(INKS)
    out = Image.new("RGBA", img.size, ink + (0,))
    out.putalpha(img.filter(ImageFilter.GaussianBlur(0.7)))
    return out.rotate(rng.uniform(-10, 10), resample=Image.BICUBIC, expand=True)


def signature(rng: random.Random, width: int, height: int) -> Image.Image:
    """A flourish: fast large loops with an underline."""
    img = scribble(rng, width, height, loops=True)
    dr = ImageDraw.Draw(img)
    y = img.height * rng.uniform(0.75, 0.9)
    dr.line([(20, y), (img.width * rng.uniform(0.6, 0.95), y - rng.uniform(-15, 15))],
            fill=img.getpixel((0, 0))[:3] + (230,), width=4)
    return img


def put(page: Image.Image, mark: Image.Image, x: int, y: int, boxes: list, kind: str):
    x = max(0, min(x, page.width - mark.width))
    y = max(0, min(y, page.height - mark.height))
    page.alpha_composite(mark, (x, y))
    boxes.append((kind, x, y, x + mark.width, y + mark.height))


def letter_marks(page: Image.Image, rng: random.Random, layout: dict) -> list:
    px = DPI / 72
    boxes = []
    body_top, body_bottom = (int(v * px) for v in layout["body"])
    right = int(layout["right"] * px)
    # A received-stamp: in the right margin beside the body, over its line ends.
    s = stamp(rng, ["RECEIVED", f"{rng.randint(1, 28)} {rng.choice(['JAN', 'MAR', 'JUN', 'OCT', 'NOV'])} "
                    f"{rng.randint(1931, 1978)}", f"No. {rng.randint(100, 9999)}"])
    put(page, s, right - int(s.width * rng.uniform(0.15, 0.7)),
        rng.randint(body_top, max(body_top + 1, body_bottom - s.height)), boxes, "stamp")
    # An archive number by hand at the top, a margin number at the left.
    n = hand_number(rng, f"{rng.randint(10, 999)}/{rng.randint(30, 79)}", rng.randint(60, 90))
    put(page, n, rng.randint(int(page.width * 0.55), page.width - n.width - 30), rng.randint(20, 90),
        boxes, "archive-number")
    m = hand_number(rng, str(rng.randint(1, 99)), rng.randint(50, 80))
    put(page, m, rng.randint(15, 60), rng.randint(body_top, body_bottom), boxes, "margin-number")
    # A handwritten note: in the left margin or under the text.
    if rng.random() < 0.5:
        h = scribble(rng, rng.randint(160, 220), rng.randint(60, 90))
        put(page, h, rng.randint(5, 40), rng.randint(body_top, body_bottom), boxes, "handwriting")
    else:
        h = scribble(rng, rng.randint(500, 900), rng.randint(70, 100))
        put(page, h, rng.randint(250, 900), body_bottom + rng.randint(200, 500), boxes, "handwriting")
    # The signature above the signer's name.
    sig = signature(rng, rng.randint(400, 650), rng.randint(110, 160))
    y_name = int(layout["signer"] * px)
    put(page, sig, int(layout["left"] * px) + rng.randint(-20, 80), y_name - sig.height + 10, boxes,
        "signature")
    return boxes


def receipt_marks(page: Image.Image, rng: random.Random) -> list:
    boxes = []
    w, h = page.size
    s = stamp(rng, [rng.choice(["PAID", "CHECKED", "ENTERED"]), f"{rng.randint(1, 28)}.{rng.randint(1, 12)}"])
    s = s.resize((int(s.width * 0.7), int(s.height * 0.7)))
    put(page, s, rng.randint(0, max(1, w - s.width)), rng.randint(int(h * 0.25), int(h * 0.7)), boxes, "stamp")
    n = hand_number(rng, f"{rng.randint(1, 99)}/{rng.randint(1, 12)}", rng.randint(45, 70))
    put(page, n, rng.randint(w // 2, max(w // 2 + 1, w - n.width)), h - n.height - rng.randint(10, 120),
        boxes, "margin-number")
    if rng.random() < 0.6:
        sc = scribble(rng, rng.randint(200, 400), rng.randint(50, 80))
        put(page, sc, rng.randint(0, max(1, w - sc.width)), h - sc.height - rng.randint(0, 60), boxes,
            "handwriting")
    return boxes


def degrade(img: Image.Image, rng: random.Random) -> tuple:
    """Scan-like: turn, blur, noise, specks, JPEG, then grey or 1 bit."""
    g = img.convert("L") if rng.random() < 0.6 else img.convert("RGB")
    angle = rng.uniform(-1.2, 1.2)
    g = g.rotate(angle, resample=Image.BICUBIC, fillcolor=255 if g.mode == "L" else (255, 255, 255))
    blur = rng.uniform(0.4, 1.1)
    g = g.filter(ImageFilter.GaussianBlur(blur))
    sigma = rng.uniform(4, 12)
    noise = Image.effect_noise(g.size, sigma).point(lambda v: v - 128 + 128)
    if g.mode == "L":
        g = ImageChops.add(ImageChops.subtract(g, noise.point(lambda v: max(0, 128 - v))),
                           noise.point(lambda v: max(0, v - 128)))
    dr = ImageDraw.Draw(g)
    for _ in range(rng.randint(20, 120)):
        x, y = rng.randrange(g.width), rng.randrange(g.height)
        r = rng.uniform(1, 3)
        dr.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(0, 90) if g.mode == "L" else (40, 40, 40))
    mode = rng.choice(["grey", "grey", "bilevel"])
    if mode == "bilevel":
        thr = rng.randint(135, 165)
        g = g.convert("L").point(lambda v: 255 if v > thr else 0).convert("1")
    quality = rng.randint(40, 75)
    return g, f"rot={angle:.2f} blur={blur:.2f} noise={sigma:.1f} {mode} jpeg={quality}", quality


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    out = Path(args[0])
    n_letters = int(args[args.index("--letters") + 1]) if "--letters" in args else 28
    n_receipts = int(args[args.index("--receipts") + 1]) if "--receipts" in args else 20
    for tool in ("soffice", "pdftoppm", "pdfinfo"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run scripts/setup.sh")
    docs = [("letters", f"letter-{i:02d}", i) for i in range(n_letters)]
    docs += [("receipts", f"receipt-{i:02d}", i) for i in range(n_receipts)]
    tmp = Path(tempfile.mkdtemp(prefix="noise-pages-"))
    made = []
    for kind, name, i in docs:
        rng = random.Random(f"{name}")
        if kind == "letters":
            fodt, gt, layout = letter_doc(texts.letter(rng), rng)
            items = None
        else:
            fodt, gt, items, layout = receipt_doc(texts.receipt(rng), rng)
        (tmp / f"{name}.fodt").write_text(fodt, encoding="utf-8")
        made.append((kind, name, i, gt, items, layout))
    profile = tmp / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp)]
                   + [str(tmp / f"{m[1]}.fodt") for m in made],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = ["part\tset\tname\tfont\tsize\tmarks\tdegradation"]
    for kind, name, i, gt, items, layout in made:
        pdf = tmp / f"{name}.pdf"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(next(l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")))
        if pages != 1:
            sys.exit(f"{name}: printed on {pages} pages")
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", str(pdf), str(tmp / name)],
                       check=True)
        page = Image.open(tmp / f"{name}.png").convert("RGBA")
        rng = random.Random(f"{name}/marks")
        if kind == "letters":
            boxes = letter_marks(page, rng, layout)
        else:
            boxes = receipt_marks(page, rng)
        img, how, quality = degrade(page.convert("RGB"), rng)
        part = "held" if i % 2 else "tune"
        d = out / part / kind
        d.mkdir(parents=True, exist_ok=True)
        # JPEG artefacts, then stored lossless as PNG (with its resolution).
        jpg = tmp / f"{name}.jpg"
        img.convert("L" if img.mode != "RGB" else "RGB").save(jpg, quality=quality)
        final = Image.open(jpg)
        if img.mode == "1":
            final = final.point(lambda v: 255 if v > 128 else 0).convert("1")
        final.save(d / f"{name}.png", dpi=(DPI, DPI))
        (d / f"{name}.gt.txt").write_text("\n".join(gt) + "\n", encoding="utf-8")
        if items:
            (d / f"{name}.items.tsv").write_text("".join(f"{a}\t{b}\n" for a, b in items), encoding="utf-8")
        marks = ",".join(b[0] for b in boxes)
        rows.append(f"{part}\t{kind}\t{name}\t{layout['font']}\t{layout['size']}\t{marks}\t{how}")
        print(f"{part}/{kind}/{name}: {layout['font']} {layout['size']}pt; {how}", file=sys.stderr)
    (out / "pages.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
