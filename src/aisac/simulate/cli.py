"""`aisac simulate`: write a week (or N days) of one lab's API traffic with ground-truth labels."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from aisac.console import fail, out, progress
from aisac.logs.writer import FORMATS
from aisac.simulate.families import BENIGN_STEPS, FAMILIES
from aisac.simulate.families import family as family_of
from aisac.simulate.generator import parse_mix, simulate, write


def command(
    out_dir: Path = typer.Option(..., "--out", help="Directory for log/ and labels.csv."),
    days: int = typer.Option(7, min=1, help="Days of traffic."),
    seed: int = typer.Option(0, help="Random seed; the same seed gives the same traffic."),
    scale: float = typer.Option(1.0, min=0.001, help="Account-count multiplier (1.0 is about 1M requests a week)."),
    mix: str = typer.Option("", help="Campaigns to run, e.g. 'hydra_cot=2,pivot=1' (default: one of each kind)."),
    fmt: str = typer.Option("parquet", "--format", help=f"Log container: {', '.join(FORMATS)}."),
    family: str = typer.Option("default", help=f"Generator family: {', '.join(FAMILIES)}."),
    labs: int = typer.Option(None, "--labs", min=1, max=6,
                             help="Simulate this many labs in one world (DIR/lab-a/, ..., DIR/operators.csv)."),
) -> None:
    """Simulate one lab's traffic: benign personas (hard negatives included) and distillation campaigns."""
    if labs is not None:
        if family != "default" or mix:
            fail("--labs builds its own world from the default family; drop --family/--mix")
        _labs(out_dir, labs, days, seed, scale, fmt)
        return
    try:
        kinds = family_of(family).kinds
    except ValueError as exc:
        fail(f"--family: {exc}")
    try:
        campaigns = parse_mix(mix, family) if mix else None
    except ValueError as exc:
        fail(f"--mix: {exc}")
    start = time.perf_counter()
    steps = BENIGN_STEPS[family] + (sum(campaigns.values()) if campaigns else len(kinds))
    with progress("simulating", steps) as advance:
        sim = simulate(days, seed, scale, mix=campaigns, step=lambda name: advance(1, name), family=family)
    paths = write(sim, out_dir, fmt)
    seconds = time.perf_counter() - start
    out.print(f"{sim.log.num_rows:,} requests from {sim.labels.num_rows:,} accounts in {len(paths)} files "
              f"under {out_dir / 'log'} ({seconds:.1f} s); labels in {out_dir / 'labels.csv'}")


def _labs(out_dir: Path, labs: int, days: int, seed: int, scale: float, fmt: str) -> None:
    """Several labs in one world, with operators that cross labs (see `aisac.simulate.multilab`)."""
    from aisac.simulate.multilab import simulate_labs, write_labs

    start = time.perf_counter()
    with progress("simulating labs", None) as advance:
        world = simulate_labs(labs, days, seed, scale, step=lambda name: advance(1, name))
    write_labs(world, out_dir, fmt)
    for name, sim in world.labs.items():
        out.print(f"{name}: {sim.log.num_rows:,} requests from {sim.labels.num_rows:,} accounts -> {out_dir / name}")
    operators = len(set(world.operators["operator"].to_pylist()))
    out.print(f"{operators} operators in {out_dir / 'operators.csv'} ({time.perf_counter() - start:.1f} s)")
