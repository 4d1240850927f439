# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Make the table of `make bench` from the runs the rig measured.

    bench-table.py --ours ROWS --intree ROWS [--title TEXT] RUNS OUTDIR

RUNS holds one line per measured run, as dom0 printed it (E2E-BENCH,
tests/e2e/dom0/scenarios.sh, bench_row):

    row:DRIVER:BACKEND:KIND:PERIOD rep=K secs=S key=value ...

ROWS are the rows each driver ran ("rw:1024 mmap:256 cap:256 ..."), on
both backends (the wake-up floor's, "wake:256", with the test backend
only).  The table has a line for each measure of each row: the
median over the runs of ours and of the in-tree driver, with half their
range (the spread), and the ratio ours / in-tree of the medians.  The
in-tree driver has no mmap: ours with mmap is set beside its read/write
row of the same period.  Written to OUTDIR/bench.md (and printed), with a
chart of the ratios in OUTDIR/bench.png (bench_chart.py).

The measures per audio second or per period come from the runs whose
client ended well or at least lasted the measuring window (client_ms
measured): one that failed before stopped early, and its costs are
those of a stream that no longer ran.

Exits 1 when the table is not whole: a row of either driver without a
run, a run whose line cannot be read, or a row of ours without one run
that ended well.  A row the rig skipped (snd_be not built) is marked, not
counted against it.  Timings never fail it.
"""

import argparse
import os
import statistics
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_chart  # noqa: E402

BACKENDS = (("test", "test backend"), ("sndbe", "snd_be (snd-aloop)"))
KINDS = {"rw": "playback rw", "mmap": "playback mmap", "cap": "capture",
         "wake": "wake-up floor"}
# the wake-up floor plays nothing: it runs with the test backend only
NO_SOUND = "no sound (floor)"
OPS = ("open", "close", "write", "read", "trigger", "query", "other")
FRAME_OCTETS = 4  # S16_LE stereo
RATE = 48000


def row_pairs(ours_rows, intree_rows):
    """Each row of ours on each backend, with the in-tree row beside it.

    Yields (backend name, label, our item, the in-tree item or None): the
    in-tree driver has no mmap, so ours with mmap stands beside its
    read/write row of the same period.  The wake-up floor's rows, which
    play nothing, come once (run with the test backend).
    """
    for backend, backend_name in BACKENDS:
        for row in ours_rows:
            kind, period = row.split(":")
            shown = backend_name
            if kind == "wake":
                if backend != "test":
                    continue
                shown = NO_SOUND
            theirs_row = "rw:%s" % period if kind == "mmap" else row
            theirs = "row:intree:%s:%s" % (backend, theirs_row)
            if theirs_row not in intree_rows:
                theirs = None
            yield (shown, "%s %s" % (KINDS.get(kind, kind), period),
                   "row:ours:%s:%s" % (backend, row), theirs)


def number(value):
    """The number in a field, or None for "-", "" or anything else."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def measures(run):
    """The table's measures of one run (a dict of its fields)."""
    secs = number(run.get("secs"))
    asked = number(run["item"].split(":")[4])
    period = number(run.get("period")) or asked
    out = {}
    if not secs or not period:
        return out
    periods = secs * RATE / period
    counts = [number(run.get(op)) for op in OPS]
    total = sum(counts) if None not in counts else None
    data = None
    if number(run.get("write")) is not None and number(run.get("read")) is not None:
        data = number(run["write"]) + number(run["read"])

    def per(value, unit):
        return None if value is None else value / unit

    out["period granted (frames)"] = period
    out["requests / audio s"] = per(total, secs)
    out["requests / period"] = per(total, periods)
    out["WRITE+READ / period"] = per(data, periods)
    out["CUR_POS events / period"] = per(number(run.get("events")), periods)
    out["driver IRQs / audio s"] = per(number(run.get("irqs")), secs)
    out["IRQs for answers / period"] = per(number(run.get("irq_req")),
                                                periods)
    out["IRQs for events / period"] = per(number(run.get("irq_evt")),
                                               periods)
    out["HW_PARAM_QUERY / setup"] = number(run.get("query"))
    out["OPEN / run"] = number(run.get("open"))
    # the guest's busy time over busy_s seconds in the middle of the
    # run (the whole run where busy_s is missing); the client's CPU time
    # over the same window where it was measured exactly (client_ms),
    # else in ticks over the whole run (cpu_ms)
    busy_s = number(run.get("busy_s")) or secs
    client_ms = number(run.get("client_ms"))
    if client_ms is not None:
        out["client CPU ms / audio s"] = per(client_ms, busy_s)
    else:
        out["client CPU ms / audio s"] = per(number(run.get("cpu_ms")),
                                             secs)
    out["guest busy ms / audio s"] = per(number(run.get("busy_ms")), busy_s)
    out["requests traced in the guest / audio s"] = per(
        number(run.get("treq")), secs)
    if run.get("rc") != "0" and client_ms is None:
        # a client that failed and did not last the measuring window
        # (or whose window is unknown) stopped early: what its stream
        # cost per audio second or period was not measured over audio
        for name in RATES:
            out[name] = None
    out["xruns (client)"] = number(run.get("xruns"))
    out["late wake-ups (floor)"] = number(run.get("late"))
    out["xruns (driver, traced)"] = number(run.get("txrun"))
    start = number(run.get("start_us"))
    out["START to first octet (ms)"] = per(start, 1000.0)
    stop = number(run.get("stop_us"))
    out["last period to STOP (ms)"] = per(stop, 1000.0)
    exact = run.get("exact")
    out["bit-exact"] = {"yes": 1.0, "no": 0.0}.get(exact)
    out["ended well"] = 1.0 if run.get("rc") == "0" else 0.0
    return out


