#!/usr/bin/env python3
"""run.py — the benchmark suite: every workload under tessera, glibc and each peer allocator
installed from Debian, by LD_PRELOAD, several repetitions each; medians of wall time, CPU time
and peak RSS (from wait4's rusage of the child); results.json, tables and charts.

  run.py [--workloads a,b] [--allocators a,b] [--reps N] [--threads 1,2] [--quick]
         [--size F] [--tessera LIB] [--tessera-secure LIB] [--tessera-secure-nopadding LIB]
         [--bin-dir DIR]
         [--out results.json] [--no-charts]
  run.py --compare BEFORE.json AFTER.json
  run.py --render RESULTS.json        (tables again, charts beside the file)

Workload programs come from --bin-dir (bench/workloads in a build tree); real programs run
through bench/real_program.sh. Multi-threaded workloads run at each --threads count and appear
as <workload>-t<N>. The repetitions alternate the allocators (a different order each time), so
drift on the machine hits all of them alike. The allocators tessera-secure and
tessera-secure-nopadding (not in the default list) are the secure build's libraries, with and
without its header and canary (--tessera-secure, --tessera-secure-nopadding), so that
`--allocators tessera,tessera-secure,tessera-secure-nopadding` measures what each costs over
the release build in one run. Any failed run (non-zero exit, a wrong result, or output
differing between allocators) makes the exit status 1.
"""
import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> (Debian package, file name prefix of the library that replaces malloc)
PEERS = {
    "mimalloc": ("libmimalloc2.0", "libmimalloc.so.2"),
    "jemalloc": ("libjemalloc2", "libjemalloc.so.2"),
    "tcmalloc": ("libtcmalloc-minimal4", "libtcmalloc_minimal.so.4"),
    "tbbmalloc": ("libtbbmalloc2", "libtbbmalloc_proxy.so.2"),
}
ALLOCATORS = ["tessera", "glibc"] + list(PEERS)
# Chosen by name only (--allocators): tessera's own checked builds, name -> the option that
# gives their library.
VARIANTS = {"tessera-secure": "tessera_secure",
            "tessera-secure-nopadding": "tessera_secure_nopadding"}
KNOWN = ALLOCATORS + list(VARIANTS)

# Workload programs: name -> multi-threaded? Real programs are timed as a whole.
PROGRAMS = {
    "larson": True, "cache-scratch": True, "cache-thrash": True, "xmalloc": True,
    "shbench": True, "alloc-test": True, "glibc-simple": False, "glibc-thread": True,
    "malloc-large": False, "fragmentation": False, "thread-churn": True,
}
REAL = ["python3", "sqlite3", "redis", "g++"]
FAIL_PATTERN = re.compile(rb"tessera: (error|warning)")


def die(msg):
    print(f"run.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def dpkg_version(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}|${Version}", package],
                       capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.startswith("install ok installed"):
        return None
    return r.stdout.split("|", 1)[1]


def peer_library(package, prefix):
    """The installed package's library (dpkg -L), else the dynamic linker's cache (ldconfig -p)."""
    r = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
    for path in r.stdout.splitlines():
        if os.path.basename(path).startswith(prefix) and os.path.exists(path):
            return path
    r = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.strip().startswith(prefix) and "=>" in line:
            return line.split("=>", 1)[1].strip()
    return None


def resolve_allocators(names, args):
    """name -> {"preload": path or None, "version": str}; prints a note for each skipped peer."""
    found = {}
    for name in names:
        if name == "tessera" or name in VARIANTS:
            lib = getattr(args, VARIANTS.get(name, "tessera"))
            if not os.path.exists(lib):
                option = "--" + VARIANTS.get(name, "tessera").replace("_", "-")
                die(f"no {name} library at {lib} (build it, or pass {option})")
            found[name] = {"preload": os.path.abspath(lib), "version": tessera_version()}
        elif name == "glibc":
            found[name] = {"preload": None, "version": dpkg_version("libc6") or platform.libc_ver()[1]}
        else:
            package, prefix = PEERS[name]
            version = dpkg_version(package)
            lib = peer_library(package, prefix) if version else None
            if lib is None:
                print(f"note: skipping {name}: Debian package {package} is not installed "
                      f"(scripts/deps.sh bench installs it)")
                continue
            found[name] = {"preload": lib, "version": f"{package} {version}"}
    return found


