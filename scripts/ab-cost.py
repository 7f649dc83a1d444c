#!/usr/bin/env python3
"""The cost of one command against another, run side by side.

usage: scripts/ab-cost.py [--runs 5] [--env NAME=VALUE ...] -- A ... -- B ...

Runs command A, then B, then A, ... (RUNS rounds, interleaved, so that both
see the same load) and prints, for each: the median and the range of wall
seconds, CPU seconds (user + system, the command and the processes it
waited for, such as ocrloom's PDFium child) and peak RSS (MiB, the largest
of those processes); then B's ratio to A: of the medians and the median of
each round's ratios (steadier on a shared machine). `{run}` in an argument
becomes the round's number, so that each run can write its own file.

Examples, on the 12-page comparison scan (`scripts/compare.py --keep DIR`):
  # noise suppression against the engine without it
  scripts/ab-cost.py -- target/release/ocrloom ocr -q DIR/scan.pdf -o /tmp/a.txt --keep-noise \\
                     -- target/release/ocrloom ocr -q DIR/scan.pdf -o /tmp/b.txt
  # building the layout and writing DOCX on top of the OCR
  scripts/ab-cost.py -- target/release/ocrloom ocr -q DIR/scan.pdf -o /tmp/a.pdf \\
                     -- target/release/ocrloom ocr -q DIR/scan.pdf -o /tmp/b.pdf -o /tmp/b.docx
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def measure(cmd, env):
    """Wall seconds, CPU seconds and peak RSS (MiB) of one run of `cmd`."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed: {err[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    argv = sys.argv[1:]
    if argv.count("--") != 2:
        sys.exit(__doc__)
    first = argv.index("--")
    second = argv.index("--", first + 1)
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for both commands")
    args = ap.parse_args(argv[:first])
    commands = {"A": argv[first + 1 : second], "B": argv[second + 1 :]}
    env = dict(os.environ)
    env.update(e.split("=", 1) for e in args.env)
    stats = {k: [] for k in commands}
    for r in range(args.runs):
        for name, cmd in commands.items():
            stats[name].append(measure([a.replace("{run}", str(r)) for a in cmd], env))
        a, b = stats["A"][-1], stats["B"][-1]
        print(f"round {r + 1}: A {a[0]:.2f} s wall {a[1]:.2f} s cpu {a[2]:.0f} MiB;"
              f" B {b[0]:.2f} s wall {b[1]:.2f} s cpu {b[2]:.0f} MiB", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    for name, cmd in commands.items():
        print(f"{name}: {' '.join(cmd)}")
    for k, label in enumerate(("wall s", "cpu s", "peak MiB")):
        med = {n: statistics.median(x[k] for x in v) for n, v in stats.items()}
        spread = {n: (min(x[k] for x in v), max(x[k] for x in v)) for n, v in stats.items()}
        ratios = [b[k] / a[k] for a, b in zip(stats["A"], stats["B"])]
        print(f"{label:9} A {med['A']:.2f} ({spread['A'][0]:.2f}-{spread['A'][1]:.2f})"
              f"  B {med['B']:.2f} ({spread['B'][0]:.2f}-{spread['B'][1]:.2f})"
              f"  B/A of medians {med['B'] / med['A']:.3f},"
              f" median of round ratios {statistics.median(ratios):.3f}"
              f" ({min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main()
