#!/usr/bin/env python3
"""End-to-end alert test: model-exporter, a real Prometheus with the shipped rules (time-scaled)
and a real Alertmanager with the shipped routing, driven by a simulated gateway.

Proves what the promtool unit tests cannot: that the rules' metric names and labels are the
ones the exporter really exports, and that each incident fires exactly its alerts, for the
right agent, routed to the right receiver, with the shipped inhibitions.

  1. Scale the shipped rules and Alertmanager config by --factor (rule_scaling.py) and check
     them with promtool and amtool.
  2. Generate a call-log history with `model-exporter generate`, start a writer appending
     healthy traffic for seven agents with current timestamps, start the exporter,
     Alertmanager (receivers swapped for a local webhook) and Prometheus (1s scrape and
     evaluation), all on 127.0.0.1 and free ports, in a temporary directory.
  3. Warm-up: every recorded series exists for every agent, and no alert is pending or firing.
  4. Start all incidents at once (INCIDENTS below) and poll until every expected alert fires;
     any other alert firing at any time fails the test.
  5. Alertmanager has exactly the expected alerts, inhibited ones marked suppressed, each
     routed to the receiver its severity calls for; the webhook got exactly the notifications
     that should go out, on the right receiver.

Ends with "e2e-alerts: N passed, M failed"; exit status 1 on any failure. Polls with
deadlines; nothing waits a fixed time to let something happen.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import re
import sys
import time
from dataclasses import dataclass

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))  # localproc
from call_log_writer import Behaviour, CallLogWriter  # noqa: E402
from alert_stack import AlertStackRun  # noqa: E402
from harness import Abort, run_to_the_end  # noqa: E402
from localproc import free_port, poll  # noqa: E402
from rule_scaling import (  # noqa: E402
    ScalingError, ScalingReport, dump_yaml, parse_duration_ms, scale_alertmanager_config, scale_rule_file)
from servers import WebhookReceiver, http_get, which  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# Requests per second. qa_agent's error burst is 7.5%, between the 5% error threshold and the
# 10% fallback threshold; at 20/s a 5-second window holds ~80 requests, so the ratio stays in
# 6.25%..8.75% whatever the window's alignment.
RATES = {
    "qa_agent": 20.0,
    "content_agent": 5.0,
    "legal_agent": 5.0,
    "support_agent": 5.0,
    "analyst_agent": 5.0,
    "billing_agent": 5.0,
    "search_agent": 5.0,
}

GATEWAY = ""  # the agent label of the cost alerts, which sum over every agent


@dataclass(frozen=True)
class Incident:
    name: str
    agent: str
    behaviour: Behaviour
    expected: frozenset[tuple[str, str]]  # (alertname, agent label or GATEWAY)
    why: str


INCIDENTS = [
    Incident("error burst", "qa_agent",
             Behaviour(error_share=0.075, error_type="rate_limited", rescued=True),
             frozenset({("HighModelErrorRate", "qa_agent")}),
             "7.5% first-attempt errors, all rescued by the fallback: above the 5% error threshold, "
             "below the 10% fallback threshold, success stays 100%"),
    Incident("latency spike", "content_agent",
             Behaviour(latency_ms=12_000),
             frozenset({("VeryHighModelLatency", "content_agent"), ("HighModelLatency", "content_agent")}),
             "every request takes 12 s: P95 in the (10 s, 15 s] bucket is above both thresholds"),
    Incident("agent goes silent", "legal_agent",
             Behaviour(silent=True),
             frozenset({("ModelUnavailable", "legal_agent")}),
             "no line for the agent: its newest timestamp ages past the scaled 10 minutes"),
    Incident("fallback storm", "support_agent",
             Behaviour(error_share=0.30, error_type="server_error", rescued=True),
             frozenset({("HighFallbackRate", "support_agent"), ("HighModelErrorRate", "support_agent")}),
             "30% of requests fail first and go to the fallback, which answers: fallbacks and "
             "first-attempt errors both 30%, success 100%"),
    Incident("failing requests", "analyst_agent",
             Behaviour(error_share=0.30, error_type="server_error", rescued=False),
             frozenset({("LowSuccessRate", "analyst_agent"), ("HighModelErrorRate", "analyst_agent")}),
             "30% of requests fail on the baseline arm with no fallback: success 70%, errors 30%, "
             "fallbacks 0%"),
    Incident("cost spike", "billing_agent",
             Behaviour(cost_usd=0.0025),
             frozenset({("CriticalCostOverrun", GATEWAY), ("HighCostBurn", GATEWAY)}),
             "$0.0025 a request at 5/s is $45/h (the rest of the gateway ~$0.8/h): above $20/h "
             "and $5/h; rate()*3600 is per hour whatever the window, so the dollars are not scaled"),
]
HEALTHY_THROUGHOUT = ["search_agent"]

# The policy of prometheus/alertmanager.yml, stated here as the test's expectation.
RECEIVER_FOR_SEVERITY = {"critical": "pager", "warning": "chat"}
INHIBITED = {("HighModelLatency", "content_agent"): "VeryHighModelLatency",
             ("HighCostBurn", GATEWAY): "CriticalCostOverrun"}


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name: str) -> None:
        self.passed += 1
        print(f"ok    {name}", flush=True)

    def fail(self, name: str, detail: str = "") -> None:
        self.failed += 1
        print(f"FAIL  {name}", flush=True)
        for line in detail.splitlines():
            print(f"      {line}", flush=True)

    def expect(self, condition: bool, name: str, detail: str = "") -> bool:
        if condition:
            self.ok(name)
        else:
            self.fail(name, detail)
        return condition

    def require(self, condition: bool, name: str, detail: str = "") -> None:
        if not self.expect(condition, name, detail):
            raise Abort()


def key_text(key: tuple[str, str]) -> str:
    name, agent = key
    return f"{name}{{agent={agent}}}" if agent else f"{name}{{}}"


def alert_key(labels: dict) -> tuple[str, str]:
    return labels.get("alertname", "?"), labels.get("agent", GATEWAY)


def parse_time(text: str) -> float:
    """Prometheus' RFC 3339 with up to nanoseconds."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        raise ValueError(f"unexpected time {text!r}")
    base = datetime.datetime.fromisoformat(m.group(1) + (m.group(3).replace("Z", "+00:00")))
    return base.timestamp() + (float("0." + m.group(2)) if m.group(2) else 0.0)


