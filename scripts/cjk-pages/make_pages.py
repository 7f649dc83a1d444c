#!/usr/bin/python3
"""Render held-out Japanese and Chinese evaluation pages with known text.

usage: scripts/cjk-pages/make_pages.py [OUT]   (default: eval/cjk)

Writes OUT/ja/<set>/<name>.png + <name>.gt.txt and OUT/zh/<set>/<name>.png +
<name>.gt.txt, plus a pages.tsv per language (the layout of the shared
Japanese corpus, so a CER scorer for Japanese reads both). Every line is laid
out here, one HTML element per printed line, then Chromium prints the page
to PDF and pdftoppm rasterises it at 300 DPI; half of the pages are then
degraded like scans (seeded: the same run gives the same pixels). The
ground truth is the drawn text, one line per printed line, in reading order;
furigana (ruby) are not part of it. See README.md beside this script.
"""
import html
import importlib.util
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zlib
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ beside the script
sys.path.insert(0, str(HERE))
import texts  # noqa: E402

FONT_PACKAGES = [
    "fonts-vlgothic", "fonts-horai-umefont", "fonts-motoya-l-cedar",
    "fonts-sawarabi-mincho", "fonts-sawarabi-gothic", "fonts-arphic-uming",
    "fonts-arphic-ukai", "fonts-wqy-zenhei", "fonts-wqy-microhei",
]
TEXT_PACKAGES = ["debian-reference-ja", "debian-reference-zh-cn", "debian-reference-zh-tw"]
TOOL_PACKAGES = ["chromium", "poppler-utils", "fontconfig"]


def ensure_packages():
    """Install what this generator needs, only when missing."""
    missing = []
    for pkg in FONT_PACKAGES + TEXT_PACKAGES + TOOL_PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                           capture_output=True, text=True)
        if "install ok installed" not in r.stdout:
            missing.append(pkg)
    if missing:
        print("installing:", " ".join(missing), file=sys.stderr)
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q"]
                       + missing, check=True, stdout=subprocess.DEVNULL)
    # Debian's python3-pil / python3-numpy serve /usr/bin/python3; another
    # interpreter gets them from PyPI.
    wanted = [pkg for mod, pkg in (("PIL", "python3-pil"), ("numpy", "python3-numpy"))
              if importlib.util.find_spec(mod) is None]
    if wanted and sys.executable.startswith("/usr/bin/"):
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q"]
                       + wanted, check=True, stdout=subprocess.DEVNULL)
    elif wanted:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pillow", "numpy"],
                       check=True)


ensure_packages()
import numpy as np  # noqa: E402
from PIL import Image, ImageFilter, ImageFont  # noqa: E402

DPI = 300
A4 = (210.0, 297.0)  # mm
MARGIN = 20.0  # mm
PT_PER_MM = 72 / 25.4
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Characters that must not start a line (kinsoku): they hang on the line before.
NO_START = set("、。，．・：；？！ー）」』】〕〉》…ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ％,.:;?!)]")
REFERENCE = Path("/usr/share/debian-reference")


# ---------------------------------------------------------------- text sources

class _Paras(HTMLParser):
    def __init__(self):
        super().__init__()
        self.paras, self.buf = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.buf = []

    def handle_endtag(self, tag):
        if tag == "p" and self.buf is not None:
            self.paras.append(re.sub(r"\s+", " ", "".join(self.buf)).strip())
            self.buf = None

    def handle_data(self, data):
        if self.buf is not None:
            self.buf.append(data)


class Source:
    """Paragraphs of one Debian Reference chapter, handed out in order, each once."""

    def __init__(self, lang, *chapters):
        self.name = f"Debian Reference ({lang}) {' + '.join(chapters)}"
        self.paras, self.pos = [], 0
        for chapter in chapters:
            parser = _Paras()
            parser.feed((REFERENCE / f"{chapter}.{lang}.html").read_text(encoding="utf-8"))
            self.paras += [unicodedata.normalize("NFC", p) for p in parser.paras]

    def take(self, ok):
        while self.pos < len(self.paras):
            p = self.paras[self.pos]
            self.pos += 1
            if ok(p):
                return p
        raise SystemExit(f"{self.name}: out of paragraphs")


def mixed_ok(p):
    """Horizontal pages: mostly CJK prose; Latin words allowed."""
    cjk = len(CJK.findall(p))
    return len(p) >= 30 and cjk >= 0.6 * len(p.replace(" ", ""))


