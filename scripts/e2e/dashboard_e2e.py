#!/usr/bin/env python3
"""End-to-end test of the Grafana dashboard's queries, of exemplars, and of the shipped
recording rules across a fleet of two exporters, against a real Prometheus.

  1. Two gateways: two call logs, each with a generated history and a live writer
     (call_log_writer.py), two `model-exporter serve`s with their own databases and ports.
     Gateway A serves five agents (qa_agent with 7.5% first-attempt errors, analyst_agent
     with 20% unanswered); gateway B serves qa_agent and content_agent live, and has the
     others only in an old history (two hours ago).
  2. A real Prometheus (--enable-feature=exemplar-storage, 1 s scrape and evaluation) scrapes
     both as one job, derived from prometheus/prometheus.yml, with the shipped
     prometheus/recording_rules.yml as they are. It asks for OpenMetrics, the exporter
     answers in it, and so exemplars are stored.
  3. dashboards/model-exporter.json: its structure (datasource input, variables, thresholds
     equal to those of prometheus/alerts.yml), then every panel target's PromQL, with the
     variables substituted twice (every value, and one agent, variant and instance), as an
     instant query: it parses and returns at least one finite value. Variable and annotation
     queries too; exemplar targets through /api/v1/query_exemplars.
  4. /api/v1/query_exemplars for model_request_duration_seconds_bucket: the request_id of
     exemplars from both instances is in that instance's database (`model-exporter query
     request-by-id`), with the series' agent and variant, the exemplar's latency and time,
     and a latency within the bucket.
  5. The fleet: the recording rules sum across instances (per agent, one series without an
     instance label, equal to the sum of each instance's rates at the rule's evaluation
     time); a first-attempt error ratio is the fleet's, not one gateway's; an agent silent on
     one gateway but served by the other is not unavailable.

Ends with "e2e-dashboard: N passed, M failed"; exit status 1 on any failure. Every process is
stopped at the end, also on failure or SIGTERM. Polls with deadlines; no fixed waits.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import subprocess
import sys
import time
import urllib.parse

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))  # localproc
from alerts_e2e import Checks  # noqa: E402
from call_log_writer import Behaviour, CallLogWriter  # noqa: E402
from harness import Abort, BaseRun, run_to_the_end  # noqa: E402
from localproc import free_port, poll  # noqa: E402
from rule_scaling import dump_yaml  # noqa: E402
from servers import http_get, http_get_json, which  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
AGENTS = ["analyst_agent", "content_agent", "legal_agent", "qa_agent", "support_agent"]

# Requests per second written live to each gateway's log.
GATEWAYS = {
    "a": {"rates": {"qa_agent": 10.0, "content_agent": 4.0, "legal_agent": 4.0, "support_agent": 4.0, "analyst_agent": 4.0},
          "behaviour": {"qa_agent": Behaviour(error_share=0.075, error_type="rate_limited", rescued=True),
                        "analyst_agent": Behaviour(error_share=0.20, error_type="server_error", rescued=False)},
          "history_age": 0, "seed": 1},
    "b": {"rates": {"qa_agent": 10.0, "content_agent": 4.0},
          "behaviour": {},
          "history_age": 7200, "seed": 2},
}

# Grafana's variables, as the test substitutes them: every value, then one of each.
RATE_INTERVAL = "1m"
INTERVAL = "15s"

# alerts.yml: alert → the recorded series it compares and the comparison. The dashboard must
# draw each threshold on the panel showing that series.
ALERT_INPUTS = {
    "HighModelErrorRate": "agent:model_errors_per_requests:ratio_rate5m",
    "LowSuccessRate": "agent:model_requests_success_per_requests:ratio_rate5m",
    "HighFallbackRate": "agent:model_fallbacks_per_requests:ratio_rate5m",
    "HighModelLatency": "agent:model_request_duration_seconds:p95_rate5m",
    "VeryHighModelLatency": "agent:model_request_duration_seconds:p95_rate5m",
    "HighCostBurn": "gateway:model_cost_usd:rate15m",
    "CriticalCostOverrun": "gateway:model_cost_usd:rate15m",
    "ModelUnavailable": "model_last_request_timestamp_seconds",
}


def finite(result: list) -> bool:
    """Whether an instant vector (or scalar) holds at least one finite number."""
    values = [result[1]] if result and isinstance(result[0], (int, float)) else [s["value"][1] for s in result]
    return any(math.isfinite(float(v)) for v in values)


def substitute(expr: str, agent: str, variant: str, instance: str) -> str:
    out = expr.replace("$__rate_interval", RATE_INTERVAL).replace("${__rate_interval}", RATE_INTERVAL)
    out = out.replace("$__interval", INTERVAL).replace("${__interval}", INTERVAL)
    for name, value in (("agent", agent), ("variant", variant), ("instance", instance)):
        out = out.replace("${" + name + "}", value).replace("$" + name, value)
    if "$" in out:
        raise ValueError(f"a variable the test does not know is left in: {out}")
    return out


def dashboard_panels(dashboard: dict) -> list[dict]:
    """Every panel, those inside collapsed rows included."""
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []))
    return out


class Gateway:
    def __init__(self, name: str, port: int, log: str, database: str):
        self.name, self.port, self.log, self.database = name, port, log, database
        self.instance = f"127.0.0.1:{port}"
        self.writer: CallLogWriter | None = None


class Run(BaseRun):
    def __init__(self, args):
        super().__init__(args, Checks(), "e2e-dashboard.")
        self.gateways: dict[str, Gateway] = {}
        self.artifacts: dict[str, str] = {}

    # --- helpers ------------------------------------------------------------
    def write(self, name: str, text: str) -> str:
        with open(self.path(name), "w", encoding="utf-8") as f:
            f.write(text)
        self.artifacts[name] = text
        return self.path(name)

    def alive(self) -> None:
        self.servers.alive()
        for gateway in self.gateways.values():
            if gateway.writer is not None and gateway.writer.error is not None:
                self.checks.fail(f"call-log writer {gateway.name} keeps running", repr(gateway.writer.error))
                raise Abort()

    def api(self, path: str, **params):
        """Prometheus' API; raises unless the status is success."""
        query = ("?" + urllib.parse.urlencode(params, doseq=True)) if params else ""
        status, body = http_get(f"http://127.0.0.1:{self.prom_port}{path}{query}", timeout=10)
        try:
            answer = json.loads(body)
        except ValueError:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}") from None
        if answer.get("status") != "success":
            raise RuntimeError(f"{answer.get('errorType')}: {answer.get('error')}")
        return answer["data"]

    def query(self, expr: str, at: float | None = None) -> list:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = self.api("/api/v1/query", **params)
        return data["result"]

    def value(self, expr: str, at: float | None = None) -> float | None:
        result = self.query(expr, at)
        return float(result[0]["value"][1]) if len(result) == 1 else None

    # --- phases -------------------------------------------------------------
    def start_stack(self) -> None:
        now = time.time()
        for name, spec in GATEWAYS.items():
            gateway = Gateway(name, free_port(), self.path(f"calls-{name}.jsonl"), self.path(f"calls-{name}.sqlite"))
            self.gateways[name] = gateway
            argv = [self.args.binary, "generate", "--lines", "3000", "--rate", "50", "--seed", str(spec["seed"]),
                    "--output", gateway.log]
            if spec["history_age"]:
                argv += ["--start", f"{now - spec['history_age']:.3f}"]
            result = subprocess.run(argv, capture_output=True, text=True)
            self.checks.require(result.returncode == 0, f"gateway {name}: model-exporter generate writes a history"
                                + (f" from {spec['history_age'] // 3600} h ago" if spec["history_age"] else " ending now"),
                                result.stderr)
            gateway.writer = CallLogWriter(gateway.log, spec["rates"])
            for agent, behaviour in spec["behaviour"].items():
                gateway.writer.set_behaviour(agent, behaviour)
            gateway.writer.start()
            self.servers.start(f"model-exporter-{name}", [
                self.args.binary, "serve", "--calllog.path", gateway.log, "--storage.path", gateway.database,
                "--web.listen-address", gateway.instance, "--cost.budget-daily", "200"])

        for gateway in self.gateways.values():
            def caught_up(gateway=gateway):
                self.alive()
                health = http_get_json(f"http://{gateway.instance}/health")
                return bool(health.get("catch_up_complete")), f"catch_up_complete {health.get('catch_up_complete')}"

            done, detail = poll(caught_up, timeout=30)
            self.checks.require(done, f"gateway {gateway.name}: model-exporter caught up (polled /health)", str(detail))

        with open(os.path.join(REPO, "prometheus", "prometheus.yml"), encoding="utf-8") as f:
            config = yaml.safe_load(f)
        self.prom_port = free_port()
        config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
        config["rule_files"] = [os.path.join(REPO, "prometheus", "recording_rules.yml")]
        config.pop("alerting", None)
        job = copy.deepcopy(config["scrape_configs"][0])
        job["static_configs"] = [{"targets": [g.instance for g in self.gateways.values()]}]
        config["scrape_configs"] = [job]
        self.job = job["job_name"]
        self.write("prometheus.yml", dump_yaml(config))
        result = subprocess.run(["promtool", "check", "config", self.path("prometheus.yml")], capture_output=True, text=True)
        self.checks.require(result.returncode == 0, "promtool check config (derived from prometheus/prometheus.yml, "
                            "shipped recording rules)", result.stdout + result.stderr)
        self.servers.start("prometheus", [
            "prometheus", f"--config.file={self.path('prometheus.yml')}", f"--storage.tsdb.path={self.path('prometheus-data')}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}", "--enable-feature=exemplar-storage"])

        def ready():
            self.alive()
            status, _ = http_get(f"http://127.0.0.1:{self.prom_port}/-/ready")
            return status == 200, f"HTTP {status}"

        done, detail = poll(ready, timeout=30)
        self.checks.require(done, "prometheus ready (exemplar storage on)", str(detail))

        def targets_up():
            self.alive()
            targets = self.api("/api/v1/targets")["activeTargets"]
            up = sorted(t["labels"]["instance"] for t in targets if t["health"] == "up")
            return up == sorted(g.instance for g in self.gateways.values()), [(t["scrapeUrl"], t["health"], t.get("lastError")) for t in targets]

        done, detail = poll(targets_up, timeout=20)
        self.checks.require(done, f"prometheus scrapes both exporters as job {self.job}", str(detail))

        # Rates need two scrapes in the window, the recording rules an evaluation after them;
        # the live writers make every agent's request rate non-zero.
        def warm():
            self.alive()
            live = {(s["metric"]["agent"], s["metric"]["instance"]) for s in
                    self.query("sum by (agent, instance) (rate(model_requests_total[1m])) > 0")}
            expected = {(a, g.instance) for g in self.gateways.values() for a in GATEWAYS[g.name]["rates"]}
            recorded = {s["metric"].get("agent") for s in self.query("agent:model_errors_per_requests:ratio_rate5m")}
            return expected <= live and set(AGENTS) <= recorded, f"live {sorted(live)}, recorded {sorted(recorded)}"

        done, detail = poll(warm, timeout=30)
        self.checks.require(done, "every live agent has a non-zero request rate on its gateway, and every agent a "
                            "recorded error ratio", str(detail))

    def check_dashboard_model(self) -> None:
        c = self.checks
        with open(self.args.dashboard, encoding="utf-8") as f:
            self.dashboard = json.load(f)
        d = self.dashboard
        inputs = [i for i in d.get("__inputs", []) if i.get("type") == "datasource" and i.get("pluginId") == "prometheus"]
        c.expect([i["name"] for i in inputs] == ["DS_PROMETHEUS"], "dashboard: one Prometheus datasource input, DS_PROMETHEUS")
        c.expect(isinstance(d.get("schemaVersion"), int) and 36 <= d["schemaVersion"] <= 39,
                 f"dashboard: schemaVersion {d.get('schemaVersion')} (Grafana 9.3 to 10.x)")
        panels = dashboard_panels(d)
        ids = [p.get("id") for p in panels]
        c.expect(len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids), "dashboard: panel ids unique")
        self.targets = [(p, t) for p in panels for t in p.get("targets", [])]
        bad_ds = [p["title"] for p in panels if p.get("type") != "row"
                  and (p.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}"]
        bad_ds += [p["title"] for p, t in self.targets if (t.get("datasource") or {}).get("uid") != "${DS_PROMETHEUS}"]
        c.expect(not bad_ds, "dashboard: every panel and target uses ${DS_PROMETHEUS}", str(bad_ds))
        grid = [(p["gridPos"]["x"], p["gridPos"]["w"]) for p in panels]
        c.expect(all(x >= 0 and w > 0 and x + w <= 24 for x, w in grid), "dashboard: every panel within the 24-column grid")
        variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
        for name in ("agent", "variant"):
            v = variables.get(name, {})
            definition = v.get("definition") or (v.get("query") or {}).get("query", "")
            c.expect(v.get("type") == "query" and definition.startswith("label_values(") and v.get("includeAll")
                     and v.get("multi") and v.get("allValue") == ".*",
                     f"dashboard: variable ${name} from label_values, multi-value, All = .*", json.dumps(v)[:300])
        self.variables = variables

        # Thresholds: the values of prometheus/alerts.yml, on the panel that shows the alert's input.
        with open(os.path.join(REPO, "prometheus", "alerts.yml"), encoding="utf-8") as f:
            alerts = {r["alert"]: r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r}
        c.expect(set(alerts) == set(ALERT_INPUTS), "dashboard test knows every alert of prometheus/alerts.yml",
                 f"alerts.yml {sorted(alerts)}, test {sorted(ALERT_INPUTS)}")
        for alert, series in sorted(ALERT_INPUTS.items()):
            expr = re.sub(r"#[^\n]*", "", alerts[alert]["expr"]) if alert in alerts else ""
            numbers = re.findall(r"[<>]=?\s*([0-9.]+)", expr)
            if not numbers:
                c.fail(f"dashboard draws {alert}'s threshold", f"no comparison in {expr!r}")
                continue
            threshold = float(numbers[0])
            # The cost alerts compare dollars per hour: rate × 3600.
            showing = [p for p, t in self.targets if series in t.get("expr", "")]
            drawn = {float(s["value"]) for p in showing
                     for s in p.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
                     if s.get("value") is not None}
            styled = all(p.get("fieldConfig", {}).get("defaults", {}).get("custom", {}).get("thresholdsStyle", {}).get("mode", "off") != "off"
                         for p in showing)
            c.expect(showing and threshold in drawn and styled,
                     f"dashboard draws {alert}'s threshold {threshold:g} on the panel of {series}",
                     f"panels {[p['title'] for p in showing]}, thresholds {sorted(drawn)}")
        units = {}
        for p in panels:
            defaults = p.get("fieldConfig", {}).get("defaults", {})
            for s in defaults.get("thresholds", {}).get("steps", []):
                if s.get("value") is not None:
                    units.setdefault(defaults.get("unit"), set()).add(float(s["value"]))
        want = {"percentunit": {0.05, 0.10, 0.90}, "s": {5.0, 10.0, 600.0}, "currencyUSD": {5.0, 20.0}}
        c.expect(all(v <= units.get(u, set()) for u, v in want.items()),
                 "dashboard thresholds: 5%, 10%, 90%; 5 s, 10 s, 10 min; $5/h, $20/h", str(units))

    def check_queries(self) -> None:
        c = self.checks
        a = self.gateways["a"]
        substitutions = [("every agent, variant and instance", ".*", ".*", ".*"),
                         (f"agent=qa_agent, variant=finetuned, instance={a.instance}", "qa_agent", "finetuned", a.instance)]
        for label, agent, variant, instance in substitutions:
            failures = []
            for panel, t in self.targets:
                expr = substitute(t["expr"], agent, variant, instance)
                try:
                    result = self.query(expr)
                    if not result:
                        failures.append(f"{panel['title']} [{t['refId']}]: no data: {expr}")
                    elif not finite(result):
                        failures.append(f"{panel['title']} [{t['refId']}]: only NaN/Inf: {expr}")
                except Exception as error:  # noqa: BLE001 - reported
                    failures.append(f"{panel['title']} [{t['refId']}]: {error}: {expr}")
            c.expect(not failures, f"all {len(self.targets)} panel queries parse and return finite data ({label})",
                     "\n".join(failures))
            # Grafana asks for exemplars with the panel's own query.
            exemplar_targets = [(p, t) for p, t in self.targets if t.get("exemplar")]
            missing = []
            for panel, t in exemplar_targets:
                expr = substitute(t["expr"], agent, variant, instance)
                data = self.api("/api/v1/query_exemplars", query=expr, start=f"{time.time() - 600:.0f}", end=f"{time.time():.0f}")
                if not any(s.get("exemplars") for s in data):
                    missing.append(f"{panel['title']} [{t['refId']}]: {expr}")
            c.expect(exemplar_targets and not missing,
                     f"the {len(exemplar_targets)} exemplar targets get exemplars from query_exemplars ({label})", "\n".join(missing))

        # Variables: label_values(metric, label) is /api/v1/label/<label>/values?match[]=metric.
        expected = {"agent": set(AGENTS), "variant": {"baseline", "finetuned"},
                    "instance": {g.instance for g in self.gateways.values()}}
        for name, v in self.variables.items():
            definition = v.get("definition") or (v.get("query") or {}).get("query", "")
            m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", definition.strip())
            if not m:
                c.fail(f"variable ${name}: a label_values query", definition)
                continue
            selector = substitute(m.group(1), ".*", ".*", ".*")
            values = set(self.api(f"/api/v1/label/{m.group(2)}/values", **{"match[]": selector}))
            c.expect(expected.get(name, set()) <= values and values,
                     f"variable ${name}: {definition} lists {sorted(values)}", f"expected at least {sorted(expected.get(name, []))}")
        for annotation in self.dashboard.get("annotations", {}).get("list", []):
            if annotation.get("expr"):
                try:
                    self.query(substitute(annotation["expr"], ".*", ".*", ".*"))
                    c.ok(f"annotation query '{annotation.get('name')}' parses")
                except Exception as error:  # noqa: BLE001 - reported
                    c.fail(f"annotation query '{annotation.get('name')}' parses", str(error))

    def check_exemplars(self) -> None:
        c = self.checks
        end = time.time()
        data = self.api("/api/v1/query_exemplars", query="model_request_duration_seconds_bucket",
                        start=f"{end - 900:.0f}", end=f"{end:.0f}")
        flat = [(s["seriesLabels"], e) for s in data for e in s.get("exemplars", [])]
        c.require(bool(flat), f"query_exemplars model_request_duration_seconds_bucket returns exemplars ({len(flat)})",
                  json.dumps(data)[:2000])
        labels_ok = all(set(e["labels"]) == {"request_id"} and e["labels"]["request_id"] for _, e in flat)
        c.expect(labels_ok, "every exemplar has exactly one label, a non-empty request_id",
                 str([e["labels"] for _, e in flat if set(e["labels"]) != {"request_id"}][:5]))
        by_instance = {g.instance: g for g in self.gateways.values()}
        instances = {s["instance"] for s, _ in flat}
        c.expect(instances == set(by_instance), "exemplars come from both exporters", f"from {sorted(instances)}")

        # A few of each instance, of different agents and buckets, newest first.
        picked, seen = [], set()
        for series, exemplar in sorted(flat, key=lambda se: -float(se[1]["timestamp"])):
            key = (series["instance"], series["agent"], series["le"])
            if key in seen or sum(1 for s, _ in picked if s["instance"] == series["instance"]) >= 5:
                continue
            seen.add(key)
            picked.append((series, exemplar))
        for series, exemplar in picked:
            request_id = exemplar["labels"]["request_id"]
            gateway = by_instance[series["instance"]]
            result = subprocess.run([
                self.args.binary, "query", "request-by-id", "--request-id", request_id, "--since", "3h",
                "--until", f"{time.time() + 60:.3f}", "--format", "json", "--storage.path", gateway.database],
                capture_output=True, text=True)
            try:
                rows = json.loads(result.stdout) if result.returncode == 0 else None
            except ValueError:
                rows = None
            value = float(exemplar["value"])
            le = float(series["le"])
            ok = bool(rows) and any(
                r["agent"] == series["agent"] and r["variant"] == series["variant"]
                and abs(r["latency_ms"] / 1000 - value) < 1e-9 and abs(r["ts"] - float(exemplar["timestamp"])) < 0.002
                for r in rows) and value <= le
            c.expect(ok, f"exemplar {request_id} ({series['agent']} {series['variant']}, le={series['le']}, "
                     f"{value:g} s) is a call in gateway {gateway.name}'s database",
                     f"rows: {rows}\n{result.stderr.strip()}")

    def check_fleet(self) -> None:
        """The shipped recording rules aggregate across exporter instances."""
        c = self.checks
        a, b = self.gateways["a"], self.gateways["b"]
        result = self.query('{__name__=~"agent:.+|gateway:.+"}')
        with_instance = sorted({s["metric"]["__name__"] for s in result if "instance" in s["metric"]})
        per_agent = {}
        for s in result:
            if s["metric"]["__name__"].startswith("agent:") and "le" not in s["metric"]:
                per_agent.setdefault((s["metric"]["__name__"], s["metric"].get("agent")), 0)
                per_agent[(s["metric"]["__name__"], s["metric"].get("agent"))] += 1
        c.expect(result and not with_instance and per_agent and all(n == 1 for n in per_agent.values()),
                 "recorded series have no instance label: one series per agent for the whole fleet",
                 f"with instance: {with_instance}; per agent: {per_agent}")

        def at_evaluation(record: str, agent: str | None, recompute):
            """Polls until the recorded sample equals `recompute(t)` at the sample's own
            timestamp t. A scrape that lands just after an evaluation makes a later re-query
            see one sample more than the rule did; the next evaluations will agree."""
            selector = f'{{agent="{agent}"}}' if agent else ""

            def probe():
                self.alive()
                now = time.time()
                # An instant query answers with the query's time; timestamp() gives the sample's.
                sample = self.query(f"{record}{selector}", at=now)
                stamp = self.query(f"timestamp({record}{selector})", at=now)
                if len(sample) != 1 or len(stamp) != 1:
                    return False, f"{len(sample)} series"
                t, recorded = float(stamp[0]["value"][1]), float(sample[0]["value"][1])
                expected, parts = recompute(t)
                same = expected is not None and math.isclose(recorded, expected, rel_tol=1e-9, abs_tol=1e-12)
                return same, f"recorded {recorded!r} at {t}, recomputed {expected!r} from {parts}"

            return poll(probe, timeout=20, interval=0.3)

        def per_instance(expr_of):
            def recompute(t):
                parts = {g.name: self.value(expr_of(g.instance), at=t) for g in (a, b)}
                if any(v is None for v in parts.values()):
                    return None, parts
                return sum(parts.values()), parts
            return recompute

        for record, metric in (("agent:model_requests:rate5m", "model_requests_total"),
                               ("agent:model_errors:rate5m", "model_errors_total")):
            done, detail = at_evaluation(record, "qa_agent", per_instance(
                lambda i, m=metric: f'sum(rate({m}{{agent="qa_agent", instance="{i}"}}[5m]))'))
            c.expect(done, f"{record}{{agent=qa_agent}} is the sum of both gateways' rates", str(detail))
        done, detail = at_evaluation("gateway:model_cost_usd:rate15m", None, per_instance(
            lambda i: f'sum(rate(model_cost_usd_total{{instance="{i}"}}[15m]))'))
        c.expect(done, "gateway:model_cost_usd:rate15m is the sum of both gateways' spend", str(detail))

        # One bad gateway out of two: qa_agent's first attempts fail 7.5% of the time on A,
        # never on B, at the same request rate. The agent's ratio is the fleet's, between the
        # two gateways' own: HighModelErrorRate watches an agent, not a host.
        last = {}

        def fleet_ratio(t):
            errors = {g.name: self.value(f'sum(rate(model_errors_total{{agent="qa_agent", instance="{g.instance}"}}[5m])) or vector(0)', at=t) for g in (a, b)}
            requests = {g.name: self.value(f'sum(rate(model_requests_total{{agent="qa_agent", instance="{g.instance}"}}[5m]))', at=t) for g in (a, b)}
            # Until two scrapes have seen A's first errors, its error rate is still 0.
            if None in errors.values() or None in requests.values() or not all(requests.values()) or not errors["a"]:
                return None, (errors, requests)
            last.update(errors=errors, requests=requests)
            return sum(errors.values()) / sum(requests.values()), (errors, requests)

        done, detail = at_evaluation("agent:model_errors_per_requests:ratio_rate5m", "qa_agent", fleet_ratio)
        c.expect(done, "agent:model_errors_per_requests:ratio_rate5m{agent=qa_agent} is (errors A + errors B) / "
                 "(requests A + requests B)", str(detail))
        if done:
            # The ratios over the same 5-minute windows, at the evaluation that matched. (Early in
            # a run, A's ratio reads below the writer's 7.5%: rate() cannot count the first error
            # of a new error_type series, and the window holds only seconds of traffic.)
            ratio = {g: last["errors"][g] / last["requests"][g] for g in ("a", "b")}
            fleet = sum(last["errors"].values()) / sum(last["requests"].values())
            c.expect(ratio["b"] == 0 < fleet < ratio["a"],
                     f"a fault on one gateway is diluted by the healthy one: qa_agent's error ratio on A "
                     f"{ratio['a']:.1%}, on B {ratio['b']:.1%}, fleet-wide {fleet:.1%} (alert threshold 5%)")

        # ModelUnavailable's `max by (agent)`: legal_agent's newest call on B is two hours old,
        # but A serves it now, so the agent is available.
        on_b = self.value(f'time() - max(model_last_request_timestamp_seconds{{agent="legal_agent", instance="{b.instance}"}})')
        fleet_age = self.value('time() - max by (agent) (model_last_request_timestamp_seconds{agent="legal_agent"})')
        c.expect(on_b is not None and fleet_age is not None and on_b > 600 and fleet_age < 600,
                 f"ModelUnavailable holds fleet-wide: legal_agent silent on B for {(on_b or 0) / 60:.0f} min, "
                 f"served by A {(fleet_age or 0):.0f} s ago: not unavailable")

    # --- run ----------------------------------------------------------------
    def run(self) -> None:
        self.check_dashboard_model()
        self.start_stack()
        self.check_queries()
        self.check_exemplars()
        self.check_fleet()
        self.alive()

    def stop(self) -> None:
        for gateway in self.gateways.values():
            if gateway.writer is not None:
                gateway.writer.stop()
        self.servers.stop()

    def diagnostics(self) -> None:
        print("\n===== diagnostics (the run failed) =====")
        for name, text in self.artifacts.items():
            print(f"\n--- {name} ---\n{text}")
        self.servers.print_logs(40)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(REPO, ".build", "debug", "model-exporter"))
    parser.add_argument("--dashboard", default=os.path.join(REPO, "dashboards", "model-exporter.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    for tool in ("prometheus", "promtool"):
        if which(tool) is None:
            print(f"e2e-dashboard: {tool} not found; install it with: apt-get install -y prometheus", file=sys.stderr)
            return 2

    return run_to_the_end("e2e-dashboard", lambda: Run(args), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