def tessera_version():
    r = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
    except OSError:
        mem_kib = 0
    os_name = platform.platform()
    try:
        with open("/etc/debian_version") as f:
            os_name = f"Debian {f.read().strip()}, kernel {platform.release()}"
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "os": os_name, "loadavg_start": os.getloadavg()[0],
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


class Variant:
    """One benchmark entry: a workload at a thread count, or a real program."""

    def __init__(self, workload, threads, real):
        self.workload, self.threads, self.real = workload, threads, real
        threaded = not real and PROGRAMS[workload]
        self.name = f"{workload}-t{threads}" if threaded else workload

    def command(self, args, workdir):
        if self.real:
            return ["bash", os.path.join(HERE, "real_program.sh"), self.workload, workdir]
        exe = os.path.join(args.bin_dir, "bench_" + self.workload.replace("-", "_"))
        cmd = [exe, "--threads", str(self.threads), "--size", str(args.size)]
        return cmd + (["--quick"] if args.quick else [])


def run_once(args, cmd, preload, timeout):
    """Runs cmd through bench_launch in its own process group; returns wall and CPU time, peak
    RSS (wait4's rusage of the child), status and output."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    launcher = os.path.join(args.bin_dir, "bench_launch")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as result:
        argv = [launcher, result.name, preload or "-"] + cmd
        pid = os.posix_spawn(launcher, argv, env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)],
                             setsid=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(pid, 9)
            except ProcessLookupError:
                pass
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, _ = os.wait4(pid, 0)
        timer.cancel()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        fields = result.read().split()
    if timed_out.is_set() or os.waitstatus_to_exitcode(status) != 0 or len(fields) != 4:
        problem = f"timed out after {timeout} s" if timed_out.is_set() else "bench_launch failed"
        return {"time_s": 0.0, "cpu_s": 0.0, "rss_kib": 0, "problem": problem,
                "stdout": "", "stderr": stderr.decode(errors="replace")}
    code, wall, cpu, rss = int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    problem = None
    if code == 77:
        problem = "skipped"
    elif code != 0:
        problem = f"exit status {code}"
    elif FAIL_PATTERN.search(stderr):
        problem = "tessera reported an error"
    return {"time_s": round(wall, 4), "cpu_s": round(cpu, 4), "rss_kib": rss, "problem": problem,
            "stdout": stdout.decode(errors="replace"), "stderr": stderr.decode(errors="replace")}


def median_entry(runs):
    ok = [r for r in runs if r.get("problem") is None]
    if not ok:
        return None
    return {"time_s": statistics.median(r["time_s"] for r in ok),
            "cpu_s": statistics.median(r["cpu_s"] for r in ok),
            "rss_kib": statistics.median(r["rss_kib"] for r in ok)}


def result_line(stdout):
    """The workload's JSON result line (the last line that parses), or None."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def run_suite(args, variants, allocators):
    total = len(variants) * args.reps * len(allocators)
    names = list(allocators)
    results = {v.name: {a: {"runs": []} for a in names} for v in variants}
    outputs = {}  # variant -> the first output seen, which every other run must repeat
    failures = []
    done = 0
    workroot = tempfile.mkdtemp(prefix="tessera-bench-")
    try:
        for v in variants:
            for rep in range(args.reps):
                # A different starting allocator at each repetition.
                order = names[rep % len(names):] + names[:rep % len(names)]
                for a in order:
                    done += 1
                    cmd = v.command(args, os.path.join(workroot, v.name))
                    r = run_once(args, cmd, allocators[a]["preload"], args.timeout)
                    if r["problem"] is None and not v.real:
                        if result_line(r["stdout"]) is None:
                            r["problem"] = "no result line"
                    if r["problem"] is None:
                        first = outputs.setdefault(v.name, (a, r["stdout"]))
                        if first[1] != r["stdout"]:
                            r["problem"] = f"output differs from the run under {first[0]}"
                    status = "ok" if r["problem"] is None else r["problem"]
                    print(f"[{done:3}/{total}] {v.name:<18} {a:<10} rep {rep + 1}/{args.reps}"
                          f"  {r['time_s']:8.3f} s  {r['rss_kib'] / 1024:8.1f} MiB  {status}",
                          flush=True)
                    if r["problem"] == "skipped":
                        continue
                    if r["problem"] is not None:
                        failures.append(f"{v.name} under {a}: {r['problem']}\n{r['stderr'][-2000:]}")
                    entry = {k: r[k] for k in ("time_s", "cpu_s", "rss_kib", "problem")}
                    line = result_line(r["stdout"]) if not v.real else None
                    if line is not None:
                        entry["result"] = line
                    results[v.name][a]["runs"].append(entry)
    finally:
        shutil.rmtree(workroot, ignore_errors=True)
    for v in variants:
        for a in names:
            slot = results[v.name][a]
            m = median_entry(slot["runs"])
            if m is not None:
                slot.update(m)
                live = [r["result"].get("live_peak_bytes") for r in slot["runs"] if "result" in r]
                if live and live[0]:
                    slot["rss_per_live_byte"] = round(m["rss_kib"] * 1024 / live[0], 3)
        results[v.name] = {a: s for a, s in results[v.name].items() if s["runs"]}
    return results, failures


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def thread_groups(data):
    """Thread count -> workload names: a single-threaded workload counts at 1 thread."""
    groups = {}
    for name, meta in data["variants"].items():
        groups.setdefault(meta["threads"], []).append(name)
    return groups