def _code(expr: str) -> str:
    """PromQL without comments and label values, for finding metric names."""
    expr = re.sub(r"#[^\n]*", "", expr)
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


class Run(AlertStackRun):
    def __init__(self, args):
        super().__init__(args, Checks(), "e2e-alerts.")
        self.writer: CallLogWriter | None = None
        self.expected = frozenset().union(*(i.expected for i in INCIDENTS))
        self.agents = list(RATES)

    def alive(self) -> None:
        super().alive()
        if self.writer is not None and self.writer.error is not None:
            self.checks.fail("call-log writer keeps running", repr(self.writer.error))
            raise Abort()

    # --- phases -------------------------------------------------------------
    def scale(self) -> None:
        factor = self.args.factor
        report = ScalingReport()
        shipped = {}
        for name in ("recording_rules.yml", "alerts.yml", "alertmanager.yml", "prometheus.yml"):
            with open(os.path.join(self.args.rules_dir, name), encoding="utf-8") as f:
                shipped[name] = yaml.safe_load(f)
        self.webhook = WebhookReceiver()
        self.webhook.start()
        try:
            self.recording = scale_rule_file(copy.deepcopy(shipped["recording_rules.yml"]), factor, report)
            self.alerting = scale_rule_file(copy.deepcopy(shipped["alerts.yml"]), factor, report)
            am_config = scale_alertmanager_config(
                copy.deepcopy(shipped["alertmanager.yml"]), factor, self.webhook.base_url, report)
        except ScalingError as error:
            self.checks.fail("scale the shipped rules", str(error))
            raise Abort()
        print(f"scaled by {factor:g}:", flush=True)
        for line in report.lines():
            print(f"  {line}", flush=True)
        self.write("rules/recording_rules.yml", dump_yaml(self.recording))
        self.write("rules/alerts.yml", dump_yaml(self.alerting))
        self.command("promtool check rules (scaled copy)", [
            "promtool", "check", "rules", self.path("rules/recording_rules.yml"), self.path("rules/alerts.yml")])

        self.rules = {r["alert"]: r for g in self.alerting["groups"] for r in g["rules"] if "alert" in r}
        unknown = sorted({name for name, _ in self.expected} - set(self.rules))
        self.checks.require(not unknown, "every expected alert is defined in alerts.yml", f"not defined: {unknown}")
        never = sorted(set(self.rules) - {name for name, _ in self.expected})
        self.checks.expect(not never, "every alert in alerts.yml is exercised by an incident",
                           f"no incident fires: {never}")

        self.exporter_port, self.prom_port, self.am_port = free_port(), free_port(), free_port()
        self.job = self.write_stack_configs(
            shipped["prometheus.yml"], [self.path("rules/recording_rules.yml"), self.path("rules/alerts.yml")], am_config)
        for severity, receiver in RECEIVER_FOR_SEVERITY.items():
            self.command(f"derived alertmanager config routes {severity} to {receiver}", [
                "amtool", "config", "routes", "test", f"--config.file={self.path('alertmanager.yml')}",
                f"--verify.receivers={receiver}", f"severity={severity}", "alertname=Any", "agent=qa_agent"])

    def start_stack(self) -> None:
        log = self.path("calls.jsonl")
        self.command("model-exporter generate writes a history", [
            self.args.binary, "generate", "--lines", "3000", "--rate", "50", "--output", log])
        self.writer = CallLogWriter(log, RATES)
        self.writer.start()

        self.servers.start("model-exporter", [
            self.args.binary, "serve", "--calllog.path", log, "--storage.path", self.path("calls.sqlite"),
            "--web.listen-address", f"127.0.0.1:{self.exporter_port}"])
        metrics_url = f"http://127.0.0.1:{self.exporter_port}/metrics"

        def exporter_ready():
            self.alive()
            status, body = http_get(metrics_url)
            text = body.decode("utf-8", "replace")
            seen = set(re.findall(r'^model_last_request_timestamp_seconds\{agent="([^"]*)"', text, re.M))
            caught_up = re.search(r"^model_exporter_catchup_complete 1$", text, re.M) is not None
            missing = sorted(set(self.agents) - seen)
            return status == 200 and caught_up and not missing, f"HTTP {status}, caught up {caught_up}, missing {missing}"

        done, detail = poll(exporter_ready, timeout=30)
        self.checks.require(done, "model-exporter caught up and exports every agent", str(detail))

        self.start_alertmanager_and_prometheus()

        def target_up():
            targets = self.prom("/api/v1/targets")["activeTargets"]
            healths = [(t["labels"].get("job"), t["health"], t.get("lastError")) for t in targets]
            return any(job == self.job and health == "up" for job, health, _ in healths), healths

        done, detail = poll(target_up, timeout=20)
        self.checks.require(done, f"prometheus scrapes model-exporter (job {self.job})", str(detail))

    def warm_up(self) -> None:
        """Every recorded series exists for every agent it should: the recording rules' metric
        names and labels are the exporter's. Then nothing may be pending or firing.

        A rule that reads an exporter metric directly can only have the agents that metric
        has: model_errors_total and model_fallbacks_total have no series for an agent that
        never failed (billing_agent and search_agent, which are not in the generated history).
        A rule that reads only recorded series must have every agent: the ratios fill in 0."""
        rules = [r for g in self.recording["groups"] for r in g["rules"] if "record" in r]
        deadline = time.monotonic() + 30
        for rule in rules:
            record = rule["record"]
            raw = sorted(set(re.findall(r"(?<![:\w])(model_[a-z_]+)", _code(rule["expr"]))))

            def probe(record=record, raw=raw):
                result = self.prom("/api/v1/query", query=record)["result"]
                if not record.startswith("agent"):
                    return len(result) == 1, f"{len(result)} series: {result}"
                expected = set(self.agents)
                for metric in raw:
                    series = self.prom("/api/v1/query", query=f"group by (agent) ({metric})")["result"]
                    expected &= {s["metric"].get("agent") for s in series}
                agents = {s["metric"].get("agent") for s in result}
                if not expected:
                    return False, f"no agent has all of {raw}: does the exporter export them?"
                return agents == expected, f"expected agents {sorted(expected)}, got {sorted(agents)}"

            done, detail = poll(probe, deadline=deadline)
            if not record.startswith("agent"):
                name = f"recorded series {record} exists"
            elif raw:
                name = f"recorded series {record} exists for every agent that has {', '.join(raw)}"
            else:
                name = f"recorded series {record} exists for every agent"
            self.checks.expect(done, name, str(detail))
        alerts = self.prometheus_alerts()
        self.checks.require(not alerts, "no alert pending or firing while every agent is healthy",
                            json.dumps(alerts, indent=1))

    def incidents(self) -> None:
        started = time.time()
        for incident in INCIDENTS:
            self.writer.set_behaviour(incident.agent, incident.behaviour)
        silent = {i.agent: self.writer.last_timestamp.get(i.agent) for i in INCIDENTS if i.behaviour.silent}
        print(f"incidents started at {started:.1f}:", flush=True)
        for i in INCIDENTS:
            print(f"  {i.name} ({i.agent}): {i.why} -> {', '.join(sorted(key_text(k) for k in i.expected))}", flush=True)
        print(f"  healthy throughout: {', '.join(HEALTHY_THROUGHOUT)}", flush=True)

        longest_for = max(parse_duration_ms(r.get("for", "0s")) for r in self.rules.values()) / 1000
        longest_range = max(parse_duration_ms(d) for d in re.findall(
            r"\[(\w+)\]", json.dumps(self.recording))) / 1000
        waited = longest_for + longest_range + 30
        deadline = time.monotonic() + waited - (time.time() - started)
        first_firing: dict[tuple[str, str], float] = {}
        active_at: dict[tuple[str, str], float] = {}
        unexpected: dict[tuple[str, str], str] = {}
        near_misses: dict[tuple[str, str], float] = {}  # unexpected alerts seen pending

        def probe():
            now = time.time()
            for alert in self.prometheus_alerts():
                key = alert_key(alert["labels"])
                if alert["state"] != "firing":
                    if key not in self.expected:
                        near_misses.setdefault(key, now - started)
                    continue
                first_firing.setdefault(key, now)
                active_at.setdefault(key, parse_time(alert["activeAt"]))
                if key not in self.expected and key not in unexpected:
                    unexpected[key] = f"firing {now - started:.1f}s after the incidents began: {json.dumps(alert)}"
            missing = self.expected - set(first_firing)
            return not missing, sorted(key_text(k) for k in missing)

        done, missing = poll(probe, deadline=deadline)
        for key in sorted(self.expected):
            name, agent = key
            rule_for = parse_duration_ms(self.rules[name].get("for", "0s")) / 1000
            if key in first_firing:
                after = first_firing[key] - started
                self.checks.expect(
                    after >= rule_for,
                    f"prometheus fires {key_text(key)} ({after:.1f}s after the incidents began; scaled for {rule_for:g}s)",
                    "fired before its `for` could have elapsed: was the `for` scaled?")
            else:
                self.checks.fail(f"prometheus fires {key_text(key)}",
                                 f"not firing {waited:.0f}s after the incidents began")
        self.checks.expect(not unexpected, "no other alert fires in prometheus",
                           "\n".join(f"{key_text(k)}: {v}" for k, v in sorted(unexpected.items())))
        for key, after in sorted(near_misses.items()):
            # Not a failure (it did not fire), but a sign an incident sits too close to a threshold.
            print(f"note  {key_text(key)} was pending {after:.1f}s after the incidents began", flush=True)

        # ModelUnavailable's threshold is a number of seconds inside the expression, scaled by
        # rule_scaling; check it took: the alert turns active just past the scaled 10 minutes.
        expr = self.rules["ModelUnavailable"]["expr"]
        threshold = float(re.search(r">\s*([0-9.]+)", expr).group(1))
        for agent, last in silent.items():
            key = ("ModelUnavailable", agent)
            if key in active_at and last is not None:
                quiet = active_at[key] - last
                self.checks.expect(
                    threshold < quiet <= threshold + 5,
                    f"ModelUnavailable{{agent={agent}}} turns active after {quiet:.1f}s of silence "
                    f"(scaled threshold {threshold:g}s)")
        self.incidents_started = started

        # The error burst sits between two thresholds; show how much room it had.
        window = f"{max(1, int(time.time() - started - longest_range))}s"
        for record, threshold in (("agent:model_errors_per_requests:ratio_rate5m", "> 5%"),
                                  ("agent:model_fallbacks_per_requests:ratio_rate5m", "< 10%")):
            try:
                low = self.prom("/api/v1/query", query=f'min_over_time({record}{{agent="qa_agent"}}[{window}])')["result"]
                high = self.prom("/api/v1/query", query=f'max_over_time({record}{{agent="qa_agent"}}[{window}])')["result"]
                print(f"note  qa_agent {record} over the last {window}: "
                      f"{float(low[0]['value'][1]):.2%}..{float(high[0]['value'][1]):.2%} (must stay {threshold})", flush=True)
            except (IndexError, KeyError, RuntimeError, OSError) as error:
                print(f"note  qa_agent {record}: {error}", flush=True)

    def alertmanager(self) -> None:
        def expectation(key):
            severity = self.rules[key[0]]["labels"]["severity"]
            return RECEIVER_FOR_SEVERITY[severity], ("suppressed" if key in INHIBITED else "active")

        def observed():
            out = {}
            for alert in self.alertmanager_alerts():
                key = alert_key(alert["labels"])
                status = alert.get("status", {})
                out[key] = (sorted(r["name"] for r in alert.get("receivers", [])), status.get("state"),
                            status.get("inhibitedBy") or [])
            return out

        def probe():
            seen = observed()
            good = all(
                key in seen and seen[key][0] == [expectation(key)[0]] and seen[key][1] == expectation(key)[1]
                and bool(seen[key][2]) == (key in INHIBITED)
                for key in self.expected)
            return good, seen

        _, seen = poll(probe, timeout=20)
        seen = seen if isinstance(seen, dict) else {}
        for key in sorted(self.expected):
            receiver, state = expectation(key)
            inhibited = f", inhibited by {INHIBITED[key]}" if key in INHIBITED else ""
            got = seen.get(key)
            self.checks.expect(
                got is not None and got[0] == [receiver] and got[1] == state and bool(got[2]) == (key in INHIBITED),
                f"alertmanager has {key_text(key)}: {state}{inhibited}, routed to {receiver}",
                f"got: {got}" if got else "absent")
        extra = sorted(set(seen) - self.expected)
        self.checks.expect(not extra, "alertmanager has no other alert", ", ".join(key_text(k) for k in extra))

        notified = self.expected - set(INHIBITED)

        def webhook_probe():
            self.alive()
            got = {(r, alert_key(labels)) for r, status, labels in self.webhook.alerts() if status == "firing"}
            return all((expectation(k)[0], k) in got for k in notified), got

        _, got = poll(webhook_probe, timeout=20)
        got = got if isinstance(got, set) else set()
        for key in sorted(notified):
            receiver = expectation(key)[0]
            others = sorted(r for r, k in got if k == key and r != receiver)
            self.checks.expect((receiver, key) in got and not others,
                               f"webhook receiver {receiver} is notified of {key_text(key)}",
                               f"also or instead on: {others}" if others else "not notified")
        for key, source in sorted(INHIBITED.items()):
            self.checks.expect(all(k != key for _, k in got),
                               f"no notification for {key_text(key)} (inhibited by {source})",
                               f"notified: {sorted(r for r, k in got if k == key)}")
        strays = sorted((r, k) for r, k in got if k not in self.expected)
        self.checks.expect(not strays, "no notification for any other alert",
                           "\n".join(f"{r}: {key_text(k)}" for r, k in strays))
        resolved = [(r, alert_key(labels)) for r, status, labels in self.webhook.alerts() if status != "firing"]
        self.checks.expect(not resolved, "no alert resolved during the incidents (no flapping)",
                           "\n".join(f"{r}: {key_text(k)}" for r, k in resolved))

    def final_state(self) -> None:
        firing = {alert_key(a["labels"]) for a in self.prometheus_alerts() if a["state"] == "firing"}
        self.checks.expect(
            firing == self.expected,
            f"prometheus still fires exactly the {len(self.expected)} expected alerts "
            f"({time.time() - self.incidents_started:.0f}s after the incidents began)",
            f"missing: {sorted(map(key_text, self.expected - firing))}\n"
            f"extra: {sorted(map(key_text, firing - self.expected))}")

    # --- run ----------------------------------------------------------------
    def run(self) -> None:
        self.scale()
        self.start_stack()
        self.warm_up()
        self.incidents()
        self.alertmanager()
        self.final_state()

    def stop(self) -> None:
        if self.writer is not None:
            self.writer.stop()
        super().stop()



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "model-exporter"))
    parser.add_argument("--factor", type=float, default=60, help="divide every duration by this (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--rules-dir", default=os.path.join(REPO, "prometheus"),
                        help="where recording_rules.yml, alerts.yml, alertmanager.yml and prometheus.yml are "
                             "(default: the shipped ones; another directory tests the harness itself)")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    for tool in ("prometheus", "promtool", "prometheus-alertmanager", "amtool"):
        if which(tool) is None:
            print(f"e2e-alerts: {tool} not found; install it with: apt-get install -y prometheus prometheus-alertmanager",
                  file=sys.stderr)
            return 2

    return run_to_the_end("e2e-alerts", lambda: Run(args), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
