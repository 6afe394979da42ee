"""Where the time goes, from `perf record -g` (frame pointers; cpu-clock where the VM has no
PMU). Each sample goes to one part:

- `kernel`: the sample's leaf is in the kernel (syscalls, page faults, copies to sockets);
- otherwise the first frame from the leaf up that belongs to a part (`sqlite3`, `parser`,
  `store`, ...), so malloc, memcpy and retain/release count for the code that called them;
- `other`: no frame belongs to a part (usually a chain broken in libc, which has no frame
  pointers).

`ingest` (the end-to-end ingest of the 1M-line log) is one of the suite's items; the scrape
item calls `record_pid` on `serve` during an extra wrk window when profiling is asked for."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter, defaultdict

from . import processes
from .context import Context
from .report import Row

# Symbols may be Swift-mangled; their identifiers appear verbatim either way. First match wins.
PARTS = [
    ("sqlite3", lambda sym, dso: "libsqlite3" in dso),
    ("parser", lambda sym, dso: re.search(r"CallLogParser|UTF8Check|StringInterner|RFC3339Timestamp|FieldValues|NumberToken", sym)),
    ("store (CallStore binding)", lambda sym, dso: re.search(r"CallStore|SQLiteStatement|SQLiteConnection|RowText", sym)),
    ("aggregator", lambda sym, dso: re.search(r"CallAggregator|SeriesTotals|SeriesKey|LatencyBuckets|Exemplar", sym)),
    ("tailer (read, split lines)", lambda sym, dso: re.search(r"CallLogTailer|TailedFile|CallLogSet|BatchReader", sym)),
    ("exposition rendering", lambda sym, dso: re.search(r"ExpositionWriter|MetricsBoard|PrometheusNumber|MetricsEndpoint", sym)),
    ("gzip", lambda sym, dso: "libz" in dso or "CompressNIO" in sym),
    ("ingest glue", lambda sym, dso: re.search(r"CallIngestor|ParsedBatch|IngestCommand|IngestService|MetricsSnapshot", sym)),
    ("HTTP server (NIO, Hummingbird)", lambda sym, dso: re.search(r"NIO|Hummingbird|HTTPTypes", sym)),
    ("startup", lambda sym, dso: "ld-linux" in dso or sym.startswith("_dl_")),
]

_HEADER = re.compile(r"^(.*?)\s+(\d+)\s+[\d.]+:")
_FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)$")


def library(dso: str) -> str:
    if dso.startswith("[kernel") or dso == "[vdso]":
        return "kernel"
    return re.sub(r"\.so.*$", "", dso.rsplit("/", 1)[-1])


def classify(frames: list[tuple[str, str]]) -> str:
    if not frames:
        return "other"
    if library(frames[0][1]) == "kernel":
        return "kernel"
    for sym, dso in frames:
        for name, test in PARTS:
            if test(sym, dso):
                return name
    return "other"


def samples(script: str):
    """(thread, frames) per sample of `perf script` output; frames are (symbol, dso), leaf first."""
    thread, frames = None, []
    for line in script.splitlines():
        if not line.strip():
            if thread is not None:
                yield thread, frames
            thread, frames = None, []
        elif not line.startswith(("\t", " ")):
            header = _HEADER.match(line)
            thread, frames = (f"{header.group(1).strip()}/{header.group(2)}" if header else line.split()[0]), []
        else:
            match = _FRAME.match(line)
            if match:
                frames.append((match.group(1), match.group(2)))
    if thread is not None:
        yield thread, frames


def analyze(data: str) -> dict:
    script = subprocess.run(["perf", "script", "-i", data], capture_output=True, text=True).stdout
    parts, libraries, symbols, threads = Counter(), Counter(), Counter(), Counter()
    by_thread: dict[str, Counter] = defaultdict(Counter)
    total = 0
    for thread, frames in samples(script):
        total += 1
        part = classify(frames)
        parts[part] += 1
        threads[thread] += 1
        by_thread[thread][part] += 1
        if frames:
            libraries[library(frames[0][1])] += 1
            symbols[f"{frames[0][0]} ({library(frames[0][1])})"] += 1
    if total == 0:
        raise processes.BenchError(f"perf recorded no samples in {data}")
    share = lambda counter, n=None: {k: round(100 * v / total, 2) for k, v in counter.most_common(n)}
    return {
        "samples": total, "parts": share(parts), "self_time_by_library": share(libraries),
        "threads": {thread: {"share": round(100 * count / total, 2), "parts": share(by_thread[thread], 6)}
                    for thread, count in threads.most_common(6)},
        "top_symbols": share(symbols, 30),
    }


def rows(profile: dict, prefix: str) -> list[Row]:
    result = [Row("+", f"{prefix}: {name}", "%", [value]) for name, value in profile["parts"].items() if value >= 0.5]
    result.append(Row("+", f"{prefix}: self time by library", "%", [], text="(notes)", note=", ".join(
        f"{name} {value:.0f}%" for name, value in list(profile["self_time_by_library"].items())[:6])))
    threads = [f"{thread_name(name)} {t['share']:.0f}% (" + ", ".join(f"{p} {v:.0f}" for p, v in list(t["parts"].items())[:2]) + ")"
               for name, t in list(profile["threads"].items())[:4] if t["share"] >= 5]
    result.append(Row("+", f"{prefix}: by thread", "%", [], text="(notes)", note="; ".join(threads)))
    return result


def thread_name(name: str) -> str:
    """perf keeps 15 characters of a thread's name: Dispatch's worker threads
    (com.apple.root.default-qos) show as 'oot.default-qos'."""
    comm, _, tid = name.rpartition("/")
    if comm.endswith("default-qos") or comm.endswith("qos.overcommit"):
        comm = "dispatch worker"
    return f"{comm} {tid}"


def record_pid(ctx: Context, pid: int, seconds: float, name: str) -> dict:
    data = ctx.path(f"perf-{name}.data")
    subprocess.run(["perf", "record", "-q", "-F", "999", "-g", "-p", str(pid), "-o", data, "--", "sleep", str(seconds)],
                   check=True, capture_output=True)
    return analyze(data)


def available() -> bool:
    return shutil.which("perf") is not None


def run(ctx: Context) -> list[Row]:
    if not available():
        ctx.say("profile: perf not installed; skipped")
        return []
    data = ctx.path("perf-ingest.data")
    ctx.say("profile: perf record -g of one ingest")
    result = processes.run_ingest(ctx.exporter, ctx.log(), ctx.path("perf.sqlite"),
                                  wrapper=["perf", "record", "-q", "-F", "2000", "-g", "-o", data, "--"])
    processes.remove_database(ctx.path("perf.sqlite"))
    profile = analyze(data)
    profile["lines_per_second_under_perf"] = result["lines_per_second"]
    ctx.raw["profile_ingest"] = profile
    return rows(profile, "perf ingest")
