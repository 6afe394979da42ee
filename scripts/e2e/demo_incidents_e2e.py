#!/usr/bin/env python3
"""End-to-end check of `model-exporter demo --incident`: the demo's scripted incidents fire the
budget alert and an SLO burn-rate alert in a real Prometheus with the shipped rules (time-scaled),
and the alerts reach a real Alertmanager with the shipped routing.

  1. Scale the shipped recording, alert, budget, SLO and TTFT rules and the Alertmanager config
     by --factor (rule_scaling.py, as alerts_e2e.py does) and check them with promtool/amtool.
  2. `model-exporter demo --incident NAME` with an unknown name exits non-zero with one message
     that lists the incidents.
  3. Start `model-exporter demo --incident budget --incident agent-outage --seed 7
     --cost.budget-daily 0.25 --cost.budget-hourly 0.01` (its own simulated gateway, an hour of
     normal history, then the incidents in the live traffic; the budget is explained below),
     Alertmanager (receivers swapped for a local webhook) and Prometheus (1s scrape and
     evaluation), all on 127.0.0.1 and free ports, in a temporary directory.
  4. The demo exports the daily budget it was given; poll until DailyBudgetAtRisk,
     DailyBudgetExceeded and AvailabilitySLOFastBurn{agent="support_agent"} (agent-outage:
     every support_agent request fails) fire in Prometheus, and no fast-burn page fires for
     another agent.
  5. Alertmanager holds all three, routed by severity (critical -> pager, warning -> chat), and
     the webhook is notified of each on its receiver.

The budget: DailyBudgetExceeded compares the dollars spent in 24 hours, and the scaled window
(24 minutes) holds 1/60 of a day's spend; rule_scaling keeps dollar thresholds. With the demo's
$100/day only DailyBudgetAtRisk could fire here (DemoIncidentTests shows that at real time), so
the check gives the demo a daily budget of $0.25, which the budget incident's ~$14.5/h spends
in about a minute: both budget rules then fire through the exporter's real
model_exporter_cost_budget_usd and model_cost_usd_total, which is what this check is for.

Ends with "e2e-demo-incidents: N passed, M failed"; exit status 1 on any failure. Polls with
deadlines; nothing waits a fixed time to let something happen.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))  # localproc
from alerts_e2e import GATEWAY, RECEIVER_FOR_SEVERITY, Checks, alert_key, key_text  # noqa: E402
from alert_stack import AlertStackRun  # noqa: E402
from harness import Abort, run_to_the_end  # noqa: E402
from localproc import Child, free_port, poll  # noqa: E402
from rule_scaling import (  # noqa: E402
    ScalingError, ScalingReport, dump_yaml, parse_duration_ms, scale_alertmanager_config, scale_rule_file)
from servers import WebhookReceiver, http_get, http_get_json, which  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

RULE_FILES = ("recording_rules.yml", "alerts.yml", "budget_alerts.yml", "slo_rules.yml", "ttft_rules.yml")
INCIDENTS = ("budget", "agent-outage")
OUTAGE_AGENT = "support_agent"
# The alerts this check is about; the incidents fire others too (HighCostBurn, LowSuccessRate,
# HighModelErrorRate, AvailabilitySLOSlowBurn: see DemoIncident.swift), which are allowed.
EXPECTED = frozenset({("DailyBudgetAtRisk", GATEWAY), ("DailyBudgetExceeded", GATEWAY),
                      ("AvailabilitySLOFastBurn", OUTAGE_AGENT)})
# The pages. The slow burns are not held to it: time-scaled, their "1x over 3d and 6h" reads
# the first seconds of data, where one failed request in the low-traffic guard's 100 is 1%,
# a 99% objective's whole budget, and their scaled `for` (15 s) is too short to outlast that.
# At real time the same guard and `for: 15m` see thousands of requests (DemoIncidentTests).
FAST_BURN_ALERTS = ("AvailabilitySLOFastBurn", "LatencySLOFastBurn")
DAILY_BUDGET = 0.25  # dollars; the hourly budget must not exceed it
HOURLY_BUDGET = 0.01


class Run(AlertStackRun):
    def __init__(self, args):
        super().__init__(args, Checks(), "e2e-demo-incidents.")

    # --- phases -------------------------------------------------------------
    def scale(self) -> None:
        factor = self.args.factor
        report = ScalingReport()
        self.webhook = WebhookReceiver()
        self.webhook.start()
        self.rules = {}
        rule_paths = []
        try:
            for name in RULE_FILES:
                with open(os.path.join(REPO, "prometheus", name), encoding="utf-8") as f:
                    scaled = scale_rule_file(yaml.safe_load(f), factor, report)
                rule_paths.append(self.write(f"rules/{name}", dump_yaml(scaled)))
                for group in scaled["groups"]:
                    for rule in group["rules"]:
                        if "alert" in rule:
                            self.rules.setdefault(rule["alert"], rule)
            with open(os.path.join(REPO, "prometheus", "alertmanager.yml"), encoding="utf-8") as f:
                am_config = scale_alertmanager_config(yaml.safe_load(f), factor, self.webhook.base_url, report)
        except ScalingError as error:
            self.checks.fail("scale the shipped rules", str(error))
            raise Abort()
        print(f"scaled by {factor:g}: {len(report.changes)} changes", flush=True)
        self.command("promtool check rules (scaled copies)", ["promtool", "check", "rules", *rule_paths])
        missing = sorted({name for name, _ in EXPECTED} - set(self.rules))
        self.checks.require(not missing, "the expected alerts are defined in the shipped rules", f"not defined: {missing}")

        self.exporter_port, self.prom_port, self.am_port = free_port(), free_port(), free_port()
        with open(os.path.join(REPO, "prometheus", "prometheus.yml"), encoding="utf-8") as f:
            self.write_stack_configs(yaml.safe_load(f), rule_paths, am_config)

    def unknown_incident(self) -> None:
        result = subprocess.run([self.args.binary, "demo", "--incident", "meteor-strike"],
                                capture_output=True, text=True, cwd=self.tmp, timeout=30)
        names = ["error-spike", "latency", "cost-overrun", "budget", "agent-outage", "finetuned-regression",
                 "slow-first-token"]
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.checks.expect(
            result.returncode != 0 and len(lines) == 1 and "meteor-strike" in lines[0]
            and all(name in lines[0] for name in names),
            f"demo --incident meteor-strike exits non-zero ({result.returncode}) with one line naming the incidents",
            result.stderr)

    def start_stack(self) -> None:
        # The demo writes its log and database under $TMPDIR: keep them in the run's directory.
        env = dict(os.environ, TMPDIR=self.tmp)
        argv = [self.args.binary, "demo", "--seed", "7", "--web.listen-address", f"127.0.0.1:{self.exporter_port}",
                "--cost.budget-daily", f"{DAILY_BUDGET:g}", "--cost.budget-hourly", f"{HOURLY_BUDGET:g}"]
        for incident in INCIDENTS:
            argv += ["--incident", incident]
        demo = Child("model-exporter-demo", argv, self.path("model-exporter-demo.log"), cwd=self.tmp, env=env)
        self.servers.children.append(demo)
        demo.start()

        def exporter_ready():
            self.servers.alive()
            status, body = http_get(f"http://127.0.0.1:{self.exporter_port}/metrics")
            text = body.decode("utf-8", "replace")
            caught_up = re.search(r"^model_exporter_catchup_complete 1$", text, re.M) is not None
            budget = re.search(r'^model_exporter_cost_budget_usd\{period="day"\} (\S+)$', text, re.M)
            return status == 200 and caught_up and budget is not None, (status, caught_up, budget and budget.group(1))

        done, detail = poll(exporter_ready, timeout=60)
        self.checks.require(done, "the demo caught up with its hour of history and exports its daily budget", str(detail))
        budget = float(detail[2])
        self.checks.expect(budget == DAILY_BUDGET, f"the demo exports the daily budget it was given (${DAILY_BUDGET:g})",
                           f"got {budget}")

        self.start_alertmanager_and_prometheus()
        self.started = time.time()

    def alerts_fire(self) -> None:
        longest_for = max(parse_duration_ms(self.rules[name].get("for", "0s")) for name, _ in EXPECTED) / 1000
        # The longest window the expected alerts read, scaled: an hour (the budget's rate, the
        # fast burn's long window) becomes a minute; and the minute the budget incident needs
        # to spend the daily budget.
        waited = longest_for + 3600 / self.args.factor + 120
        first_firing: dict[tuple[str, str], float] = {}
        stray_burns: dict[tuple[str, str], str] = {}

        def probe():
            alerts = self.prom("/api/v1/alerts")["alerts"]
            self.last_prometheus_alerts = alerts
            for alert in alerts:
                key = alert_key(alert["labels"])
                if alert["state"] == "firing":
                    first_firing.setdefault(key, time.time() - self.started)
                    if key[0] in FAST_BURN_ALERTS and key[1] != OUTAGE_AGENT:
                        stray_burns.setdefault(key, json.dumps(alert))
            missing = EXPECTED - set(first_firing)
            return not missing, sorted(key_text(k) for k in missing)

        done, missing = poll(probe, timeout=waited)
        for key in sorted(EXPECTED):
            if key in first_firing:
                self.checks.ok(f"prometheus fires {key_text(key)} ({first_firing[key]:.0f}s after Prometheus started)")
            else:
                self.checks.fail(f"prometheus fires {key_text(key)}", f"not firing after {waited:.0f}s")
        self.checks.expect(not stray_burns, f"no fast-burn page for an agent other than {OUTAGE_AGENT}",
                           "\n".join(f"{key_text(k)}: {v}" for k, v in sorted(stray_burns.items())))
        others = sorted(key_text(k) for k in set(first_firing) - EXPECTED)
        # Allowed: the incidents' other alerts (DemoIncident.swift), and at 1/60 of the time the
        # 5-second windows of the healthy agents' 20 requests, where one 30 s timeout is a P95.
        print(f"note  also firing (allowed, see DemoIncident.swift): {', '.join(others) or 'none'}", flush=True)

    def alertmanager(self) -> None:
        def receiver(key):
            return RECEIVER_FOR_SEVERITY[self.rules[key[0]]["labels"]["severity"]]

        def probe():
            self.servers.alive()
            alerts = http_get_json(f"http://127.0.0.1:{self.am_port}/api/v2/alerts")
            self.last_alertmanager_alerts = alerts
            seen = {alert_key(a["labels"]): sorted(r["name"] for r in a.get("receivers", [])) for a in alerts}
            return all(seen.get(k) == [receiver(k)] for k in EXPECTED), seen

        _, seen = poll(probe, timeout=30)
        seen = seen if isinstance(seen, dict) else {}
        for key in sorted(EXPECTED):
            self.checks.expect(seen.get(key) == [receiver(key)],
                               f"alertmanager has {key_text(key)}, routed to {receiver(key)}", f"got: {seen.get(key)}")

        def webhook_probe():
            self.servers.alive()
            got = {(r, alert_key(labels)) for r, status, labels in self.webhook.alerts() if status == "firing"}
            return all((receiver(k), k) in got for k in EXPECTED), got

        _, got = poll(webhook_probe, timeout=30)
        got = got if isinstance(got, set) else set()
        for key in sorted(EXPECTED):
            self.checks.expect((receiver(key), key) in got, f"webhook receiver {receiver(key)} is notified of {key_text(key)}")

    def run(self) -> None:
        self.scale()
        self.unknown_incident()
        self.start_stack()
        self.alerts_fire()
        self.alertmanager()



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "model-exporter"))
    parser.add_argument("--factor", type=float, default=60, help="divide every duration by this (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    for tool in ("prometheus", "promtool", "prometheus-alertmanager", "amtool"):
        if which(tool) is None:
            print(f"e2e-demo-incidents: {tool} not found; install it with: apt-get install -y prometheus prometheus-alertmanager",
                  file=sys.stderr)
            return 2
    return run_to_the_end("e2e-demo-incidents", lambda: Run(args), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
