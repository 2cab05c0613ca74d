"""Real servers for tests and benchmarks: a hub process under uvicorn and a throwaway PostgreSQL cluster.

Both run as they would in production (a separate `aisac hub serve` process on 127.0.0.1; PostgreSQL started
with initdb/pg_ctl as the postgres user), so the tests exercise the real stack end to end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from aisac.contract.signing import generate_key, load_public_raw
from aisac.hub.members import add_member


@dataclass
class Credentials:
    """A member's name, role, API key and (labs) private signing key path."""

    name: str
    role: str
    key: str
    signing_key: Path | None


def enrol(engine: Engine, workdir: Path, roles: dict[str, str]) -> dict[str, Credentials]:
    """Add members (name -> role) with API keys; labs also get an Ed25519 signing key under `workdir`.

    These members may still push unsigned envelopes (tests and benchmarks push both kinds); the
    signed-pushes rule that registering a key turns on is tested on members enrolled for that.
    """
    out = {}
    for name, role in roles.items():
        signing = workdir / f"{name}.pem" if role == "lab" else None
        public = load_public_raw(generate_key(signing)) if signing else None
        out[name] = Credentials(
            name, role, add_member(engine, name, role, public, require_signed=False), signing
        )
    return out


class Unavailable(RuntimeError):
    """A server the caller asked for cannot be started here (e.g. PostgreSQL binaries missing)."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}"
            )
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server not listening on {port} after {timeout}s")


class HubProcess:
    """`aisac hub serve` in a child process; restartable on the same port and database."""

    def __init__(self, db_url: str, workdir: Path, extra: tuple[str, ...] = ()):
        self.db_url, self.workdir, self.extra = db_url, workdir, extra
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_key = workdir / "hub-log-key.pem"

    @property
    def url(self) -> str:
        """Base URL (discovery is at /taxii2/)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HubProcess:
        """Start the server and wait until it listens."""
        log = self.workdir / f"hub-{self.port}.log"
        cmd = [
            sys.executable,
            "-c",
            "from aisac.cli import main; main()",
            "hub",
            "serve",
            "--db",
            self.db_url,
            "--port",
            str(self.port),
            "--log-key",
            str(self.log_key),
            *self.extra,
        ]
        self.proc = subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, log)
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again: nothing in memory survives, only the database."""
        self.stop()
        self.start()


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        raise Unavailable(
            f"PostgreSQL binary {name!r} not found (install Debian's postgresql: bash scripts/system-deps.sh)"
        )
    return found


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a PostgreSQL cluster on a temp dir and free port; yield its SQLAlchemy server URL."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    base = Path(tempfile.mkdtemp(prefix="aisac-pg-"))
    data, port = base / "data", free_port()
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    try:
        subprocess.run(
            [*as_postgres, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        subprocess.run(
            [*as_postgres, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "pg.log"), "-w", "start"],
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/"
        finally:
            subprocess.run(
                [*as_postgres, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the cluster and return its URL."""
    import psycopg

    with psycopg.connect(
        server_url.replace("postgresql+psycopg", "postgresql") + "postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url + name
