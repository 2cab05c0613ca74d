"""Signed checkpoints of the transparency log: after every request that added leaves, and once a minute.

The hub's Ed25519 log key lives in a file outside the database (`aisac hub serve --log-key`), so someone who
can edit the database but not read that file cannot sign a rewritten history.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, insert, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aisac.contract.note import Checkpoint, Verifier, sign, verifier_for
from aisac.contract.signing import generate_key, load_private
from aisac.hub import tlog
from aisac.hub.db import serialized
from aisac.hub.models import tlog_checkpoints
from aisac.hub.timefmt import now_us

DEFAULT_ORIGIN = "aisac-hub"
KEY_ENV = "AISAC_HUB_LOG_KEY"
ORIGIN_ENV = "AISAC_HUB_LOG_ORIGIN"
INTERVAL_S = 60.0
log = logging.getLogger(__name__)


def default_key_path(db_url: str) -> Path:
    """Beside a SQLite database file; otherwise ~/.config/aisac/hub-log-key.pem."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url.removeprefix("sqlite:///") + ".log-key.pem")
    return Path.home() / ".config" / "aisac" / "hub-log-key.pem"


@dataclass(frozen=True)
class LogKey:
    """The log's signing key and its name (the checkpoint origin)."""

    key: Ed25519PrivateKey
    origin: str

    @classmethod
    def load(cls, path: Path, origin: str = DEFAULT_ORIGIN, create: bool = False) -> LogKey:
        """Load the PEM key at `path`; with `create`, generate it (0600) when absent."""
        if not path.exists():
            if not create:
                raise FileNotFoundError(f"no transparency-log key at {path}")
            generate_key(path)
        return cls(load_private(path), origin)

    @property
    def verifier(self) -> Verifier:
        """The verifier key members pin."""
        return verifier_for(self.key, self.origin)


def sign_checkpoint(engine: Engine, log_key: LogKey) -> Checkpoint | None:
    """Sign a checkpoint of the current tree when it grew since the last one (or none exists)."""
    with serialized(engine, tlog.LOCK) as conn:
        tlog.lock(conn)
        n = tlog.size(conn)
        last = conn.execute(select(func.max(tlog_checkpoints.c.size))).scalar()
        if last is not None and n <= last:
            return None
        checkpoint = Checkpoint(log_key.origin, n, tlog.frontier(conn, n).root())
        conn.execute(
            insert(tlog_checkpoints).values(
                size=n,
                root=checkpoint.root,
                signed_at=now_us(),
                note=sign(checkpoint.text(), log_key.origin, log_key.key),
            )
        )
        return checkpoint


class Checkpointer:
    """Signs checkpoints for one hub process: on demand after writes, and on a timer."""

    def __init__(self, engine: Engine, log_key: LogKey, interval_s: float = INTERVAL_S):
        self.engine, self.log_key, self.interval_s = engine, log_key, interval_s
        self._signed = -1
        self._stop = threading.Event()

    def sign_if_grown(self) -> None:
        """Sign when the log has more leaves than the last checkpoint this process knows of."""
        with self.engine.connect() as conn:
            n = tlog.size(conn)
        if n != self._signed:
            sign_checkpoint(self.engine, self.log_key)
            self._signed = n

    def start(self) -> None:
        """Sign now, then every interval (covers leaves written by `aisac hub` admin commands)."""
        self.sign_if_grown()
        threading.Thread(target=self._tick, name="tlog-checkpoints", daemon=True).start()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.sign_if_grown()
            except Exception:
                continue

    def stop(self) -> None:
        """Stop the timer."""
        self._stop.set()


class CheckpointMiddleware:
    """Signs a checkpoint before a request's answer leaves, so what the request logged is already signed."""

    def __init__(self, app: ASGIApp, checkpointer: Checkpointer):
        self.app, self.checkpointer = app, checkpointer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def signed(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    await anyio.to_thread.run_sync(self.checkpointer.sign_if_grown)
                except Exception:  # the change is committed: answer it; the minute timer signs it later
                    log.exception("signing a transparency-log checkpoint failed")
            await send(message)

        await self.app(scope, receive, signed)


def key_from_env(db_url: str, path: Path | None, origin: str | None) -> tuple[Path, str]:
    """The key path and origin: options, then AISAC_HUB_LOG_KEY / AISAC_HUB_LOG_ORIGIN, then defaults."""
    key_path = path or Path(os.environ.get(KEY_ENV) or default_key_path(db_url))
    return key_path, origin or os.environ.get(ORIGIN_ENV) or DEFAULT_ORIGIN
