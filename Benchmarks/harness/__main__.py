"""Runs the suite and prints its table; writes the figures and run details as JSON.

    python3 -m harness [--quick] [--only NAME[,NAME...]] [--runs N] [--output FILE]
                       [--workdir DIR] [--keep] [--bin-dir DIR]

NAMES: ingest, ceiling, parts, mtail, formats, ship, memory, freshness, scrape, restart, profile,
and soak (an hour by default, so only when named in --only; see docs/performance.md). scripts/bench
builds the binaries and calls this.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

from . import formats, freshness, machine, memory, peer, profile, restart, scrape, ship, soak, throughput
from .context import Context, Sizes
from .processes import BenchError
from .report import Row, table, write_json

NAMES = ["ingest", "ceiling", "parts", "mtail", "formats", "ship", "memory", "freshness", "scrape", "restart", "profile", "soak"]


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 100k lines, 1 run, no 10M-line items, short freshness and scrape")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(NAMES))
    parser.add_argument("--runs", type=int, help="repeats of ingest/ceiling/parts/mtail and restart (default 3, quick 1)")
    parser.add_argument("--lines", type=int, help="lines of the ingest log (default 1,000,000)")
    parser.add_argument("--big-lines", type=int, help="lines of the memory/restart log (default 10,000,000)")
    parser.add_argument("--output", help="JSON file (default bench-results/results-<date>.json)")
    parser.add_argument("--workdir", help="where to make the scratch directory for logs and databases (default $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--duration", type=float, help="soak: seconds of writing (default 3600)")
    parser.add_argument("--soak-rate", type=int, help="soak: lines/s written (default 2000)")
    parser.add_argument("--soak-rotate", type=float, help="soak: seconds between rename rotations (default 300; 0: none)")
    parser.add_argument("--soak-retention", help="soak: serve's --storage.retention (default 10m)")
    parser.add_argument("--soak-interval", type=float, help="soak: seconds between samples (default 30)")
    parser.add_argument("--bin-dir", required=True, help="directory holding model-exporter and model-exporter-bench")
    args = parser.parse_args(argv)
    if args.only:
        unknown = set(args.only.split(",")) - set(NAMES)
        if unknown:
            parser.error(f"unknown --only name(s): {', '.join(sorted(unknown))}; choose from {', '.join(NAMES)}")
    return args


def main(argv: list[str]) -> int:
    args = parse_arguments(argv)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.runs:
        sizes.runs = args.runs
    if args.lines:
        sizes.lines = args.lines
    if args.big_lines is not None:
        sizes.big_lines = args.big_lines
    for option, attribute in [("duration", "soak_seconds"), ("soak_rate", "soak_rate"), ("soak_rotate", "soak_rotate"),
                              ("soak_retention", "soak_retention"), ("soak_interval", "soak_interval")]:
        if getattr(args, option) is not None:
            setattr(sizes, attribute, getattr(args, option))
    # The soak takes an hour: only when asked for by name.
    wanted = set(args.only.split(",")) if args.only else set(NAMES) - {"soak"} - ({"memory", "profile"} if args.quick else set())
    if not sizes.big_lines:
        wanted.discard("memory")

    host = machine.describe(repo)
    started = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    output = args.output or os.path.join(repo, "bench-results", f"results-{stamp}.json")
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    # Always a new directory (inside --workdir when given): it is deleted at the end.
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="model-exporter-bench.", dir=args.workdir)
    # Copies of the binaries: another build in the shared .build must not swap them mid-run.
    bindir = os.path.join(workdir, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name in ("model-exporter", "model-exporter-bench"):
        shutil.copy2(os.path.join(args.bin_dir, name), os.path.join(bindir, name))
    ctx = Context(repo=repo, workdir=workdir, exporter=os.path.join(bindir, "model-exporter"),
                  bench=os.path.join(bindir, "model-exporter-bench"), sizes=sizes, quick=args.quick,
                  profile_serve="profile" in wanted)
    ctx.say(f"workdir {workdir}; {host['nproc']} CPUs, load {host['load_average_start']}; {ctx.disk_free_gib():.0f} GiB free")

    rows: list[Row] = []
    failures: list[str] = []
    loads: dict[str, list[float]] = {}

    def measure(name: str, function) -> None:
        loads[name] = machine.load_average()
        try:
            rows.extend(function())
        except (BenchError, OSError, ValueError, KeyError) as error:
            failures.append(f"{name}: {error}")
            ctx.say(f"{name} FAILED: {error}")
            traceback.print_exc(file=sys.stderr)

    try:
        # The mtail peer runs inside items 1-3's loop when they run (its ratio to ingest is then
        # of the same run), on its own otherwise.
        peer_inside = "mtail" in wanted and bool(wanted & {"ingest", "ceiling", "parts"}) and peer.available()
        if wanted & {"ingest", "ceiling", "parts"}:
            also = {"mtail": peer.measure} if peer_inside else None
            measure("throughput", lambda: throughput.run(ctx, ingest="ingest" in wanted, ceiling="ceiling" in wanted,
                                                         parts="parts" in wanted, also=also))
        if "mtail" in wanted:
            if peer_inside:
                # Only the runs that completed: a failed throughput item already said why.
                runs = [r for r in ctx.raw.get("throughput", []) if "mtail" in r]
                if runs:
                    measure("mtail", lambda: peer.run(ctx, runs))
            else:
                measure("mtail", lambda: peer.run(ctx))
        if "formats" in wanted:
            measure("formats", lambda: formats.run(ctx))
        if "ship" in wanted:
            measure("ship", lambda: ship.run(ctx))
        if "profile" in wanted:
            measure("profile", lambda: profile.run(ctx))
        if "memory" in wanted:
            measure("memory", lambda: memory.run(ctx))
        if "freshness" in wanted:
            measure("freshness", lambda: freshness.run(ctx))
        if "scrape" in wanted:
            measure("scrape", lambda: scrape.run(ctx))
        if "restart" in wanted:
            measure("restart", lambda: restart.run(ctx))
        if "soak" in wanted:
            measure("soak", lambda: soak.run(ctx))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    host["load_average_end"] = machine.load_average()
    # Numbered items in numeric order (10 after 9), then the rest; "+" last.
    rows.sort(key=lambda row: (row.section == "+", not row.section.isdigit(),
                               int(row.section) if row.section.isdigit() else 0, row.section))
    header = (f"model-exporter benchmarks, {time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}"
              f"{' (quick smoke run: not for comparison)' if args.quick else ''}\n"
              f"{host['nproc']} × {host['cpu_model']}, {host['memory_gib']} GiB, Linux {host['kernel']}, "
              f"{host['os']}\nload average {host['load_average_start']} at start, {host['load_average_end']} at end; "
              f"git {host['git_commit']} ({host['git_dirty_files']} modified files); SQLite {(host['sqlite'] or '?').split()[0]}")
    text = table(rows, header)
    print(text)
    for failure in failures:
        print(f"FAILED {failure}")
    document = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_seconds": time.time() - started,
        "quick": args.quick,
        "machine": host,
        "sizes": vars(sizes),
        "load_average_per_measure": loads,
        "results": [row.to_json() for row in rows],
        "failures": failures,
        "details": ctx.raw,
        "table": text,
    }
    write_json(output, document)
    print(f"\nresults: {output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