# measures per audio second or per period, left out for a run whose
# client failed (it stopped early)
RATES = ("requests / audio s", "requests / period", "WRITE+READ / period",
         "CUR_POS events / period", "driver IRQs / audio s",
         "IRQs for answers / period", "IRQs for events / period",
         "client CPU ms / audio s", "guest busy ms / audio s",
         "requests traced in the guest / audio s")
# measures whose ratio says nothing (the floor's own check)
NO_RATIO = ("late wake-ups (floor)",)
# measures shown as a count of runs ("2/3"), not a median
COUNTED = ("bit-exact", "ended well")
# measures drawn in the chart (lower is better for each)
CHARTED = ("requests / audio s", "CUR_POS events / period",
           "driver IRQs / audio s", "HW_PARAM_QUERY / setup",
           "client CPU ms / audio s", "guest busy ms / audio s")


def read_runs(path):
    """Runs by item, skipped items with their reason, unreadable lines."""
    runs, skipped, bad = {}, {}, []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            fields = line.split()
            if not fields:
                continue
            item = fields[0]
            if not item.startswith("row:") or len(item.split(":")) != 5:
                bad.append(line.strip())
                continue
            run = {"item": item}
            for field in fields[1:]:
                key, sep, value = field.partition("=")
                if sep:
                    run[key] = value
            if "skipped" in run:
                skipped[item] = line.split("skipped=", 1)[1].strip()
                continue
            if "rep" not in run or "secs" not in run or "rc" not in run:
                bad.append(line.strip())
                continue
            runs.setdefault(item, []).append(run)
    return runs, skipped, bad


def summary(values, counted):
    """(median or None, text) of one measure over the runs."""
    known = [v for v in values if v is not None]
    if counted:
        return (sum(known) / len(known) if known else None,
                "%d/%d" % (sum(known), len(known)) if known else "-")
    if not known:
        return None, "-"
    median = statistics.median(known)
    spread = (max(known) - min(known)) / 2
    if median == int(median):
        text = "%d" % median
    elif abs(median) >= 100:
        text = "%.0f" % median
    elif abs(median) >= 10:
        text = "%.1f" % median
    else:
        text = "%.2f" % median
    if len(known) > 1:
        text += " ±%.2g" % spread
    return median, text


def ratio_text(ours, intree):
    if ours is None or intree is None or intree == 0:
        return "-", None
    return "%.2f" % (ours / intree), ours / intree


# the summary's columns: (heading, measure, ratio shown)
SUMMARY = (("requests / period", "requests / period", False),
           ("IRQs / s", "driver IRQs / audio s", True),
           ("guest busy ms / s", "guest busy ms / audio s", True),
           ("client CPU ms / s", "client CPU ms / audio s", True),
           ("HW_PARAM_QUERY", "HW_PARAM_QUERY / setup", False),
           ("xruns", "xruns (client)", False),
           ("bit-exact", "bit-exact", False),
           ("STOP after last period, ms", "last period to STOP (ms)", False))


def short(value, counted, runs):
    """A summary cell: the median, or good/all runs."""
    if value is None:
        return "-"
    if counted:
        return "%d/%d" % (round(value * runs), runs)
    if value == int(value) or abs(value) >= 100:
        return "%d" % round(value)
    return "%.3g" % value


