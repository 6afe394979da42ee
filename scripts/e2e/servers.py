"""HTTP helpers of the end-to-end tests and the webhook that stands in for pager and chat. The
child processes and free ports are scripts/pylib/localproc.py's."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_get_json(url: str, timeout: float = 2.0):
    status, body = http_get(url, timeout)
    if status != 200:
        raise RuntimeError(f"GET {url}: HTTP {status}: {body[:300]!r}")
    return json.loads(body)


class WebhookReceiver:
    """Records what Alertmanager posts. Receivers are webhooks at /receiver/<name>, so the
    path says which receiver the shipped routing tree chose."""

    def __init__(self):
        self.notifications: list[dict] = []  # {"path", "received_at", "body"}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsable": raw.decode("utf-8", "replace")}
                with receiver._lock:
                    receiver.notifications.append({"path": self.path, "received_at": time.time(), "body": body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/receiver"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def alerts(self) -> list[tuple[str, str, dict]]:
        """(receiver, status, labels) for every alert in every notification so far."""
        with self._lock:
            notifications = list(self.notifications)
        out = []
        for n in notifications:
            receiver = n["path"].rsplit("/", 1)[-1]
            for alert in n["body"].get("alerts", []):
                out.append((receiver, alert.get("status", "?"), alert.get("labels", {})))
        return out

    def dump(self) -> str:
        with self._lock:
            return json.dumps(self.notifications, indent=1)[:20000]


def which(name: str) -> str | None:
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None
