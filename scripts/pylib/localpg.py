"""A PostgreSQL 15 server of the caller's own, for the benchmark harness (and any Python driver
that needs one): `initdb` into a fresh temporary directory, a free port on 127.0.0.1, started and
stopped by the caller, never a shared server. The Swift tests have their own twin
(Tests/FleetReplicaTests/Support/LocalPostgresServer.swift): the two languages cannot share one.

PostgreSQL refuses to run as root; when we are root (CI, this machine) the server runs as
`nobody` through `setpriv`, in a directory chowned to it. Password authentication
(scram-sha-256), as a fleet's server would have. Standard library only.
"""

from __future__ import annotations

import os
import pwd
import grp
import secrets
import shutil
import subprocess
import tempfile

import localproc

BINARIES = "/usr/lib/postgresql/15/bin"


class PostgresError(OSError):
    """The server could not be made or started; says what it printed."""


class LocalPostgres:
    # /tmp, not the caller's scratch directory: `nobody` must be able to reach the data
    # directory, and mkdtemp makes every directory on the way private (0700).
    def __init__(self, *, parent: str = "/tmp", fsync: bool = True, user: str = "exporter",
                 database: str = "fleet") -> None:
        if not os.access(os.path.join(BINARIES, "initdb"), os.X_OK):
            raise PostgresError(f"PostgreSQL 15 is not installed ({BINARIES}/initdb): run scripts/install-deps")
        self.directory = tempfile.mkdtemp(prefix="model-exporter-pg.", dir=parent)
        os.chmod(self.directory, 0o755)
        self.data = os.path.join(self.directory, "data")
        self.user, self.database = user, database
        self.password = "pw-" + secrets.token_hex(6)
        self.port = localproc.free_port()
        self.fsync = fsync
        self.process: subprocess.Popen | None = None
        self._as_nobody = os.geteuid() == 0
        self._chown(self.directory)
        password_file = os.path.join(self.directory, "password")
        with open(password_file, "w") as f:
            f.write(self.password + "\n")
        self._chown(password_file)
        out = self._run([os.path.join(BINARIES, "initdb"), "-D", self.data, "-U", user, f"--pwfile={password_file}",
                         "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions"])
        if out.returncode != 0:
            raise PostgresError(f"initdb failed: {out.stdout[-2000:]}")

    @property
    def url(self) -> str:
        return f"postgres://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}?sslmode=disable"

    def start(self, timeout: float = 60) -> None:
        log = open(os.path.join(self.directory, "postgres.log"), "ab")
        self.process = subprocess.Popen(
            self._wrap([os.path.join(BINARIES, "postgres"), "-D", self.data, "-h", "127.0.0.1", "-p", str(self.port),
                        "-k", self.directory, "-c", f"fsync={'on' if self.fsync else 'off'}",
                        "-c", "max_connections=40"]),
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd="/")

        def ready() -> bool:
            if self.process.poll() is not None:
                raise localproc.StopPolling(f"postgres exited at start: {self.log()[-2000:]}")
            return subprocess.run([os.path.join(BINARIES, "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"]).returncode == 0

        localproc.poll(ready, timeout=timeout, interval=0.05)
        created = self._run([os.path.join(BINARIES, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                             "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {self.database}"],
                            env={"PGPASSWORD": self.password})
        if created.returncode != 0 and "already exists" not in created.stdout:
            raise PostgresError(f"cannot create the database: {created.stdout[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            localproc.stop(self.process, timeout=60)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        try:
            with open(os.path.join(self.directory, "postgres.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self) -> "LocalPostgres":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.remove()

    def _chown(self, path: str) -> None:
        if self._as_nobody:
            nobody = pwd.getpwnam("nobody")
            os.chown(path, nobody.pw_uid, nobody.pw_gid)

    def _wrap(self, argv: list[str]) -> list[str]:
        if not self._as_nobody:
            return argv
        group = grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
        return ["/usr/bin/setpriv", "--reuid=nobody", f"--regid={group}", "--clear-groups"] + argv

    def _run(self, argv: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
        return subprocess.run(self._wrap(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              stdin=subprocess.DEVNULL, cwd="/", env=environment)
