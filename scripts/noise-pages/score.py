#!/usr/bin/env python3
"""Insertions and receipt lines: what ocr-score does not report.

usage: score.py GT_DIR HYP_DIR
  inserted %: output characters the alignment with the ground truth has
    no place for (Levenshtein insertions), per 100 output characters,
    after the reference scorer's normalisation (NFC, whitespace folded);
  item/price %: receipt items (<name>.items.tsv) whose price stands, read
    right, on an output line together with a word of the item's name;
  same line %: items whose output line (the first with a word of the
    name) has a number after that word, read right or not: the order
    alone, without the misreadings.
"""
import re
import sys
import unicodedata
from pathlib import Path

from rapidfuzz.distance import Levenshtein


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def main():
    gt_root, hyp_root = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for gt in sorted(gt_root.glob("*/*.gt.txt")):
        name = gt.name[: -len(".gt.txt")]
        hyp_path = hyp_root / gt.parent.name / f"{name}.txt"
        hyp_raw = hyp_path.read_text(encoding="utf-8") if hyp_path.exists() else ""
        ref, hyp = norm(gt.read_text(encoding="utf-8")), norm(hyp_raw)
        ins = sum(1 for op in Levenshtein.editops(ref, hyp) if op.tag == "insert")
        r = rows.setdefault(gt.parent.name, [0, 0, 0, 0, 0, 0])
        r[0] += ins
        r[1] += len(hyp)
        r[4] += 1
        items = gt.parent / f"{name}.items.tsv"
        if items.exists():
            lines = [l.lower() for l in hyp_raw.splitlines()]
            for item in items.read_text(encoding="utf-8").splitlines():
                label, price = item.split("\t")
                words = [w.lower() for w in label.split() if len(w) >= 3 and w.isalpha()]
                r[3] += 1
                r[2] += any(re.search(rf"(?<![\d.]){re.escape(price)}(?![\d])", l)
                            and any(w in l for w in words) for l in lines)
                for l in lines:
                    at = [l.find(w) + len(w) for w in words if w in l]
                    if at:
                        r[5] += bool(re.search(r"\d", l[max(at):]))
                        break
    tot = [0] * 6
    print(f"{'set':24} {'pages':>5} {'inserted%':>10} {'item/price%':>12} {'same line%':>11}")
    for s, r in sorted(rows.items()) + [("ALL", None)]:
        if r is None:
            r = tot
        else:
            tot = [a + b for a, b in zip(tot, r)]
        ip = f"{100 * r[2] / r[3]:12.1f} {100 * r[5] / r[3]:11.1f}" if r[3] else f"{'-':>12} {'-':>11}"
        print(f"{s:24} {r[4]:5} {100 * r[0] / max(r[1], 1):10.2f} {ip}")


if __name__ == "__main__":
    main()
