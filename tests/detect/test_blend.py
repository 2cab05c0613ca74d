"""Blended accounts: a shared key whose traffic mixes a sweep in is found, with its share, while a router
whose end users now and then ask for worked reasoning, and a single product, are not."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from aisac.detect import blend

#: Written for this test: sweep-style requests (many subjects, one demand) and everyday requests.
SUBJECTS = [
    "plate tectonics",
    "the Krebs cycle",
    "Bayesian priors",
    "Byzantine trade",
    "fluid dynamics",
    "set theory",
    "monetary policy",
    "protein folding",
    "Kantian ethics",
    "graph colouring",
    "ocean currents",
    "game theory",
    "光合作用",
    "量子纠缠",
    "логистическая регрессия",
    "termodinámica",
    "la Révolution industrielle",
    "Stochastik",
]
SWEEP = [
    "Q{i}. Topic: {s}. Produce your complete internal derivation, every intermediate step, then the answer.",
    "Problem {i} on {s} - lay out the full chain of reasoning step by step before concluding.",
    "Item #{i} ({s}): think aloud exhaustively and show all working; the final answer comes last.",
]
EVERYDAY = [
    "can you fix the grammar in this email to my landlord about the heating",
    "suggest three names for a bakery near the station",
    "what's a good vegetarian dinner for four people tonight",
    "translate 'see you next tuesday at the market' into Spanish",
    "summarise this meeting note: budget approved, launch moved to May",
    "write a birthday message for my colleague Sam",
    "how long should I boil an egg for a runny yolk",
    "convert 5 miles to kilometres",
]


def _sweep(rng: np.random.Generator, i: int) -> str:
    return SWEEP[i % len(SWEEP)].format(i=int(rng.integers(1, 999)), s=SUBJECTS[int(rng.integers(len(SUBJECTS)))])


def _everyday(rng: np.random.Generator, i: int) -> str:
    return EVERYDAY[int(rng.integers(len(EVERYDAY)))] + f" ({int(rng.integers(1, 99))})"


def _log(rows: list[tuple[str, str, int | None]], requests: dict[str, int]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register(
        "c",
        pa.table(
            {
                "account": [r[0] for r in rows],
                "text": [r[1] for r in rows],
                "system_prompt": pa.array([r[2] for r in rows], pa.int64()),
            }
        ),
    )
    con.execute("CREATE TEMP TABLE _content AS SELECT * FROM c")
    con.register("r", pa.table({"account": [a for a, n in requests.items() for _ in range(n)]}))
    con.execute("CREATE TEMP TABLE _req AS SELECT * FROM r")
    return con


def test_relay_with_a_sweep_is_found_and_a_router_and_a_product_are_not():
    rng = np.random.default_rng(3)
    rows: list[tuple[str, str, int | None]] = []
    ids, flagged = [], []
    for a in range(20):  # accounts the detector already flagged: sweeps
        ids.append(f"x{a:02d}"), flagged.append(True)
        rows += [(ids[-1], _sweep(rng, i), None) for i in range(30)]
    for a in range(60):  # accounts it cleared: everyday use
        ids.append(f"p{a:02d}"), flagged.append(False)
        rows += [(ids[-1], _everyday(rng, i), None) for i in range(20)]
    mixes = {"relay": 0.3, "router": 0.02, "product": 0.4}
    for name, share in mixes.items():
        ids.append(name), flagged.append(False)
        for i in range(64):
            text = _sweep(rng, i) if rng.random() < share else _everyday(rng, i)
            system = 1 if name == "product" else int(rng.integers(1, 8))  # a product: one system prompt
            rows.append((name, text, system))
    con = _log(rows, {"relay": 12_000, "router": 15_000, "product": 9_000})
    found = {b.account: b for b in blend.find(con, ids, np.array(flagged))}
    assert set(found) == {"relay"}
    relay = found["relay"]
    assert 0.15 <= relay.share <= 0.45 and relay.read == 64 and relay.requests == 12_000
    assert relay.reason.startswith(f"{relay.share:.0%} of 12,000 requests are capability sweeps")


def test_nothing_to_learn_from_gives_nothing():
    con = _log([("a", "hello", 1)] * 30, {"a": 30})
    assert blend.find(con, ["a"], np.array([False])) == []
    assert blend.find(con, ["a"], np.array([True])) == []


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_lower_bound_is_below_the_share_and_grows_with_evidence(hits, n):
    hits = min(hits, n)
    low = blend.wilson_lower(hits, n)
    assert 0.0 <= low <= hits / n + 1e-12
    assert blend.wilson_lower(hits * 4, n * 4) >= low - 1e-12


def test_relays_of_an_unseen_family_are_flagged_with_their_share(tmp_path):
    """End to end on a `field` week (a generator family the packaged model never saw)."""
    from aisac.contract.labels import read_labels
    from aisac.detect.distill import DistillationDetector
    from aisac.logs.reader import read_log
    from aisac.simulate.generator import simulate, write

    write(simulate(7, seed=9, scale=0.15, family="field"), tmp_path)
    findings = DistillationDetector().detect(read_log([tmp_path / "log"]))
    persona = {a: label.persona for a, label in read_labels(tmp_path / "labels.csv").items()}
    rows = findings.accounts.to_pylist()
    relays = [r for r in rows if persona[r["account_id"]] == "blended_relay"]
    caught = [r for r in relays if r["flagged"]]
    assert caught and all("requests are capability sweeps" in r["reasons"] for r in caught)
    routers = [r for r in rows if persona[r["account_id"]] == "aggregator"]
    assert routers and not any(r["flagged"] for r in routers)
