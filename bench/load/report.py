#!/usr/bin/env python3
"""The Markdown of bench/load/run.sh.

    report.py wrk                        reads wrk's output on stdin, prints: req/s  p50 ms  p99 ms  non-2xx  socket errors
    report.py load TSV BASELINE NAME...  the table and chart of a load run (rows: round scenario contender wrk-fields)
    report.py scale TSV                  the table of a scale run (rows: round sessions store wrk-fields)
    report.py compare TSV MIN_RATIO      before/after: each NAME against NAME@base, paired round by round (rows as load's)
    report.py signedin TSV               signed in against anonymous: each contender's signedin over its steady, by round
    report.py splice FILE SECTION MD     replaces what lies between FILE's markers of SECTION with the file MD
"""
import collections
import re
import statistics
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text):
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    lat = {m.group(1): float(m.group(2)) * UNITS[m.group(3)]
           for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return [
        rps.group(1) if rps else "0",
        f"{lat.get('50', float('nan')):.3f}",
        f"{lat.get('99', float('nan')):.3f}",
        non2xx.group(1) if non2xx else "0",
        str(sum(int(g) for g in sock.groups())) if sock else "0",
    ]


def read_rows(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


class Cell:
    """The medians of one contender in one scenario, over the rounds."""

    def __init__(self, rows):
        self.rounds = len(rows)
        self.rps = statistics.median(float(r[3]) for r in rows)
        self.p50 = statistics.median(float(r[4]) for r in rows)
        self.p99 = statistics.median(float(r[5]) for r in rows)
        self.non2xx = sum(int(r[6]) for r in rows)
        self.errors = sum(int(r[7]) for r in rows)


def ms(value):
    return "—" if value != value else (f"{value:.2f} ms" if value < 100 else f"{value:,.0f} ms")


def bar(share, pad, width=40):
    """A bar of share * width cells in eighths, capped at 1.5, padded to pad cells."""
    cells = max(0.0, min(share, 1.5)) * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)].strip()
    return ("█" * full + part).ljust(pad)


def cells(rows):
    by = collections.defaultdict(list)
    for r in rows:
        by[(r[1], r[2])].append(r)
    return {key: Cell(rs) for key, rs in by.items()}


def ordered(values):
    return list(dict.fromkeys(values))


def load(path, baseline, names):
    rows = read_rows(path)
    table = cells(rows)
    scenarios = ordered(r[1] for r in rows)
    names = [n for n in names if any(r[2] == n for r in rows)]
    rounds = max(c.rounds for c in table.values())
    out = [f"| scenario | contender | req/s (median of {rounds}) | share of {baseline} | p50 | p99 | non-2xx | socket errors |",
           "|---|---|--:|--:|--:|--:|--:|--:|"]
    for scenario in scenarios:
        base = table.get((scenario, baseline))
        for name in names:
            c = table.get((scenario, name))
            if c is None:
                continue
            share = f"{c.rps / base.rps:.2f}" if base and base.rps else "—"
            out.append(f"| {scenario} | {name} | {c.rps:,.0f} | {share} | {ms(c.p50)} | {ms(c.p99)} | {c.non2xx} | {c.errors} |")
    out.append("")
    if any((s, baseline) in table for s in scenarios):
        out.append(f"Share of `{baseline}` in the same scenario (█ = 0.025; the bar of 1.00 is the ceiling):")
        out.append("")
        out.append("```text")
        width = max(len(n) for n in names)
        shares = [table[(s, n)].rps / table[(s, baseline)].rps for (s, n) in table
                  if (s, baseline) in table and table[(s, baseline)].rps]
        pad = int(min(max(shares + [1.0]), 1.5) * 40) + 1
        for scenario in scenarios:
            base = table.get((scenario, baseline))
            if not base or not base.rps:
                continue
            out.append(f"{scenario}")
            for name in names:
                c = table.get((scenario, name))
                if c is not None:
                    share = c.rps / base.rps
                    out.append(f"  {name.ljust(width)}  {bar(share, pad)}  {share:.2f}  {c.rps:>9,.0f} req/s")
            out.append("")
        out[-1] = "```"
    out += paired(rows, scenarios)
    out += ["", targets(rows, table, baseline)]
    print("\n".join(out))


