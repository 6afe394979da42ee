#!/usr/bin/env python3
"""End-to-end test of the status page at `/`, in a real headless browser (Debian's chromium).

  1. `model-exporter generate` writes 50 minutes of history for five agents, ending two
     minutes ago; a live writer (call_log_writer.py) adds an agent whose name is HTML
     (`<b>x</b> & "co" <img src=x onerror=alert(1)>`) and one failing 30% of its requests
     (billing_agent, ERROR), and keeps writing while the test runs.
  2. `model-exporter serve` on 127.0.0.1 and a free port; wait until /health says caught up.
  3. `chromium --headless --dump-dom /` and check the rendered DOM: every agent once, by its
     exact name (so escaped: the HTML agent makes no element), both variants of each, the
     last hour's request count of every arm equal to the database's, figures in every cell,
     the state badge equal to /health/{agent}, inline SVG charts with lines drawn, links to
     the metrics, /health and each /health/{agent} that answer, the 10 s refresh, and no
     external resource.
  4. `chromium --headless --screenshot` to artifacts/status-page.png (1280×1600).

Ends with "status-page: N passed, M failed"; exit status 1 on any failure. Every process is
stopped at the end, also on failure or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))  # localproc
from alerts_e2e import Checks  # noqa: E402
from call_log_writer import Behaviour, CallLogWriter  # noqa: E402
from harness import BaseRun, run_to_the_end  # noqa: E402
from localproc import free_port, poll  # noqa: E402
from servers import http_get, http_get_json, which  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GENERATED_AGENTS = ["analyst_agent", "content_agent", "legal_agent", "qa_agent", "support_agent"]
HOSTILE_AGENT = '<b>x</b> & "co" <img src=x onerror=alert(1)>'
# A live agent in trouble: 30% of its requests fail with no fallback (ERROR on /health).
FAILING_AGENT = "billing_agent"
LIVE_AGENTS = [HOSTILE_AGENT, FAILING_AGENT]
VARIANTS = ["baseline", "finetuned"]


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class DOM(HTMLParser):
    """The serialised DOM as a tree; enough HTML for what chromium prints."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "col", "area", "base", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        header = f.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", header[16:24])


