#!/usr/bin/env python3
"""Plots an `lcr train` log as an SVG: training loss and valid loss against step.

    bench/plot_loss.py train.log -o loss.svg [--title TEXT] [--width 760 --height 420]

Reads the lines `lcr train` writes to a log (one per --log-every steps and one per valid run):

    step 1200/20000  loss 2.345  lr 4.1e-04  2.4k tok/s  ETA 1h02m
    step 1250: valid loss 3.885481 (ppl 48.690369)

and, when present, the final summary (`... on cpu, 6273 tokens/s, ...`) for the subtitle.
A resumed run's log may repeat steps; the last value of each step wins. Python 3 standard
library only: the SVG is written by hand.
"""
import argparse
import math
import re
import sys
from xml.sax.saxutils import escape

TRAIN_RE = re.compile(r"^step (\d+)/(\d+)\s+loss ([0-9.eE+-]+)\s+lr ([0-9.eE+-]+)")
VALID_RE = re.compile(r"^step (\d+): valid loss ([0-9.eE+-]+)")
SUMMARY_RE = re.compile(r"^steps \d+ -> (\d+) .* on (\w+), (\d+) tokens/s")


def parse(lines):
    train, valid, summary = {}, {}, None
    for line in lines:
        # A terminal log redraws the progress line with \r; keep the last draw.
        line = line.rstrip("\n").split("\r")[-1].strip()
        m = TRAIN_RE.match(line)
        if m:
            train[int(m.group(1))] = float(m.group(3))
            continue
        m = VALID_RE.match(line)
        if m:
            valid[int(m.group(1))] = float(m.group(2))
            continue
        m = SUMMARY_RE.match(line)
        if m:
            summary = (int(m.group(1)), m.group(2), int(m.group(3)))
    return sorted(train.items()), sorted(valid.items()), summary


def nice_step(span, target_ticks):
    """A 1/2/5 x 10^k tick step giving about target_ticks ticks over span."""
    raw = span / max(1, target_ticks)
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def fmt(v, step):
    decimals = max(0, -int(math.floor(math.log10(step)))) if step < 1 else 0
    return f"{v:.{decimals}f}"


def svg(train, valid, title, subtitle, width, height, ymax_clip):
    ml, mr, mt, mb = 64, 20, 56 if subtitle else 40, 48
    pw, ph = width - ml - mr, height - mt - mb
    steps = [s for s, _ in train] + [s for s, _ in valid]
    losses = [l for _, l in train] + [l for _, l in valid]
    xmax = max(steps)
    ymin = math.floor(min(losses) * 2) / 2
    ymax = max(losses)
    if ymax_clip and ymax > ymax_clip:
        ymax = ymax_clip  # the first steps of a fresh model (loss ~ log V) would flatten the rest
    if ymax - ymin < 1e-6:  # one point, or a flat curve
        ymax = ymin + 1
    xmax = max(xmax, 1)
    ystep = nice_step(ymax - ymin, 6)
    ymax = math.ceil(ymax / ystep) * ystep
    ymin = math.floor(ymin / ystep) * ystep
    xstep = nice_step(xmax, 8)

    def X(s):
        return ml + pw * s / xmax

    def Y(v):
        return mt + ph * (1 - (min(v, ymax) - ymin) / (ymax - ymin))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{ml}" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    if subtitle:
        out.append(f'<text x="{ml}" y="38" fill="#555">{escape(subtitle)}</text>')
    # Grid and ticks.
    v = ymin
    while v <= ymax + 1e-9:
        y = Y(v)
        out.append(f'<line x1="{ml}" y1="{y:.1f}" x2="{ml + pw}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt(v, ystep)}</text>')
        v += ystep
    s = 0
    while s <= xmax + 1e-9:
        x = X(s)
        out.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{mt + ph}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{x:.1f}" y="{mt + ph + 16}" text-anchor="middle">{int(s)}</text>')
        s += xstep
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 10}" text-anchor="middle">step</text>')
    out.append(f'<text transform="translate(16 {mt + ph / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">loss (nats/token)</text>')
    # Curves.
    if train:
        pts = " ".join(f"{X(s):.1f},{Y(l):.1f}" for s, l in train)
        out.append(f'<polyline points="{pts}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>')
    if valid:
        pts = " ".join(f"{X(s):.1f},{Y(l):.1f}" for s, l in valid)
        out.append(f'<polyline points="{pts}" fill="none" stroke="#d62728" stroke-width="2"/>')
        for s, l in valid:
            out.append(f'<circle cx="{X(s):.1f}" cy="{Y(l):.1f}" r="3.5" fill="#d62728">'
                       f'<title>step {s}: valid {l:.3f}</title></circle>')
        s, l = valid[-1]
        out.append(f'<text x="{X(s) - 6:.1f}" y="{Y(l) + 18:.1f}" text-anchor="end" '
                   f'fill="#d62728">{l:.2f}</text>')
    # Legend.
    lx, ly = ml + pw - 250, mt + 14
    out.append(f'<rect x="{lx - 8}" y="{ly - 12}" width="256" height="42" fill="white" '
               f'stroke="#ccc"/>')
    out.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="#1f77b4" '
               f'stroke-width="1.5"/>')
    out.append(f'<text x="{lx + 30}" y="{ly}">train (label-smoothed, dropout)</text>')
    out.append(f'<line x1="{lx}" y1="{ly + 16}" x2="{lx + 24}" y2="{ly + 16}" stroke="#d62728" '
               f'stroke-width="2"/><circle cx="{lx + 12}" cy="{ly + 16}" r="3.5" fill="#d62728"/>')
    out.append(f'<text x="{lx + 30}" y="{ly + 20}">valid (plain NLL, 500 pairs)</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log", help="lcr train log (- = stdin)")
    ap.add_argument("-o", "--out", required=True, help="SVG to write")
    ap.add_argument("--title", default="lcr train: loss")
    ap.add_argument("--subtitle", default=None, help="default: from the log's summary line")
    ap.add_argument("--ymax", type=float, default=0.0,
                    help="clip the loss axis here (0 = no clip)")
    ap.add_argument("--width", type=int, default=760)
    ap.add_argument("--height", type=int, default=420)
    a = ap.parse_args()
    f = sys.stdin if a.log == "-" else open(a.log, encoding="utf-8", errors="replace")
    train, valid, summary = parse(f)
    if not train and not valid:
        sys.exit(f"{a.log}: no `step N/M  loss X` or `step N: valid loss X` lines")
    subtitle = a.subtitle
    if subtitle is None:
        parts = []
        if summary:
            parts.append(f"{summary[0]} steps on {summary[1]}, {summary[2]:,} tokens/s")
        if valid:
            parts.append(f"valid loss {valid[0][1]:.2f} at step {valid[0][0]} → "
                         f"{valid[-1][1]:.2f} at step {valid[-1][0]}")
        subtitle = "; ".join(parts)
    with open(a.out, "w", encoding="utf-8") as o:
        o.write(svg(train, valid, a.title, subtitle, a.width, a.height, a.ymax))
    print(f"wrote {a.out}: {len(train)} train points, {len(valid)} valid points", file=sys.stderr)


if __name__ == "__main__":
    main()
