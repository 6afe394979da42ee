"""The processes of the end-to-end test and the webhook that stands in for pager and chat."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """A port free on 127.0.0.1 right now. Servers that cannot listen on :0 and report the
    port need one chosen for them; the window between close and their bind is tiny."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class ServerProcess:
    """A child process with its output in a log file, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, name: str, argv: list[str], log_path: str, cwd: str | None = None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        try:
            # Own process group: a Ctrl-C at the terminal reaches the harness, which then stops
            # its children in order instead of all of them dying at once.
            self.process = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.cwd, start_new_session=True)
        finally:
            log.close()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 80) -> str:
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])


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