def ratios(data, metric, other, names):
    """other / tessera for a metric, over the workloads in names where both have a median (an
    allocator whose every run failed has none)."""
    out = []
    for name in names:
        by_alloc = data["workloads"].get(name, {})
        t, o = by_alloc.get("tessera", {}).get(metric), by_alloc.get(other, {}).get(metric)
        if t and o:
            out.append(o / t)
    return out


def print_tables(data, file=sys.stdout):
    allocs = [a for a in KNOWN if a in data["allocators"]]
    p = lambda *s: print(*s, file=file)
    w = max([11] + [len(a) + 1 for a in allocs])  # column width
    p("Each allocator as a ratio to tessera (above 1: tessera is faster / leaner); "
      "tessera in absolute figures.")
    for metric, unit, scale in (("time_s", "s", 1), ("rss_kib", "MiB", 1 / 1024)):
        p()
        p(f"{'workload (' + metric + ')':<24}" + "".join(f"{a:>{w}}" for a in allocs))
        for name, by_alloc in data["workloads"].items():
            t = by_alloc.get("tessera", {}).get(metric)
            cells = []
            for a in allocs:
                v = by_alloc.get(a, {}).get(metric)
                if v is None:
                    cells.append(f"{'-':>{w}}")
                elif a == "tessera":
                    cells.append(f"{v * scale:>{w - 4}.3g} {unit:<3}")
                else:
                    cells.append(f"{v / t:>{w}.2f}" if t else f"{'?':>{w}}")
            p(f"{name:<24}" + "".join(cells))
        for threads, names in sorted(thread_groups(data).items()):
            cells = []
            for a in allocs:
                if a == "tessera":
                    cells.append(f"{'1':>{w}}")
                    continue
                rs = ratios(data, metric, a, names)
                cells.append(f"{geomean(rs):>{w}.2f}" if rs else f"{'-':>{w}}")
            p(f"{'geomean, ' + str(threads) + ' thread(s)':<24}" + "".join(cells))
        groups = [("geomean, all", list(data["workloads"]))]
        for label, names in groups:
            cells = []
            for a in allocs:
                rs = ratios(data, metric, a, names)
                cells.append(f"{geomean(rs):>{w}.3f}" if rs else f"{'-':>{w}}")
            p(f"{label:<24}" + "".join(cells))
    frag = {n: w for n, w in data["workloads"].items() if any("rss_per_live_byte" in s for s in w.values())}
    for name, by_alloc in frag.items():
        p()
        p(f"{name}: peak RSS / live bytes: " + ", ".join(
            f"{a} {by_alloc[a]['rss_per_live_byte']:.2f}" for a in allocs if "rss_per_live_byte" in by_alloc.get(a, {})))