class Run(BaseRun):
    def __init__(self, args):
        super().__init__(args, Checks(), "e2e-status-page.")
        self.writer: CallLogWriter | None = None
        self.dom_text = ""

    def alive(self) -> None:
        self.servers.alive()

    def chromium(self, *argv: str) -> subprocess.CompletedProcess:
        # Its own profile directory: no state from, and no lock shared with, any other run.
        return subprocess.run(
            [self.args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", f"--user-data-dir={self.path('chromium-profile')}", *argv],
            capture_output=True, text=True, timeout=90, cwd=self.tmp)

    def start(self) -> None:
        log = self.path("calls.jsonl")
        now = time.time()
        seconds = self.args.minutes * 60
        # Timestamps are spaced at random (exponential), so the last line lands within about
        # ±sqrt(lines)/rate seconds of its expected time (±25 s here): ending two minutes before
        # now keeps every line in the past, and the hour's counts stable while the test runs.
        lines = int((seconds - 120) * self.args.rate)
        result = subprocess.run([
            self.args.binary, "generate", "--lines", str(lines), "--start", f"{now - seconds:.3f}",
            "--rate", str(self.args.rate), "--output", log], capture_output=True, text=True)
        self.checks.require(result.returncode == 0, f"model-exporter generate writes {lines} lines over the last "
                            f"{self.args.minutes} minutes", result.stderr)
        self.generated = lines
        self.writer = CallLogWriter(log, {HOSTILE_AGENT: 2.0, FAILING_AGENT: 4.0})
        self.writer.set_behaviour(FAILING_AGENT, Behaviour(error_share=0.30, error_type="server_error", rescued=False))
        self.writer.start()

        self.port = free_port()
        self.database = self.path("calls.sqlite")
        self.servers.start("model-exporter", [
            self.args.binary, "serve", "--calllog.path", log, "--storage.path", self.database,
            "--web.listen-address", f"127.0.0.1:{self.port}"])
        self.base = f"http://127.0.0.1:{self.port}"

        def caught_up():
            self.alive()
            health = http_get_json(f"{self.base}/health")
            done = health.get("catch_up_complete") and health.get("accepted_lines", 0) >= lines
            return done, f"catch_up_complete {health.get('catch_up_complete')}, accepted {health.get('accepted_lines')}"

        done, detail = poll(caught_up, timeout=60)
        self.checks.require(done, "model-exporter caught up with the log (polled /health)", str(detail))

    def render(self) -> DOM:
        # The live agents need a few seconds of traffic: both variants of each, and enough
        # failures for billing_agent to be ERROR on /health/{agent}.
        def live_traffic():
            self.alive()
            health = {a: http_get_json(f"{self.base}/health/{urllib.parse.quote(a, safe='')}") for a in LIVE_AGENTS}
            arms = self.arm_counts(time.time())
            both = all(arms.get((a, v), 0) >= 2 for a in LIVE_AGENTS for v in VARIANTS)
            return both and health[FAILING_AGENT]["state"] == "ERROR", {a: h["state"] for a, h in health.items()}

        done, detail = poll(live_traffic, timeout=30)
        self.checks.require(done, f"the live agents have calls on both variants; {FAILING_AGENT} is ERROR on /health/{{agent}}",
                            str(detail))

        # The page is cached for a few seconds: wait until it shows them too.
        def page_has_everyone():
            self.alive()
            status, body = http_get(f"{self.base}/")
            text = body.decode("utf-8", "replace")
            title = re.search(r"<title>([^<]*)</title>", text)
            return (status == 200 and "&lt;b&gt;x&lt;/b&gt;" in text and title is not None
                    and "ERROR" in title.group(1)), f"HTTP {status}"

        done, detail = poll(page_has_everyone, timeout=20)
        self.checks.require(done, "GET / answers 200 with the live agents on it", str(detail))
        self.before = {a: self.agent_state(a) for a in GENERATED_AGENTS + LIVE_AGENTS}
        began = time.time()
        result = self.chromium("--dump-dom", f"{self.base}/")
        self.checks.require(result.returncode == 0 and "</html>" in result.stdout,
                            f"chromium --headless --dump-dom renders the page ({time.time() - began:.1f}s)",
                            result.stderr[-2000:])
        self.after = {a: self.agent_state(a) for a in GENERATED_AGENTS + LIVE_AGENTS}
        self.dom_text = result.stdout
        with open(self.path("status-page.dom.html"), "w", encoding="utf-8") as f:
            f.write(result.stdout)
        return DOM(result.stdout)

    def agent_state(self, agent: str) -> str | None:
        status, body = http_get(f"{self.base}/health/{urllib.parse.quote(agent, safe='')}")
        if status != 200:
            return None
        return re.search(r'"state"\s*:\s*"([A-Z]+)"', body.decode()).group(1)

    def arm_counts(self, now: float) -> dict[tuple[str, str], int]:
        db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT agent, variant, count(*) FROM calls WHERE ts > ? AND ts <= ? GROUP BY 1, 2",
                              (now - 3600, now)).fetchall()
        finally:
            db.close()
        return {(a, v): n for a, v, n in rows}

    def check_dom(self, dom: DOM) -> None:
        c = self.checks
        root = dom.root
        heads = [m for m in root.iter("meta") if m.attrs.get("http-equiv") == "refresh"]
        c.expect(len(heads) == 1 and heads[0].attrs.get("content") == "10", "the page reloads itself every 10 s",
                 str([h.attrs for h in heads]))
        external = [(n.tag, n.attrs) for n in root.iter() if n.tag in ("script", "link", "img", "iframe", "object")
                    or (n.tag == "use" and "href" in n.attrs)]
        c.expect(not external, "no script, stylesheet, image or frame: nothing loaded from elsewhere", str(external[:5]))
        links = {a.attrs.get("href") for a in root.iter("a")}
        c.expect("/metrics" in links, "links to /metrics", str(sorted(links)))
        c.expect("/health" in links, "links to /health", str(sorted(links)))

        sections = [s for s in root.iter("section") if s.has_class("agent")]
        names = [next(s.iter("h2")).text() for s in sections]
        expected = sorted(GENERATED_AGENTS + LIVE_AGENTS)
        c.expect(names == expected, f"one card per agent, sorted by name ({len(expected)} agents)",
                 f"got {names}")
        c.expect(not list(root.iter("b")), "the HTML agent name is text, not markup (no <b> and no <img> made from it)",
                 self.dom_text[:0])

        # Both arms of every agent, with the last hour's requests as in the database.
        now = time.time()
        counts = self.arm_counts(now)
        for section, name in zip(sections, names):
            rows = {}
            for tr in section.iter("tr"):
                cells = [td.text().strip() for td in tr.iter("td")]
                if cells:
                    rows[cells[0]] = cells
            c.expect(sorted(rows) == VARIANTS, f"{name}: both variants listed", f"got {sorted(rows)}")
            figures_ok = all(
                re.fullmatch(r"[\d.]+", r[1]) and re.fullmatch(r"[\d.]+%|—", r[2]) and re.fullmatch(r"[\d.]+%|—", r[3])
                and re.fullmatch(r"[\d.]+%|—", r[4]) and re.fullmatch(r"[\d.]+ (ms|s)|—", r[5])
                and re.fullmatch(r"[\d.]+ (ms|s)|—", r[6]) and re.fullmatch(r"[\d.]+%|—", r[7])
                and re.fullmatch(r"\$[\d.]+", r[8]) and re.fullmatch(r"\d+", r[10]) and re.fullmatch(r"\$[\d.]+", r[11])
                and re.fullmatch(r"\d+ (s|min) ago", r[12])
                for r in rows.values() if len(r) == 13)
            c.expect(figures_ok and all(len(r) == 13 for r in rows.values()),
                     f"{name}: req/min, success, errors, fallbacks, P95, TTFT P95, cached input, cost/h, last hour's requests and cost, last call",
                     str(rows))
            if name in GENERATED_AGENTS:
                # The generated history does not change, so the hour's counts are exact.
                want = {v: counts.get((name, v), 0) for v in VARIANTS}
                got = {v: int(rows[v][10]) if v in rows and rows[v][10].isdigit() else None for v in VARIANTS}
                c.expect(got == want and all(want.values()),
                         f"{name}: last hour's requests per variant are the database's ({want['baseline']} + {want['finetuned']})",
                         f"page {got}, database {want}")
                # The first non-empty minutes of the history show as requests in the charts.
                recent = [r for r in rows.values() if r[1] not in ("0", "—")]
                c.expect(len(recent) == 2, f"{name}: both variants have requests in the last 5 minutes", str(rows))
            badge = [s.text() for s in section.iter("span") if s.has_class("badge")]
            states = {self.before.get(name), self.after.get(name)}
            c.expect(len(badge) == 1 and badge[0] in states and None not in states,
                     f"{name}: state {badge[0] if badge else '?'} is that of /health/{{agent}}",
                     f"badge {badge}, /health/{{agent}} before and after: {states}")
            if name == FAILING_AGENT:
                flagged = [td.text() for tr in section.iter("tr") for td in tr.iter("td") if td.has_class("bad")]
                reasons = "".join(s.text() for s in section.iter("span") if s.has_class("reasons"))
                c.expect(badge == ["ERROR"] and len(flagged) >= 2 and "first-attempt error rate" in reasons,
                         f"{name}: ERROR, with its reasons, and the success and error cells flagged ({', '.join(flagged)})",
                         f"badge {badge}, flagged {flagged}, reasons {reasons!r}")
            svgs = list(section.iter("svg"))
            lines = [p for svg in svgs for p in svg.iter("path") if p.has_class("line") and p.attrs.get("d", "").count("L") >= 1]
            if name in GENERATED_AGENTS:
                # 48 minutes of both variants: a line per variant in every chart (the error and
                # fallback charts have gaps only in minutes without requests), TTFT's included:
                # `generate` writes streamed calls with their first token.
                c.expect(len(svgs) == 6 and len(lines) == 2 * 6,
                         f"{name}: six inline SVG charts of the hour, a line per variant in each",
                         f"{len(svgs)} svg, {len(lines)} lines")
            else:
                # The live agent has seconds of history: a point (or a short line) per variant.
                marks = [m for svg in svgs[:1] for m in svg.iter() if m.tag in ("path", "circle")]
                c.expect(len(svgs) == 6 and len(marks) >= 2,
                         f"{name}: six inline SVG charts of the hour, its first minute marked",
                         f"{len(svgs)} svg, {len(marks)} marks in the request chart")
            health_links = [a.attrs["href"] for a in section.iter("a") if a.attrs.get("href", "").startswith("/health/")]
            ok = len(health_links) == 1
            if ok:
                status, body = http_get(self.base + health_links[0])
                ok = status == 200 and http_get_json(self.base + health_links[0]).get("agent") == name
            c.expect(ok, f"{name}: links to its /health/{{agent}}, which answers for it", str(health_links))
        summary = [s for s in root.iter("section") if s.has_class("summary")]
        title = next(root.iter("title")).text()
        errors = sum(1 for s in sections for b in s.iter("span") if b.has_class("badge") and b.text() == "ERROR")
        c.expect(errors >= 1 and title.startswith(f"{errors} ERROR"), f"the tab's title says how many agents are failing: {title!r}")
        attention = {a.text(): a.attrs.get("href") for s in summary for a in s.iter("a")}
        anchor = {f"#{s.attrs.get('id')}": next(s.iter("h2")).text() for s in sections}
        c.expect(FAILING_AGENT in attention and anchor.get(attention[FAILING_AGENT]) == FAILING_AGENT,
                 f"the summary lists {FAILING_AGENT} as needing attention, linking to its card", str(attention))
        c.expect(len(summary) == 1 and len(list(summary[0].iter("svg"))) == 2
                 and re.search(r"Requests / min\s*\d", summary[0].text()) is not None,
                 "gateway summary: request rate, success, P95, cost per hour, agent states and two charts",
                 summary[0].text()[:500] if summary else "absent")
        for link in ("/metrics", "/health"):
            status, _ = http_get(self.base + link)
            c.expect(status == 200, f"{link} answers 200")

    def screenshot(self) -> None:
        target = os.path.join(REPO, "artifacts", "status-page.png")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.exists(target):
            os.remove(target)
        result = self.chromium(f"--screenshot={target}", "--window-size=1280,1600", f"{self.base}/")
        ok = result.returncode == 0 and os.path.exists(target)
        size = png_size(target) if ok else None
        self.checks.expect(ok and size == (1280, 1600) and os.path.getsize(target) > 20_000,
                           f"screenshot {os.path.relpath(target, REPO)} ({size[0]}x{size[1]}, "
                           f"{os.path.getsize(target) // 1024} KiB)" if ok and size else "screenshot",
                           result.stderr[-2000:])
        print(f"screenshot: {target}", flush=True)

    def run(self) -> None:
        self.start()
        dom = self.render()
        self.check_dom(dom)
        self.screenshot()
        self.alive()
        self.checks.expect(self.writer.error is None, "the live writer kept writing", repr(self.writer.error))

    def stop(self) -> None:
        if self.writer is not None:
            self.writer.stop()
        self.servers.stop()

    def diagnostics(self) -> None:
        print("\n===== diagnostics (the run failed) =====")
        body = self.dom_text[self.dom_text.find("<body"):]
        print(f"\n--- DOM body (first 6000 characters) ---\n{body[:6000]}")
        self.servers.print_logs()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "model-exporter"))
    parser.add_argument("--chromium", default=which("chromium") or "chromium")
    parser.add_argument("--minutes", type=float, default=50, help="minutes of generated history, ending now")
    parser.add_argument("--rate", type=float, default=5, help="generated requests per second")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    return run_to_the_end("status-page", lambda: Run(args), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
