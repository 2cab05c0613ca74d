"""Generator families: independently written populations of one lab, so a detector can be tested on traffic
it was not built from (`aisac simulate --family NAME`).

`default` is the original population (`aisac.simulate.personas`); `field` is written from descriptions of
the threat and of a gateway's logging (`aisac.simulate.families.field`). A family gives its benign personas,
its campaign kinds, the personas that count as heavy, and how its gateway logs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from aisac.simulate import personas
from aisac.simulate.families import field
from aisac.simulate.lab import Lab


@dataclass(frozen=True)
class Family:
    name: str
    kinds: tuple[str, ...]
    heavy: tuple[str, ...]
    populate: Callable[[Lab, float, Mapping[str, int], Callable[[str], None] | None], None]
    quirks: Callable[[pa.Table], pa.Table] = lambda table: table


def _populate(benign, campaigns, world: Callable[[Lab], object]):
    """A family's `populate`: every benign persona, then the campaigns of the mix, numbered in order."""

    def populate(lab: Lab, scale: float, mix: Mapping[str, int], step: Callable[[str], None] | None) -> None:
        target = world(lab)
        for persona in benign:
            if step:
                step(persona.__name__)
            persona(target, scale)
        number = 1
        for kind, count in mix.items():
            for _ in range(count):
                if step:
                    step(kind)
                campaigns[kind](target, scale, number)
                number += 1

    return populate


FAMILIES: dict[str, Family] = {
    "default": Family(
        "default",
        tuple(personas.CAMPAIGNS),
        personas.HEAVY_BENIGN,
        _populate(personas.BENIGN, personas.CAMPAIGNS, lambda lab: lab),
    ),
    "field": Family(
        "field",
        tuple(field.CAMPAIGNS),
        field.HEAVY_BENIGN,
        _populate(field.BENIGN, field.CAMPAIGNS, field.Week),
        field.logging_quirks,
    ),
}
#: Every persona, of any family, that sends heavy legitimate traffic (the costliest false positives).
HEAVY_BENIGN: tuple[str, ...] = tuple(dict.fromkeys(p for f in FAMILIES.values() for p in f.heavy))
#: Benign persona functions per family, for counting progress steps.
BENIGN_STEPS = {"default": len(personas.BENIGN), "field": len(field.BENIGN)}


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown family {name!r}; known: {', '.join(FAMILIES)}") from None
