#!/usr/bin/env python3
"""Group a Japanese CER scorer's per-page JSON by set and by layout.

usage: summarize.py PAGES_DIR SCORE_JSON TIMES_TSV [LABEL]
  PAGES_DIR   the evaluation folder (its pages.tsv gives each page's layout)
  SCORE_JSON  per-page counts as written by the scorer's --json option
              (ref_chars, edits, inner_spaces per page)
  TIMES_TSV   <set>/<name> TAB seconds, as scripts/eval-ja.sh writes it
Prints one Markdown row per group: CER %, spaces per 100 characters, median
seconds per page. Groups: every set, vertical and horizontal pages (layout
`vertical` or not), clean and degraded pages, and the total.
"""
import json
import statistics
import sys
from pathlib import Path


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    pages_dir, score, times = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    label = sys.argv[4] if len(sys.argv) == 5 else ""
    rows = (pages_dir / "pages.tsv").read_text(encoding="utf-8").splitlines()
    head = rows[0].split("\t")
    meta = {}
    for r in rows[1:]:
        f = dict(zip(head, r.split("\t")))
        meta[(f["set"], f["name"])] = f
    secs = {}
    for r in times.read_text(encoding="utf-8").splitlines():
        stem, s = r.split("\t")
        secs[stem] = float(s)
    groups = {}
    for p in json.loads(score.read_text(encoding="utf-8"))["pages"]:
        m = meta[(p["set"], p["name"])]
        layout = "vertical" if m["layout"] == "vertical" else "horizontal"
        t = secs.get(f"{p['set']}/{p['name']}")
        for g in (p["set"], f"[{layout}]", f"[{m['condition']}]", "TOTAL"):
            acc = groups.setdefault(g, {"pages": 0, "chars": 0, "edits": 0, "sp": 0, "secs": []})
            acc["pages"] += 1
            acc["chars"] += p["ref_chars"]
            acc["edits"] += p["edits"]
            acc["sp"] += p["inner_spaces"]
            if t is not None:
                acc["secs"].append(t)
    print("| run | group | pages | chars | CER % | spaces/100 | s/page (median) |")
    print("|---|---|---|---|---|---|---|")
    order = sorted(groups, key=lambda g: (g == "TOTAL", g.startswith("["), g))
    for g in order:
        a = groups[g]
        n = max(1, a["chars"])
        med = f"{statistics.median(a['secs']):.1f}" if a["secs"] else "-"
        print(f"| {label} | {g} | {a['pages']} | {a['chars']} | {100 * a['edits'] / n:.2f} "
              f"| {100 * a['sp'] / n:.1f} | {med} |")


if __name__ == "__main__":
    main()