def near(value, bar, digits=2):
    """value to `digits` decimals, or one more where that rounding would show it at the bar (0.849 is not 0.85)."""
    shown = f"{value:.{digits}f}"
    return shown if shown != f"{bar:.{digits}f}" or value == bar else f"{value:.{digits + 1}f}"


def verdict(value, bar, at_least, shown, unit=""):
    ok = value >= bar if at_least else value <= bar
    return f"{shown} ({'≥' if at_least else '≤'} {bar:g}{unit}: {'met' if ok else '**missed**'})", ok


def targets(rows, table, baseline):
    """Issue 17's targets, one line: each figure as the tables above compute it (shares and p99s from the medians; the
    Redis ratios paired round by round, as the Serialized/LastWriteWins ones are)."""
    rps = {(r[0], r[1], r[2]): float(r[3]) for r in rows}
    rounds = ordered(r[0] for r in rows)
    parts, met, judged = [], 0, 0

    def add(label, result):
        nonlocal met, judged
        text, ok = result
        parts.append(f"{label} {text}")
        met, judged = met + ok, judged + 1

    def share(name, scenario):
        c, base = table.get((scenario, name)), table.get((scenario, baseline))
        return c.rps / base.rps if c and base and base.rps else None

    def p99(name, scenario):
        c, base = table.get((scenario, name)), table.get((scenario, baseline))
        return c.p99 / base.p99 if c and base and base.p99 else None

    def over(name, other, scenario):
        ratios = [rps[(n, scenario, name)] / rps[(n, scenario, other)] for n in rounds
                  if rps.get((n, scenario, name)) and rps.get((n, scenario, other))]
        return statistics.median(ratios) if ratios else None

    for store, label, steady_bar, p99_bar in (("sqlite", "SQLite", 0.5, 3), ("memory", "Memory", 0.85, 2)):
        name = f"vt-{store}-serialized"
        if (x := share(name, "steady")) is not None:
            add(f"{label} steady", verdict(x, steady_bar, True, f"{near(x, steady_bar)} of the ceiling"))
        if (x := p99(name, "new")) is not None:
            add(f"{label} new-visitor p99", verdict(x, p99_bar, False, f"{near(x, p99_bar, 1)}× the ceiling's", "×"))
    for mode, label, bar_ in (("serialized", "Serialized", 1.2), ("lastwritewins", "LastWriteWins", 1.5)):
        for scenario in ("steady", "new"):
            if (x := over(f"vt-redis-{mode}", "aspnet-redis", scenario)) is not None:
                add(f"Redis {label} {scenario}", verdict(x, bar_, True, f"{near(x, bar_)}× ASP.NET Core's Redis session", "×"))
    if not parts:
        return "Issue 17's targets: none of their contenders ran."
    return f"**Issue 17's targets: {met} of {judged} met** — " + "; ".join(parts) + "."


def paired(rows, scenarios):
    """Issue 4's comparison: Serialized as a share of LastWriteWins on each store, round by round.

    Each round runs the two back to back, so dividing within a round cancels the machine's drift between rounds; the
    median of those ratios is steadier than the ratio of the medians."""
    rps = {(r[0], r[1], r[2]): float(r[3]) for r in rows}
    out = []
    for scenario in scenarios:
        for store in ordered(re.sub(r"^vt-(\w+)-serialized$", r"\1", r[2]) for r in rows if re.match(r"^vt-\w+-serialized$", r[2])):
            ser, lww = f"vt-{store}-serialized", f"vt-{store}-lastwritewins"
            ratios = [rps[(n, scenario, ser)] / rps[(n, scenario, lww)] for n in ordered(r[0] for r in rows)
                      if rps.get((n, scenario, ser)) and rps.get((n, scenario, lww))]
            if ratios:
                q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
                out.append(f"| {scenario} | {store} | **{statistics.median(ratios):.2f}** | {q[0]:.2f}–{q[2]:.2f} | "
                           f"{min(ratios):.2f}–{max(ratios):.2f} | {', '.join(f'{x:.2f}' for x in ratios)} |")
    if not out:
        return []
    return ["", "Serialized as a share of LastWriteWins (issue 4), paired: each round's Serialized req/s over the same round's",
            "LastWriteWins, run back to back; the median of those ratios, their middle half and range:", "",
            "| scenario | store | median | middle half | range | per round |", "|---|---|--:|--:|--:|---|"] + out