def pure_ok(p):
    """Vertical pages: no ASCII at all (no sideways Latin or digits)."""
    return len(p) >= 20 and all(ord(c) > 127 for c in p) and len(CJK.findall(p)) >= 0.8 * len(p)


# ---------------------------------------------------------------- tokens and lines

def tokens(text):
    """Split marked-up text into unbreakable tokens: (base, reading or None)."""
    out = []
    for m in re.finditer(r"\[([^|\]]+)\|([^\]]+)\]|[A-Za-z0-9_./:@%+#=~'-]+| |.", text):
        if m.group(1):
            out.append((m.group(1), m.group(2)))
        else:
            out.append((m.group(0), None))
    return out


class Font:
    def __init__(self, family, pt):
        r = subprocess.run(["fc-match", "-f", "%{family[0]}|%{file}|%{index}", family],
                           capture_output=True, text=True, check=True)
        got, path, index = r.stdout.split("|")
        if got != family:
            raise SystemExit(f"font {family!r} not found (fc-match gives {got!r})")
        self.family, self.path, self.pt = family, path, pt
        self.pil = ImageFont.truetype(path, 200, index=int(index))

    def width(self, s):
        """Advance width in pt at this font's size."""
        return self.pil.getlength(s) / 200 * self.pt


def tok_width(font, tok, vertical):
    base, reading = tok
    if vertical:
        w = len(base) * font.pt
        return max(w, len(reading) * font.pt / 2) if reading else w
    w = font.width(base)
    return max(w, font.width(reading) / 2) if reading else w


def break_lines(font, toks, width, vertical=False):
    """Greedy line breaking with kinsoku; returns lists of tokens per line."""
    lines, cur, used = [], [], 0.0
    budget = width - font.pt  # room for one hanging character
    for tok in toks:
        w = tok_width(font, tok, vertical)
        if w > budget:
            raise ValueError("token wider than the line")
        if cur and used + w > budget and tok[0] not in NO_START:
            lines.append(cur)
            cur, used = [], 0.0
        if not cur and tok[0] == " ":
            continue
        cur.append(tok)
        used += w
    if cur:
        lines.append(cur)
    return lines


def gt_text(line):
    return "".join(b for b, _ in line).strip()


def line_html(line):
    parts = []
    for base, reading in line:
        if reading:
            parts.append(f"<ruby>{html.escape(base)}<rt>{html.escape(reading)}</rt></ruby>")
        else:
            parts.append(html.escape(base))
    # trailing spaces are not drawn, leading ones were dropped while breaking
    return "".join(parts).rstrip()


def fill(font, sources, ok, width, max_lines, vertical=False, extra=None):
    """Paragraph after paragraph until max_lines are full (last one may be cut)."""
    lines = []
    while len(lines) < max_lines:
        para = extra.pop(0) if extra else sources.take(ok)
        try:
            ls = break_lines(font, tokens(para), width, vertical)
        except ValueError:
            continue
        lines.extend(ls)
    return lines[:max_lines]


# ---------------------------------------------------------------- HTML

def page_css(font, size_mm, lh):
    return f"""@page {{ size: {size_mm[0]}mm {size_mm[1]}mm; margin: 0 }}
html, body {{ margin: 0; padding: 0; background: #fff; color: #000 }}
body {{ font-family: "{font.family}"; font-size: {font.pt}pt; line-height: {lh};
        font-kerning: none; font-variant-east-asian: normal }}
.l {{ white-space: pre; height: {lh * font.pt}pt }}
.v {{ white-space: pre; width: {lh * font.pt}pt }}
rt {{ font-size: 50% }}
table {{ border-collapse: collapse }}
td {{ border: 0.8pt solid #000; padding: 2.2mm 2.5mm; white-space: pre }}
"""


def html_doc(css, body):
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body></html>'


def horizontal(font, lines, lh, size_mm=A4, margin=MARGIN):
    body = "".join(f'<div class="l">{line_html(l)}</div>' for l in lines)
    body = f'<div style="position:absolute; left:{margin}mm; top:{margin}mm">{body}</div>'
    return html_doc(page_css(font, size_mm, lh), body)


def vertical(font, lines, lh):
    cols = "".join(f'<div class="v">{line_html(l)}</div>' for l in lines)
    body = (f'<div style="position:absolute; right:{MARGIN}mm; top:{MARGIN}mm; '
            f'height:{A4[1] - 2 * MARGIN}mm; writing-mode:vertical-rl">{cols}</div>')
    return html_doc(page_css(font, A4, lh), body)


# ---------------------------------------------------------------- rendering and damage

