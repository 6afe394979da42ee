"""The alerting stack two end-to-end drivers share (alerts_e2e.py, demo_incidents_e2e.py): a
run that writes time-scaled copies of the shipped configs, checks them with promtool and amtool,
starts a real Alertmanager and Prometheus on free ports of 127.0.0.1, reads their alert APIs,
and prints what it saw when it fails. Each driver brings its own exporter, traffic and checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.parse

from harness import BaseRun
from localproc import poll
from rule_scaling import dump_yaml
from servers import WebhookReceiver, http_get, http_get_json


class AlertStackRun(BaseRun):
    def __init__(self, args, checks, prefix: str):
        super().__init__(args, checks, prefix)
        self.webhook: WebhookReceiver | None = None
        self.artifacts: dict[str, str] = {}  # printed on failure
        self.last_prometheus_alerts: list = []
        self.last_alertmanager_alerts: list = []

    def write(self, name: str, text: str) -> str:
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.artifacts[name] = text
        return path

    def command(self, name: str, argv: list[str]) -> None:
        result = subprocess.run(argv, capture_output=True, text=True, cwd=self.tmp)
        self.checks.require(result.returncode == 0, name, (result.stdout + result.stderr).strip())

    def alive(self) -> None:
        """Aborts the run when a server has exited; drivers add their own children's checks."""
        self.servers.alive()

    def prom(self, path: str, **params):
        self.alive()
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        body = http_get_json(f"http://127.0.0.1:{self.prom_port}{path}{query}")
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus {path}: {body}")
        return body["data"]

    def prometheus_alerts(self) -> list[dict]:
        alerts = self.prom("/api/v1/alerts")["alerts"]
        self.last_prometheus_alerts = alerts
        return alerts

    def alertmanager_alerts(self) -> list[dict]:
        self.alive()
        alerts = http_get_json(f"http://127.0.0.1:{self.am_port}/api/v2/alerts")
        self.last_alertmanager_alerts = alerts
        return alerts

    def write_stack_configs(self, shipped_prometheus: dict, rule_paths: list[str], am_config: dict) -> str:
        """prometheus.yml derived from the shipped one (1 s scrape and evaluation, the scaled
        rule files, this run's Alertmanager, its first scrape job aimed at this run's
        exporter) and the scaled alertmanager.yml, each checked by its own tool. Returns the
        scrape job's name. The ports must be chosen before."""
        prom_config = dict(shipped_prometheus)
        prom_config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
        prom_config["rule_files"] = rule_paths
        prom_config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{self.am_port}"]}]}]}
        job = dict(shipped_prometheus["scrape_configs"][0])
        job["static_configs"] = [{"targets": [f"127.0.0.1:{self.exporter_port}"]}]
        prom_config["scrape_configs"] = [job]
        self.write("prometheus.yml", dump_yaml(prom_config))
        self.command("promtool check config (derived from prometheus/prometheus.yml)",
                     ["promtool", "check", "config", self.path("prometheus.yml")])
        self.write("alertmanager.yml", dump_yaml(am_config))
        self.command("amtool check-config (derived from prometheus/alertmanager.yml)",
                     ["amtool", "check-config", self.path("alertmanager.yml")])
        return job["job_name"]

    def start_alertmanager_and_prometheus(self) -> None:
        self.servers.start("alertmanager", [
            "prometheus-alertmanager", f"--config.file={self.path('alertmanager.yml')}",
            f"--storage.path={self.path('alertmanager-data')}",
            f"--web.listen-address=127.0.0.1:{self.am_port}", "--cluster.listen-address="])
        self.servers.start("prometheus", [
            "prometheus", f"--config.file={self.path('prometheus.yml')}",
            f"--storage.tsdb.path={self.path('prometheus-data')}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}",
            # Prometheus re-sends firing alerts every minute; scaled like everything else.
            f"--rules.alert.resend-delay={max(1, round(60 / self.args.factor))}s"])
        for name, port in (("alertmanager", self.am_port), ("prometheus", self.prom_port)):
            def probe(port=port):
                self.alive()
                status, _ = http_get(f"http://127.0.0.1:{port}/-/ready")
                return status == 200, f"HTTP {status}"
            done, detail = poll(probe, timeout=30)
            self.checks.require(done, f"{name} ready", str(detail))

    def stop(self) -> None:
        self.servers.stop()
        if self.webhook is not None:
            self.webhook.stop()

    def diagnostics(self) -> None:
        print("\n===== diagnostics (the run failed) =====")
        for name, text in self.artifacts.items():
            print(f"\n--- {name} ---\n{text}")
        print("\n--- last /api/v1/alerts (prometheus) ---")
        print(json.dumps(self.last_prometheus_alerts, indent=1)[:20000])
        print("\n--- last /api/v2/alerts (alertmanager) ---")
        print(json.dumps(self.last_alertmanager_alerts, indent=1)[:20000])
        if self.webhook is not None:
            print("\n--- webhook notifications ---")
            print(self.webhook.dump())
        self.servers.print_logs()