def render_charts(data, stem):
    """stem.png and stem.svg (beside the results file): time and peak RSS per workload, one bar per allocator, normalised
    to tessera (lower is better)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("note: no charts: matplotlib is not installed (Debian: python3-matplotlib)")
        return
    allocs = [a for a in KNOWN if a in data["allocators"]]
    names = list(data["workloads"])
    colours = {"tessera": "#d62728", "glibc": "#7f7f7f", "mimalloc": "#1f77b4",
               "jemalloc": "#2ca02c", "tcmalloc": "#ff7f0e", "tbbmalloc": "#9467bd", "tessera-secure": "#8c564b",
               "tessera-secure-nopadding": "#e377c2"}
    fig, axes = plt.subplots(2, 1, figsize=(max(12, 0.75 * len(names)), 9), sharex=True)
    width = 0.8 / len(allocs)
    for ax, (metric, title) in zip(axes, (("time_s", "time"), ("rss_kib", "peak RSS"))):
        for i, a in enumerate(allocs):
            ys = []
            for n in names:
                t, v = data["workloads"][n].get("tessera", {}).get(metric), data["workloads"][n].get(a, {}).get(metric)
                ys.append(v / t if t and v else 0)
            xs = [k + (i - (len(allocs) - 1) / 2) * width for k in range(len(names))]
            ax.bar(xs, [min(y, 4) for y in ys], width, label=a, color=colours.get(a))
            for x, y in zip(xs, ys):
                if y > 4:  # clipped: write the real ratio on the bar
                    ax.text(x, 4, f"{y:.0f}×", ha="center", va="bottom", fontsize=7, rotation=90)
        ax.axhline(1, color="black", linewidth=0.8)
        ax.set_ylim(0, 4.6)
        ax.set_ylabel(f"{title} relative to tessera")
        ax.set_title(f"{title} (lower is better; tessera = 1; bars clipped at 4×)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncol=len(allocs), loc="upper left", fontsize=9)
    axes[1].set_xticks(range(len(names)))
    axes[1].set_xticklabels(names, rotation=45, ha="right")
    m = data["machine"]
    fig.suptitle(f"tessera {data['allocators']['tessera']['version'] if 'tessera' in data['allocators'] else ''}"
                 f" — {m['cpus']} CPUs, {m['cpu']}, {m['os']}", fontsize=10)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{stem}.{ext}", dpi=110)
    print(f"charts: {stem}.png, {stem}.svg")


def compare(before_path, after_path):
    """Per workload and allocator: after / before for time and RSS, with geometric means."""
    with open(before_path) as f:
        before = json.load(f)
    with open(after_path) as f:
        after = json.load(f)
    print(f"after / before (below 1: the after run is faster / leaner)\n")
    print(f"{'workload':<24}{'allocator':<11}{'time':>8}{'rss':>8}")
    per_alloc = {}
    for name, by_alloc in after["workloads"].items():
        for a, s in by_alloc.items():
            b = before.get("workloads", {}).get(name, {}).get(a)
            if not b or not b.get("time_s") or not s.get("time_s"):
                continue
            t, r = s["time_s"] / b["time_s"], s["rss_kib"] / b["rss_kib"]
            per_alloc.setdefault(a, []).append((t, r))
            print(f"{name:<24}{a:<11}{t:>8.2f}{r:>8.2f}")
    print()
    for a, pairs in per_alloc.items():
        print(f"{'geomean':<24}{a:<11}{geomean([t for t, _ in pairs]):>8.2f}"
              f"{geomean([r for _, r in pairs]):>8.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", help="comma-separated; default every workload program and real program "
                    "(in --quick mode, the programs only: real programs have no quick mode)")
    ap.add_argument("--allocators", default=",".join(ALLOCATORS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="thread counts for the multi-threaded workloads")
    ap.add_argument("--quick", action="store_true", help="each workload's quick mode (a smoke test)")
    ap.add_argument("--size", type=float, default=1.0, help="factor on each workload's amount of work")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a run is killed")
    ap.add_argument("--tessera", default=os.path.join(ROOT, "build/release/libtessera.so"))
    ap.add_argument("--tessera-secure", default=os.path.join(ROOT, "build/release-secure/libtessera-secure.so"),
                    help="the secure build's library, for the allocator tessera-secure")
    ap.add_argument("--tessera-secure-nopadding",
                    default=os.path.join(ROOT, "build/release-secure-nopadding/libtessera-secure-nopadding.so"),
                    help="the secure build's library without padding, for tessera-secure-nopadding")
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "build/release/bench/workloads"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build/release/bench-results/results.json"))
    ap.add_argument("--no-charts", action="store_true")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--render", metavar="RESULTS")
    args = ap.parse_args()
    if args.compare:
        compare(*args.compare)
        return 0
    if args.render:
        with open(args.render) as f:
            data = json.load(f)
        print_tables(data)
        render_charts(data, os.path.splitext(os.path.abspath(args.render))[0])
        return 0
    if args.reps < 1:
        die("--reps must be at least 1")
    if not args.size > 0:
        die("--size must be > 0")
    try:
        thread_counts = sorted({int(t) for t in args.threads.split(",")})
    except ValueError:
        die(f"--threads must be a comma-separated list of numbers, not '{args.threads}'")
    if not thread_counts or min(thread_counts) < 1:
        die("--threads must be at least 1")
    alloc_names = [a for a in args.allocators.split(",") if a]
    for a in alloc_names:
        if a not in KNOWN:
            die(f"unknown allocator '{a}' (known: {', '.join(KNOWN)})")
    workloads = args.workloads.split(",") if args.workloads else \
        list(PROGRAMS) + ([] if args.quick else REAL)
    variants = []
    for w in workloads:
        if w in PROGRAMS:
            for n in (thread_counts if PROGRAMS[w] else [1]):
                variants.append(Variant(w, n, False))
        elif w in REAL:
            variants.append(Variant(w, 1, True))
        else:
            die(f"unknown workload '{w}' (known: {', '.join(list(PROGRAMS) + REAL)})")
    if not os.path.exists(os.path.join(args.bin_dir, "bench_launch")):
        die(f"no workload programs in {args.bin_dir} (build bench/workloads, or pass --bin-dir)")

    allocators = resolve_allocators(alloc_names, args)
    machine = machine_info()
    print(f"machine: {machine['cpus']} x {machine['cpu']}, {machine['os']}, "
          f"load average {machine['loadavg_start']:.2f}")
    for a, info in allocators.items():
        print(f"  {a:<10} {info['version']:<40} {info['preload'] or '(no preload)'}")
    started = time.time()
    workload_results, failures = run_suite(args, variants, allocators)
    machine["loadavg_end"] = os.getloadavg()[0]
    machine["duration_s"] = round(time.time() - started)
    data = {"machine": machine,
            "settings": {"reps": args.reps, "threads": thread_counts, "quick": args.quick,
                         "size": args.size},
            "allocators": allocators,
            "variants": {v.name: {"workload": v.workload, "threads": v.threads,
                                  "kind": "real program" if v.real else "workload program"}
                         for v in variants},
            "workloads": workload_results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"\nresults: {args.out} ({machine['duration_s']} s)\n")
    print_tables(data)
    if not args.no_charts:
        render_charts(data, os.path.splitext(os.path.abspath(args.out))[0])
    if failures:
        print(f"\n{len(failures)} run(s) FAILED:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