def render(doc, png, work):
    src = work / (png.stem + ".html")
    pdf = work / (png.stem + ".pdf")
    src.write_text(doc, encoding="utf-8")
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", src.as_uri()],
                   check=True, capture_output=True)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    n = int(re.search(r"Pages:\s+(\d+)", pages.stdout).group(1))
    if n != 1:
        raise SystemExit(f"{png.stem}: {n} pages printed, expected 1 (text overflows)")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", str(pdf),
                    str(png.with_suffix(""))], check=True)


def degrade(png, name):
    """Scan-like damage, seeded by the page name; returns the parameters used."""
    rng = random.Random(zlib.crc32(name.encode()))
    img = Image.open(png).convert("L")
    a = np.asarray(img, dtype=np.float32)
    a = 25 + a * (245 - 25) / 255  # ink and paper are never pure black and white
    img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
    p = {"rotate": round(rng.choice([-1, 1]) * rng.uniform(0.3, 1.5), 2),
         "blur": round(rng.uniform(0.5, 1.0), 2),
         "noise": rng.randint(5, 10),
         "jpeg": rng.randint(35, 60)}
    img = img.rotate(p["rotate"], resample=Image.BICUBIC, expand=False, fillcolor=245)
    img = img.filter(ImageFilter.GaussianBlur(p["blur"]))
    nrng = np.random.default_rng(zlib.crc32(name.encode()))
    a = np.asarray(img, dtype=np.float32) + nrng.normal(0, p["noise"], (img.height, img.width))
    specks = nrng.random((img.height, img.width)) < 0.0003
    a[specks] = 40
    img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
    jpg = png.with_suffix(".tmp.jpg")
    img.save(jpg, quality=p["jpeg"])
    img = Image.open(jpg).convert("L")
    jpg.unlink()
    if rng.random() < 0.5:
        p["binarize"] = rng.randint(140, 160)
        img = img.point(lambda v: 255 if v > p["binarize"] else 0).convert("1")
    else:
        p["levels"] = 32
        img = img.point(lambda v: (v // 8) * 8 + 4)
    img.save(png, dpi=(DPI, DPI))
    return ", ".join(f"{k}={v}" for k, v in p.items())


# ---------------------------------------------------------------- pages

def text_box(vertical_page=False):
    w, h = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN
    return (h, w) if vertical_page else (w, h)


def body_page(family, pt, src, lh=1.75, ok=mixed_ok, extra=None):
    font = Font(family, pt)
    w, h = text_box()
    n = int(h * PT_PER_MM // (pt * lh)) - 1
    lines = fill(font, src, ok, w * PT_PER_MM, n, extra=list(extra) if extra else None)
    return horizontal(font, lines, lh), [gt_text(l) for l in lines], font


def vert_page(family, pt, src, lh=1.8, extra=None):
    font = Font(family, pt)
    length, across = text_box(vertical_page=True)
    n = int(across * PT_PER_MM // (pt * lh)) - 1
    lines = fill(font, src, pure_ok, length * PT_PER_MM, n, vertical=True,
                 extra=list(extra) if extra else None)
    return vertical(font, lines, lh), [gt_text(l) for l in lines], font


def ruby_page(family, pt, text, vert):
    font = Font(family, pt)
    lh = 2.3
    length = (A4[1] if vert else A4[0]) - 2 * MARGIN
    lines = break_lines(font, tokens(text), length * PT_PER_MM, vertical=vert)
    doc = vertical(font, lines, lh) if vert else horizontal(font, lines, lh)
    return doc, [gt_text(l) for l in lines], font


def twocol_page(family, pt, src):
    font = Font(family, pt)
    lh, gap = 1.7, 8.0
    w, h = text_box()
    colw = (w - gap) / 2
    title = "第3章 システムの初期化"
    n = int((h - 15) * PT_PER_MM // (pt * lh)) - 1
    lines = fill(font, src, mixed_ok, colw * PT_PER_MM, 2 * n)
    left, right = lines[:n], lines[n:]
    col = lambda ls: "".join(f'<div class="l">{line_html(l)}</div>' for l in ls)  # noqa: E731
    body = (f'<div style="position:absolute; left:{MARGIN}mm; top:{MARGIN}mm; width:{w}mm">'
            f'<div style="font-size:{pt * 1.6}pt; line-height:1.4; height:15mm">{html.escape(title)}</div>'
            f'<div style="display:flex; gap:{gap}mm"><div style="width:{colw}mm">{col(left)}</div>'
            f'<div style="width:{colw}mm">{col(right)}</div></div></div>')
    gt = [title] + [gt_text(l) for l in left + right]
    return html_doc(page_css(font, A4, lh), body), gt, font


def yen(n):
    return f"¥{n:,}"


def receipt_page(family, pt):
    font = Font(family, pt)
    rows, gt = [], []

    def row(cells, align="between", big=False):
        style = f"font-size:{pt * 1.5}pt;" if big else ""
        if align == "center":
            inner = html.escape(cells[0])
            rows.append(f'<div style="text-align:center;{style}">{inner}</div>')
        else:
            inner = "".join(f"<span>{html.escape(c)}</span>" for c in cells)
            rows.append(f'<div style="display:flex; justify-content:space-between;{style}">{inner}</div>')
        gt.append(" ".join(cells))

    row([texts.RECEIPT_SHOP[0]], "center", big=True)
    for s in texts.RECEIPT_SHOP[1:]:
        row([s], "center")
    rows.append('<div style="height:1em"></div>')
    for s in texts.RECEIPT_HEAD:
        row([s], "center")
    row(["領収書"], "center", big=True)
    total = 0
    for name, qty, price in texts.RECEIPT_ITEMS:
        total += qty * price
        row([name, yen(qty * price)])
        if qty > 1:
            row([f"  {qty}個 × 単{price}"])
            gt[-1] = f"{qty}個 × 単{price}"
    count = sum(q for _, q, _ in texts.RECEIPT_ITEMS)
    tax = total * 8 // 108
    row(["小計", f"{count}点 {yen(total)}"])
    row(["合計", yen(total)], big=True)
    row(["(8%対象", f"{yen(total)})"])
    row(["(内消費税等", f"{yen(tax)})"])
    row(["お預り", yen(texts.RECEIPT_PAID)])
    row(["お釣り", yen(texts.RECEIPT_PAID - total)])
    rows.append('<div style="height:1em"></div>')
    for s in texts.RECEIPT_FOOT:
        row([s], "center")
    size = (80.0, 16 + len(rows) * pt * 1.6 / PT_PER_MM * 1.1)
    css = page_css(font, size, 1.6) + ".r div span { white-space: pre }"
    body = (f'<div class="r" style="position:absolute; left:6mm; right:6mm; top:8mm">'
            f'{"".join(rows)}</div>')
    return html_doc(css, body), gt, font


def form_page(family, pt):
    font = Font(family, pt)
    gt = [texts.FORM_TITLE]
    trs = []
    for cells in texts.FORM_ROWS:
        tds = []
        for i, c in enumerate(cells):
            span = ' colspan="3"' if len(cells) == 2 and i == 1 else ""
            shade = ' style="background:#eee"' if i % 2 == 0 else ""
            tds.append(f"<td{span}{shade}>{html.escape(c)}</td>")
        trs.append(f"<tr>{''.join(tds)}</tr>")
        gt.append(" ".join(cells))
    gt.extend(["記入上の注意"] + [f"※{n}" for n in texts.FORM_NOTES])
    gt.append("事務局使用欄")
    gt.append(" ".join(texts.FORM_OFFICE))
    office = "".join(f"<td>{html.escape(c)}</td>" for c in texts.FORM_OFFICE)
    notes = "".join(f"<div>※{html.escape(n)}</div>" for n in texts.FORM_NOTES)
    body = (f'<div style="position:absolute; left:{MARGIN}mm; top:{MARGIN + 5}mm; width:{A4[0] - 2 * MARGIN}mm">'
            f'<div style="text-align:center; font-size:{pt * 1.6}pt; margin-bottom:10mm">'
            f'{html.escape(texts.FORM_TITLE)}</div>'
            f'<table style="width:100%">{"".join(trs)}</table>'
            f'<div style="margin-top:8mm">記入上の注意</div>{notes}'
            f'<div style="margin-top:14mm">事務局使用欄</div>'
            f'<table style="margin-top:2mm"><tr>{office}</tr></table></div>')
    return html_doc(page_css(font, A4, 1.6), body), gt, font


def build(out):
    ja = {c: Source("ja", c) for c in ("ch01", "ch02", "ch03", "ch09", "ch12")}
    ja["ch04"] = Source("ja", "ch04", "ch06", "ch05")
    cn = {c: Source("zh-cn", c) for c in ("ch01", "ch02", "ch09")}
    tw = {c: Source("zh-tw", c) for c in ("ch01", "ch02", "ch09")}
    own = "written for this set (fictional)"
    # lang, set, name, degraded, layout, source, builder
    pages = [
        ("ja", "horiz", "dref-ch01", False, "horizontal", ja["ch01"].name,
         lambda: body_page("VL Gothic", 10.5, ja["ch01"])),
        ("ja", "horiz", "dref-ch02", True, "horizontal", ja["ch02"].name,
         lambda: body_page("Sawarabi Mincho", 11, ja["ch02"])),
        ("ja", "small", "dref-ch09-8pt", False, "horizontal", ja["ch09"].name,
         lambda: body_page("Ume Mincho", 8, ja["ch09"], lh=1.6)),
        ("ja", "small", "dref-ch12-9pt", True, "horizontal", ja["ch12"].name,
         lambda: body_page("Sawarabi Gothic", 9, ja["ch12"], lh=1.6)),
        ("ja", "ruby", "harbour", False, "horizontal", own,
         lambda: ruby_page("MotoyaLCedar", 12, texts.RUBY_HORIZ, vert=False)),
        ("ja", "ruby", "village-vert", True, "vertical", own,
         lambda: ruby_page("Sawarabi Mincho", 12, texts.RUBY_VERT, vert=True)),
        ("ja", "receipt", "bakery", True, "receipt", own,
         lambda: receipt_page("Ume Gothic", 9)),
        ("ja", "form", "application", True, "form", own,
         lambda: form_page("Sawarabi Gothic", 10)),
        ("ja", "twocol", "dref-ch03", False, "twocol", ja["ch03"].name,
         lambda: twocol_page("Ume Mincho", 9.5, ja["ch03"])),
        ("ja", "vert", "dref-ch04", False, "vertical", ja["ch04"].name,
         lambda: vert_page("Ume Mincho", 11, ja["ch04"])),
        ("ja", "vert", "dref-ch01", True, "vertical", ja["ch01"].name,
         lambda: vert_page("VL Gothic", 12, ja["ch01"])),
        ("ja", "vert", "dref-ch02", False, "vertical", ja["ch02"].name,
         lambda: vert_page("MotoyaLCedar", 10.5, ja["ch02"])),
        ("zh", "sim-horiz", "dref-ch01", False, "horizontal", cn["ch01"].name,
         lambda: body_page("WenQuanYi Zen Hei", 11, cn["ch01"])),
        ("zh", "sim-horiz", "dref-ch02", True, "horizontal", cn["ch02"].name,
         lambda: body_page("AR PL UMing CN", 10.5, cn["ch02"])),
        ("zh", "sim-vert", "dref-ch09", True, "vertical", cn["ch09"].name,
         lambda: vert_page("AR PL UKai CN", 12, cn["ch09"])),
        ("zh", "tra-horiz", "dref-ch01", False, "horizontal", tw["ch01"].name,
         lambda: body_page("AR PL UMing TW", 11, tw["ch01"])),
        ("zh", "tra-horiz", "dref-ch02", True, "horizontal", tw["ch02"].name,
         lambda: body_page("WenQuanYi Micro Hei", 10.5, tw["ch02"])),
        ("zh", "tra-vert", "dref-ch09", False, "vertical", tw["ch09"].name,
         lambda: vert_page("AR PL UKai TW", 12, tw["ch09"])),
    ]
    tsv = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lang, set_, name, damaged, layout, source, make in pages:
            doc, gt, font = make()
            d = out / lang / set_
            d.mkdir(parents=True, exist_ok=True)
            png = d / f"{name}.png"
            render(doc, png, Path(tmp))
            if damaged:
                params = degrade(png, f"{lang}/{set_}/{name}")
            else:
                params = "-"
                Image.open(png).convert("L").save(png, dpi=(DPI, DPI))
            (d / f"{name}.gt.txt").write_text("\n".join(gt) + "\n", encoding="utf-8")
            chars = sum(len(re.sub(r"\s", "", l)) for l in gt)
            tsv.setdefault(lang, []).append(
                [set_, name, "degraded" if damaged else "clean", layout, font.family,
                 str(font.pt), source, str(len(gt)), str(chars), params])
            print(f"{lang}/{set_}/{name}: {len(gt)} lines, {chars} chars, {params}", file=sys.stderr)
    head = ["set", "name", "condition", "layout", "font", "pt", "source", "gt_lines",
            "gt_chars", "degradation"]
    for lang, rows in tsv.items():
        (out / lang / "pages.tsv").write_text(
            "\n".join("\t".join(r) for r in [head] + rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "eval/cjk")
    if target.exists():
        shutil.rmtree(target)
    build(target)
