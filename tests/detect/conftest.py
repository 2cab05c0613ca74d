from __future__ import annotations

import pytest

from aisac.simulate.generator import simulate, write


@pytest.fixture(scope="session")
def small_week(tmp_path_factory):
    """A small simulated week (seed 5: never used to train the detector) written as Parquet, with labels."""
    out = tmp_path_factory.mktemp("week")
    write(simulate(7, seed=5, scale=0.12), out)
    return out