def compare(path, min_ratio, suffix="@base"):
    """Before/after: each contender's req/s over its @base twin's in the same round (they run back to back, so the
    machine's drift between rounds cancels), the median of those ratios against min_ratio."""
    rows = read_rows(path)
    by = {(r[0], r[1], r[2]): r for r in rows}
    rounds = ordered(r[0] for r in rows)
    modes = {"serialized": "Serialized", "lastwritewins": "LastWriteWins"}
    out = [f"| scenario | store | concurrency | before req/s | after req/s | **after ÷ before** | min–max | per round "
           f"| p99 before → after | p99 after ÷ before | median ≥ {min_ratio:.2f} |",
           "|---|---|---|--:|--:|--:|--:|---|--:|--:|---|"]
    count, failing, errors = 0, [], []
    for scenario in ordered(r[1] for r in rows):
        for name in ordered(r[2] for r in rows if not r[2].endswith(suffix)):
            pairs = [(by[(n, scenario, name)], by[(n, scenario, name + suffix)]) for n in rounds
                     if (n, scenario, name) in by and (n, scenario, name + suffix) in by]
            ratios = [float(a[3]) / float(b[3]) for a, b in pairs if float(b[3]) > 0]
            if not ratios:
                continue
            count += 1
            p99 = [float(a[5]) / float(b[5]) for a, b in pairs if float(b[5]) > 0]
            median = statistics.median(ratios)
            m = re.match(r"^vt-(\w+)-(\w+)$", name)
            store, mode = (m.group(1), modes.get(m.group(2), m.group(2))) if m else (name, "")
            if median < min_ratio:
                failing.append(f"{scenario} {name}")
            bad = sum(int(x[6]) + int(x[7]) for pair in pairs for x in pair)
            if bad:
                errors.append(f"{scenario} {name} ({bad})")
            before, after = Cell([b for _, b in pairs]), Cell([a for a, _ in pairs])
            shown = f"{median:.3f}" if f"{median:.3f}" != f"{min_ratio:.3f}" else f"{median:.4f}"  # 0.9496 is not 0.950
            out.append(f"| {scenario} | {store} | {mode} | {before.rps:,.0f} | {after.rps:,.0f} | **{shown}** | "
                       f"{min(ratios):.3f}–{max(ratios):.3f} | {', '.join(f'{x:.2f}' for x in ratios)} | "
                       f"{ms(before.p99)} → {ms(after.p99)} | {f'{statistics.median(p99):.2f}' if p99 else '—'} | "
                       f"{'**no**' if median < min_ratio else 'yes'} |")
    out.append("")
    if failing:
        out.append(f"**{len(failing)} of {count} medians below {min_ratio:.2f}:** {', '.join(failing)}.")
    else:
        out.append(f"All {count} medians are at least {min_ratio:.2f}.")
    if errors:
        out += ["", f"**Warning:** non-2xx answers or socket errors, before and after together: {', '.join(errors)}."]
    print("\n".join(out))