def summary_table(title, ours_rows, intree_rows, runs, skipped):
    """One line per row and backend: ours | in-tree (ratio) per measure."""
    out = ["# make bench, summary", ""]
    if title:
        out += [title, ""]
    out += ["Each cell: ours | in-tree, medians over the runs (ratio ours /"
            " in-tree where it says something).", "",
            "| Backend | Row | " + " | ".join(h for h, _, _ in SUMMARY) + " |",
            "|---|---|" + "---:|" * len(SUMMARY)]
    for backend_name, label, mine, theirs in row_pairs(ours_rows,
                                                       intree_rows):
        if mine in skipped or not runs.get(mine):
            continue
        cells = []
        mine_m = [measures(r) for r in runs.get(mine, [])]
        theirs_m = [measures(r) for r in runs.get(theirs, [])] \
            if theirs else []
        for _, name, with_ratio in SUMMARY:
            counted = name in COUNTED
            o_med, _ = summary([m.get(name) for m in mine_m], counted)
            t_med, _ = summary([m.get(name) for m in theirs_m], counted)
            cell = short(o_med, counted, len(mine_m)) + " | " + (
                short(t_med, counted, len(theirs_m)) if theirs else
                "n/a")
            r_text, _ = ratio_text(o_med, t_med)
            if with_ratio and r_text != "-":
                cell += " (%s)" % r_text
            cells.append(cell.replace(" | ", " \\| "))
        out.append("| %s | %s | %s |" % (backend_name, label,
                                         " | ".join(cells)))
    out.append("")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ours", required=True)
    parser.add_argument("--intree", required=True)
    parser.add_argument("--title", default="")
    parser.add_argument("runs")
    parser.add_argument("outdir")
    args = parser.parse_args()

    runs, skipped, bad = read_runs(args.runs)
    problems = ["a line that cannot be read: %s" % b[:120] for b in bad]
    ours_rows = args.ours.split()
    intree_rows = args.intree.split()
    md = ["# make bench: ours against the in-tree snd_xen_front", ""]
    if args.title:
        md += [args.title, ""]
    md += ["S16_LE 48 kHz stereo, 4 periods a buffer.  Each cell: the median"
           " over the runs and, after ±, half their range; counts of runs as"
           " good/all.  Ratio: ours / in-tree (below 1: ours costs less)."
           "  The in-tree driver has no mmap: ours with mmap is set beside"
           " its read/write row.", "",
           "| Backend | Row | Measure | Ours | In-tree | Ours/in-tree |",
           "|---|---|---|---:|---:|---:|"]
    groups = []
    for backend_name, label, mine, theirs in row_pairs(ours_rows,
                                                       intree_rows):
        for item in (mine, theirs):
            if item and item not in skipped and not runs.get(item):
                problems.append("%s: no run measured" % item)
        if mine in skipped:
            md.append("| %s | %s | (skipped: %s) | | | |"
                      % (backend_name, label, skipped[mine]))
            continue
        mine_runs = runs.get(mine, [])
        if mine_runs and not any(r.get("rc") == "0" for r in mine_runs):
            problems.append("%s: no run ended well" % mine)
        theirs_runs = runs.get(theirs, []) if theirs else []
        mine_m = [measures(r) for r in mine_runs]
        theirs_m = [measures(r) for r in theirs_runs]
        names = []
        for m in mine_m + theirs_m:
            for name in m:
                if name not in names:
                    names.append(name)
        chart = []
        for name in names:
            counted = name in COUNTED
            o_med, o_text = summary([m.get(name) for m in mine_m], counted)
            t_med, t_text = summary([m.get(name) for m in theirs_m],
                                    counted)
            if o_text == "-" and t_text == "-":
                continue  # measured by neither (the floor's rows)
            if theirs is None:
                t_text = "n/a"
            r_text, r_value = ("-", None) if counted or name in NO_RATIO \
                else ratio_text(o_med, t_med)
            md.append("| %s | %s | %s | %s | %s | %s |" % (
                backend_name, label, name, o_text, t_text, r_text))
            if name in CHARTED:
                chart.append((name, r_value))
        groups.append(("%s, %s" % (label, backend_name), chart))
    md.append("")
    if problems:
        md += ["Not whole:", ""] + ["- %s" % p for p in problems] + [""]
    summary_md = summary_table(args.title, ours_rows, intree_rows, runs,
                               skipped)

    # every table line has the header's six cells
    for line in md:
        if line.startswith("|") and line.count("|") != 7:
            problems.append("malformed table line: %s" % line[:80])

    os.makedirs(args.outdir, exist_ok=True)
    text = "\n".join(md) + "\n"
    with open(os.path.join(args.outdir, "bench.md"), "w",
              encoding="utf-8") as out:
        out.write(text)
    with open(os.path.join(args.outdir, "summary.md"), "w",
              encoding="utf-8") as out:
        out.write(summary_md)
    bench_chart.write_ratio_chart(
        os.path.join(args.outdir, "bench.png"),
        "make bench: ours / in-tree (median of each)", groups,
        note=args.title)
    sys.stdout.write(text)
    sys.stdout.write("\n" + summary_md)
    if problems:
        print("bench: the table is not whole (%d problems)" % len(problems))
        return 1
    pairs = [p for p in row_pairs(ours_rows, intree_rows)
             if p[2] not in skipped]
    print("bench: table well formed: %d rows of ours, %d of the in-tree"
          " driver" % (len(pairs), len({p[3] for p in pairs if p[3]})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
