"""Simulate one lab's API traffic for some days and write it as an api-log-v1 log with labels."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.contract.labels import LABEL_COLUMNS, LABELS_FILE, PHASES_FILE, write_phases
from aisac.logs import schema
from aisac.logs.writer import time_columns_of, write_table
from aisac.simulate.families import family as family_of
from aisac.simulate.lab import DAY_US, Lab
from aisac.simulate.personas import CAMPAIGNS
from aisac.simulate.phases import campaign_phases

DEFAULT_START = datetime(2026, 4, 6, tzinfo=UTC)
DEFAULT_MIX: dict[str, int] = dict.fromkeys(CAMPAIGNS, 1)
TIME_COLUMNS = time_columns_of(schema.COLUMNS)


#: The second random stream (account pathways) is seeded from the seed and this tag, apart from the first.
SIDE_STREAM = 0x9A7


@dataclass
class Simulation:
    log: pa.Table
    labels: pa.Table
    #: Per distillation account, when its traffic became the campaign's (see `aisac.simulate.phases`).
    phases: pa.Table


def parse_mix(spec: str, family: str = "default") -> dict[str, int]:
    """`hydra_cot=2,pivot=1` -> {"hydra_cot": 2, "pivot": 1}; a bare kind counts once."""
    mix: dict[str, int] = {}
    kinds = family_of(family).kinds
    for item in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, count = item.partition("=")
        if kind not in kinds:
            raise ValueError(f"unknown campaign kind {kind!r}; known: {', '.join(kinds)}")
        if count and not count.isdigit():
            raise ValueError(f"campaign count for {kind!r} must be a whole number, got {count!r}")
        mix[kind] = mix.get(kind, 0) + (int(count) if count else 1)
    return mix


def simulate(days: int = 7, seed: int = 0, scale: float = 1.0, *, start: datetime = DEFAULT_START,
             mix: Mapping[str, int] | None = None, step: Callable[[str], None] | None = None,
             family: str = "default") -> Simulation:
    """Generate the traffic; deterministic for a seed. `step` is told the name of each persona as it runs;
    `family` picks the generator family (see `aisac.simulate.families`)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if scale <= 0:
        raise ValueError("scale must be positive")
    lab = Lab(np.random.default_rng(seed), int(start.timestamp() * 1_000_000), days,
              np.random.default_rng([seed, SIDE_STREAM]))
    chosen = family_of(family)
    chosen.populate(lab, scale, dict.fromkeys(chosen.kinds, 1) if mix is None else mix, step)
    log, labels = chosen.quirks(lab.table()), lab.labels()
    return Simulation(log, labels, campaign_phases(log, labels, lab.takeovers()))


def write(sim: Simulation, out: Path, fmt: str = "parquet") -> list[Path]:
    """Write the log (one file per day under `out/log/`), `out/labels.csv` and `out/campaign_phases.csv`;
    returns the log files."""
    logdir = out / "log"
    logdir.mkdir(parents=True, exist_ok=True)
    for old in logdir.glob("day-*"):
        old.unlink()
    times = pc.cast(sim.log[schema.TIME], pa.int64()).to_numpy()
    day = times // DAY_US - times.min() // DAY_US if len(times) else times  # UTC calendar days
    bounds = np.searchsorted(day, np.arange(day.max() + 2 if len(day) else 1))
    paths = []
    for d in range(len(bounds) - 1):
        path = logdir / f"day-{d + 1:02d}.{fmt}"
        write_table(sim.log.slice(bounds[d], bounds[d + 1] - bounds[d]), path, fmt, TIME_COLUMNS)
        paths.append(path)
    with open(out / LABELS_FILE, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(LABEL_COLUMNS)
        writer.writerows(zip(*(sim.labels[c].to_pylist() for c in LABEL_COLUMNS), strict=True))
    write_phases(sim.phases.to_pylist(), out / PHASES_FILE)
    return paths