def signedin(path, signed="signedin", anonymous="steady"):
    """Issue 15: each contender's signed-in req/s over its anonymous req/s in the same round (run back to back), and
    what the difference is per request: 1/req/s is the machine's time per request (wrk, app and store on the same
    cores), so the gap between the two is the signed-in request's extra cost, spread over the cores."""
    rows = read_rows(path)
    by = {(r[0], r[1], r[2]): r for r in rows}
    rounds = ordered(r[0] for r in rows)
    modes = {"serialized": "Serialized", "lastwritewins": "LastWriteWins"}
    out = ["| store | concurrency | anonymous req/s | signed-in req/s | **signed in ÷ anonymous** | min–max | per round "
           "| extra µs per request | p99 anonymous → signed in | non-2xx |",
           "|---|---|--:|--:|--:|--:|---|--:|--:|--:|"]
    for name in ordered(r[2] for r in rows):
        pairs = [(by[(n, signed, name)], by[(n, anonymous, name)]) for n in rounds
                 if (n, signed, name) in by and (n, anonymous, name) in by]
        pairs = [(s_, a) for s_, a in pairs if float(s_[3]) > 0 and float(a[3]) > 0]
        if not pairs:
            continue
        ratios = [float(s_[3]) / float(a[3]) for s_, a in pairs]
        extra = statistics.median(1e6 / float(s_[3]) - 1e6 / float(a[3]) for s_, a in pairs)
        m = re.match(r"^vt-(\w+)-(\w+)$", name)
        store, mode = (m.group(1), modes.get(m.group(2), m.group(2))) if m else (name, "")
        after, before = Cell([s_ for s_, _ in pairs]), Cell([a for _, a in pairs])
        out.append(f"| {store} | {mode} | {before.rps:,.0f} | {after.rps:,.0f} | **{statistics.median(ratios):.3f}** | "
                   f"{min(ratios):.3f}–{max(ratios):.3f} | {', '.join(f'{x:.2f}' for x in ratios)} | {extra:,.1f} | "
                   f"{ms(before.p99)} → {ms(after.p99)} | {before.non2xx + after.non2xx} |")
    out += ["", "Medians over the rounds. Extra µs per request: the median over the rounds of 10⁶/(signed-in req/s) − "
            "10⁶/(anonymous req/s), the machine's time per request, wrk included, on all its cores together."]
    print("\n".join(out))


def scale(path):
    rows = read_rows(path)
    table = cells(rows)
    stores = ordered(r[2] for r in rows)
    rounds = max(c.rounds for c in table.values())
    out = [f"| store | stored sessions | req/s (median of {rounds}) | share of the smallest | p50 | p99 | non-2xx | socket errors |",
           "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for store in stores:
        sizes = sorted({int(s) for (s, n) in table if n == store})
        base = table[(str(sizes[0]), store)]
        for size in sizes:
            c = table[(str(size), store)]
            share = f"{c.rps / base.rps:.2f}" if base.rps else "—"
            out.append(f"| {store} | {size:,} | {c.rps:,.0f} | {share} | {ms(c.p50)} | {ms(c.p99)} | {c.non2xx} | {c.errors} |")
    if "sqlite" in stores:
        sizes = sorted({int(s) for (s, n) in table if n == "sqlite"})
        small, large = table[(str(sizes[0]), "sqlite")], table[(str(sizes[-1]), "sqlite")]
        if len(sizes) > 1 and small.rps:
            text, ok = verdict(large.rps / small.rps, 0.8, True, f"{near(large.rps / small.rps, 0.8)} of the {sizes[0]:,}-session run")
            out += ["", f"**Issue 17's target: {'met' if ok else 'missed'}** — SQLite with {sizes[-1]:,} sessions at {text}."]
    print("\n".join(out))


def splice(path, section, md_path):
    begin = f"<!-- bench/load/run.sh {section} begin: generated, edits between these markers are overwritten -->"
    end = f"<!-- bench/load/run.sh {section} end -->"
    with open(md_path) as f:
        body = f.read().strip("\n")
    with open(path) as f:
        text = f.read()
    block = f"{begin}\n{body}\n{end}"
    pattern = re.compile(re.escape(f"<!-- bench/load/run.sh {section} begin") + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "wrk":
        print("\t".join(parse_wrk(sys.stdin.read())))
    elif command == "load" and len(args) >= 3:
        load(args[0], args[1], args[2:])
    elif command == "compare" and len(args) == 2:
        compare(args[0], float(args[1]))
    elif command == "signedin" and len(args) == 1:
        signedin(args[0])
    elif command == "scale" and len(args) == 1:
        scale(args[0])
    elif command == "splice" and len(args) == 3:
        splice(*args)
    else:
        sys.exit(__doc__)
