#!/usr/bin/env python3
"""bench/micro/report.py — prints the comparison tables of `make bench` (stdlib only).

  report.py micro    micro.json      Google Benchmark JSON (run with repetitions, aggregates)
  report.py rss      rss.jsonl       one JSON line per allocator from rss_probe
  report.py inscount inscount.tsv    allocator, mode, size, pairs, instructions (inscount.sh)

Ratios are tessera's figure over the other allocator's: below 1 means tessera is faster (or
uses less memory, or runs fewer instructions).
"""
import csv
import json
import math
import re
import sys

ALLOCATORS = ("tessera", "glibc", "mimalloc")
# "BM_malloc_free<Tessera>/16/real_time" -> case "malloc_free/16", allocator "tessera"
NAME = re.compile(r"^BM_(\w+)<(\w+)>(.*?)(/real_time)?$")


def fmt(x, digits=3):
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def ratio(a, b):
    return a / b if a is not None and b else None


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(
        str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def micro(path):
    with open(path) as f:
        data = json.load(f)
    cases = {}  # case -> allocator -> {"ns": ns per item, "cv": cv %, "error": msg}
    for b in data.get("benchmarks", []):
        m = NAME.match(b.get("run_name", b["name"]))
        if not m:
            continue
        case, alloc = m.group(1) + m.group(3), m.group(2).lower()
        entry = cases.setdefault(case, {}).setdefault(alloc, {})
        if b.get("error_occurred"):
            entry["error"] = b.get("error_message", "error")
        elif b.get("aggregate_name") == "median" and b.get("items_per_second"):
            entry["ns"] = 1e9 / b["items_per_second"]
        elif b.get("aggregate_name") == "cv":
            entry["cv"] = 100.0 * b["real_time"]  # the cv aggregate is a fraction
    ctx = data.get("context", {})
    reps = {b.get("repetitions") for b in data.get("benchmarks", [])} - {None}
    print(f"Microbenchmarks: median of {'/'.join(map(str, sorted(reps))) or '?'} repetitions, "
          f"wall-clock ns per item (malloc_free: one pair; bulk, cross_thread: one block)")
    build = ctx.get("tessera_build", "?")
    print(f"host: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
          f"load average {'/'.join(f'{x:.1f}' for x in ctx.get('load_avg', [])) or '?'} at "
          f"{ctx.get('date', '')}; tessera build: {build}")
    if build != "?" and (not build.startswith("Release,") or "TESSERA_DEBUG=ON" in build
                         or "sanitizer=none" not in build):
        print("WARNING: not a plain Release build of tessera: these timings do not represent it")
    header = ["case", *ALLOCATORS, "ts/mimalloc", "ts/glibc", "max cv%"]
    rows, r_mi, r_gl = [], [], []
    for case, by in cases.items():
        ns = {a: by.get(a, {}).get("ns") for a in ALLOCATORS}
        cell = lambda a: by[a]["error"][:20] if "error" in by.get(a, {}) else fmt(ns[a])
        rm, rg = ratio(ns["tessera"], ns["mimalloc"]), ratio(ns["tessera"], ns["glibc"])
        r_mi.append(rm)
        r_gl.append(rg)
        cvs = [by[a]["cv"] for a in ALLOCATORS if "cv" in by.get(a, {})]
        rows.append([case, *(cell(a) for a in ALLOCATORS), fmt(rm), fmt(rg),
                     f"{max(cvs):.1f}" if cvs else "-"])
    rows.append(["geometric mean", "", "", "", fmt(geomean(r_mi)), fmt(geomean(r_gl)), ""])
    table(header, rows)


def rss(path):
    with open(path) as f:
        probes = {p["allocator"]: p for p in map(json.loads, filter(str.strip, f))}
    if not probes:
        print("RSS probe: no results")
        return
    any_probe = next(iter(probes.values()))
    print(f"Resident memory for {any_probe['blocks']:,} live blocks of {any_probe['size']} bytes "
          f"({any_probe['payload_mib']:.0f} MiB payload), MiB of RSS growth, one process each")
    header = ["allocator", "live", "overhead", "after free", "after collect", "live ts/x"]
    ts = probes.get("tessera", {}).get("live_mib")
    rows = []
    for a in ALLOCATORS:
        p = probes.get(a)
        if p is None:
            rows.append([a, "-", "-", "-", "-", "-"])
            continue
        overhead = 100.0 * (p["live_mib"] - p["payload_mib"]) / p["payload_mib"]
        rows.append([a, f"{p['live_mib']:.1f}", f"{overhead:+.0f}%", f"{p['after_free_mib']:.1f}",
                     f"{p['after_collect_mib']:.1f}", fmt(ratio(ts, p["live_mib"]))])
    table(header, rows)


def inscount(path):
    with open(path) as f:
        recs = list(csv.DictReader(f, delimiter="\t"))
    per = {}  # (allocator, mode, size) -> instructions per pair
    sizes, modes = [], []
    for r in recs:
        size = int(r["size"])
        per[(r["allocator"], r["mode"], size)] = int(r["instructions"]) / int(r["pairs"])
        if size not in sizes:
            sizes.append(size)
        if r["mode"] not in modes:
            modes.append(r["mode"])
    if not recs:
        print("Instruction counts: no results")
        return
    print(f"Instructions per malloc+free pair (callgrind, {recs[0]['pairs']} pairs after warm-up; "
          f"loop included): tight = malloc+free repeated, window = 64 live blocks replaced at random")
    header = ["allocator"] + [f"{m} {s}" for m in modes for s in sizes]
    rows = []
    for a in ALLOCATORS:
        if not any(k[0] == a for k in per):
            continue
        rows.append([a] + [fmt(per.get((a, m, s)), 4) for m in modes for s in sizes])
    for other in ("mimalloc", "glibc"):
        if any(k[0] == other for k in per) and any(k[0] == "tessera" for k in per):
            rows.append([f"ts/{other}"] + [
                fmt(ratio(per.get(("tessera", m, s)), per.get((other, m, s))))
                for m in modes for s in sizes])
    table(header, rows)


def main(argv):
    kinds = {"micro": micro, "rss": rss, "inscount": inscount}
    if len(argv) != 3 or argv[1] not in kinds:
        sys.exit(__doc__)
    kinds[argv[1]](argv[2])


if __name__ == "__main__":
    main(sys.argv)
